"""Log text made safe to print or to quote: no terminal control sequences, bounded length.

A log line can carry ESC sequences that recolour or clear a terminal, OSC sequences that retitle
it or write the clipboard, bidi overrides that reorder what the eye reads, or be 50 MB long.
Anything logchat shows from a log or from a model that quotes one (tables, digests, the viewer,
streamed answers) passes through here first: the one sanitiser of the project.
"""

from __future__ import annotations

import re

# C0 and C1 controls except TAB, DEL, and the Unicode bidi/isolate controls.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# The same, for text whose line breaks are meant (a model's multi-line answer).
_UNSAFE_KEEP_NEWLINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, limit: int | None = None, *, keep_newlines: bool = False) -> str:
    """Control characters (ESC, CR, NUL, C1, bidi overrides) shown as `\\xNN`/`\\uNNNN`
    escapes; text past `limit` cut with a marker. `keep_newlines` leaves `\\n` alone."""
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}…[+{len(text) - limit:,} chars]"
    unsafe = _UNSAFE_KEEP_NEWLINES if keep_newlines else _UNSAFE
    if unsafe.search(text) is None:
        return text
    return unsafe.sub(_escape, text)
