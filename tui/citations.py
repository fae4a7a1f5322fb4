"""Line numbers an answer cites, as links into the log view, and invalid ones marked as such.

Citations are found by `models.citations` (the one checker): "line 42", "lines 10-12",
"lines 3, 5 and 9", "L42", and over several files "b.log:412", never inside code. Each becomes
a Markdown link (`line:42`, `line:b.log:412`) that the app turns into a jump (a range links to
its first line; a file's line jumps to the row it sorted to in a merged view). A citation the
checker found invalid (outside the log, or the line does not say what the answer claims) must
not look like evidence: it stays plain struck-through text with a warning sign, and is no link.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote

from models.citations import Citation, Reference, find_citations

INVALID_MARK = "⚠"


@dataclass(frozen=True)
class CitedLine:
    """A 1-based line an answer cites; `file` names its file when the answer said which."""

    line: int
    file: str | None = None


def _cited(ref: Reference) -> CitedLine:
    return CitedLine(ref.start, ref.file)


def cited_lines(text: str, files: Sequence[str] = ()) -> list[CitedLine]:
    """Lines cited outside code, in order of first mention, without repeats; `files`: the names
    of a merged view's files, whose `b.log:412` citations count too."""
    seen: dict[CitedLine, None] = {}
    for ref in find_citations(text, files):
        if ref.start > 0:
            seen.setdefault(_cited(ref), None)
    return list(seen)


def href(cited: CitedLine) -> str:
    """The link target `linkify` and the findings card write for a cited line."""
    if cited.file is None:
        return f"line:{cited.line}"
    return f"line:{quote(cited.file, safe='/._-')}:{cited.line}"  # a name with spaces stays one link


def linkify(markdown: str, citations: Sequence[Citation] | None = None, files: Sequence[str] = ()) -> str:
    """`markdown` with each citation outside code turned into a `line:N` link (`line:b.log:N`
    for a file of `files` cited by name), except those that `citations` (the checker's verdicts
    on the same answer) marks invalid: those are struck through and marked with INVALID_MARK."""
    verdicts: dict[tuple[int, int, str], deque[Citation]] = {}
    for citation in citations or ():
        verdicts.setdefault((citation.start, citation.end, citation.text), deque()).append(citation)
    parts: list[str] = []
    pos = 0
    for ref in find_citations(markdown, files):
        start, end = ref.span
        if markdown[start - 1:start] == "[" and markdown[end:end + 2] == "](":
            continue  # already a link
        queue = verdicts.get((ref.start, ref.end, ref.text))
        verdict = queue.popleft() if queue else None
        parts.append(markdown[pos:start])
        if verdict is not None and not verdict.valid:
            parts.append(f"~~{ref.text}~~{INVALID_MARK}")
        else:
            parts.append(f"[{ref.text}]({href(_cited(ref))})")
        pos = end
    parts.append(markdown[pos:])
    return "".join(parts)


def link_target(target: str) -> CitedLine | None:
    """The line a link made by `linkify` points at; None for any other link."""
    if not target.startswith("line:"):
        return None
    name, _, number = target[5:].rpartition(":")
    if not number.isdigit():
        return None
    return CitedLine(int(number), unquote(name) if name else None)
