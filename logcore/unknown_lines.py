"""Level and message for lines of a layout logchat does not recognise.

When format detection gives up, a record's message is the whole line, header included, and only
a level word near the start is noticed. Many unrecognised layouts still follow the common shape
"header fields, an upper-case LEVEL word, the message": a BGL line without its alert column,
say `1117838570 2005.06.03 R02-M1-N0-C:J12-U11 ... RAS KERNEL FATAL data TLB error interrupt`.
Finding that word further in (upper case only, so "error" in prose is not taken for a level)
and keeping the text after it as the message gives anomaly scoring a level and a message that
describes the event rather than the header.
"""

from __future__ import annotations

import re

from logcore.format_catalog import Fields, unknown
from logcore.levels import normalize_level

_LEVEL_WORD = re.compile(
    r"(?:^|[\s\[(<|])(TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERROR|SEVERE|FATAL|CRIT(?:ICAL)?|EMERG|PANIC)"
    r"(?:[\s\])>|:]+|$)"
)
# Any case, when marked as a field: "[error]", "<warn>", "error:".
_MARKED_LEVEL = re.compile(
    r"(?:\[|<)(trace|debug|info|notice|warn(?:ing)?|error|err|severe|fatal|crit(?:ical)?|emerg|panic)(?:\]|>)"
    r"|(?:^|\s)(trace|debug|info|notice|warn(?:ing)?|error|severe|fatal|crit(?:ical)?|emerg|panic):\s",
    re.IGNORECASE,
)
_SEARCH_CHARS = 200
# Starts of lines that may continue the record above (stack frames, "Caused by:", ...): a
# superset of what `logcore.formats` folds, so those lines are left to its folding rule.
_MAY_CONTINUE = ("Caused by", "Suppressed", "...", "Traceback", "During handling", "The above")


def unknown_fields(line: str) -> Fields | None:
    """Fields of a line in no known layout; None for a line that may continue a record."""
    if line[:1].isspace() or line.startswith(_MAY_CONTINUE):
        return None
    return refine_unknown(unknown(line))


def refine_unknown(fields: Fields) -> Fields:
    """Level and message from a level word within the first 200 characters, or no level.

    An unmarked lower-case "error" is prose ("parity error corrected"), not a level.
    """
    message = fields.message
    match = _LEVEL_WORD.search(message, 0, _SEARCH_CHARS)
    if match is not None:
        rest = message[match.end():].strip()
        return fields._replace(level=normalize_level(match[1]), message=rest) if rest else fields
    marked = _MARKED_LEVEL.search(message, 0, _SEARCH_CHARS)
    return fields._replace(level=normalize_level(marked[1] or marked[2]) if marked else None)
