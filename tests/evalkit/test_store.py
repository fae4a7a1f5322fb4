"""The predictions file after a hard kill: a torn last line is dropped, nothing else."""

from __future__ import annotations

import json
from pathlib import Path

from evalkit.store import PredictionLog


def test_a_torn_last_line_is_cut_and_finished_records_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    finished = [{"key": "a#1", "prediction": "x"}, {"key": "b#1", "prediction": "y"}]
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in finished) + b'{"key": "c#1", "predi')

    with PredictionLog(path) as log:
        assert log.keys == {"a#1", "b#1"} and log.records == finished
        log.add({"key": "c#1", "prediction": "z"})

    lines = path.read_text().splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["a#1", "b#1", "c#1"]
