"""What part of the log an analysis reads: the user's choice, made concrete as text.

The choice is captured on the UI thread as plain line indexes (cheap), and read on a worker
into a `models.session.LogSlice` (reading a marked range or a whole large file takes time).
Lines are numbered as the user sees them, so the model can cite them and a cited number
jumps the view to the right line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from logcore.reader import LogFile
from models.session import LogSlice

if TYPE_CHECKING:
    from tui.log_view import LogView


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


def describe_range(kind: ScopeKind, lines: Sequence[int]) -> str:
    if not lines:
        return f"{kind.value}: no lines"
    first, last = lines[0] + 1, lines[-1] + 1
    if kind is ScopeKind.FILTERED:
        return f"filtered: {len(lines):,} lines"
    return f"{kind.value}: lines {first:,}-{last:,}"


def capture_scope(view: LogView, kind: ScopeKind, last_n: int) -> Scope:
    """The user's scope choice as concrete line indexes, taken now (what they see now)."""
    count = view.logfile.line_count
    if kind is ScopeKind.MARKED and view.marked_range is not None:
        start, end = view.marked_range
        lines: range | tuple[int, ...] = range(start, end + 1)
    elif kind is ScopeKind.LAST:
        lines = range(max(0, count - last_n), count)
        return Scope(kind, lines, f"last {len(lines):,} lines")
    elif kind is ScopeKind.FILTERED and view.filtering:
        lines = tuple(view.filtered_lines() or ())
    elif kind is ScopeKind.FILE:
        return Scope(kind, range(0, count), f"file: {count:,} lines")
    else:
        if kind is not ScopeKind.PAGE:
            kind = ScopeKind.PAGE  # nothing marked / no filter: fall back to what is visible
        rows = view.visible_rows()
        lines = range(view.line_index(rows.start), view.line_index(rows.stop - 1) + 1) if (
            rows and not view.filtering) else tuple(view.line_index(r) for r in rows)
    return Scope(kind, lines, describe_range(kind, lines))


def evidence_scope(log: LogFile, scope: Scope) -> Scope | None:
    """Where the findings look when the scope is just the visible page: the page is rarely where
    an incident's cause is, so the findings read up to MAX_SCOPE_LINES around it (the whole of
    a smaller file). None when the scope is a deliberate choice (marked, last N, filtered, file)."""
    if scope.kind is not ScopeKind.PAGE or not isinstance(scope.lines, range):
        return None
    count = log.line_count
    first = scope.lines.start if scope.lines else 0
    start = max(0, min(first - MAX_SCOPE_LINES // 2, count - MAX_SCOPE_LINES))
    lines = range(start, min(count, start + MAX_SCOPE_LINES))
    if lines == scope.lines:
        return None
    return Scope(ScopeKind.PAGE, lines, describe_range(ScopeKind.PAGE, lines))


def read_scope(log: LogFile, scope: Scope) -> LogSlice:
    """The selected lines as the analysis reads them. A contiguous selection stays raw with its
    first line, so one too big for the budget is digested with its format recognised; at most
    MAX_SCOPE_LINES are read (DIGEST_MAX_LINES for the whole file, which is always digested)."""
    if scope.kind is ScopeKind.FILE:
        log.wait_indexed()
        total = log.line_count
        start = max(0, total - DIGEST_MAX_LINES)
        notes = (f"the digest covers the last {DIGEST_MAX_LINES:,} of {total:,} lines",) if start else ()
        return LogSlice(log.lines(start, total), start + 1, log.display_name, notes=notes)
    lines = scope.lines
    notes: tuple[str, ...] = ()
    if len(lines) > MAX_SCOPE_LINES:
        notes = (f"only the last {MAX_SCOPE_LINES:,} of {len(lines):,} selected lines were read",)
        lines = lines[-MAX_SCOPE_LINES:]
    if isinstance(lines, range) and lines.step == 1:
        return LogSlice(log.lines(lines.start, lines.stop), lines.start + 1, log.display_name, notes=notes)
    return LogSlice([log.line(i) for i in lines], lines[0] + 1 if lines else 1, log.display_name,
                    numbers=[i + 1 for i in lines], notes=notes)
