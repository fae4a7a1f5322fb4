"""Putting several logs on one clock: each line's sort key, and every assumption made to get it.

Why a module of its own: the in-memory merge (`MergedText`) and the lazy one (`MergedLog`) must
order lines identically, so the CLI's citations and the viewer's rows agree. Both use the keys
defined here.

A line's key is its stamp as UTC microseconds: aware stamps are shifted by their written offset,
naive ones by one assumed zone (only when another file is aware; files that are all naive are
compared as written), and a file without a year gets one (`align`). A line without a stamp takes
the key of the line above it, so a stack trace stays with its record.

Keys must not decrease within a file (the merge keeps each file's own line order, and a lazy
merge bisects on them), but real files step backwards. The key is made non-decreasing with a
rule that needs only local reads, so a huge file need not be parsed whole: the file is cut into
blocks of `KEY_BLOCK` lines; block k's *floor* is the running maximum of the stamps carried into
each block's first line so far; a line's key is the running maximum of the stamps in its block up
to it, raised to the block's floor and capped at the next block's floor. For a file whose stamps
never go backwards this is exactly its stamp (carried); otherwise it is one deterministic order.
`FileKeys` applies the rule lazily over a LogFile, `text_keys` over lines in memory (the same
code); `monotone_keys` is the rule over a list of stamps, written out plainly for the tests.
"""

from __future__ import annotations

import os
import time
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from datetime import datetime, timedelta, timezone

from logcore.format_catalog import unknown
from logcore.formats import LogFormat, detect_format
from logcore.timestamps import THIS_YEAR, line_offset, stamp_facts

KEY_BLOCK = 64
NO_TIME = -(1 << 62)  # the key of lines above a file's first stamp: they open the timeline
_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1)
_SAMPLE = 200
_FACT_LINES = 40  # stamped lines whose spelling is read for a year and a zone
_DAY_US = 86_400 * 1_000_000


@dataclass(frozen=True)
class Alignment:
    """An assumption made to put one file on the shared clock; shown to the user."""

    source: int  # index into sources
    text: str  # e.g. "b.log has no year: read as 2026 (its modification year)"


@dataclass(frozen=True)
class Clock:
    """How one file's lines become keys: its format, and the year and zone it was given."""

    fmt: LogFormat
    year: int | None = None  # the year given to stamps written without one
    offset_us: int = 0  # the assumed zone's UTC offset, for stamps that write none
    per_line_zone: bool = False  # stamps write their own offset

    def stamp(self, line: str, turns: int = 0) -> datetime | None:
        """The line's stamp as its format reads it, with this clock's year (`turns` years later,
        for a yearless file that went past a new year)."""
        matcher = self.fmt.matcher
        fields = matcher(line) if matcher is not None else unknown(line)
        stamp = None if fields is None else fields.timestamp
        if stamp is not None and self.year is not None and stamp.year != self.year + turns:
            stamp = _with_year(stamp, self.year + turns)
        return stamp

    def key(self, line: str, turns: int = 0) -> int | None:
        """UTC microseconds of the line's own stamp; None when it has none."""
        stamp = self.stamp(line, turns)
        if stamp is None:
            return None
        offset = self.offset_us
        if self.per_line_zone:
            written = line_offset(line)
            if written is not None:
                offset = written // _US
        return (stamp - _EPOCH) // _US - offset


