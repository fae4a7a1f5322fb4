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
import threading
import time
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from logcore.decode import DecodedBlock, decode_line
from logcore.errors import LogchatError, LogInputError
from logcore.merge_keys import (KEY_BLOCK, KEY_CHARS, NO_TIME, Alignment, FileFacts, FileKeys, align, file_facts,
                                file_facts_of, key_of_time, shift_seconds, text_keys)
from logcore.reader import FollowUpdate, LogFile
from logcore.sources import compression_of

_HEAD_LINES = 200  # lines a file's layout, year and zone are read from
_HEAD_BYTES = 256 << 10

__all__ = ["Alignment", "MergeSource", "MergedLog", "MergedText", "merge_texts", "short_names"]


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
    """A bounded, in-memory merge of several texts (CLI, findings, benchmarks), or a slice of a
    merged view: each file's lines here are consecutive lines of it, from `first_lines[source]`
    on (0 for whole files), and `origin` names the file's real lines, so `b.log:412` is always
    that file's line 412 however far into it the slice starts."""

    sources: list[MergeSource]
    lines: list[str]  # all lines, merged by time; a line without a timestamp stays right after
    # the record (line) above it in its own file
    origin: list[tuple[int, int]]  # per merged line: (source index, 0-based line in that source's file)
    alignments: list[Alignment]
    _rows: list[list[int]] = field(default_factory=list, repr=False)  # per source: row of its k-th line here
    # per source: seconds from its stamps as its parser reads them to the merged clock (UTC where
    # zones mix; a yearless file's year), from its first stamp (`merge_keys.shift_seconds`)
    shifts: list[float] = field(default_factory=list)
    # per source: the 0-based file line its first line here is (empty: every file from its top)
    first_lines: list[int] = field(default_factory=list)

    def label(self, i: int) -> str:
        """Merged index (0-based) -> "b.log:412" (the 1-based line in its own file)."""
        source, line = self.origin[i]
        return f"{self.sources[source].name}:{line + 1}"

    def first_line(self, source: int) -> int:
        """The 0-based file line of `source`'s first line here."""
        return self.first_lines[source] if source < len(self.first_lines) else 0

    def row_of(self, source: int, line: int) -> int | None:
        """A file's 0-based line -> its merged index (None when it is not in this text)."""
        rows = self.rows_by_source()
        if not 0 <= source < len(rows):
            return None
        mine = rows[source]
        k = line - self.first_line(source)
        if not (0 <= k < len(mine) and self.origin[mine[k]][1] == line):  # a sparse selection: search
            k = bisect_left(mine, line, key=lambda row: self.origin[row][1])
        return mine[k] if k < len(mine) and self.origin[mine[k]][1] == line else None

    def rows_by_source(self) -> list[list[int]]:
        """Per source: the merged index of its k-th line here (its file line `first_line + k`)."""
        if len(self._rows) != len(self.sources) or sum(map(len, self._rows)) != len(self.origin):
            rows: list[list[int]] = [[] for _ in self.sources]
            for row, (source, _) in enumerate(self.origin):
                rows[source].append(row)  # origin keeps each file's own order
            self._rows = rows
        return self._rows

    def file_texts(self) -> list[list[str]]:
        """Each source's lines here in its own order (its file lines `first_line` on)."""
        out: list[list[str]] = [[] for _ in self.sources]
        for text, (source, _) in zip(self.lines, self.origin):
            out[source].append(text)
        return out

    def spans(self) -> list[tuple[str, int, int]]:
        """(name, first, last 1-based file line) of each source with lines here, in source order."""
        rows = self.rows_by_source()
        return [(s.name, self.origin[rows[k][0]][1] + 1, self.origin[rows[k][-1]][1] + 1)
                for k, s in enumerate(self.sources) if rows[k]]


