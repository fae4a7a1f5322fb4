"""One tab: a log view and everything a user does to it (search, filter, go to, mark, scope).

The pane owns its dialogs, so each tab keeps its own search and level filter. It reports back
with messages (`StatusChanged`, `ScopeSized`); the token count of the analysis scope runs on a
worker that takes the model lock only when it is free.
"""

from __future__ import annotations

from datetime import datetime, time as dtime

from textual import work
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import TabPane

from logcore.errors import LogchatError
from logcore.reader import LogFile
from logcore.token_estimate import estimate_tokens
from tui.literal import literal
from tui.log_view import LogView
from tui.messages import JumpToLine, ScopeSized, StatusChanged
from tui.model_host import ModelHost
from tui.scope import Scope, ScopeKind, capture_scope, read_scope
from tui.screens import PromptScreen
from tui.sources import FileLine, LevelFilter, TextFilter, find_source, parse_file_line

LEVEL_FILTERS: tuple[str | None, ...] = (None, "WARN", "ERROR")


class LogPane(TabPane):
    def __init__(self, title: str, log: LogFile, *, follow: bool, view_id: str, id: str) -> None:
        super().__init__(Content(literal(title)), id=id)  # a file name is never read as markup
        self._log = log
        self._follow = follow
        self._view_id = view_id
        self._level_filter = 0
        self._alignments_shown = 0

    def compose(self) -> ComposeResult:
        yield LogView(self._log, follow=self._follow, id=self._view_id)

    def on_mount(self) -> None:
        self.show_alignments()

    def show_alignments(self) -> None:
        """Say once how a merged view put its files on one clock (a zone, a year assumed),
        and again only for the files that join it later: the order rests on these guesses."""
        merged = self.view.merged
        if merged is None:
            return
        new = merged.alignments[self._alignments_shown:]
        self._alignments_shown = len(merged.alignments)
        if new:
            self.notify("\n".join(literal(alignment.text) for alignment in new),
                        title="Merged by time, assuming", timeout=12, markup=False)

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    # ------------------------------------------------------------------ scope
    def capture_scope(self, kind: ScopeKind, last_n: int) -> Scope:
        return capture_scope(self.view, kind, last_n)

    @work(thread=True, exclusive=True, group="size")
    def size_scope(self, scope: Scope, models: ModelHost) -> None:
        """Tokens the scope costs: exact with the model's tokenizer when it is free, else the
        log core's estimate (llama.cpp is not thread-safe, and an answer may be streaming)."""
        if scope.kind is ScopeKind.FILE:
            self.post_message(ScopeSized(scope.label + " (digest built when asked)", None, True))
            return
        text = read_scope(self._log, scope).model_text
        backend = models.backend
        if backend is None or not models.lock.acquire(blocking=False):
            self.post_message(ScopeSized(scope.label, estimate_tokens(text), False))
            return
        try:
            tokens = backend.count_tokens(text)
        except Exception:  # counting is advisory; the answer path reports real failures
            tokens, exact = estimate_tokens(text), False
        else:
            exact = bool(getattr(backend, "counts_exact", True))
        finally:
            models.lock.release()
        self.post_message(ScopeSized(scope.label, tokens, exact))

    # ------------------------------------------------------------------ navigation
    def jump_to_line(self, number: int) -> None:
        view = self.view
        if number > view.logfile.line_count:
            unit = "row" if view.merged is not None else "line"
            self.notify(f"{unit} {number:,} is past the end ({view.logfile.line_count:,} {unit}s)",
                        severity="warning")
            return
        view.go_to_line(number)
        view.focus()

    def jump_to_file_line(self, name: str, number: int) -> None:
        """Show 1-based line `number` of the file called `name` (`b.log:412`): in a merged view
        the row that line sorted to; in a single file's tab, that line when the names agree."""
        merged = self.view.merged
        if merged is None:
            self.jump_to_line(number)
            return
        try:
            source = find_source(name, [s.name for s in merged.sources])
        except LogchatError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        self._jump_to_source_line(FileLine(source, number - 1))

    def _jump_to_source_line(self, target: FileLine) -> None:
        merged = self.view.merged
        assert merged is not None
        log = merged.logs[target.source]
        name = merged.sources[target.source].name
        if target.line >= log.line_count:
            self.notify(f"{name} has {log.line_count:,} lines: no line {target.line + 1:,}",
                        severity="warning", markup=False)
            return
        try:
            row = merged.row_of(target.source, target.line)
        except IndexError:  # the file's index is further than the merge has read it yet
            self.notify(f"{name}:{target.line + 1:,} is not merged yet: try again in a moment",
                        severity="warning", markup=False)
            return
        self.jump_to_line(row + 1)

    def search(self) -> None:
        view = self.view

        def done(query: str | None) -> None:
            if query is None:
                return
            view.set_search(query)
            view.find(True)
            self.post_message(StatusChanged())

        self.app.push_screen(PromptScreen("Search (case-insensitive)", view.search_query), done)

    def find(self, forward: bool) -> None:
        if not self.view.search_query:
            self.search()
            return
        self.view.find(forward)

    def filter_text(self) -> None:
        view = self.view

        def done(text: str | None) -> None:
            if text is None:
                return
            if not text:
                view.set_filter(None)
            else:
                needle = text.casefold()
                view.set_filter(TextFilter(needle), f"'{text}'")
            self._level_filter = 0
            self.post_message(StatusChanged())

        self.app.push_screen(PromptScreen("Show lines containing (empty shows all)"), done)

    def filter_level(self) -> None:
        view = self.view
        self._level_filter = (self._level_filter + 1) % len(LEVEL_FILTERS)
        minimum = LEVEL_FILTERS[self._level_filter]
        if minimum is None:
            view.set_filter(None)
        else:
            levels = view.level_reader()
            view.set_filter(LevelFilter(levels, minimum), f"level ≥ {minimum}")
        self.post_message(StatusChanged())

    def filter_to(self, predicate, label: str) -> None:
        """Show only the lines `predicate(index, line)` keeps (a pattern picked in the panel)."""
        self.view.set_filter(predicate, label)
        self.view.focus()
        self.post_message(StatusChanged())

    def goto(self) -> None:
        def done(text: str | None) -> None:
            if not text:
                return
            text = text.strip()
            if text.isdigit():
                self.jump_to_line(int(text))
                return
            target = parse_time(text)
            if target is None and self.view.merged is not None:
                try:
                    file_line = parse_file_line(text, [s.name for s in self.view.merged.sources])
                except LogchatError as error:
                    self.notify(str(error), severity="warning", markup=False)
                    return
                if file_line is not None:
                    self._jump_to_source_line(file_line)
                    return
            if target is None:
                hint = ", a file's line (b.log:412)" if self.view.merged is not None else ""
                self.notify(f"'{text}' is neither a line number{hint} nor a time (HH:MM[:SS] or ISO)",
                            severity="warning", markup=False)
                return
            self._goto_time(self.view, target)

        title = "Go to row, file:line or time" if self.view.merged is not None else "Go to line number or time"
        self.app.push_screen(PromptScreen(title), done)

    @work(thread=True, exclusive=True, group="goto")
    def _goto_time(self, view: LogView, target: datetime | dtime) -> None:
        row = view.find_time(target)
        if row is None:
            self.app.call_from_thread(self.notify, "This log's lines carry no timestamps I can read",
                                      severity="warning")
        else:
            self.post_message(JumpToLine(view.line_index(row) + 1))

    def on_jump_to_line(self, message: JumpToLine) -> None:
        message.stop()
        self.jump_to_line(message.number)

    def toggle_wrap(self) -> None:
        self.view.wrap = not self.view.wrap

    def toggle_follow(self) -> None:
        self.view.follow = not self.view.follow
        self.post_message(StatusChanged())

    def mark(self) -> None:
        self.notify(self.view.toggle_mark())


def parse_time(text: str) -> datetime | dtime | None:
    """A go-to target: an ISO date-time or a time of day."""
    for parse in (datetime.fromisoformat, dtime.fromisoformat):
        try:
            return parse(text)
        except ValueError:
            continue
    return None
