"""Chunking real loghub files: spread over the whole file, seeded, capped, CRLF-clean."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from synth.chunk import make_chunks, read_chunks
from tui.cli import cli


def raw_lines(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8", "replace").split("\r\n" if b"\r\n" in path.read_bytes() else "\n")


def test_chunks_cover_the_whole_file_without_overlap(loghub: Path) -> None:
    path = loghub / "HDFS" / "HDFS_2k.log"
    chunks = list(make_chunks([path], per_system=8, seed=7))
    assert len(chunks) == 8
    starts = [c.start_line for c in chunks]
    assert starts == sorted(starts)
    assert starts[0] <= 250 and chunks[-1].end_line >= 1750  # head and tail both sampled
    for a, b in zip(chunks, chunks[1:]):
        assert a.end_line < b.start_line
    for c in chunks:
        assert 50 <= len(c.lines) <= 150
        assert c.end_line - c.start_line + 1 == len(c.lines)


def test_chunk_lines_match_the_file_and_carry_no_carriage_returns(loghub: Path) -> None:
    path = loghub / "OpenSSH" / "OpenSSH_2k.log"
    assert b"\r\n" in path.read_bytes()  # the fixture really is CRLF
    lines = raw_lines(path)
    for c in make_chunks([path], per_system=5, seed=1):
        assert c.lines == lines[c.start_line - 1 : c.end_line]
        assert not any("\r" in line for line in c.lines)
        assert c.system == "OpenSSH"
        assert c.numbered_text().splitlines()[0].startswith(f"{c.start_line} | ")


def test_same_seed_same_chunks_other_seed_other_chunks(loghub: Path) -> None:
    first = [(c.id, c.start_line) for c in make_chunks([loghub / "Linux"], per_system=4, seed=3)]
    again = [(c.id, c.start_line) for c in make_chunks([loghub / "Linux"], per_system=4, seed=3)]
    other = [(c.id, c.start_line) for c in make_chunks([loghub / "Linux"], per_system=4, seed=4)]
    assert first == again
    assert first != other
    # Adding another system to the run does not move this system's chunks.
    mixed = [(c.id, c.start_line) for c in make_chunks([loghub / "Linux", loghub / "Spark"], per_system=4, seed=3)
             if c.system == "Linux"]
    assert mixed == first


def test_cli_caps_chunks_per_system_and_writes_jsonl(loghub: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["synth", "chunk", str(loghub), "-w", str(tmp_path), "--per-system", "3"])
    assert result.exit_code == 0, result.output
    chunks = read_chunks(tmp_path / "chunks.jsonl")
    systems = {c.system for c in chunks}
    assert {"HDFS", "BGL", "Apache", "OpenSSH"} <= systems
    assert all(sum(1 for c in chunks if c.system == s) == 3 for s in systems)
    assert len({c.id for c in chunks}) == len(chunks)
    record = json.loads((tmp_path / "chunks.jsonl").read_text().splitlines()[0])
    assert set(record) == {"id", "system", "source", "start_line", "end_line", "lines"}


def test_missing_input_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["synth", "chunk", str(tmp_path / "nope.log"), "-w", str(tmp_path)])
    assert result.exit_code == 3
    assert result.output.strip().startswith("logchat: error:")
    assert "Traceback" not in result.output
