"""Timestamp parsers for the log formats, all returning naive datetimes.

Every result is naive, in the wall clock the log was written in (a zone offset is dropped, epoch
seconds are read as UTC), because comparing aware and naive datetimes raises: one file mixing
`Z` and zone-less stamps must still sort. Syslog (RFC 3164) stamps carry no year; like syslog
readers, we assume the current one. Parsers are cached: neighbouring lines share stamps, and
this keeps parsing a 1M-line file cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
THIS_YEAR = datetime.now().year


def _safe(build):
    """Wrap a parser so malformed stamps (month 13, Feb 30) give None instead of an exception."""
    @lru_cache(maxsize=8192)
    def parse(text: str) -> datetime | None:
        try:
            return build(text)
        except (ValueError, KeyError, IndexError, OverflowError):
            return None
    parse.__doc__ = build.__doc__
    return parse


@_safe
def iso(text: str) -> datetime | None:
    """2015-10-18 18:01:47,978 / 2024-01-02T03:04:05.123456Z / ...+02:00"""
    stamp = datetime.fromisoformat(text.replace(",", ".", 1))
    return stamp.replace(tzinfo=None)


@_safe
def syslog(text: str) -> datetime | None:
    """Jun 14 15:16:01 (no year), or an ISO stamp from a high-precision rsyslog template."""
    if text[:1].isdigit():
        return iso(text)
    month, day, clock = text.split()
    h, m, s = clock.split(":")
    return datetime(THIS_YEAR, _MONTHS[month], int(day), int(h), int(m), int(s))


@_safe
def ctime(text: str) -> datetime | None:
    """Sun Dec 04 04:47:44 2005, or Wed Oct 11 14:32:52.123456 2000 (Apache error logs)."""
    _, month, day, clock, year = text.split()
    h, m, s = clock.split(":")
    sec, _, frac = s.partition(".")
    micro = int(frac[:6].ljust(6, "0")) if frac else 0
    return datetime(int(year), _MONTHS[month], int(day), int(h), int(m), int(sec), micro)


@_safe
def clf(text: str) -> datetime | None:
    """10/Oct/2000:13:55:36 -0700 (access logs, common log format)."""
    date, h, m, rest = text.split(":", 3)
    day, month, year = date.split("/")
    return datetime(int(year), _MONTHS[month], int(day), int(h), int(m), int(rest.split()[0]))


@_safe
def slashed(text: str) -> datetime | None:
    """2023/01/01 12:00:00 (nginx) or 17/06/09 20:10:40 (Spark: yy/mm/dd)."""
    date, clock = text.split()
    y, mo, d = date.split("/")
    year = int(y) + (2000 if len(y) == 2 else 0)
    h, m, s = clock.split(":")
    return datetime(year, int(mo), int(d), int(h), int(m), int(s))


@_safe
def compact(text: str) -> datetime | None:
    """081109 203615 (HDFS: yymmdd hhmmss)."""
    date, clock = text.split()
    return datetime(2000 + int(date[:2]), int(date[2:4]), int(date[4:6]),
                    int(clock[:2]), int(clock[2:4]), int(clock[4:6]))


@_safe
def dotted(text: str) -> datetime | None:
    """2005-06-03-15.42.50.675872 (BGL)."""
    y, mo, d, clock = text.split("-", 3)
    h, m, s, *frac = clock.split(".")
    micro = int(frac[0][:6].ljust(6, "0")) if frac else 0
    return datetime(int(y), int(mo), int(d), int(h), int(m), int(s), micro)


@_safe
def epoch(text: str) -> datetime | None:
    """1131566461 (seconds since 1970, UTC)."""
    return datetime.fromtimestamp(int(text), tz=timezone.utc).replace(tzinfo=None)


# -- stamps at the head of a line in a layout the catalogue does not list ----------------------
# Each pattern names its parts (Y four-digit year, y two-digit, M month number, b month name,
# d day, H M S clock, f fraction, E epoch digits); `from_parts` builds the datetime from whichever
# are present, so one builder serves every spelling. Order matters: the first pattern that
# matches at a position wins, so the more specific spellings come first.
_CLOCK = r"(?P<H>\d\d?):(?P<m>\d\d)(?::(?P<S>\d\d))?(?:(?:[.,]|:(?=\d{3}))(?P<f>\d{1,9}))?"
_ZONE = r"(?:\s?(?:Z|[+-]\d\d:?\d\d|UTC|GMT)(?![\w:]))?"
_MON = r"(?P<b>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_DAY = r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?"
HEAD_STAMPS: tuple[tuple[str, str], ...] = (
    ("iso", rf"(?P<Y>\d{{4}})-(?P<M>\d\d)-(?P<d>\d\d)[T _]{_CLOCK}{_ZONE}"),
    ("dotted-clock", r"(?P<Y>\d{4})-(?P<M>\d\d)-(?P<d>\d\d)-(?P<H>\d\d)\.(?P<m>\d\d)\.(?P<S>\d\d)(?:\.(?P<f>\d+))?"),
    ("ymd", rf"(?P<Y>\d{{4}})[/.](?P<M>\d\d)[/.](?P<d>\d\d)[T :-]{_CLOCK}{_ZONE}"),
    ("compact", rf"(?P<Y>(?:19|20)\d\d)(?P<M>[01]\d)(?P<d>[0-3]\d)[T -]?{_CLOCK}{_ZONE}"),
    ("compact-clock", r"(?P<y>\d\d)(?P<M>[01]\d)(?P<d>[0-3]\d)[ T-](?P<H>[0-2]\d)(?P<m>[0-5]\d)(?P<S>[0-5]\d)(?!\d)"),
    ("clf", rf"(?P<d>\d\d?)[/-]{_MON}[/-](?P<Y>\d{{4}})[: ]{_CLOCK}{_ZONE}"),
    ("day-month", rf"{_DAY}(?P<d>\d\d?) {_MON},? (?P<Y>\d{{4}})[ ,]+{_CLOCK}{_ZONE}"),
    ("month-day", rf"{_DAY}{_MON}\s+(?P<d>\d\d?)(?:,?\s+(?P<Y>\d{{4}}))?\s+{_CLOCK}(?:\s+(?P<Y2>\d{{4}})(?!\S))?{_ZONE}"),
    ("slashed", rf"(?P<p1>\d\d?)/(?P<p2>\d\d?)/(?P<p3>\d\d(?:\d\d)?)[ :-]{_CLOCK}{_ZONE}"),
    ("md", rf"(?P<M>[01]?\d)[.\-/](?P<d>[0-3]\d)[ T]{_CLOCK}"),
    ("epoch", r"(?P<E>1\d{9}(?:\d{3}){0,2})(?:\.(?P<f>\d{1,9}))?(?![\d.:])"),
    ("clock", r"(?P<H>[0-2]\d):(?P<m>[0-5]\d):(?P<S>[0-5]\d)(?:[.,](?P<f>\d{1,9}))?"),
)


def from_parts(parts: dict[str, str | None]) -> datetime | None:
    """A naive datetime from the named parts of a `HEAD_STAMPS` match (None when impossible)."""
    return _from_parts(tuple(sorted((k, v) for k, v in parts.items() if v is not None)))


@lru_cache(maxsize=8192)
def _from_parts(items: tuple[tuple[str, str], ...]) -> datetime | None:
    p = dict(items)
    try:
        if "E" in p:
            digits = p["E"]
            seconds = int(digits[:10])
            micro = int((digits[10:] or p.get("f", "")).ljust(6, "0")[:6] or 0)
            stamp = datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)
            return stamp.replace(microsecond=micro)
        if "p1" in p:  # a/b/c: yyyy last means mm/dd/yyyy (dd/mm when the first part is > 12)
            a, b, c = int(p["p1"]), int(p["p2"]), p["p3"]
            if len(c) == 4:
                year, (month, day) = int(c), ((b, a) if a > 12 else (a, b))
            else:
                year, month, day = 2000 + a, b, int(c)  # yy/mm/dd, as Spark writes it
        else:
            year = int(p["Y"]) if "Y" in p else int(p["Y2"]) if "Y2" in p else \
                2000 + int(p["y"]) if "y" in p else THIS_YEAR
            month = _MONTHS[p["b"][:3]] if "b" in p else int(p.get("M", 1))
            day = int(p.get("d", 1))
        if "H" not in p:
            return datetime(year, month, day)
        micro = int(p["f"][:6].ljust(6, "0")) if "f" in p else 0
        return datetime(year, month, day, int(p["H"]), int(p["m"]), int(p.get("S", 0)), micro)
    except (ValueError, KeyError, OverflowError, OSError):
        return None


# -- what a stamp says about its clock: a year, a zone (for putting files on one clock) ---------
_HEAD_STAMP_RE = tuple((name, re.compile(pattern)) for name, pattern in HEAD_STAMPS)
_STAMP_ZONE = re.compile(r"(?:Z|(?P<sign>[+-])(?P<hh>\d\d):?(?P<mm>\d\d)|UTC|GMT)$")
_LINE_ZONE = re.compile(r"\d\d:\d\d(?::\d\d)?(?:[.,]\d{1,9})?\s?(?:(?P<z>Z|UTC|GMT)|(?P<sign>[+-])(?P<hh>\d\d):?(?P<mm>\d\d))(?![\w:])")
_FACTS_CHARS = 160  # a record's stamp sits in its header


@dataclass(frozen=True, slots=True)
class StampFacts:
    """What the first stamp in a line's head spells out: a year, a zone. The format parsers
    return naive wall-clock datetimes with an assumed year; merging files needs to know which."""

    spelling: str  # the `HEAD_STAMPS` name that matched first ("iso", "month-day", "epoch", ...)
    has_year: bool
    offset: timedelta | None  # the stamp's UTC offset; epoch stamps are UTC; None: no zone written
    when: datetime | None  # the stamp as `from_parts` reads it (naive), to check it is the one a parser read


def stamp_facts(line: str) -> StampFacts | None:
    """The facts of the earliest stamp in the line's head (None when it has none)."""
    head = line[:_FACTS_CHARS]
    best: tuple[int, str, re.Match[str]] | None = None
    for name, pattern in _HEAD_STAMP_RE:
        m = pattern.search(head, 0, best[0] if best else len(head))
        if m is not None and (best is None or m.start() < best[0]):
            best = (m.start(), name, m)
    if best is None:
        return None
    _, name, m = best
    parts = m.groupdict()
    when = from_parts(parts)
    if parts.get("E"):
        return StampFacts(name, True, timedelta(0), when)
    has_year = any(parts.get(k) for k in ("Y", "Y2", "y", "p3"))
    return StampFacts(name, has_year, _offset(_STAMP_ZONE.search(m.group(0))), when)


def line_offset(line: str) -> timedelta | None:
    """The UTC offset written after the first clock in the line's head (`Z`, `+02:00`, `-0700`)."""
    return _offset(_LINE_ZONE.search(line, 0, _FACTS_CHARS))


def _offset(m: re.Match[str] | None) -> timedelta | None:
    if m is None:
        return None
    if not m.group("sign"):
        return timedelta(0)
    delta = timedelta(hours=int(m.group("hh")), minutes=int(m.group("mm")))
    return -delta if m.group("sign") == "-" else delta