def merge_texts(named: Sequence[tuple[str, Sequence[str]]], *, utc_offset: timedelta | None = None,
                first_lines: Sequence[int] | None = None) -> MergedText:
    """Merge (display name, lines) per file; names already short and unique. `utc_offset` is the
    zone assumed for stamps that write none (default: this machine's), used only when another
    file writes zones. `first_lines` (optional, per file): the 0-based file line each text
    starts at, when the texts are parts of their files; labels and citations name real lines."""
    names = [name for name, _ in named]
    texts = [list(lines) for _, lines in named]
    firsts = [0] * len(texts) if first_lines is None else list(first_lines)
    if len(firsts) != len(texts) or any(f < 0 for f in firsts):
        raise LogchatError("first_lines needs one line number (0 or more) per merged text")
    facts = [file_facts(lines[:_HEAD_LINES], lines[-50:]) for lines in texts]
    clocks, alignments = align(names, facts, utc_offset)
    streams = []
    for source, (clock, lines) in enumerate(zip(clocks, texts)):
        keys = text_keys(lines, clock)
        streams.append([(key, source, i) for i, key in enumerate(keys)])
    merged_lines: list[str] = []
    origin: list[tuple[int, int]] = []
    rows = [[0] * len(lines) for lines in texts]
    for row, (_, source, i) in enumerate(heapq.merge(*streams)):
        merged_lines.append(texts[source][i])
        origin.append((source, firsts[source] + i))
        rows[source][i] = row
    sources = [MergeSource(name, name) for name in names]
    shifts = [shift_seconds(clock, lines[:_HEAD_LINES]) for clock, lines in zip(clocks, texts)]
    return MergedText(sources, merged_lines, origin, alignments, rows, shifts, firsts)


# -- the lazy view -----------------------------------------------------------------------------

_CHECKPOINTS = 16  # merged cursors kept near what was shown
_STEP_MAX = 256  # rows walked from a checkpoint rather than searching afresh (a search costs about as much)
_SAMPLE_SLICE = 64  # blocks sampled per hold of the lock, so readers get in between
_FIRST_BLOCKS = 8  # blocks per file sampled before the constructor returns: the first screen's rows
_SCAN_LINES = 20_000  # a file's lines read at once when testing them (`matching_rows`)
_PLACE_ROWS = 20_000  # rows whose hits are placed per hold of the lock (a screen waits at most that long)

Cursor = tuple[int, ...]  # per file: how many of its lines come before a merged row


