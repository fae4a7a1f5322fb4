"""The one streaming pass over a log's lines: records, template ids, levels and times as columns.

Parsing every line in full (a layout regex, a timestamp, a Record) costs several µs a line,
too much for a digest of a million lines in seconds. But most lines of a log repeat an earlier
line's shape exactly except for digits, and a layout regex cannot tell such lines apart in
anything but those digits. So the format's parser is wrapped in a cache keyed by the line with
its digits zeroed: a repeated shape reuses the parsed level, component and message (hence the
template id) of its first line, without a regex or a timestamp. Timestamps are then parsed
only where they are needed: for lines that could still be flagged (`anomaly_score.could_flag`:
a WARN template already seen 50,000 times cannot), for every
`TIME_SAMPLE`-th record (silences are found on those and then pinned down exactly), and for the
first and last record (the time span).

Messages of cached records are their shape's first message; only the template id, level and
line number of a record are kept, so nothing downstream can tell.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from logcore.anomaly_score import could_flag
from logcore.format_catalog import Fields
from logcore.formats import UNKNOWN, LogFormat, detect_format, parse_records
from logcore.levels import LEVELS
from logcore.line_signals import Wording, badness, read_wording
from logcore.templates import TemplateMiner
from logcore.unknown_lines import unknown_fields

LEVEL_CODE = {name: i + 1 for i, name in enumerate(LEVELS)}  # 0 = no level
CODE_LEVEL: dict[int, str | None] = {0: None, **{i + 1: name for i, name in enumerate(LEVELS)}}
TIME_SAMPLE = 32
_DETECT_SAMPLE = 200
_CACHE_LIMIT = 100_000
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MISS = object()
# Hostile lines: a layout regex can go quadratic on one long run of word characters (a base64
# blob, 10k chars took 3 s in the logfmt matcher), and nothing needs more than the head of a
# 50 MB line to find its level and template. Parsing sees runs cut to 200 characters (a JSON
# string stays valid), then at most 20,000 characters of a line; quotes come from the real line.
_LONG_RUN = re.compile(r"[^\s\"'=:,;()\[\]{}]{201,}")
_RUN_KEEP = 200
_PARSE_CHARS = 20_000


def parse_view(line: str) -> str:
    """The part of a line the parsers see."""
    if len(line) <= _RUN_KEEP:
        return line
    return _LONG_RUN.sub(lambda m: m[0][:_RUN_KEEP], line)[:_PARSE_CHARS]


@dataclass
class Columns:
    """Per-record facts, one entry per record, in file order."""

    lines: array = field(default_factory=lambda: array("q"))  # 0-based first line of the record
    templates: array = field(default_factory=lambda: array("i"))
    levels: bytearray = field(default_factory=bytearray)  # LEVEL_CODE, 0 = none
    times: array = field(default_factory=lambda: array("d"))  # epoch seconds, NaN = not known
    suspects: array = field(default_factory=lambda: array("q"))  # records with any badness
    examples: dict[int, str] = field(default_factory=dict)  # template id -> its first message
    wordings: dict[int, Wording] = field(default_factory=dict)  # template id -> wording of that message
    badness_by_key: dict[tuple[int, str | None], float] = field(default_factory=dict)  # (template, level)

    def add(self, line: int, template_id: int, level: str | None, timestamp: datetime | None,
            message: str) -> None:
        if template_id not in self.wordings:
            self.note_template(template_id, message)
        if self.line_badness(template_id, level) > 0.0:
            self.suspects.append(len(self.templates))
        self.lines.append(line)
        self.templates.append(template_id)
        self.levels.append(LEVEL_CODE.get(level or "", 0))
        self.times.append(seconds(timestamp))

    def line_badness(self, template_id: int, level: str | None) -> float:
        """`line_signals.badness` of a template's wording at a level, computed once per pair."""
        key = (template_id, level)
        value = self.badness_by_key.get(key)
        if value is None:
            value = self.badness_by_key[key] = badness(level, self.wordings[template_id])
        return value

    def note_template(self, template_id: int, message: str) -> None:
        """Remember a new template's first message and judge its wording (once per template)."""
        self.examples[template_id] = message
        self.wordings[template_id] = read_wording(message)

    def level(self, i: int) -> str | None:
        return CODE_LEVEL[self.levels[i]]


@dataclass
class Scan:
    format_name: str
    columns: Columns
    miner: TemplateMiner


