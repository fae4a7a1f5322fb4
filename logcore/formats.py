"""Splitting log lines into records: detect the layout from a sample, then parse and fold.

Detection scores every layout in `logcore.format_catalog` on a sample and keeps the one that
matches most lines (ties go to the more specific layout); below half the sample, the header the
sample's lines share is learned (`logcore.header_detect`), and only when they share none is the
format "unknown", each line its own message. Java and Python stack traces and other lines that do
not start a record are folded into the record above, so a trace counts once, under its error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, islice

from logcore.format_catalog import CATALOGUE, Fields, Parser, unknown
from logcore.format_catalog import Layout
from logcore.header_detect import learned_layout, nested_layout

SAMPLE_LINES = 200
_DETECT_CHARS = 4096  # a line's head tells its layout; huge lines would only slow detection down
_MIN_SHARE = 0.5
_MAX_FOLD = 500  # a "record" longer than this is more likely a misdetected format: start anew
# Lines that continue a record in any layout: indented lines and the frames of Java and Python traces.
_CONTINUATION = re.compile(
    r"^(?:\s|Caused by:|Suppressed:|\.\.\. \d+ (?:more|common frames omitted)|Traceback \(most recent|"
    r"During handling of the above|The above exception was)")


@dataclass(slots=True)
class Record:
    line: int  # 0-based index of the record's first line
    timestamp: datetime | None
    level: str | None  # "TRACE","DEBUG","INFO","NOTICE","WARN","ERROR","FATAL" or None
    component: str | None
    message: str
    raw: str
    continuation: int = 0  # following lines folded into this record (stack traces)


@dataclass(frozen=True)
class LogFormat:
    name: str
    matcher: Parser | None = field(default=None, repr=False, compare=False)
    multiline: bool = False

    def match(self, line: str, index: int = 0) -> Record | None:
        """The record when `line` starts one in this format, else None."""
        fields = self.matcher(line) if self.matcher is not None else unknown(line)
        return None if fields is None else _record(fields, line, index)

    def parse(self, line: str, index: int = 0) -> Record:
        """Always a record: lines outside the format keep the whole line as their message."""
        return self.match(line, index) or _record(unknown(line), line, index)


def _record(fields: Fields, line: str, index: int) -> Record:
    return Record(index, fields.timestamp, fields.level, fields.component, fields.message, line)


UNKNOWN = LogFormat("unknown")
FORMATS: tuple[LogFormat, ...] = tuple(LogFormat(l.name, l.parse, l.multiline) for l in CATALOGUE)


def detect_format(sample: list[str]) -> LogFormat:
    """The catalogued format most of the sample's record-starting lines are in; else a header
    learned from the sample's shared structure (`logcore.header_detect`); else UNKNOWN."""
    heads = [line[:_DETECT_CHARS] for line in sample[:SAMPLE_LINES] if line.strip() and not _CONTINUATION.match(line)]
    if not heads:
        return UNKNOWN
    best, best_hits = UNKNOWN, 0
    for fmt in FORMATS:
        hits = sum(1 for line in heads if fmt.matcher(line) is not None)
        if hits > best_hits:
            best, best_hits = fmt, hits
    if best_hits >= _MIN_SHARE * len(heads):
        layout = Layout(best.name, best.matcher, best.multiline)
    else:
        layout = learned_layout(heads)
        if layout is None:
            return UNKNOWN
    layout = nested_layout(layout, heads) or layout
    return LogFormat(layout.name, layout.parse, layout.multiline)


def _continues(fmt: LogFormat, line: str) -> bool:
    """Whether a line that does not start a record in `fmt` belongs to the record above."""
    return fmt.multiline or bool(_CONTINUATION.match(line))


def parse_records(lines: Iterable[str], fmt: LogFormat | None = None, start: int = 0) -> Iterator[Record]:
    """Records in order; `start` is the 0-based index of the first line. Detects `fmt` if not given."""
    it = iter(lines)
    if fmt is None:
        head = list(islice(it, SAMPLE_LINES))
        fmt = detect_format(head)
        it = chain(head, it)
    current: Record | None = None
    raw_parts: list[str] = []
    matcher = fmt.matcher
    for index, line in enumerate(it, start):
        fields = None if matcher is None else matcher(line)
        record = None if fields is None else Record(index, fields[0], fields[1], fields[2], fields[3], line)
        if record is None and current is not None and current.continuation < _MAX_FOLD and _continues(fmt, line):
            current.continuation += 1
            raw_parts.append(line)
            continue
        if current is not None:
            if raw_parts:
                current.raw = "\n".join(chain((current.raw,), raw_parts))
                raw_parts = []
            yield current
        current = record or fmt.parse(line, index)
    if current is not None:
        if raw_parts:
            current.raw = "\n".join(chain((current.raw,), raw_parts))
        yield current
