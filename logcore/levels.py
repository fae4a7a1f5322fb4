"""One severity vocabulary for every log format, so counts by level mean the same everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from logcore.formats import LogFormat

LEVELS = ("TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL")

_ALIASES = {
    "trace": "TRACE", "finest": "TRACE", "finer": "TRACE", "verbose": "TRACE",
    "debug": "DEBUG", "fine": "DEBUG", "dbg": "DEBUG",
    "info": "INFO", "information": "INFO", "informational": "INFO", "config": "INFO", "inf": "INFO",
    "notice": "NOTICE",
    "warn": "WARN", "warning": "WARN", "wrn": "WARN",
    "error": "ERROR", "err": "ERROR", "severe": "ERROR", "failure": "ERROR", "fail": "ERROR",
    "fatal": "FATAL", "critical": "FATAL", "crit": "FATAL", "alert": "FATAL", "emerg": "FATAL",
    "emergency": "FATAL", "panic": "FATAL",
}

# RFC 5424 severities 0..7 (PRI modulo 8).
_SYSLOG_SEVERITY = ("FATAL", "FATAL", "FATAL", "ERROR", "WARN", "NOTICE", "INFO", "DEBUG")


def normalize_level(word: str | None) -> str | None:
    """Map a format's own level word (e.g. "warning", "SEVERE", "crit") to one of LEVELS."""
    if not word:
        return None
    return _ALIASES.get(word.strip().lower())


def syslog_level(pri: str | None) -> str | None:
    if pri is None:
        return None
    return _SYSLOG_SEVERITY[int(pri) % 8]


def http_status_level(status: str) -> str:
    """Access logs have no level; the status class is what a reader treats as one."""
    return "ERROR" if status.startswith("5") else "WARN" if status.startswith("4") else "INFO"


LEVEL_RANK: dict[str, int] = {name: rank for rank, name in enumerate(LEVELS)}


def at_least(level: str | None, minimum: str) -> bool:
    """Whether `level` is `minimum` or worse; a line without a level is not."""
    return level is not None and LEVEL_RANK.get(level, -1) >= LEVEL_RANK[minimum]


class LevelReader:
    """The one level rule: what the log core's format parser says, and nothing else.

    The viewer's colours, its "ERROR and worse" filter, the patterns panel and the digest all
    use it, so a line is never red on screen yet levelless in the digest. Layouts logchat does
    not recognise still get upper-case or marked level words (`logcore.unknown_lines`); prose
    such as "parity error corrected" gives no level.
    """

    def __init__(self, sample: list[str]) -> None:
        from logcore.formats import detect_format  # logcore.formats imports this module

        self.format: LogFormat = detect_format(sample)

    def level(self, line: str, index: int = 0) -> str | None:
        try:
            return self.format.parse(line, index).level
        except Exception:  # noqa: BLE001 - a line a format's parser rejects is still shown, levelless
            return None