def seconds(timestamp: datetime | None) -> float:
    """Epoch seconds of a (naive, wall-clock) timestamp; NaN when there is none."""
    if timestamp is None:
        return math.nan
    if timestamp.tzinfo is not None:
        timestamp = timestamp.replace(tzinfo=None)
    return (timestamp - _NAIVE_EPOCH).total_seconds()


class _ShapeCache:
    """A layout parser that parses each digit-shape of line once."""

    def __init__(self, parse: Callable[[str], Fields | None]) -> None:
        self.parse = parse
        self._fields: dict[bytes, Fields | None] = {}

    def __call__(self, line: str) -> Fields | None:
        # bytes.translate is ten times faster than str.translate (a C table, not dict lookups).
        key = line.encode("utf-8", "surrogatepass").translate(_DIGITS)
        fields = self._fields.get(key, _MISS)
        if fields is _MISS:
            fields = self.parse(line)
            if len(self._fields) < _CACHE_LIMIT:
                self._fields[key] = None if fields is None else fields._replace(timestamp=None)
        return fields  # type: ignore[return-value]


def scan(lines: Sequence[str], first_line: int = 0) -> Scan:
    """Detect the format, then parse, fold and mine every line once."""
    fmt = detect_format([parse_view(line) for line in lines[:_DETECT_SAMPLE]])
    miner = TemplateMiner()
    columns = Columns()
    views = map(parse_view, lines)
    if fmt is UNKNOWN or fmt.matcher is None:
        parse, multiline = unknown_fields, False
    else:
        parse, multiline = fmt.matcher, fmt.multiline
    cached = LogFormat(fmt.name, _ShapeCache(parse), multiline)
    by_message: dict[str, int] = {}
    bad_counts: dict[int, int] = {}  # template id -> records with badness seen so far
    total = len(lines)
    # The loop body runs a million times for a big log: everything it calls is bound locally.
    add_line, add_template = columns.lines.append, columns.templates.append
    add_level, add_time, add_suspect = columns.levels.append, columns.times.append, columns.suspects.append
    cached_badness, line_badness = columns.badness_by_key, columns.line_badness
    wordings, level_code, nan = columns.wordings, LEVEL_CODE, math.nan
    for n, record in enumerate(parse_records(views, cached, start=first_line)):
        message, level = record.message, record.level
        template_id = by_message.get(message)
        if template_id is None:
            template_id = miner.add(message, record.line, level)
            if len(by_message) < _CACHE_LIMIT:
                by_message[message] = template_id
            if template_id not in wordings:
                columns.note_template(template_id, message)
        timestamp = record.timestamp
        bad = cached_badness.get((template_id, level))
        if bad is None:
            bad = line_badness(template_id, level)
        if bad > 0.0:
            add_suspect(n)
            seen = bad_counts[template_id] = bad_counts.get(template_id, 0) + 1
            if timestamp is None and could_flag(bad, seen, total):
                timestamp = _timestamp(parse, lines[record.line - first_line])
        if timestamp is None and n % TIME_SAMPLE == 0:
            timestamp = _timestamp(parse, lines[record.line - first_line])
        add_line(record.line)
        add_template(template_id)
        add_level(level_code.get(level, 0) if level else 0)
        add_time(nan if timestamp is None else seconds(timestamp))
    _pin_down(columns, parse, lines, first_line)
    return Scan(fmt.name, columns, miner)


def _timestamp(parse: Callable[[str], Fields | None], line: str) -> datetime | None:
    fields = parse(parse_view(line))
    return None if fields is None else fields.timestamp


def _pin_down(columns: Columns, parse: Callable[[str], Fields | None], lines: Sequence[str],
              first_line: int) -> None:
    """Parse the last record's time, and every time inside a sampled gap that may hide a silence."""
    times = columns.times
    n = len(times)
    if n == 0:
        return
    if times[-1] != times[-1]:
        times[-1] = seconds(_timestamp(parse, lines[columns.lines[-1] - first_line]))
    known = [i for i in range(n) if times[i] == times[i]]
    if len(known) < 2:
        return
    mean_gap = (times[known[-1]] - times[known[0]]) / max(known[-1] - known[0], 1)
    threshold = max(60.0, 10.0 * mean_gap)
    for a, b in zip(known, known[1:]):
        if b - a > 1 and times[b] - times[a] >= threshold:
            for i in range(a + 1, b):
                times[i] = seconds(_timestamp(parse, lines[columns.lines[i] - first_line]))
