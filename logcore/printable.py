"""Log text made safe to print or to quote: one line, no terminal control sequences, bounded length.

A log line can carry ESC sequences that recolour or clear a terminal, or be 50 MB long; anything
logchat echoes from a log (tables, digests) passes through here first.
"""

from __future__ import annotations


def printable(text: str, limit: int | None = None) -> str:
    """Control characters (ESC, CR, NUL, ...) escaped as \\xNN; text past `limit` cut with a marker."""
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}…[+{len(text) - limit:,} chars]"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        text = "".join(ch if ch == "\t" or 32 <= ord(ch) != 127 else f"\\x{ord(ch):02x}" for ch in text)
    return text
