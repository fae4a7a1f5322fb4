"""Severity of a log line, for colouring and level filters.

The log core's format detector knows where a format keeps its level; lines it cannot parse
(or formats without a level field) fall back to the first level-looking word, so a plain
application log still gets its ERROR lines coloured.
"""

from __future__ import annotations

import re

from logcore.formats import LogFormat, detect_format

LEVEL_ORDER: tuple[str, ...] = ("TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL")
LEVEL_RANK: dict[str, int] = {name: rank for rank, name in enumerate(LEVEL_ORDER)}

_WORD = re.compile(
    r"\b(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|CRIT|CRITICAL|FATAL|PANIC|FAILURE)\b",
    re.IGNORECASE,
)
_ALIASES = {
    "WARNING": "WARN", "ERR": "ERROR", "SEVERE": "ERROR", "FAILURE": "ERROR",
    "CRIT": "FATAL", "CRITICAL": "FATAL", "PANIC": "FATAL",
}
# Looking only at the start of a line keeps a message such as "retrying after error" from
# painting an INFO line red.
_SCAN_CHARS = 160


def word_level(line: str) -> str | None:
    match = _WORD.search(line, 0, _SCAN_CHARS)
    if match is None:
        return None
    word = match.group(1).upper()
    return _ALIASES.get(word, word)


class LevelReader:
    """Levels for the lines of one file, using the format detected from its first lines."""

    def __init__(self, sample: list[str]) -> None:
        self.format: LogFormat = detect_format(sample)

    def level(self, line: str, index: int = 0) -> str | None:
        try:
            level = self.format.parse(line, index).level
        except Exception:  # a line the format's parser rejects is still shown
            level = None
        return level if level is not None else word_level(line)


def at_least(level: str | None, minimum: str) -> bool:
    return level is not None and LEVEL_RANK.get(level, -1) >= LEVEL_RANK[minimum]
