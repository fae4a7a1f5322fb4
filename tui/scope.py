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
from tui.sources import as_merged

if TYPE_CHECKING:
    from logcore.merge import MergedLog
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


def describe_range(kind: ScopeKind, lines: Sequence[int], unit: str = "lines") -> str:
    """"page: lines 1-20"; a merged view counts its `rows` (each file keeps its own lines)."""
    if not lines:
        return f"{kind.value}: no {unit}"
    first, last = lines[0] + 1, lines[-1] + 1
    if kind is ScopeKind.FILTERED:
        return f"filtered: {len(lines):,} {unit}"
    return f"{kind.value}: {unit} {first:,}-{last:,}"


def capture_scope(view: LogView, kind: ScopeKind, last_n: int) -> Scope:
    """The user's scope choice as concrete line indexes, taken now (what they see now)."""
    count = view.logfile.line_count
    unit = "rows" if view.merged is not None else "lines"
    if kind is ScopeKind.MARKED and view.marked_range is not None:
        start, end = view.marked_range
        lines: range | tuple[int, ...] = range(start, end + 1)
    elif kind is ScopeKind.LAST:
        lines = range(max(0, count - last_n), count)
        return Scope(kind, lines, f"last {len(lines):,} {unit}")
    elif kind is ScopeKind.FILTERED and view.filtering:
        lines = tuple(view.filtered_lines() or ())
    elif kind is ScopeKind.FILE:
        files = "all files" if view.merged is not None else "file"
        return Scope(kind, range(0, count), f"{files}: {count:,} {unit}")
    else:
        if kind is not ScopeKind.PAGE:
            kind = ScopeKind.PAGE  # nothing marked / no filter: fall back to what is visible
        rows = view.visible_rows()
        lines = range(view.line_index(rows.start), view.line_index(rows.stop - 1) + 1) if (
            rows and not view.filtering) else tuple(view.line_index(r) for r in rows)
    return Scope(kind, lines, describe_range(kind, lines, unit))


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
    unit = "rows" if as_merged(log) is not None else "lines"
    return Scope(ScopeKind.PAGE, lines, describe_range(ScopeKind.PAGE, lines, unit))


def read_scope(log: LogFile, scope: Scope) -> LogSlice:
    """The selected lines as the analysis reads them. A contiguous selection stays raw with its
    first line, so one too big for the budget is digested with its format recognised; at most
    MAX_SCOPE_LINES are read (DIGEST_MAX_LINES for the whole file, which is always digested)."""
    if scope.kind is ScopeKind.FILE:
        log.wait_indexed()
        total = log.line_count
        start = max(0, total - DIGEST_MAX_LINES)
        notes = (f"the digest covers the last {DIGEST_MAX_LINES:,} of {total:,} lines",) if start else ()
        return _contiguous(log, start, total, notes)
    lines = scope.lines
    notes: tuple[str, ...] = ()
    if len(lines) > MAX_SCOPE_LINES:
        notes = (f"only the last {MAX_SCOPE_LINES:,} of {len(lines):,} selected lines were read",)
        lines = lines[-MAX_SCOPE_LINES:]
    if isinstance(lines, range) and lines.step == 1:
        return _contiguous(log, lines.start, lines.stop, notes)
    merged = as_merged(log)
    if merged is not None:  # a filter's rows: each labelled with its file's real line
        text = merged.rows_text(lines)
        return LogSlice(text.lines, lines[0] + 1 if lines else 1, merged.display_name,
                        numbers=[i + 1 for i in lines], notes=notes, merged=text)
    return LogSlice([log.line(i) for i in lines], lines[0] + 1 if lines else 1, log.display_name,
                    numbers=[i + 1 for i in lines], notes=notes)


def _contiguous(log: LogFile, start: int, stop: int, notes: tuple[str, ...]) -> LogSlice:
    """Lines [start, stop) of `log`; of a merged view, rows read as merged files (below)."""
    merged = as_merged(log)
    if merged is None:
        return LogSlice(log.lines(start, stop), start + 1, log.display_name, notes=notes)
    return _merged_slice(merged, start, stop, notes)


def _merged_slice(merged: MergedLog, start: int, stop: int, notes: tuple[str, ...]) -> LogSlice:
    """Merged rows [start, stop) as the analysis reads merged files, wherever they start: each
    file's rows there are consecutive lines of it (`MergedLog.text`), so every line is labelled
    with its file's real line (`b.log:412`), citations are checked against those lines, and the
    findings and digest are found per file. A bare `line N` stays row N of the view."""
    text = merged.text(start, stop)
    return LogSlice(text.lines, start + 1, merged.display_name, notes=notes, merged=text)