class MergedLog:
    """Lazy merged view over several LogFile objects; reads like a LogFile so tui.LogView can show it.

    Per file it holds one floor per `KEY_BLOCK` lines and a few blocks of keys (`FileKeys`), so
    its memory is a small share of the files' line indexes. A merged row's cursor sums to the
    row: going to a time is one bisect per file (`FileKeys.below`), going to row N a bisection on
    time for the cursor that sums to N, with ties given to earlier files; rows are then merged
    forward from it, and a few cursors near what was shown are kept so scrolling walks a little.
    While files are still being indexed, only rows no later line can precede are shown.
    """

    def __init__(self, logs: Sequence[LogFile], names: Sequence[str] | None = None, *,
                 utc_offset: timedelta | None = None) -> None:
        if not logs:
            raise LogchatError("nothing to merge: give at least one log")
        self.logs: list[LogFile] = list(logs)
        names = list(names) if names is not None else short_names([_path_of(log) for log in self.logs])
        if len(names) != len(self.logs) or len(set(names)) != len(names):
            raise LogchatError("merged logs need one unique name each; pass distinct names")
        self.sources = [MergeSource(name, _path_of(log)) for name, log in zip(names, self.logs)]
        self.path: Path = self.logs[0].path
        self.revision = 0
        self._utc_offset = utc_offset
        self._lock = threading.RLock()
        self._facts = [_facts_of(log) for log in self.logs]
        clocks, self.alignments = align(names, self._facts, utc_offset)
        self._files = [FileKeys(log, clock) for log, clock in zip(self.logs, clocks)]
        self._count = 0
        self._settled = False
        self._checkpoints: OrderedDict[int, Cursor] = OrderedDict()
        self._window: tuple[int, list[tuple[int, int]]] = (0, [])
        self._sampler: threading.Thread | None = None
        self._sampled = threading.Event()
        self._stop = threading.Event()
        self._following = False
        self._reported = 0
        self._pending_floor: int | None = None  # a joining file's lowest key, for the next poll
        _wait_for_heads(self.logs)
        self._sample(budget=_FIRST_BLOCKS)

    @classmethod
    def open(cls, paths: Sequence[str | Path], names: Sequence[str] | None = None, *,
             utc_offset: timedelta | None = None) -> MergedLog:
        """Open and merge several logs; the first that cannot be read raises its LogInputError
        (naming it) and nothing stays open."""
        logs: list[LogFile] = []
        try:
            for path in paths:
                logs.append(LogFile.open(path))
            return cls(logs, names, utc_offset=utc_offset)
        except BaseException:
            for log in logs:
                log.close()
            raise

    # -- what the view reads ----------------------------------------------------------------------

    @property
    def display_name(self) -> str:
        return " + ".join(source.name for source in self.sources)

    @property
    def line_count(self) -> int:
        return self._count

    @property
    def complete_count(self) -> int:
        return self._count

    @property
    def indexing_done(self) -> bool:
        return self._settled

    @property
    def error(self) -> LogInputError | None:
        return next((log.error for log in self.logs if log.error is not None), None)

    @property
    def invalid_utf8_lines(self) -> int:
        return sum(log.invalid_utf8_lines for log in self.logs)

    @property
    def index_bytes(self) -> int:
        return sum(log.index_bytes for log in self.logs)

    @property
    def notices(self) -> list[str]:
        return [f"{s.name}: {text}" for s, log in zip(self.sources, self.logs) for text in log.notices]

    @property
    def boundary_lines(self) -> list[int]:
        return []  # rotation markers are per file; the merged view has none

    def boundary_text(self, k: int) -> str:
        return ""

    def index(self, background: bool = True) -> None:
        """Start (or, with background=False, finish) every file's index and the merge's floors."""
        for log in self.logs:
            log.index()
        with self._lock:
            if self._sampler is None and not self._sampled.is_set():
                self._sampler = threading.Thread(target=self._sample_all, name="merge floors", daemon=True)
                self._sampler.start()
        if not background:
            self._sampled.wait()

    def wait_indexed(self, timeout: float | None = None) -> bool:
        self.index()
        return self._sampled.wait(timeout)

    def lines(self, start: int, stop: int, max_chars: int | None = None) -> list[str]:
        """Merged rows [start, stop), clamped to what exists (never raises past the end)."""
        return self.decoded(start, stop, max_chars).lines

    def decoded(self, start: int, stop: int, max_chars: int | None = None) -> DecodedBlock:
        """Rows [start, stop) with which of them had invalid UTF-8 or were cut: each file's rows
        in a window are consecutive lines of it, so each file is read once."""
        with self._lock:
            origins = self._origins(max(0, start), min(stop, self._count))
            runs: dict[int, tuple[int, int]] = {}
            for source, line in origins:
                first, _ = runs.get(source, (line, line))
                runs[source] = (first, line + 1)
            blocks = {source: self.logs[source].decoded(a, b, max_chars) for source, (a, b) in runs.items()}
        taken = dict.fromkeys(blocks, 0)
        out = DecodedBlock([])
        flags = {source: (set(b.invalid_utf8), set(b.truncated)) for source, b in blocks.items()}
        for row, (source, _) in enumerate(origins):
            block, j = blocks[source], taken[source]
            taken[source] = j + 1
            out.lines.append(block.lines[j] if j < len(block.lines) else "")
            invalid, truncated = flags[source]
            if j in invalid:
                out.invalid_utf8.append(row)
            if j in truncated:
                out.truncated.append(row)
        return out

    def line(self, i: int, max_chars: int | None = None) -> str:
        if not 0 <= i < self._count:
            raise IndexError(f"line {i} out of range (0..{self._count - 1})")
        return self.lines(i, i + 1, max_chars)[0]

    def tail_lines(self, n: int, max_chars: int | None = None) -> list[str]:
        count = self._count
        return self.lines(max(0, count - n), count, max_chars) if n > 0 else []

    # -- merge-specific ---------------------------------------------------------------------------

    def origin(self, i: int) -> tuple[int, int]:
        """Merged row -> (source index, 0-based line in that file)."""
        with self._lock:
            first, window = self._window
            if not first <= i < first + len(window):
                if not 0 <= i < self._count:
                    raise IndexError(f"row {i} out of range (0..{self._count - 1})")
                self._origins(max(0, i - 64), min(self._count, i + 192))
                first, window = self._window
            return window[i - first]

    def label(self, i: int) -> str:
        """Merged row -> "b.log:412" (the 1-based line in its own file)."""
        source, line = self.origin(i)
        return f"{self.sources[source].name}:{line + 1}"

    def row_of(self, source: int, line: int) -> int:
        """(source, 0-based file line) -> merged row."""
        with self._lock:
            keys = self._files[source]
            if not 0 <= line < keys.n:
                raise IndexError(f"{self.sources[source].name} has no line {line + 1} in the merge yet")
            key = keys.key(line)
            return line + sum(other.below(key + 1) if j < source else other.below(key)
                              for j, other in enumerate(self._files) if j != source)

    def shift(self, source: int, line: int = 0) -> float:
        """Seconds from a file's stamps as its parser reads them to the merged clock (see
        `MergedText.shifts`), from its 0-based `line` on (a yearless file may have turned a year)."""
        keys = self._files[source]
        with self._lock:
            turns = keys.turns_at(line) if line < keys.n else 0
        return shift_seconds(keys.clock, keys.log.lines(line, line + _HEAD_LINES, KEY_CHARS), turns)

    def text(self, start: int, stop: int, max_chars: int | None = None) -> MergedText:
        """Rows [start, stop) as a `MergedText` (for findings, the digest and the model): each
        file's rows there are consecutive lines of it, from the file line its cursor at `start`
        counts, so labels and citations name every file's real lines, and each file is read
        once."""
        with self._lock:
            start, stop = max(0, start), min(stop, self._count)
            first = self._cursor(start) if stop > start else tuple(keys.n for keys in self._files)
            sources, alignments = list(self.sources), list(self.alignments)
        origin: list[tuple[int, int]] = []
        for a in range(start, stop, _PLACE_ROWS):  # a digest's 200,000 rows: the lock is let go between
            with self._lock:
                origin += self._origins(a, min(stop, a + _PLACE_ROWS))  # walked on from the last piece
                self._window = (0, [])
        counts = [0] * len(sources)
        for source, _ in origin:
            counts[source] += 1
        texts = [iter(log.lines(a, a + n, max_chars)) if n else iter(()) for log, a, n in zip(self.logs, first, counts)]
        lines = [next(texts[source], "") for source, _ in origin]
        shifts = [self.shift(s, line) for s, line in enumerate(first)]
        return MergedText(sources, lines, origin, alignments, shifts=shifts, first_lines=list(first))

    def rows_text(self, rows: Sequence[int], max_chars: int | None = None) -> MergedText:
        """Selected merged rows (ascending, e.g. a filter's hits) as a `MergedText` whose labels
        name each row's real file line; its files' lines here are not consecutive, so it is for
        showing and citing, not for findings (their gaps would fake bursts and onsets)."""
        with self._lock:
            sources, alignments = list(self.sources), list(self.alignments)
        origin = [self.origin(row) for row in rows]  # near rows share one cached window
        lines = [self.logs[source].line(line, max_chars) for source, line in origin]
        firsts: dict[int, int] = {}
        for source, line in origin:
            firsts.setdefault(source, line)
        shifts = [self.shift(s, firsts.get(s, 0)) for s in range(len(sources))]
        return MergedText(sources, lines, origin, alignments, shifts=shifts)

    def line_spans(self, start: int, stop: int) -> list[tuple[int, int]]:
        """Per file, the lines [a, b) that make up merged rows [start, stop) (clamped to the rows
        that exist): each file's rows in a range are consecutive lines of it."""
        with self._lock:
            start, stop = max(0, start), min(stop, self._count)
            if stop <= start:
                return [(p, p) for p in self._cursor(min(start, self._count))]
            return list(zip(self._cursor(start), self._cursor(stop)))

    def rows_of_lines(self, lines: Sequence[Sequence[int]]) -> list[int]:
        """Per file, held 0-based lines (sorted) -> their merged rows, in row order: a file's
        line, plus for every other file how many of its lines sort before it (ties to the
        earlier file). Each file's blocks are read once for all the lines asked of it, and
        only as far as needed, so sparse lines cost a few blocks each instead of every stamp
        of every row between them."""
        with self._lock:
            files = self._files
            asked = [list(lines[s]) if s < len(lines) else [] for s in range(len(files))]
            memos: list[dict] = [{} for _ in files]  # per file: the blocks read so far, read once
            keys = [keys.keys_at(found, memo) for keys, found, memo in zip(files, asked, memos)]
            rows = [list(found) for found in asked]
            for j, other in enumerate(files):
                queries = sorted((key + 1 if j < s else key, s, m) for s in range(len(files)) if s != j
                                 for m, key in enumerate(keys[s]))
                if not queries:
                    continue
                counts = other.below_many([t for t, _, _ in queries], memos[j])
                for (_, s, m), count in zip(queries, counts):
                    rows[s][m] += count
        return sorted(row for found in rows for row in found)

    def matching_rows(self, start: int, stop: int, test_for: Callable[[int], Callable[[int, str], bool]],
                      max_chars: int | None = None) -> list[int]:
        """Merged rows in [start, stop) whose line passes its file's test (`test_for(source)`,
        called with the 0-based file line and the line): each file's own lines are read and
        tested straight from its index, then only the matches are placed in the merge. Equal
        to testing `lines(start, stop)` row by row with the same tests."""
        spans = self.line_spans(start, stop)
        found: list[list[int]] = []
        for source, (a, b) in enumerate(spans):
            test, log, hits = test_for(source), self.logs[source], []
            for first in range(a, b, _SCAN_LINES):
                chunk = log.lines(first, min(b, first + _SCAN_LINES), max_chars)
                hits += [first + i for i, line in enumerate(chunk) if test(first + i, line)]
            found.append(hits)
        if sum(map(len, found)) <= _PLACE_ROWS // 4:
            return self.rows_of_lines(found)
        rows: list[int] = []  # many hits: placed a range of rows at a time, so the lock is let go
        for a in range(max(0, start), stop, _PLACE_ROWS):
            part = self.line_spans(a, min(stop, a + _PLACE_ROWS))
            rows += self.rows_of_lines([hits[bisect_left(hits, lo):bisect_left(hits, hi)]
                                        for hits, (lo, hi) in zip(found, part)])
        return rows

    def row_at_time(self, when: datetime) -> int:
        """The first merged row at or after `when` (aware: any zone; naive: as the naive files read)."""
        naive = next((keys.clock.offset_us for keys in self._files if keys.clock.offset_us), 0)
        with self._lock:
            return min(self._count, self._below(key_of_time(when, naive)))

    # -- following --------------------------------------------------------------------------------

    def follow(self, grace: float = 2.0) -> None:
        """Follow every file (once all are indexed); their new lines merge into the timeline."""
        if self._following:
            return
        self.wait_indexed()
        for log in self.logs:
            log.follow(grace)
        with self._lock:
            self._following = True
            self._reported = self._count

    @property
    def following(self) -> bool:
        return self._following

    def poll_follow(self) -> FollowUpdate:
        """New rows of all files since the last poll. A line that sorts before rows already
        reported makes the update `rewritten`, from the first row that may have changed."""
        self.follow()
        updates = [log.poll_follow() for log in self.logs]
        with self._lock:
            lows = [] if self._pending_floor is None else [self._pending_floor]
            self._pending_floor = None
            for keys, update in zip(self._files, updates):
                low = _take(keys, update)
                if low is not None:
                    lows.append(low)
            self._recount()
            before = self._reported
            start = before if not lows else min(before, self._below(min(lows)))
            rewritten = start < before or any(u.rewritten for u in updates)
            if rewritten:
                self.revision += 1
                self._forget_rows()
            self._reported = self._count
            return FollowUpdate(start, self._count, rewritten, self._count)

    def add(self, log: LogFile, name: str | None = None) -> None:
        """A file joining the merge, while following too: it is indexed here, its lines take
        their places by time, and the next poll_follow reports the rows from its first one on."""
        path = _path_of(log)
        if path != "<stdin>" and any(os.path.realpath(s.path) == os.path.realpath(path) for s in self.sources):
            raise LogchatError(f"{path} is already in the merge; nothing to add")
        name = name or short_names([*(s.path for s in self.sources), path])[-1]
        if name in {s.name for s in self.sources}:
            raise LogchatError(f"{name} is already a name in the merge; give the joining file another name")
        log.index(background=False)
        facts = _facts_of(log)
        with self._lock:
            names = [s.name for s in self.sources] + [name]
            clocks, alignments = align(names, [*self._facts, facts], self._utc_offset)
            joining = FileKeys(log, clocks[-1])
            joining.whole = joining.extend(log.line_count)
            low = joining.floors[0] if joining.floors else None
            for i, clock in enumerate(clocks[:-1]):
                if clock != self._files[i].clock:  # e.g. the first zoned file: naive ones get a zone
                    fresh = FileKeys(self.logs[i], clock)
                    fresh.whole = fresh.extend(self._files[i].n) and self._files[i].whole
                    self._files[i] = fresh
                    low = NO_TIME
            self.logs.append(log)
            self.sources.append(MergeSource(name, _path_of(log)))
            self._facts.append(facts)
            self._files.append(joining)
            self.alignments = alignments
            if low is not None:
                self._pending_floor = low if self._pending_floor is None else min(low, self._pending_floor)
            self._forget_rows()
            self._recount()
        if self._following:
            log.follow()

    def close(self) -> None:
        """Stop sampling (after the slice in progress) and close every file."""
        self._stop.set()
        with self._lock:
            for log in self.logs:
                log.close()

    def __enter__(self) -> MergedLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the merge --------------------------------------------------------------------------------

    def _sample(self, budget: int | None) -> bool:
        """Take in what the files have indexed; True once every file is held whole."""
        with self._lock:
            for keys in self._files:
                done = keys.log.indexing_done  # before the count: a count read after it is final
                upto = keys.log.line_count if done else keys.log.complete_count
                keys.whole = keys.extend(upto, budget) and done
            self._settled = all(keys.whole for keys in self._files)
            self._recount()
            return self._settled

    def _sample_all(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                if self._stop.is_set():  # closed while this thread waited for the lock
                    return
                whole = self._sample(budget=_SAMPLE_SLICE)
            if whole:
                self._sampled.set()
                return
            if all(keys.n >= keys.log.complete_count for keys in self._files):
                time.sleep(0.02)  # waiting for the indexes, not for the floors

    def _recount(self) -> None:
        """Rows shown: every held line once the files are whole (or followed); before that, the
        rows below the lowest floor a file still being read may add to."""
        if self._settled or self._following:
            self._count = sum(keys.n for keys in self._files)
        else:
            horizon = min(keys.last_floor() for keys in self._files if not keys.whole)
            self._count = self._below(horizon)
        # Rows below the old count stay as they were (a rewrite forgets them in `_forget_rows`).

    def _forget_rows(self) -> None:
        self._window = (0, [])
        self._checkpoints.clear()

    def _below(self, t: int) -> int:
        return sum(keys.below(t) for keys in self._files)

    def _cursor(self, row: int) -> Cursor:
        """The cursor of merged row `row`: bisect on time with the floors' bounds, reading a
        block only where the bounds cannot decide, then share the ties in file order."""
        files = self._files
        if row >= sum(keys.n for keys in files):
            return tuple(keys.n for keys in files)
        lo, hi = NO_TIME, max(keys.last_key() for keys in files) + 1  # below(lo) <= row < below(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            bounds = [keys.bounds_below(mid) for keys in files]
            if sum(b[1] for b in bounds) <= row:
                lo = mid
            elif sum(b[0] for b in bounds) > row:
                hi = mid
            elif self._below(mid) <= row:
                lo = mid
            else:
                hi = mid
        cursor = [keys.below(lo) for keys in files]
        rest = row - sum(cursor)
        for i, keys in enumerate(files):  # the rows at key `lo`: earlier files first
            take = min(rest, keys.below(lo + 1) - cursor[i])
            cursor[i] += take
            rest -= take
        return tuple(cursor)

    def _origins(self, start: int, stop: int) -> list[tuple[int, int]]:
        """(source, line) of merged rows [start, stop), from a nearby checkpoint or a search."""
        if stop <= start:
            return []
        near = max((r for r in self._checkpoints if r <= start), default=None)
        if near is not None and start - near <= _STEP_MAX:
            self._checkpoints.move_to_end(near)
            _, cursor = self._walk(self._checkpoints[near], start - near, keep=False)
        else:
            cursor = self._cursor(start)
        rows, end = self._walk(cursor, stop - start)
        self._checkpoints[start] = cursor
        self._checkpoints[start + len(rows)] = end
        while len(self._checkpoints) > _CHECKPOINTS:
            self._checkpoints.popitem(last=False)
        self._window = (start, rows)
        return rows

    def _walk(self, cursor: Cursor, steps: int, keep: bool = True) -> tuple[list[tuple[int, int]], Cursor]:
        """Merge `steps` rows forward from `cursor`: their origins (when kept) and the cursor after."""
        files = self._files
        heap = [(keys.key(p), i, p) for i, (keys, p) in enumerate(zip(files, cursor)) if p < keys.n]
        heapq.heapify(heap)
        position = list(cursor)
        out: list[tuple[int, int]] = []
        for _ in range(steps):
            if not heap:
                break
            _, i, p = heap[0]
            if keep:
                out.append((i, p))
            position[i] = p + 1
            if p + 1 < files[i].n:
                heapq.heapreplace(heap, (files[i].key(p + 1), i, p + 1))
            else:
                heapq.heappop(heap)
        return out, tuple(position)


def _take(keys: FileKeys, update: FollowUpdate) -> int | None:
    """Hold a followed file's new lines; a key no line that is new, or reads or sorts differently
    now, was or is below (None: nothing changed). Rows with keys below it did not move."""
    old_n = keys.n
    low = None
    if update.rewritten and old_n:
        first = old_n - 1  # the shown unterminated last line grew or gave way
        low = keys.floors[first // KEY_BLOCK]
        keys.restart(first)
    elif update.count > old_n:
        first = old_n
    else:
        return None
    last = (keys.n - 1) // KEY_BLOCK if keys.n else None
    before = keys.block(last) if last is not None else None
    keys.extend(update.count)
    if before is not None:  # the last block got a ceiling: its keys may be capped now
        changed = next((j for j, (a, b) in enumerate(zip(before, keys.block(last))) if a != b), None)
        if changed is not None:
            first = min(first, last * KEY_BLOCK + changed)
    if first >= keys.n:
        return low
    now = keys.key(first)  # later lines of the file sort at or after it; capping only lowers keys
    return now if low is None else min(low, now)


def _path_of(log: LogFile) -> str:
    return log.display_name if str(log.path) == "-" else str(log.path)


def _facts_of(log: LogFile) -> FileFacts:
    """The file's head and tail as its clock needs them. A plain file's head is read directly,
    before its index starts, so three files' indexes do not compete with reading the heads."""
    head = _plain_head(log)
    if head is None:
        log.index()
        while not log.indexing_done and log.line_count < _HEAD_LINES:
            time.sleep(0.002)
        if log.error is not None and not log.line_count:
            raise log.error
        head = log.lines(0, _HEAD_LINES, KEY_CHARS)
    tail = log.tail_lines(50, KEY_CHARS)
    return file_facts_of(head, tail, None if str(log.path) == "-" else str(log.path))


def _plain_head(log: LogFile) -> list[str] | None:
    """The first lines of an uncompressed regular file (None for streams and compressed files)."""
    try:
        if str(log.path) == "-" or not log.path.is_file():
            return None
        with log.path.open("rb") as f:
            data = f.read(_HEAD_BYTES)
    except OSError:
        return None
    if compression_of(data) is not None:
        return None
    lines = data.split(b"\n")
    lines.pop()  # after the last newline: nothing, or a line the read cut (the tail has a last one)
    return [decode_line(raw, KEY_CHARS).text for raw in lines[:_HEAD_LINES]]


def _wait_for_heads(logs: Sequence[LogFile]) -> None:
    """Until each file has its first lines indexed (the first screen's rows)."""
    for log in logs:
        log.index()
    for log in logs:
        while not log.indexing_done and log.complete_count < _HEAD_LINES:
            time.sleep(0.001)
