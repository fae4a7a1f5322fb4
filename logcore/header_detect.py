"""Learning the header of a log layout nobody catalogued, from the shared structure of its lines.

Why: a user's log is, almost always, a layout `logcore.format_catalog` does not list, and a
message that still carries its header (a timestamp, a program name) makes the template miner
see every line as new. Most layouts are made of the same few parts, though: a timestamp
(bracketed, ISO, syslog, epoch, dotted, slashed, with or without year, zone and fraction), then
fields such as a level word, numbers (pid, tid), `prog[pid]:`, `[thread]`, a dotted logger,
`key=value` pairs, a name before ` - ` or `|`, and the message is what remains.

How: each sample line's head is read into *units* (one of the kinds above, and the glue that
follows it: a space, padding, `|`, ` - `, `,`). A plain word or number counts only when a
marked field follows it (a host before `prog:`, a pid before a level) or its glue marks it as a
field (`name|`, `name - `, column padding), and a `name:` field ends the header. The sequence of
unit kinds most lines share becomes the file's header, compiled into one regex: the parts up to
the timestamp are required (they tell where a record starts), every later field is optional, so
a line without its `[thread]` still loses its level and logger. Nothing here names a system.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from logcore import timestamps
from logcore.format_catalog import Fields, Layout
from logcore.levels import normalize_level

_HEAD_CHARS = 240  # headers are short; the rest of a long line is message
_MAX_UNITS = 12
# Plain words/numbers in a row before the header is taken to have ended: three lets a node, a
# facility and a source sit before a level word (`node-1 RAS KERNEL INFO`); trailing plain
# words are dropped again unless a marked field follows them.
_MAX_WEAK_RUN = 3
_MAX_FIELD_WEAK_RUN = 2  # ... but only two before any other marked field
_STAMP_BY_UNIT = 5  # the timestamp must start within the first few units (after ids, hosts, sources)
_NUMBER_COLUMN_SHARE = 0.9  # lines whose message opens with a number for it to count as a column
_MODE_SHARE = 0.25  # the most common header shape must cover this share of lines ...
_PREFIX_SHARE = 0.5  # ... else the longest shape prefix this share of lines has
_ANCHOR_SHARE = 0.6  # lines a learned header must start, or it is no layout at all

_LEVEL_WORDS = (r"TRACE|DEBUG|INFO|INFORMATION|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|FATAL|CRITICAL|CRIT"
                r"|EMERG|ALERT|PANIC|VERBOSE|FINE|FINER|FINEST|CONFIG")
_LETTER_LEVEL = {"V": "TRACE", "D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "FATAL", "A": "FATAL"}

# Unit kinds, tried in this order at each position; each pattern must end where glue starts.
_KIND_PATTERNS: dict[str, str] = {
    # Padding may sit inside the brackets: Elasticsearch writes `[INFO ][o.e.n.Node   ]`.
    "level": rf"[\[(<]?(?i:{_LEVEL_WORDS})(?!\w)(?:\s*[\])>])?:?|[VDIWEFA](?=\s)",
    # One level of nesting: `[QuorumPeer[myid=1]/0.0.0.0:2181:Election@774]` is one field. A
    # parenthesis with spaces inside is prose ("boot  (command 1911)"), a field is "(main)".
    "bracket": r"\[(?:[^\[\]]|\[[^\[\]]{0,80}\]){0,200}\]|\((?:[^()\s]|\([^()\s]{0,80}\)){0,200}\)",
    "kv": r"[A-Za-z_][\w.-]{0,40}=(?:\"(?:[^\"\\]|\\.){0,200}\"|[^\s\"|,]{0,200})",
    "prog": r"[\w.$@/~+-]{1,80}(?:\[\d+\])?(?:\([^()\s]{0,40}\))?(?:\[\d+\])?:(?=\s|$)",
    "name": r"[^\s|\[\]]{1,80}(?: [^\s|\[\]-][^\s|\[\]]{0,40}){0,2}?(?=\s+-{1,3}(?:\s|$))",
    "logger": r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$-]*)+(?=[\s|]|$)",
    "number": r"-?\d{1,12}",
    "word": r"[^\s|\[\]]{1,80}",
}
_WEAK = frozenset({"number", "word"})
_COMPONENT_KINDS = ("prog", "logger", "name")
_KIND_RE = {kind: re.compile(pattern) for kind, pattern in _KIND_PATTERNS.items()}
_STAMP_RE = tuple((name, re.compile(rf"[\[(]?(?:{pattern})[\])]?")) for name, pattern in timestamps.HEAD_STAMPS)
_STAMP_PATTERN = dict(timestamps.HEAD_STAMPS)

# Glue between units: its class is part of the header's shape ("name - " is a field, "name " is not).
_GLUE = re.compile(r"(?P<pipe>\s*\|\s*)|(?P<dash>\s+-{1,3}(?:\s+|$))|(?P<comma>,\s+)|(?P<colon>:\s+)"
                   r"|(?P<pad>\s{2,})|(?P<ws>\s)|(?P<end>$)|(?P<none>(?=[\[(]))")
_GLUE_RE = {
    "pipe": r"\s*\|\s*", "dash": r"\s+-{1,3}(?:\s+|$)", "comma": r",(?:\s+|$)", "colon": r":(?:\s+|$)",
    "pad": r"(?:\s{2,}|$)", "ws": r"(?:\s+|$)", "end": r"$", "none": r"(?=[\[(])",
}
_FIELD_GLUE = frozenset({"pipe", "dash", "comma", "colon", "pad"})
_CONTINUES = re.compile(r"^(?:\s|Caused by:|Suppressed:|\.\.\. \d+|Traceback \(most recent)")


@dataclass(frozen=True, slots=True)
class Unit:
    kind: str  # "time", "level", "bracket", "kv", "prog", "name", "logger", "number", "word"
    glue: str  # the class of separator after it: "ws", "pad", "pipe", "dash", "comma", "colon", ...
    stamp: str = ""  # which `timestamps.HEAD_STAMPS` spelling, for "time"
    text: str = ""
    gap: int = 0  # characters of glue after it

    @property
    def weak(self) -> bool:
        """A plain word or number, not marked as a field by its own glue."""
        return self.kind in _WEAK and self.glue not in _FIELD_GLUE


def _balanced(text: str) -> bool:
    opened = text[:1] in "[("
    closed = text[-1:] in "])"
    return opened == closed


def read_units(line: str) -> list[Unit]:
    """The header units at the start of one line (trailing plain words left off)."""
    units: list[Unit] = []
    pos, weak_run, limit = 0, 0, min(len(line), _HEAD_CHARS)
    has_time = False
    while len(units) < _MAX_UNITS and pos < limit:
        # More than two plain units before a stamp only after a leading number (a record id):
        # "job 12 started at 10:05:33 ..." is prose with a time in it, not a header.
        may_be_time = not has_time and len(units) < _STAMP_BY_UNIT and (
            weak_run <= _MAX_FIELD_WEAK_RUN or units[0].kind == "number")
        unit, end = _next_unit(line, pos, may_be_time=may_be_time)
        if unit is None:
            break
        if weak_run and unit.kind != "time" and unit.glue == "end":
            break  # "started (kafka.server.KafkaServer)" ends the line: message, not a field
        if not unit.weak and weak_run > _MAX_FIELD_WEAK_RUN and not (
                unit.kind == "time" or (unit.kind == "level" and unit.text.strip("[]()<>:").isupper())):
            break  # "10.0.0.1 GET /v2/items status:" or "the nightly backup error" are message text
        units.append(unit)
        has_time = has_time or unit.kind == "time"
        weak_run = weak_run + 1 if unit.weak else 0
        if (weak_run > _MAX_WEAK_RUN and (has_time or len(units) >= _STAMP_BY_UNIT)) or unit.kind == "prog":
            break
        pos = end
    while units and units[-1].weak:
        units.pop()
    return units


def _next_unit(line: str, pos: int, may_be_time: bool) -> tuple[Unit | None, int]:
    if may_be_time:
        for name, pattern in _STAMP_RE:
            m = pattern.match(line, pos)
            if m is not None and _balanced(m[0]):
                glue = _GLUE.match(line, m.end())
                if glue is not None:
                    return Unit("time", _glue_class(glue), name, m[0], len(glue[0])), glue.end()
    for kind, pattern in _KIND_RE.items():
        m = pattern.match(line, pos)
        if m is None or not m[0]:
            continue
        glue = _GLUE.match(line, m.end())
        if glue is None:
            continue
        if kind == "level" and len(m[0]) == 1 and pos == 0:
            continue  # a lone letter opening a line is a word, not a level
        return Unit(kind, _glue_class(glue), "", m[0], len(glue[0])), glue.end()
    return None, pos


def _glue_class(glue: re.Match[str]) -> str:
    return glue.lastgroup or "ws"


def _shape(units: list[Unit]) -> tuple[tuple[str, str, str], ...]:
    """What must agree between lines: kinds, stamp spelling and glue (padding counts as space)."""
    return tuple((u.kind, "ws" if u.glue in ("pad", "end") else u.glue, u.stamp) for u in units)


@dataclass
class LearnedHeader:
    """A header shape learned from a sample, compiled into one regex over whole lines."""

    shape: tuple[tuple[str, str, str], ...]
    pattern: re.Pattern[str]
    level_groups: tuple[str, ...]
    kv_groups: tuple[str, ...]
    component_groups: tuple[str, ...]
    has_time: bool
    bracket_groups: tuple[str, ...] = ()  # "[Warning]" where other lines have "[Note]": a level

    @property
    def name(self) -> str:
        return "generic: " + " ".join(kind for kind, _, _ in self.shape)

    def parse(self, line: str) -> Fields | None:
        m = self.pattern.match(line)
        if m is None:
            return None
        level = None
        for group in self.level_groups:
            if m[group]:
                level = _level(m[group])
                break
        component = None
        for group in self.kv_groups:
            pair = m[group]
            if pair:
                key, _, value = pair.partition("=")
                key, value = key.lower(), value.strip('"')
                if level is None and key in ("level", "lvl", "severity", "loglevel"):
                    level = normalize_level(value)
                elif component is None and key in ("logger", "component", "module", "service", "prog", "app"):
                    component = value
        for group in self.component_groups:
            text = m[group]
            if text:
                named = _level_word(text)
                if named is None:
                    component = _component(text)
                    break
                level = level or named  # PostgreSQL's "ERROR:" reads as a prog, but is its level
        for group in self.bracket_groups:
            if level is None and m[group]:
                level = _level_word(m[group])
        stamp = _stamp(self.shape_stamp, m["ts"]) if self.has_time else None
        return Fields(stamp, level, component, (m["msg"] or "").rstrip())

    @property
    def shape_stamp(self) -> str:
        return next(stamp for kind, _, stamp in self.shape if kind == "time")


@lru_cache(maxsize=16384)
def _stamp(spelling: str, text: str):
    m = _STAMP_COMPILED[spelling].search(text)
    return None if m is None else timestamps.from_parts(m.groupdict())


_STAMP_COMPILED = {name: re.compile(pattern) for name, pattern in timestamps.HEAD_STAMPS}


def _level(text: str) -> str | None:
    word = text.strip("[]()<>:")
    return _LETTER_LEVEL.get(word) if len(word) == 1 else normalize_level(word)


def _level_word(text: str) -> str | None:
    """The level a whole field names ("[Warning]", "ERROR:"), else None."""
    return normalize_level(text.strip("[]()<>: \t"))


def _component(text: str) -> str:
    text = text.rstrip(":")
    return re.sub(r"\[\d+\]$", "", text)


def learn_header(sample: Sequence[str]) -> LearnedHeader | None:
    """The header most lines of `sample` share, or None when they share no marked field."""
    heads = [line for line in sample if line.strip() and not _CONTINUES.match(line)]
    if not heads:
        return None
    read = [read_units(line) for line in heads]
    shapes = [_shape(units) for units in read]
    shape, count = Counter(shapes).most_common(1)[0]
    if count < _MODE_SHARE * len(heads) or not shape:
        shape = _common_prefix(shapes, _PREFIX_SHARE * len(heads))
    shape = _without_constant_letters(shape, shapes, read)
    padded = _padded_positions(shape, shapes, read)
    while shape and shape[-1][0] in _WEAK and shape[-1][1] not in _FIELD_GLUE and len(shape) - 1 not in padded:
        shape = shape[:-1]
    if not shape or all(kind in _WEAK and glue not in _FIELD_GLUE and i not in padded
                        for i, (kind, glue, _) in enumerate(shape)):
        return None
    if "time" not in (kind for kind, _, _ in shape) and shape[0][0] in _WEAK:
        return None  # no timestamp and a plain word first: prose, not a header
    header = _compile(shape, padded)
    matches = [m for m in map(header.pattern.match, heads) if m is not None]
    if len(matches) < _ANCHOR_SHARE * len(heads):
        return None
    if "time" in (kind for kind, _, _ in shape) and \
            sum(1 for m in matches if _NUMBER_COLUMN.match(m["msg"])) >= _NUMBER_COLUMN_SHARE * len(matches):
        return _compile((*shape, ("number", "ws", "")), padded)
    return header


# A number opening nearly every message after a timestamp is a column (a flag, a sequence
# number, a pid), not the first word of each event: messages do not all start with a count.
_NUMBER_COLUMN = re.compile(r"-?\d{1,12}\s+\S")


def _common_prefix(shapes: list[tuple], needed: float) -> tuple:
    prefixes: Counter[tuple] = Counter()
    for shape in shapes:
        for n in range(1, len(shape) + 1):
            prefixes[shape[:n]] += 1
    fitting = [p for p, c in prefixes.items() if c >= needed]
    return max(fitting, key=len) if fitting else ()


def _without_constant_letters(shape: tuple, shapes: list[tuple], read: list[list[Unit]]) -> tuple:
    """A one-letter level column that never changes is a flag (a stream's `F`), not a level."""
    lines = [units for s, units in zip(shapes, read) if s[:len(shape)] == shape]
    out = list(shape)
    for i, (kind, glue, stamp) in enumerate(shape):
        if kind == "level" and lines and all(len(units[i].text) == 1 for units in lines) \
                and len({units[i].text for units in lines}) == 1:
            out[i] = ("word", glue, stamp)
    return tuple(out)


def _padded_positions(shape: tuple, shapes: list[tuple], read: list[list[Unit]]) -> frozenset[int]:
    """Plain-word fields that most lines end with column padding: only padding may end them."""
    padded = []
    lines = [units for s, units in zip(shapes, read) if s[:len(shape)] == shape]
    for i, (kind, _, _) in enumerate(shape):
        if kind in _WEAK and lines and sum(units[i].glue == "pad" for units in lines) >= 0.8 * len(lines) \
                and _aligned([units[i] for units in lines]):
            padded.append(i)
    return frozenset(padded)


def _aligned(units: list[Unit]) -> bool:
    """Whether padding pads a column: words of other lengths end at the same width.

    "boot  (command 1)" and "clusterAddMember  (command 2)" always have two spaces: that is the
    writer's spacing inside the message, not a column of fixed width.
    """
    lengths = Counter(len(u.text) for u in units)
    others = [u for u in units if len(u.text) != lengths.most_common(1)[0][0]]
    if not others:
        return True  # one word length: no telling, so take it for the column it looks like
    width = Counter(len(u.text) + u.gap for u in units).most_common(1)[0][0]
    return sum(len(u.text) + u.gap == width for u in others) >= 0.5 * len(others)


def _compile(shape: tuple, padded: frozenset[int]) -> LearnedHeader:
    kinds = [kind for kind, _, _ in shape]
    anchor = kinds.index("time") + 1 if "time" in kinds else 1
    parts = ["^"]
    level_groups, kv_groups, component_groups, field_words, bracket_groups = [], [], [], [], []
    for i, (kind, glue, stamp) in enumerate(shape):
        if kind == "time":
            unit = rf"(?P<ts>[\[(]?(?:{_STAMP_PATTERN[stamp]})[\])]?)"
        else:
            unit = f"(?P<u{i}>{_KIND_PATTERNS[kind]})"
            if kind == "level":
                level_groups.append(f"u{i}")
            elif kind == "kv":
                kv_groups.append(f"u{i}")
            elif kind in _COMPONENT_KINDS:
                component_groups.append(f"u{i}")
            elif kind == "bracket":
                bracket_groups.append(f"u{i}")
            elif kind == "word" and (glue in _FIELD_GLUE or i in padded):
                field_words.append(f"u{i}")  # a delimited word field ("name|", "CBS   ")
        glue_re = _GLUE_RE["pad"] if i in padded else _GLUE_RE[glue]
        part = unit + glue_re
        parts.append(part if i < anchor else f"(?:{part})?")
    parts.append(r"(?P<msg>.*)$")
    return LearnedHeader(shape, re.compile("".join(parts), re.DOTALL), tuple(level_groups), tuple(kv_groups),
                         tuple(component_groups + field_words), "time" in kinds, tuple(bracket_groups))


def learned_layout(sample: Sequence[str]) -> Layout | None:
    """A catalogue-style layout for the sample's learned header; records may continue on lines
    without the timestamp (stack traces) when the header starts with one."""
    header = learn_header(sample)
    if header is None:
        return None
    return Layout(header.name, header.parse, header.has_time)


def nested_layout(outer: Layout, sample: Sequence[str]) -> Layout | None:
    """`outer` reading the header its messages carry in turn, when most of them start with a
    timestamp: container runtimes, syslog relays and log shippers wrap an application's own
    log line (`<time> stdout F <the app's line>`), whose header would otherwise stay in the message."""
    messages = [fields.message for fields in map(outer.parse, sample) if fields is not None]
    if not messages:
        return None
    inner = learn_header(messages)
    if inner is None or not inner.has_time:
        return None

    def parse(line: str) -> Fields | None:
        fields = outer.parse(line)
        if fields is None:
            return None
        inside = inner.parse(fields.message)
        if inside is None:
            return fields
        return Fields(fields.timestamp or inside.timestamp, inside.level or fields.level,
                      inside.component or fields.component, inside.message)

    return Layout(f"{outer.name} + {inner.name}", parse, outer.multiline)
