"""Make hostile log text safe to put on a terminal.

A log line can carry ANSI colour codes, OSC sequences that retitle the terminal or write the
clipboard, cursor moves, or bidi overrides that reorder what the eye reads. The viewer must show
such bytes, not obey them, so every control character becomes a visible escape (ESC is shown as
the four characters ``\\x1b``). Rich markup needs no escaping here because the viewer never
parses markup: lines are always wrapped in `rich.text.Text` as plain strings.
"""

from __future__ import annotations

import re

# C0 and C1 controls except TAB (expanded first), DEL, and the Unicode bidi/isolate controls.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def literal(text: str, tab_size: int = 4) -> str:
    """`text` with tabs expanded and every control character shown as an escape."""
    if "\t" in text:
        text = text.expandtabs(tab_size)
    return _UNSAFE.sub(_escape, text)


def literal_lines(text: str) -> str:
    """Like `literal` but keeps line breaks: for model answers, which may quote log lines."""
    return "\n".join(literal(line) for line in text.split("\n"))