def shift_seconds(clock: Clock, lines: Sequence[str], turns: int = 0) -> float:
    """Seconds to add to a file's stamps as its format parser reads them (its own wall clock,
    the current year where none is written) to put them on the merge's clock, from its first
    stamped line (0 when it has none); `turns`: years a yearless file has run past there."""
    matcher = clock.fmt.matcher
    for line in lines:
        fields = matcher(line) if matcher is not None else unknown(line)
        if fields is not None and fields.timestamp is not None:
            key = clock.key(line, turns)
            if key is not None:
                return (key - (fields.timestamp - _EPOCH) // _US) / 1e6
    return 0.0


def _with_year(stamp: datetime, year: int) -> datetime:
    try:
        return stamp.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return stamp.replace(year=year, day=28)


# -- what a file's sample says about its clock ------------------------------------------------

@dataclass(frozen=True)
class FileFacts:
    """What the head (and tail) of one file tells about its stamps."""

    fmt: LogFormat
    stamped: bool  # any line in the sample has a stamp
    yearless: bool  # its stamps write no year (the parser gave them the current one)
    zone: str  # "aware" (offsets written), "utc" (epoch seconds) or "naive"
    first: datetime | None  # first and last stamps seen, as parsed (for aligning years)
    last: datetime | None
    mtime: float | None = None
    empty: bool = False


def file_facts(head: Sequence[str], tail: Sequence[str] = (), mtime: float | None = None) -> FileFacts:
    """Facts from the first lines (format, year, zone) and the last ones (the range's end)."""
    sample = list(head[:_SAMPLE])
    fmt = detect_format(sample)
    clock = Clock(fmt)
    stamped = [(line, stamp) for line in sample if (stamp := clock.stamp(line)) is not None]
    last = next((s for s in map(clock.stamp, reversed(list(tail))) if s is not None), None)
    if not stamped:
        return FileFacts(fmt, last is not None, False, "naive", None, last, mtime, not sample and not tail)
    stamped = stamped[:_FACT_LINES]
    yearless = zoned = epoch = 0
    for line, stamp in stamped:
        facts = stamp_facts(line)
        if stamp.year == THIS_YEAR and str(THIS_YEAR) not in line[:160] and not (facts and facts.has_year):
            yearless += 1
        if facts is not None and facts.spelling == "epoch" and facts.when is not None \
                and abs((facts.when - stamp).total_seconds()) < 1:
            epoch += 1
        elif line_offset(line) is not None:
            zoned += 1
    n = len(stamped)
    zone = "utc" if epoch * 2 > n else "aware" if zoned * 2 > n else "naive"
    return FileFacts(fmt, True, yearless == n, zone, stamped[0][1], last or stamped[-1][1], mtime)


def file_facts_of(head: Sequence[str], tail: Sequence[str], path: str | None) -> FileFacts:
    """`file_facts` with the file's modification time (for a year), when it has one."""
    try:
        mtime = os.stat(path).st_mtime if path else None
    except OSError:
        mtime = None
    return file_facts(head, tail, mtime)


def local_offset() -> timedelta:
    """This machine's current UTC offset: the zone naive stamps are assumed to be in."""
    return timedelta(seconds=-(time.altzone if time.localtime().tm_isdst > 0 else time.timezone))


def _zone_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def align(names: Sequence[str], facts: Sequence[FileFacts],
          utc_offset: timedelta | None = None) -> tuple[list[Clock], list[Alignment]]:
    """One clock per file and the assumptions they took: a zone for naive stamps when another file
    writes zones, a year for files that write none, and a note for files without stamps."""
    notes: list[Alignment] = []
    mixed = any(f.zone != "naive" for f in facts if f.stamped) and any(
        f.zone == "naive" for f in facts if f.stamped)
    assumed = local_offset() if utc_offset is None else utc_offset
    why = "this machine's zone" if utc_offset is None else "as given"
    zoned: list[Clock] = []
    for i, f in enumerate(facts):
        if f.empty:
            zoned.append(Clock(f.fmt))
        elif not f.stamped:
            notes.append(Alignment(i, f"{names[i]} has no timestamps: its lines open the timeline, in file order"))
            zoned.append(Clock(f.fmt))
        elif f.zone == "naive" and mixed:
            notes.append(Alignment(i, f"{names[i]} writes no time zone: read as {_zone_text(assumed)} ({why})"))
            zoned.append(Clock(f.fmt, offset_us=assumed // _US))
        else:
            zoned.append(Clock(f.fmt, per_line_zone=f.zone == "aware"))
    dated = [i for i, f in enumerate(facts) if f.stamped and not f.yearless and f.first is not None]
    clocks: list[Clock] = []
    for i, (f, clock) in enumerate(zip(facts, zoned)):
        if not (f.stamped and f.yearless):
            clocks.append(clock)
            continue
        year, why_year = _year_for(f, clock, [(zoned[j], facts[j]) for j in dated], [names[j] for j in dated])
        notes.append(Alignment(i, f"{names[i]} has no year: read as {year} ({why_year})"))
        clocks.append(Clock(clock.fmt, year, clock.offset_us, clock.per_line_zone))
    notes.sort(key=lambda a: a.source)
    return clocks, notes


def _micros(clock: Clock, stamp: datetime, year: int | None = None) -> int:
    if year is not None:
        stamp = _with_year(stamp, year)
    return (stamp - _EPOCH) // _US - clock.offset_us


def _year_for(f: FileFacts, clock: Clock, dated: list[tuple[Clock, FileFacts]],
              dated_names: list[str]) -> tuple[int, str]:
    """The year of a yearless file's first stamp: the one that puts its range nearest the dated
    files' range, else the one its last stamp has by its modification time (the year before,
    when the last stamp would lie past the mtime), one less when the file runs past a new year
    (its last month-day before its first)."""
    first = f.first or f.last
    last = f.last or first
    assert first is not None and last is not None
    turned = 1 if last < first - timedelta(days=1) else 0
    if dated:
        lo = min(_micros(c, d.first) for c, d in dated if d.first is not None)
        hi = max(_micros(c, d.last or d.first) for c, d in dated if d.first is not None)
        y_lo, y_hi = (_EPOCH + lo * _US).year, (_EPOCH + hi * _US).year

        def gap(year: int) -> tuple[int, int]:
            a = _micros(clock, first, year)
            b = max(a, _micros(clock, last, year + turned))
            return max(0, lo - b, a - hi), abs(year - y_hi)

        year = min(range(y_lo - 1, y_hi + 2), key=gap)
        span = str(y_lo) if y_lo == y_hi else f"{y_lo}-{y_hi}"
        runs = f"it runs into {year + 1}, " if turned else ""
        return year, f"{runs}to fit {', '.join(dated_names)} ({span})"
    if f.mtime is not None:
        mtime = datetime.fromtimestamp(f.mtime)
        year = mtime.year
        if _with_year(last, year) > mtime + timedelta(days=1):
            year -= 1
        why = "its modification year" if year == mtime.year else "the year before its modification time"
        if turned:
            return year - 1, f"it runs into {year}, {why}"
        return year, why
    return THIS_YEAR - turned, "the current year" if not turned else f"it runs into {THIS_YEAR}, the current year"


# -- non-decreasing keys ---------------------------------------------------------------------

def carried_floor(previous_floor: int, carried: int | None) -> int:
    """A block's floor: the previous floor raised to the stamp carried into its first line."""
    return previous_floor if carried is None or carried < previous_floor else carried


def block_keys(raw: Sequence[int | None], floor: int, ceiling: int | None) -> list[int]:
    """The keys of one block's lines from their own stamps (None: none), its floor and the next
    block's floor (None while it has no next block)."""
    keys: list[int] = []
    top = floor
    for value in raw:
        if value is not None and value > top:
            top = value
        keys.append(top if ceiling is None or top <= ceiling else ceiling)
    return keys


def monotone_keys(raw: Sequence[int | None], block: int = KEY_BLOCK) -> list[int]:
    """Every line's key from every line's own stamp: the rule `MergedLog` applies lazily."""
    floors: list[int] = []
    floor, carried = NO_TIME, None
    for start in range(0, len(raw), block):
        for value in raw[max(0, start - block + 1) if start else 0:start + 1]:
            if value is not None:
                carried = value
        floor = carried_floor(floor, carried)
        floors.append(floor)
    keys: list[int] = []
    for k, start in enumerate(range(0, len(raw), block)):
        ceiling = floors[k + 1] if k + 1 < len(floors) else None
        keys += block_keys(raw[start:start + block], floors[k], ceiling)
    return keys


def text_keys(lines: Sequence[str], clock: Clock) -> list[int]:
    """Every key of a file held in memory, by the same rule (and code) as the lazy view's."""
    keys = FileKeys(TextLines(lines), clock)
    keys.extend(len(lines))
    return [key for k in range(len(keys.floors)) for key in keys.block(k)]


def key_of_time(when: datetime, naive_offset_us: int = 0) -> int:
    """The key of a moment: aware in any zone, naive as the merge's naive files read."""
    if when.tzinfo is not None:
        return (when.astimezone(timezone.utc).replace(tzinfo=None) - _EPOCH) // _US
    return (when - _EPOCH) // _US - naive_offset_us


# -- one file's keys, lazily ------------------------------------------------------------------

KEY_CHARS = 16_384  # a line's stamp is in its head; JSON lines need the whole object
_BLOCK_CACHE = 256  # blocks of keys kept per file (a few KB each)
_HALF_YEAR_US = 183 * _DAY_US  # a yearless stamp this far below its floor is in the next year


class Lines(Protocol):
    def lines(self, start: int, stop: int, max_chars: int | None = None) -> list[str]: ...


class TextLines:
    """Lines held in memory, read like a LogFile's (for `text_keys`)."""

    def __init__(self, lines: Sequence[str]) -> None:
        self._lines = lines

    def lines(self, start: int, stop: int, max_chars: int | None = None) -> list[str]:
        return list(self._lines[max(0, start):stop])


class FileKeys:
    """One file's keys without parsing it whole: a floor per `KEY_BLOCK` lines (8 bytes per
    block, 1/64 of the line index) and a few blocks of keys read on demand.

    A yearless file that runs past a new year (Dec 31 -> Jan 1) would read its January as the
    same year's: a stamp more than half a year below its floor is read one year later, and the
    blocks from there on keep the extra year (`_turns`).
    """

    def __init__(self, log: Lines, clock: Clock) -> None:
        self.log = log
        self.clock = clock
        self.n = 0  # lines held: a prefix of the file's lines
        self.whole = False  # holds every line of a file whose index is done
        self.floors = array("q")  # floors[k]: the floor of lines [k*KEY_BLOCK, (k+1)*KEY_BLOCK)
        self._blocks: OrderedDict[int, array[int]] = OrderedDict()
        self._turn_blocks: list[int] = []  # first block of each later year (yearless files)
        self._yearless = clock.year is not None

    def _turns(self, k: int) -> int:
        return bisect_right(self._turn_blocks, k)

    def turns_at(self, line: int) -> int:
        """Years a yearless file has run past by held line `line` (0 for other files)."""
        return self._turns(line // KEY_BLOCK)

    def _raw(self, line: str, turns: int, floor: int) -> int | None:
        return self._read(line, turns, floor)[0]

    def _read(self, line: str, turns: int, floor: int) -> tuple[int | None, bool]:
        """The line's own key, and whether it is read a year later than its block's year."""
        key = self.clock.key(line, turns)
        if self._yearless and key is not None and key < floor - _HALF_YEAR_US:
            return self.clock.key(line, turns + 1), True
        return key, False

    def _carried(self, k: int, turns: int, floor: int) -> tuple[int | None, bool]:
        """The stamp carried into block k's first line: its own, else the last one above it since
        the previous block's first line (further up, the previous floor already has it)."""
        start = k * KEY_BLOCK
        lines = self.log.lines(start, start + 1, KEY_CHARS)
        own = self._read(lines[0], turns, floor) if lines else (None, False)
        if own[0] is not None or k == 0:
            return own
        for line in reversed(self.log.lines(start - KEY_BLOCK + 1, start, KEY_CHARS)):
            read = self._read(line, turns, floor)
            if read[0] is not None:
                return read
        return None, False

    def _sample(self, k: int) -> int:
        """Block k's floor; a block whose carried stamp is read a year later starts a new year."""
        previous = self.floors[-1] if self.floors else NO_TIME
        carried, turned = self._carried(k, self._turns(k - 1) if k else 0, previous)
        if turned:
            self._turn_blocks.append(k)
        return carried_floor(previous, carried)

    def extend(self, upto: int, budget: int | None = None) -> bool:
        """Hold the file's lines below `upto`, sampling at most `budget` new blocks; True when
        all of them are held."""
        if upto <= self.n:
            return True
        target = upto if budget is None else min(upto, (len(self.floors) + budget) * KEY_BLOCK)
        last_block = (self.n - 1) // KEY_BLOCK if self.n else 0
        while len(self.floors) * KEY_BLOCK < target:
            self.floors.append(self._sample(len(self.floors)))
        for k in range(last_block, len(self.floors)):
            self._blocks.pop(k, None)  # grown, or given a ceiling
        self.n = target
        return target == upto

    def restart(self, line: int) -> None:
        """Lines from `line` on read differently now: forget what was learnt from them."""
        keep = -(-line // KEY_BLOCK)
        del self.floors[keep:]
        del self._turn_blocks[bisect_left(self._turn_blocks, keep):]
        for k in [k for k in self._blocks if k >= line // KEY_BLOCK]:
            del self._blocks[k]
        self.n = min(self.n, line)
        self.whole = False

    def block(self, k: int) -> array[int]:
        """The keys of block k's held lines."""
        keys = self._blocks.get(k)
        if keys is not None:
            self._blocks.move_to_end(k)
            return keys
        start = k * KEY_BLOCK
        stop = min(start + KEY_BLOCK, self.n)
        turns, floor = self._turns(k), self.floors[k]
        raw = [self._raw(line, turns, floor) for line in self.log.lines(start, stop, KEY_CHARS)]
        raw += [None] * (stop - start - len(raw))  # the file shrank under us: carry the key
        ceiling = self.floors[k + 1] if k + 1 < len(self.floors) else None
        keys = array("q", block_keys(raw, self.floors[k], ceiling))
        self._blocks[k] = keys
        if len(self._blocks) > _BLOCK_CACHE:
            self._blocks.popitem(last=False)
        return keys

    def key(self, i: int) -> int:
        return self.block(i // KEY_BLOCK)[i % KEY_BLOCK]

    def below(self, t: int) -> int:
        """How many held lines have a key below `t`: blocks whose floor is below `t` hold only
        keys at most the next floor, so one block is read."""
        k = bisect_left(self.floors, t) - 1
        return 0 if k < 0 else k * KEY_BLOCK + bisect_left(self.block(k), t)

    def keys_at(self, lines: Sequence[int], memo: dict[int, BlockPrefix] | None = None) -> list[int]:
        """The keys of held lines `lines` (sorted), as `key` gives them, each block read only up
        to its last asked line. `memo` (one caller's, per file) keeps what was read for
        `below_many` and later calls, so no line is parsed twice."""
        memo = {} if memo is None else memo
        out: list[int] = []
        for line in lines:
            k = line // KEY_BLOCK
            prefix = memo.get(k) or self._prefix(k, memo)
            out.append(prefix.upto(self, line - k * KEY_BLOCK + 1)[line - k * KEY_BLOCK])
        return out

    def below_many(self, ts: Sequence[int], memo: dict[int, BlockPrefix] | None = None) -> list[int]:
        """`below(t)` for each of `ts` (sorted), each block read only as far as its answers
        need: in the block whose floor is the last below t, keys are at most its ceiling (not
        below t) and at least its floor (below t), so a line's key reaches t exactly where the
        running maximum of the block's stamps first does: a prefix of the block decides."""
        memo = {} if memo is None else memo
        out: list[int] = []
        for t in ts:
            k = bisect_left(self.floors, t) - 1
            if k < 0:
                out.append(0)
                continue
            prefix = memo.get(k) or self._prefix(k, memo)
            out.append(k * KEY_BLOCK + prefix.first_at_least(self, t))
        return out

    def _prefix(self, k: int, memo: dict[int, BlockPrefix]) -> BlockPrefix:
        cached = self._blocks.get(k)
        start = k * KEY_BLOCK
        size = min(KEY_BLOCK, self.n - start)
        if cached is not None:
            prefix = BlockPrefix(k, size, list(cached), [])
        else:
            texts = self.log.lines(start, start + size, KEY_CHARS)
            prefix = BlockPrefix(k, size, [], texts)
        memo[k] = prefix
        return prefix

    def bounds_below(self, t: int) -> tuple[int, int]:
        """Bounds on `below(t)` from the floors alone, without reading."""
        k = bisect_left(self.floors, t) - 1
        return (0, 0) if k < 0 else (k * KEY_BLOCK, min(self.n, (k + 1) * KEY_BLOCK))

    def last_key(self) -> int:
        return self.key(self.n - 1) if self.n else NO_TIME

    def last_floor(self) -> int:
        """No line held later, nor any line yet to come, has a key below this."""
        return self.floors[-1] if self.floors else NO_TIME


class BlockPrefix:
    """The keys of one block's first lines, parsed only as far as asked (`FileKeys.keys_at`,
    `below_many`): the same keys as `FileKeys.block`, a line at a time."""

    __slots__ = ("k", "size", "keys", "texts", "top")

    def __init__(self, k: int, size: int, keys: list[int], texts: list[str]) -> None:
        self.k, self.size, self.keys, self.texts = k, size, keys, texts
        self.top: int | None = None

    def upto(self, file: FileKeys, count: int) -> list[int]:
        """The keys of the block's first `count` lines (at least)."""
        keys = self.keys
        if len(keys) >= count:
            return keys
        k = self.k
        turns, floor = file._turns(k), file.floors[k]
        ceiling = file.floors[k + 1] if k + 1 < len(file.floors) else None
        top = floor if self.top is None else self.top
        texts = self.texts
        for at in range(len(keys), min(count, self.size)):
            raw = file._raw(texts[at], turns, floor) if at < len(texts) else None  # shrunk: carry
            if raw is not None and raw > top:
                top = raw
            keys.append(top if ceiling is None or top <= ceiling else ceiling)
        self.top = top
        return keys

    def first_at_least(self, file: FileKeys, t: int) -> int:
        """How many of the block's keys are below `t`, reading lines only until one is not."""
        keys = self.keys
        if keys and keys[-1] >= t:
            return bisect_left(keys, t)
        while len(keys) < self.size:
            self.upto(file, len(keys) + 8)
            if keys[-1] >= t:
                return bisect_left(keys, t)
        return self.size
