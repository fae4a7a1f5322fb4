"""The incident corpus that bench/incidents.py scores findings on: its truth must be right.

bench/ is not a package: the module is loaded by path, as tests/logcore/test_templates.py does.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "bench" / "incident_corpus.py"
ERRORISH = re.compile(r"(?i)\berror\b|^E\d{4} ")


@pytest.fixture(scope="module")
def corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_incident_corpus", CORPUS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def incidents(corpus: ModuleType) -> list:
    return corpus.generate_corpus(seed=0)


def test_same_seed_same_corpus_other_seed_other_corpus(corpus: ModuleType, incidents: list) -> None:
    again = corpus.generate_corpus(seed=0)
    assert [i.lines for i in again] == [i.lines for i in incidents]
    assert [i.truth for i in again] == [i.truth for i in incidents]
    other = corpus.generate_corpus(seed=1)
    assert all(a.lines != b.lines for a, b in zip(other, incidents))


def test_enough_incidents_and_layouts(incidents: list) -> None:
    assert len(incidents) >= 12
    assert len({i.layout for i in incidents}) >= 8
    assert len({i.truth.scenario for i in incidents}) >= 12


def test_truth_lines_are_the_planted_trigger_lines(incidents: list) -> None:
    for inc in incidents:
        planted = [n for n, role in enumerate(inc.roles, 1) if role == "trigger"]
        assert list(inc.truth.trigger_lines) == planted, inc.name
        first = inc.lines[inc.truth.trigger_lines[0] - 1].lower()
        # the trigger line names what a right explanation names (job, volume, mechanism)
        assert any(word.lower() in first for word in inc.truth.explanation[0]), (inc.name, first)
        assert inc.roles[inc.truth.onset_line - 1] == "consequence"
        assert "consequence" not in inc.roles[: inc.truth.onset_line - 1], inc.name


def test_consequences_come_after_the_trigger_interleaved_with_traffic(incidents: list) -> None:
    for inc in incidents:
        assert inc.truth.onset_line > max(inc.truth.trigger_lines), inc.name
        last = max(n for n, role in enumerate(inc.roles, 1) if role == "consequence")
        during = Counter(inc.roles[inc.truth.onset_line - 1: last])
        assert during["consequence"] >= 40, inc.name
        assert during["background"] >= 20, inc.name  # normal traffic goes on during the flood


def test_trigger_is_never_the_most_frequent_error(incidents: list) -> None:
    for inc in incidents:
        counts = Counter(kind for kind, role in zip(inc.kinds, inc.roles) if role != "background")
        top_kind, top = counts.most_common(1)[0]
        assert not top_kind.startswith("trigger"), inc.name
        trigger_kinds = {k for k, role in zip(inc.kinds, inc.roles) if role == "trigger"}
        assert all(counts[k] < top / 3 for k in trigger_kinds), inc.name


def test_background_has_its_own_harmless_noise_and_an_error_before_the_trigger(incidents: list) -> None:
    for inc in incidents:
        first_trigger = inc.truth.trigger_lines[0]
        noise = [(n, kind, line) for n, (kind, role, line) in enumerate(zip(inc.kinds, inc.roles, inc.lines), 1) if role == "noise"]
        assert len({kind for _, kind, _ in noise}) >= 3, inc.name
        assert any(n < first_trigger and ERRORISH.search(line) for n, _, line in noise), inc.name
        # noise goes on after the trigger too: it is background, not a marker of "before"
        assert any(n > inc.truth.onset_line for n, _, _ in noise), inc.name


def test_no_single_word_finds_the_triggers(incidents: list) -> None:
    words = [set(re.findall(r"[a-z]{3,}", inc.lines[n - 1].lower())) for inc in incidents for n in inc.truth.trigger_lines]
    assert set.intersection(*words) == set()
    for word in ("started", "start", "changed", "reload", "deploy", "config", "job"):
        assert sum(word in w for w in words) < len(words) / 2, word


def test_explanation_rule(incidents: list) -> None:
    pool = next(i for i in incidents if i.name == "pool-exhaustion")
    job = pool.truth.explanation[0][0]
    assert pool.truth.explained_by(f"The {job} job took every connection of the pool (line 242).")
    assert not pool.truth.explained_by("Requests failed with 503 errors.")
    assert not pool.truth.explained_by(f"The {job} job started.")  # the mechanism is missing


def test_write_corpus_and_large_log(corpus: ModuleType, tmp_path: Path) -> None:
    paths = corpus.write_corpus(tmp_path / "corpus", seed=0)
    assert len(paths) >= 12 and (tmp_path / "corpus" / "truth.json").exists()
    # file names are neutral: a digest or prompt that names the file must not name the scenario
    assert not any(word in p.name for p in paths for word in ("pool", "cert", "disk", "clock", "cron", "deploy"))
    big = tmp_path / "big.log"
    truth = corpus.write_large_log(big, lines=20_000, seed=0)
    lines = big.read_text(encoding="utf-8").splitlines()
    assert 19_000 <= len(lines) <= 24_000
    job = truth.explanation[0][0]
    assert all(job in lines[n - 1] for n in truth.trigger_lines)
    assert "Connection is not available" in "\n".join(lines[truth.onset_line - 1: truth.onset_line + 5]) or \
        "503" in "\n".join(lines[truth.onset_line - 1: truth.onset_line + 5])


# ------------------------------------------------------------------------ multi-file incidents
@pytest.fixture(scope="module")
def multi(corpus: ModuleType) -> list:
    return corpus.generate_multi_corpus(seed=0)


def test_multi_file_incidents_are_seeded_and_varied(corpus: ModuleType, multi: list) -> None:
    assert [i.files for i in corpus.generate_multi_corpus(seed=0)] == [i.files for i in multi]
    assert all(a.files != b.files for a, b in zip(corpus.generate_multi_corpus(seed=1), multi))
    assert len(multi) >= 4 and len({i.truth.scenario for i in multi}) == len(multi)
    layouts = [layout for i in multi for layout in i.truth.layouts]
    assert len(set(layouts)) >= 8
    for inc in multi:
        assert len(inc.files) >= 2 and len({name for name, _ in inc.files}) == len(inc.files)
        assert len(set(inc.truth.layouts)) == len(inc.files), inc.name  # each file its own layout


def test_multi_file_cause_in_one_file_flood_in_others(multi: list) -> None:
    for inc in multi:
        roles = inc.roles
        trigger_files = {f for f, _ in inc.truth.triggers}
        assert len(trigger_files) == 1, inc.name
        (cause,) = trigger_files
        for file, line in inc.truth.triggers:
            assert roles[file][line - 1] == "trigger", (inc.name, file, line)
        assert [n for n, role in enumerate(roles[cause], 1) if role == "trigger"] == [n for _, n in inc.truth.triggers]
        flood = {f: sum(r == "consequence" for r in rs) for f, rs in roles.items()}
        assert flood[cause] == 0, inc.name  # the cause's own file logs no flood
        assert sum(flood.values()) >= 60 and sum(n > 0 for n in flood.values()) >= 2, inc.name
        onset_file, onset_line = inc.truth.onset
        assert roles[onset_file][onset_line - 1] == "consequence"
        assert onset_file != cause
        for file, lines in inc.files:  # each file has noise of its own, some of it before the trigger
            assert any(r == "noise" for r in roles[file][: inc.quiet[file]]), (inc.name, file)
            assert "trigger" not in roles[file][: inc.quiet[file]] and "consequence" not in roles[file][: inc.quiet[file]]


def test_multi_file_clocks_differ(multi: list) -> None:
    """One file writes local time with its offset, two write no year: the merge must align them."""
    first_lines = [lines[0] for inc in multi for _, lines in inc.files]
    assert any(re.search(r"T\d\d:\d\d:\d\d\.\d+\+02:00", line) for line in first_lines)
    assert any(re.match(r"[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d ", line) for line in first_lines)  # syslog, no year
    assert any(re.match(r"[IWEF]\d{4} \d\d:\d\d:\d\d", line) for line in first_lines)  # klog, no year
    config = next(i for i in multi if i.truth.scenario == "config_push")
    agent = dict(config.files)["agent.log"]
    trigger_line = agent[config.truth.triggers[0][1] - 1]
    gateway = dict(config.files)["gateway.log"]
    # the agent's trigger is printed two hours "later" than the other files' lines of that moment
    assert "+02:00" in trigger_line and "+0000" in gateway[0]


def test_write_multi_corpus(corpus: ModuleType, tmp_path: Path) -> None:
    folders = corpus.write_multi_corpus(tmp_path, seed=0)
    assert len(folders) >= 4 and (tmp_path / "multi-truth.json").exists()
    assert all(len(list(folder.glob("*.log"))) >= 2 for folder in folders)
