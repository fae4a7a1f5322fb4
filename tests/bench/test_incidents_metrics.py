"""The incident benchmark's scoring rules: what counts as citing a trigger line and as a hit."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from models.citations import check_citations

BENCH = Path(__file__).resolve().parents[2] / "bench" / "incidents.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_incidents", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def incident(bench: ModuleType):
    return bench.generate_corpus(seed=0)[0]


def score(bench: ModuleType, incident, answer: str):
    condition = bench.Condition("with findings", True, None)
    record = {"answer": answer, "prompt_tokens": 0, "seconds": 0.0}
    return bench.score_answer(incident, condition, record, check_citations, "Why?", "\n".join(incident.lines))


def test_a_citation_of_the_trigger_line_counts_a_wide_range_does_not(bench: ModuleType, incident) -> None:
    first = incident.truth.trigger_lines[0]
    assert score(bench, incident, f"The batch job started at line {first}.").cites_trigger
    assert score(bench, incident, f"See lines {first - 2}-{first + 2}.").cites_trigger
    assert not score(bench, incident, f"Errors fill lines 1-{len(incident.lines)}.").cites_trigger
    assert not score(bench, incident, f"The first error is at line {incident.truth.onset_line}.").cites_trigger


def test_an_invalid_citation_is_counted(bench: ModuleType, incident) -> None:
    answer = score(bench, incident, f"Line {len(incident.lines) + 50} shows the failure.")
    assert answer.citations == 1 and answer.invalid == 1


def test_rank_of_the_first_trigger_line_among_causes(bench: ModuleType) -> None:
    assert bench.trigger_rank([900, 62, 63], (62, 63)) == 2
    assert bench.trigger_rank([900, 901], (62,)) is None


def test_a_multi_file_hit_needs_the_right_file_and_a_trigger_line(bench: ModuleType) -> None:
    triggers = (("db.log", 297), ("db.log", 298))
    assert bench.multi_trigger_rank([("app.log", 297), ("db.log", 298)], triggers) == 2
    assert bench.multi_trigger_rank([("app.log", 297), ("proxy.log", 298)], triggers) is None  # right line, wrong file
    assert bench.multi_trigger_rank([(None, 297)], triggers) is None  # a bare line names no file


def test_a_multi_file_answer_cites_a_trigger_only_with_its_file(bench: ModuleType) -> None:
    inc = bench.generate_multi_corpus(seed=0)[0]
    file, line = inc.truth.triggers[0]
    other = next(name for name, _ in inc.files if name != file)
    condition = bench.Condition("with findings", True, None)

    def scored(answer: str):
        record = {"answer": answer, "prompt_tokens": 0, "seconds": 0.0}
        return bench.score_multi_answer(inc, condition, record, check_citations, "Why?", "")

    assert scored(f"The restart began at {file}:{line}.").cites_trigger
    assert not scored(f"The restart began at {other}:{line}.").cites_trigger
    assert not scored(f"The restart began at line {line}.").cites_trigger  # a merged row, not the file's line
    past = scored(f"See {file}:{len(dict(inc.files)[file]) + 5}.")
    assert past.citations == 1 and past.invalid == 1
