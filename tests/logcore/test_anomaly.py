"""Anomaly signals: the BGL alerts are found without labels, and other logs are not over-flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from logcore.anomaly import analyze, score_anomalies, score_columns
from logcore.formats import detect_format, parse_records
from logcore.line_signals import is_field_line, read_wording
from logcore.record_scan import scan
from logcore.templates import TemplateMiner


def _bgl(loghub: Path) -> tuple[list[str], list[bool]]:
    """The BGL slice with its alert column stripped (a real log has none) and the labels apart."""
    path = next((loghub / "BGL").glob("*.log"))
    lines, alerts = [], []
    for raw in path.read_text(encoding="utf-8").splitlines():
        label, _, rest = raw.partition(" ")
        lines.append(rest)
        alerts.append(label != "-")
    return lines, alerts


def test_bgl_alerts_are_flagged_with_f1_at_least_0_8(loghub: Path) -> None:
    lines, alerts = _bgl(loghub)
    flagged = {a.line for a in analyze(lines).anomalies}
    true_positives = sum(alerts[i] for i in flagged)
    precision = true_positives / len(flagged)
    recall = true_positives / sum(alerts)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.8, (precision, recall, f1)


def test_fatal_register_dump_lines_are_not_flagged_but_their_event_is(loghub: Path) -> None:
    lines, alerts = _bgl(loghub)
    analysis = analyze(lines)
    flagged = {a.line for a in analysis.anomalies}
    dump = [i for i, line in enumerate(lines) if "FATAL instruction address: 0x" in line]
    assert dump and not flagged.intersection(dump)
    storage = [i for i, line in enumerate(lines) if line.endswith("FATAL data storage interrupt")]
    assert storage and set(storage) <= flagged


@pytest.mark.parametrize("system", ["Apache", "HDFS", "Hadoop", "Linux", "OpenSSH", "Spark", "Thunderbird",
                                    "Zookeeper", "HPC"])
def test_other_systems_flag_a_small_share(loghub: Path, system: str) -> None:
    lines = next((loghub / system).glob("*.log")).read_text(encoding="utf-8", errors="replace").splitlines()
    analysis = analyze(lines)
    assert len(analysis.anomalies) <= 0.1 * len(lines)


def test_thunderbird_all_normal_sample_is_flagged_under_one_percent(loghub: Path) -> None:
    """Its lines carry no level; words such as "failed" alone must not flag 3 % of a normal log."""
    lines = next((loghub / "Thunderbird").glob("*.log")).read_text(encoding="utf-8", errors="replace").splitlines()
    lines = [line.partition(" ")[2] for line in lines]  # the alert column, all "-" here, cut off
    assert len(analyze(lines).anomalies) <= 0.01 * len(lines)


def test_every_suspect_line_is_scored_and_the_threshold_is_a_parameter() -> None:
    lines = [f"2024-05-01 10:00:{i % 60:02d},000 INFO [main] app.Worker: processed batch {i}" for i in range(300)]
    lines[100] = "2024-05-01 10:01:40,000 WARN [main] app.Worker: retrying batch 100"
    lines[200] = "2024-05-01 10:03:20,000 ERROR [main] app.Db: connection to db-1:5432 refused"
    result = scan(lines)
    default = score_columns(result.columns, result.miner)
    scores = dict(zip(default.scored_lines, default.scores))
    assert set(scores) == {100, 200} and scores[200] > scores[100] > 0
    assert [a.line for a in default.anomalies] == [200]
    low = score_columns(result.columns, result.miner, threshold=scores[100])
    assert [a.line for a in low.anomalies] == [100, 200]


def test_rare_error_is_flagged_with_reasons_and_routine_lines_are_not() -> None:
    lines = [f"2024-05-01 10:00:{i % 60:02d},000 INFO [main] app.Worker: processed batch {i} in {i % 7} ms"
             for i in range(300)]
    lines[200] = "2024-05-01 10:03:20,000 ERROR [main] app.Db: connection to db-1:5432 refused"
    lines[250] = "2024-05-01 10:04:10,000 INFO [main] app.Cache: cache warmed with 9 entries"
    anomalies = analyze(lines).anomalies
    assert [a.line for a in anomalies] == [200]
    reasons = " ".join(anomalies[0].reasons)
    assert "level ERROR" in reasons and "refused" in reasons and "new template" in reasons


def test_resolved_errors_are_not_trouble() -> None:
    assert read_wording("1 ddr error(s) detected and corrected on rank 0").resolved
    lines = ["kernel: instruction cache parity error corrected"] * 5 + ["kernel: heartbeat ok"] * 200
    assert analyze(lines).anomalies == []


def test_field_shapes() -> None:
    assert is_field_line("instruction address: 0x00004ed8")
    assert is_field_line("machine check: i-fetch......................0")
    assert is_field_line("lr:00004ed0 cr:28244842 xer:20000002 ctr:00086000")
    assert is_field_line("special purpose registers:")
    assert not is_field_line("Unexpected Exception:", has_strong_word=True)
    assert not is_field_line("Mounting other filesystems: failed")
    assert not is_field_line("ciod: failed to read message prefix on control stream (CioStream socket to 1.2.3.4:5")


def test_silence_and_burst_are_reported() -> None:
    lines = [f"2024-05-01 10:{i // 60:02d}:{i % 60:02d},000 INFO [main] app.Worker: tick {i}" for i in range(600)]
    # Six hours of nothing, then a burst of one error.
    lines += [f"2024-05-01 16:10:{i:02d},000 ERROR [main] app.Db: write failed on disk {i}" for i in range(8)]
    analysis = analyze(lines)
    assert [s.after_line for s in analysis.silences] == [600]
    first = analysis.anomalies[0]
    assert first.line == 600
    assert any("silence" in r for r in first.reasons)
    assert any("burst" in r for a in analysis.anomalies for r in a.reasons)


def test_every_line_gets_one_template_including_stack_frames() -> None:
    lines = [
        "2024-05-01 10:00:00,000 INFO [main] app.Server: started",
        "2024-05-01 10:00:01,000 ERROR [main] app.Server: request failed",
        "java.lang.IllegalStateException: boom",
        "\tat app.Server.handle(Server.java:42)",
        "\tat app.Server.run(Server.java:7)",
        "2024-05-01 10:00:02,000 INFO [main] app.Server: stopped",
    ]
    analysis = analyze(lines)
    ids = list(analysis.line_templates())
    assert len(ids) == len(lines)
    assert ids[2] == ids[3] == ids[4] == ids[1]  # the trace belongs to the error above it
    assert ids[0] != ids[1]


def test_score_anomalies_contract_matches_analyze(loghub: Path) -> None:
    lines, _ = _bgl(loghub)
    lines = [f"- {line}" for line in lines]  # the layout the BGL parser knows: an alert column
    fmt = detect_format(lines[:200])
    records = list(parse_records(lines, fmt))
    miner = TemplateMiner()
    assignments = [miner.add(r.message, r.line, r.level) for r in records]
    direct = score_anomalies(records, assignments, miner)
    assert [a.line for a in direct] == [a.line for a in analyze(lines).anomalies]
    assert len(direct) > 90


def test_silence_between_routine_lines_is_placed_exactly() -> None:
    """Routine lines' timestamps are only sampled; a gap found between samples is pinned down."""
    lines = [f"2024-05-01 10:{i // 60:02d}:{i % 60:02d},000 INFO [main] app.Worker: tick {i}" for i in range(537)]
    lines += [f"2024-05-01 18:{i // 60 % 60:02d}:{i % 60:02d},000 INFO [main] app.Worker: tick {i}"
              for i in range(537, 1000)]
    analysis = analyze(lines)
    assert [(s.after_line, s.seconds) for s in analysis.silences] == [(537, 28801.0)]


@pytest.mark.timeout(60)
def test_hostile_lines_neither_hang_nor_lose_their_level() -> None:
    """A 2M-character blob (layout regexes can go quadratic on one) and JSON with a huge value."""
    blob = "2024-05-01 10:00:00,000 ERROR [main] app.Upload: rejected " + "QUJD" * 500_000
    lines = [f"2024-05-01 10:00:{i % 60:02d},000 INFO [main] app.Upload: stored chunk {i}" for i in range(300)]
    lines[150] = blob
    analysis = analyze(lines)
    assert [a.line for a in analysis.anomalies] == [150]
    json_lines = ['{"level":"error","msg":"' + "A" * 50_000 + '"}'] + ['{"level":"info","msg":"ok"}'] * 200
    analysis = analyze(json_lines)
    assert analysis.format_name == "json" and [a.line for a in analysis.anomalies] == [0]
