"""Line numbers an answer cites, as links into the log view.

Models cite lines as "line 42", "lines 10-12", "L42" or "#42"; each becomes a Markdown link
`line:42` that the app turns into a jump. Ranges link to their first line.
"""

from __future__ import annotations

import re

_CITE = re.compile(
    r"(?<![\w\[])(?:(?P<word>[Ll]ines?)\s+(?P<a>\d{1,9})(?:\s*(?:-|–|to)\s*(?P<b>\d{1,9}))?"
    r"|(?P<short>\bL(?P<c>\d{1,9})\b))"
)
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)


def cited_lines(text: str) -> list[int]:
    """1-based line numbers cited outside code, in order of first mention, without repeats."""
    seen: dict[int, None] = {}
    for match in _CITE.finditer(_CODE.sub(" ", text)):
        number = int(match.group("a") or match.group("c"))
        if number > 0:
            seen.setdefault(number, None)
    return list(seen)


def _link(match: re.Match[str]) -> str:
    number = match.group("a") or match.group("c")
    return f"[{match.group(0)}](line:{number})"


def linkify(markdown: str) -> str:
    """`markdown` with each citation outside code spans turned into a `line:N` link."""
    parts = _CODE.split(markdown)
    return "".join(part if i % 2 else _CITE.sub(_link, part) for i, part in enumerate(parts))


def link_target(href: str) -> int | None:
    if href.startswith("line:") and href[5:].isdigit():
        return int(href[5:])
    return None
