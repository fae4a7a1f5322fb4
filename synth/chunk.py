"""Cuts logs into chunks for the teacher: 50-150 lines, spread over each whole file, seeded.

The original pipeline took the first 300 consecutive blocks of each file, so everything it
learned came from a file's first minutes. Here each file is divided into equal strata and one
chunk is drawn at a random offset inside each stratum: chunks never overlap and cover the
start, middle and end of the file alike.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

from logcore.errors import LogInputError
from logcore.findings import find_incidents
from logcore.reader import LogFile
from models.prompts import evidence_text, number_lines, wants_findings

LOG_SUFFIXES = (".log", ".log.gz", ".log.bz2", ".log.xz", ".log.zst", ".txt")
MAX_LINE_CHARS = 2000  # one pathological line must not eat a chunk's whole token budget


@dataclass(frozen=True)
class Chunk:
    id: str
    system: str
    source: str
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive
    lines: list[str]

    def numbered_text(self) -> str:
        """The chunk as the teacher and the student see it: file line numbers, then the line."""
        return number_lines(self.lines, self.start_line)

    @cached_property
    def findings_text(self) -> str:
        """logchat's findings on the chunk as inference puts them before the log (the brief of an
        incident, "" without one): teacher and student start from the evidence a model gets.
        Only the tasks models.prompts.wants_findings names carry it (see findings_for)."""
        return evidence_text(find_incidents(self.lines, first_line=self.start_line, source=Path(self.source).name))

    def findings_for(self, task: str) -> str:
        """The findings text a prompt for `task` carries, by the rule inference follows."""
        return self.findings_text if wants_findings(task) else ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict) -> "Chunk":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})



def system_name(path: Path) -> str:
    """`HDFS_2k.log` and `HDFS_full.log` are both HDFS; `app.log` is `app`."""
    name = path.name
    for suffix in LOG_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name.split("_")[0] or name


def find_logs(inputs: Iterable[Path]) -> list[Path]:
    """Log files named directly, or found under folders (CSV and other side files skipped)."""
    found: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found.extend(
                p for p in sorted(item.rglob("*")) if p.is_file() and p.name.endswith(LOG_SUFFIXES)
            )
        elif item.exists():
            found.append(item)
        else:
            raise LogInputError(f"{item} does not exist: pass a log file or a folder of logs")
    if not found:
        raise LogInputError("no log files found: pass files or folders holding *.log files")
    return found


def chunk_id(system: str, source: str, start_line: int, lines: list[str]) -> str:
    digest = hashlib.sha256()
    digest.update(f"{system}\0{Path(source).name}\0{start_line}\0".encode())
    for line in lines:
        digest.update(line.encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()[:16]


def plan_spans(
    line_count: int, n_chunks: int, min_lines: int, max_lines: int, rng: random.Random
) -> list[tuple[int, int]]:
    """0-based [start, stop) spans: one per stratum, at most as many as fit without overlap."""
    n = min(n_chunks, line_count // min_lines)
    if n <= 0:
        return []
    stratum = line_count // n
    spans = []
    for k in range(n):
        length = rng.randint(min_lines, min(max_lines, stratum))
        start = k * stratum + rng.randint(0, stratum - length)
        spans.append((start, start + length))
    return spans


def chunk_file(
    log: LogFile, path: Path, n_chunks: int, *, min_lines: int, max_lines: int, seed: int
) -> Iterator[Chunk]:
    system = system_name(path)
    # Seeded per file, so adding another file to the run does not move this file's chunks.
    rng = random.Random(f"{seed}\0{system}\0{path.name}")
    for start, stop in plan_spans(log.line_count, n_chunks, min_lines, max_lines, rng):
        lines = log.lines(start, stop, max_chars=MAX_LINE_CHARS)
        yield Chunk(
            id=chunk_id(system, str(path), start + 1, lines),
            system=system,
            source=str(path),
            start_line=start + 1,
            end_line=stop,
            lines=lines,
        )


def allocate(counts: dict[Path, int], cap: int) -> dict[Path, int]:
    """Splits a system's chunk cap over its files in proportion to their length."""
    total = sum(counts.values()) or 1
    shares = {p: cap * c // total for p, c in counts.items()}
    for path in sorted(counts, key=counts.get, reverse=True)[: cap - sum(shares.values())]:
        shares[path] += 1
    return shares


def make_chunks(
    inputs: Iterable[Path],
    *,
    per_system: int = 300,
    min_lines: int = 50,
    max_lines: int = 150,
    seed: int = 0,
) -> Iterator[Chunk]:
    if not 1 <= min_lines <= max_lines:
        raise LogInputError(f"bad chunk size {min_lines}-{max_lines}: need 1 <= min <= max")
    by_system: dict[str, list[Path]] = {}
    for path in find_logs(inputs):
        by_system.setdefault(system_name(path), []).append(path)
    for system in sorted(by_system):
        logs = {path: LogFile.open(path) for path in by_system[system]}
        try:
            for log in logs.values():
                log.index(background=False)  # one pass over each file, however large
            shares = allocate({path: log.line_count for path, log in logs.items()}, per_system)
            for path, n in shares.items():
                yield from chunk_file(logs[path], path, n, min_lines=min_lines, max_lines=max_lines, seed=seed)
        finally:
            for log in logs.values():
                log.close()


def read_chunks(path: Path) -> list[Chunk]:
    if not path.is_file():
        raise LogInputError(f"chunk file {path} not found: run `logchat synth chunk` first")
    chunks = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                chunks.append(Chunk.from_dict(json.loads(line)))
    return chunks
