"""One severity vocabulary for every log format, so counts by level mean the same everywhere."""

from __future__ import annotations

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
