"""Timestamp parsers for the log formats, all returning naive datetimes.

Every result is naive, in the wall clock the log was written in (a zone offset is dropped, epoch
seconds are read as UTC), because comparing aware and naive datetimes raises: one file mixing
`Z` and zone-less stamps must still sort. Syslog (RFC 3164) stamps carry no year; like syslog
readers, we assume the current one. Parsers are cached: neighbouring lines share stamps, and
this keeps parsing a 1M-line file cheap.
"""

from __future__ import annotations

from datetime import datetime, timezone
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
