"""What part of the log an analysis reads: the user's choice, made concrete as text.

The choice is captured on the UI thread as plain line indexes (cheap), and turned into text
on a worker (reading a marked range or building a digest of a large file takes time).
Lines are numbered as the user sees them, so the model can cite them and a cited number
jumps the view to the right line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from logcore.reader import LogFile
from models.prompts import number_line, number_lines


class ScopeKind(str, Enum):
    PAGE = "page"
    MARKED = "marked"
    LAST = "last"
    FILTERED = "filtered"
    FILE = "file"


SCOPE_ORDER: tuple[ScopeKind, ...] = tuple(ScopeKind)
MAX_SCOPE_LINES = 20_000  # lines read for any one scope; the model's budget is far smaller
DIGEST_MAX_LINES = 200_000  # the whole-file digest of a huge log reads its last lines only


@dataclass(frozen=True)
class Scope:
    """Concrete line selection: `lines` (0-based indexes) or, for FILE, the whole file."""

    kind: ScopeKind
    lines: tuple[int, ...] | range
    label: str


@dataclass
class ScopeText:
    """The selected text. A contiguous selection stays raw with its `first_line` (1-based), so
    a selection too big for the budget can still be digested with its format recognised; a
    non-contiguous one (filtered lines) arrives numbered (`first_line` None)."""

    text: str
    label: str
    notes: list[str] = field(default_factory=list)
    first_line: int | None = None

    @property
    def model_text(self) -> str:
        """The text as the model reads it: every line numbered."""
        if self.first_line is None:
            return self.text
        return number_lines(self.text.split("\n"), self.first_line)


def numbered(index: int, line: str) -> str:
    """The line at 0-based `index` as the model reads it (see models.prompts.number_line)."""
    return number_line(index + 1, line)


def describe_range(kind: ScopeKind, lines: Sequence[int]) -> str:
    if not lines:
        return f"{kind.value}: no lines"
    first, last = lines[0] + 1, lines[-1] + 1
    if kind is ScopeKind.FILTERED:
        return f"filtered: {len(lines):,} lines"
    return f"{kind.value}: lines {first:,}-{last:,}"


def read_scope(log: LogFile, scope: Scope) -> ScopeText:
    """Text of the selected lines (the last MAX_SCOPE_LINES if more were chosen)."""
    lines = scope.lines
    notes: list[str] = []
    if len(lines) > MAX_SCOPE_LINES:
        notes.append(f"only the last {MAX_SCOPE_LINES:,} of {len(lines):,} selected lines were read")
        lines = lines[-MAX_SCOPE_LINES:]
    if isinstance(lines, range) and lines.step == 1:
        return ScopeText("\n".join(log.lines(lines.start, lines.stop)), scope.label, notes, lines.start + 1)
    return ScopeText("\n".join(numbered(i, log.line(i)) for i in lines), scope.label, notes)


def digest_scope(log: LogFile, budget_tokens: int, count_tokens: Callable[[str], int]) -> ScopeText:
    """The whole file through the log core's digest (templates, counts, anomalies, cited lines)."""
    from logcore.digest import build_digest

    log.wait_indexed()
    total = log.line_count
    start = max(0, total - DIGEST_MAX_LINES)
    notes = [f"the digest covers the last {DIGEST_MAX_LINES:,} of {total:,} lines"] if start else []
    digest = build_digest(log.lines(start, total), budget_tokens, count_tokens,
                          first_line=start + 1, source=log.display_name)
    return ScopeText(digest.text, f"file: digest of {total - start:,} lines", notes + list(digest.omitted))
