"""Several logs as one timeline: every line ordered by its own time, each file's order kept.

Two forms share one order (keys from `logcore.merge_keys`; ties go to the earlier file, then the
earlier line). `MergedText` merges bounded texts in memory, for the one-shot CLI and findings.
`MergedLog` is a lazy view over each file's `LogFile` line index for the viewer: it keeps no
per-line data of its own. A merged row's cursor (how many lines of each file come before it)
sums to the row, so going to a time is one bisect per file, and going to row N is a search on
time for the cursor that sums to N; both read only a block of lines per file (see `MergedLog`).
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from logcore.merge_keys import Alignment, align, file_facts, monotone_keys

__all__ = ["Alignment", "MergeSource", "MergedText", "merge_texts", "short_names"]


@dataclass(frozen=True)
class MergeSource:
    name: str  # short unique display name: "a.log"; "web/a.log" when two files share a basename
    path: str


def short_names(paths: Sequence[str]) -> list[str]:
    """The shortest tail of each path (basename first, then more parent folders) that no other
    path shares, so rows and citations stay short yet name one file."""
    distinct = list(dict.fromkeys(os.path.normpath(p) for p in paths))
    parts = [p.split(os.sep) for p in distinct]
    depth = [1] * len(distinct)
    while True:
        tails = [os.sep.join(p[-d:]) for p, d in zip(parts, depth)]
        clashes = {n for n in tails if tails.count(n) > 1}
        grown = False
        for i, name in enumerate(tails):
            if name in clashes and depth[i] < len(parts[i]):
                depth[i] += 1
                grown = True
        if not grown:
            break
    tail_of = dict(zip(distinct, tails))
    names = [tail_of[os.path.normpath(p)] for p in paths]
    seen: dict[str, int] = {}
    unique = []
    for name in names:  # the same path given twice: number the repeats
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return unique


@dataclass
class MergedText:
    """A bounded, in-memory merge of several texts (CLI, findings, benchmarks)."""

    sources: list[MergeSource]
    lines: list[str]  # all lines, merged by time; a line without a timestamp stays right after
    # the record (line) above it in its own file
    origin: list[tuple[int, int]]  # per merged line: (source index, 0-based line in that source)
    alignments: list[Alignment]
    _rows: list[list[int]] = field(default_factory=list, repr=False)

    def label(self, i: int) -> str:
        """Merged index (0-based) -> "b.log:412" (the 1-based line in its own file)."""
        source, line = self.origin[i]
        return f"{self.sources[source].name}:{line + 1}"

    def row_of(self, source: int, line: int) -> int | None:
        """A file's 0-based line -> its merged index (None when there is no such line)."""
        if not 0 <= source < len(self._rows) or not 0 <= line < len(self._rows[source]):
            return None
        return self._rows[source][line]


def merge_texts(named: Sequence[tuple[str, Sequence[str]]], *,
                utc_offset: timedelta | None = None) -> MergedText:
    """Merge (display name, lines) per file; names already short and unique. `utc_offset` is the
    zone assumed for stamps that write none (default: this machine's), used only when another
    file writes zones."""
    names = [name for name, _ in named]
    texts = [list(lines) for _, lines in named]
    facts = [file_facts(lines[:200], lines[-50:]) for lines in texts]
    clocks, alignments = align(names, facts, utc_offset)
    streams = []
    for source, (clock, lines) in enumerate(zip(clocks, texts)):
        keys = monotone_keys([clock.key(line) for line in lines])
        streams.append([(key, source, i) for i, key in enumerate(keys)])
    merged_lines: list[str] = []
    origin: list[tuple[int, int]] = []
    rows = [[0] * len(lines) for lines in texts]
    for row, (_, source, i) in enumerate(heapq.merge(*streams)):
        merged_lines.append(texts[source][i])
        origin.append((source, i))
        rows[source][i] = row
    sources = [MergeSource(name, name) for name in names]
    return MergedText(sources, merged_lines, origin, alignments, rows)
