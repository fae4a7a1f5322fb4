"""The append-only log (synth records, evalkit predictions) after a crash: torn tail dropped,
nothing lost, nothing doubled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logcore.append_log import AppendLog, iter_records
from logcore.errors import LogchatError, LogInputError


def test_torn_last_line_is_ignored_then_cut_before_appending(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    with AppendLog(path) as store:
        assert store.add({"key": "a", "v": 1})
        assert store.add({"key": "b", "v": 2})
    with path.open("ab") as f:  # what a SIGKILL in the middle of a write leaves behind
        f.write(b'{"key": "c", "v"')
    assert [r["key"] for r in iter_records(path)] == ["a", "b"]
    with AppendLog(path) as store:
        assert "c" not in store
        assert not store.add({"key": "a", "v": 99})  # already there: not written twice
        assert store.add({"key": "c", "v": 3})
    lines = path.read_text().splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["a", "b", "c"]
    assert json.loads(lines[0])["v"] == 1


def test_a_corrupt_line_in_the_middle_is_reported_not_skipped(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text('{"key": "a"}\nnot json\n{"key": "b"}\n')
    with pytest.raises(LogInputError, match="line 2 is not JSON"):
        list(iter_records(path))


def test_a_second_writer_is_refused_while_the_first_holds_the_file(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    with AppendLog(path) as first:
        with pytest.raises(LogchatError, match="another run"):
            AppendLog(path)
        first.add({"key": "a"})
    with AppendLog(path) as again:  # released on close (and by the kernel on SIGKILL)
        assert "a" in again


def test_a_torn_last_line_is_cut_and_finished_records_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    finished = [{"key": "a#1", "prediction": "x"}, {"key": "b#1", "prediction": "y"}]
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in finished) + b'{"key": "c#1", "predi')

    with AppendLog(path) as log:
        assert log.keys == {"a#1", "b#1"} and log.records == finished
        log.add({"key": "c#1", "prediction": "z"})

    lines = path.read_text().splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["a#1", "b#1", "c#1"]
