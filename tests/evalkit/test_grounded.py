"""Grounded metrics catch what lexical scores miss: cited lines, ids and errors not in the log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.grounded import alert_coverage, check_citations, risk_outcome
from evalkit.scoring import score_records
from evalkit.testset import parse_sample
from evalkit_tinyset import bgl_alert_window, loghub_lines, numbered


@pytest.fixture
def hdfs_log(loghub: Path) -> str:
    return numbered(loghub_lines(loghub, "HDFS", 0, 6), 101)  # lines 101-106 of the file


def test_a_faithful_answer_has_only_valid_citations(hdfs_log: str) -> None:
    answer = (
        "Lines 101-102 show `PacketResponder 1 for block blk_38865049064139660 terminating`; "
        "line 103 adds blk_7128370237687728475 on 10.251.73.220:50010."
    )
    citations = check_citations(answer, hdfs_log, 101)
    assert citations.invalid == []
    assert citations.valid == 6  # 101, 102, 103, the quoted span, the block id, the address


@pytest.mark.parametrize(
    "fabrication",
    [
        "line 412",  # past the end of the log
        "line 7",  # before its start
        "blk_-1234567890123456789",  # a block id that is not in the log
        "10.251.99.99:50010",  # an address that is not in the log
        '"Connection reset by peer while writing block"',  # an error string never logged
        "`DataXceiver: java.io.IOException`",
    ],
)
def test_planted_fabricated_citations_are_caught(hdfs_log: str, fabrication: str) -> None:
    answer = f"Line 103 shows the block added to blk_7128370237687728475; the failure is {fabrication}."
    citations = check_citations(answer, hdfs_log, 101)
    assert len(citations.invalid) == 1
    assert citations.invalid[0].strip('"`') in fabrication
    assert citations.valid == 2


def test_the_fabricated_share_and_validity_reach_the_score(hdfs_log: str) -> None:
    base = {"reference": "ref", "task": "summarize", "log": hdfs_log, "first_line": 101}
    records = [
        {**base, "prediction": "line 101 terminates blk_38865049064139660"},
        {**base, "prediction": "line 250 shows blk_-999999999 failing"},
    ]
    overall = score_records(records, resamples=0)["overall"]
    assert overall.metrics["citation_validity"] == pytest.approx(2 / 4)
    assert overall.metrics["fabricated"] == pytest.approx(1 / 2)


def test_bgl_alert_coverage_and_risk_precision_recall(loghub: Path) -> None:
    lines, first = bgl_alert_window(loghub, 5)
    log = numbered(lines, first)
    sample = parse_sample(
        {"messages": [{"role": "user", "content": "Q?\n\nLog content:\n\n" + log}, {"role": "assistant", "content": "A"}],
         "task": "rootcause", "system": "BGL", "chunk_id": "c"},
        where="test",
    )
    alerts = sorted(sample.labels)
    assert alerts and all(not lines[n - first].startswith("- ") for n in alerts)
    category = sample.labels[alerts[0]]

    named = alert_coverage(f"The {category} failures dominate.", check_citations("x", log, first), sample.labels)
    assert named.categories_covered == named.categories == 1 and named.lines_covered == 0
    cited_answer = f"See line {alerts[0]}."
    cited = alert_coverage(cited_answer, check_citations(cited_answer, log, first), sample.labels)
    assert cited.categories_covered == 1 and cited.lines_covered == 1
    missed = alert_coverage("All is well.", check_citations("All is well.", log, first), sample.labels)
    assert missed.categories_covered == 0

    flagged = [alerts[0], first]  # one alert line, one routine line
    outcome = risk_outcome(json.dumps({"risk_score": 60, "messages": {"critical": flagged, "warning": []}}), sample.labels)
    assert (outcome.flagged, outcome.true_positive, outcome.alerts) == (2, 1, len(alerts))
    assert not risk_outcome("no JSON here", sample.labels).valid_json


def test_quoting_the_digest_the_model_was_shown_is_grounded(hdfs_log: str) -> None:
    digest = "Digest of HDFS: lines 101-106\n[3x] PacketResponder <*> for block <*> terminating"
    answer = '"PacketResponder <*> for block <*> terminating" repeats; "Digest of HDFS: lines 101-106" says so.'
    assert check_citations(answer, hdfs_log, 101, shown=digest).invalid == []
    without = check_citations(answer, hdfs_log, 101)
    assert without.invalid == ["Digest of HDFS: lines 101-106"]  # the template still matches the log


def test_a_json_answer_is_checked_by_its_values_not_its_keys(hdfs_log: str) -> None:
    answer = json.dumps({"risk_score": 10, "messages": {"critical": [103]},
                         "summary": ["blocks added at line 103 on 10.251.73.220:50010", "line 900 fails"]})
    citations = check_citations(answer, hdfs_log, 101)
    assert citations.invalid == ["line 900"]
    assert citations.valid == 2  # line 103, the address; "risk_score" and "summary" are keys
