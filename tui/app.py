"""The logchat app: composes the panes and routes keys and messages between them.

Tabs of log panes (tui/log_pane.py), the chat pane (tui/chat_pane.py), the patterns panel
(tui/patterns.py), the live watch (tui/live_watch.py), one model host (tui/model_host.py) and
the status line (tui/status.py). Everything slow runs on the panes' workers and reports back
with the messages of tui/messages.py; the app itself only composes, delegates and renders the
status line. No pane imports the app.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Markdown, TabbedContent

from logcore.errors import LogchatError
from logcore.merge import MergedLog
from logcore.reader import LogFile
from models.conversation import Conversation
from models.backend import Backend
from models.prompts import EVIDENCE_TASKS, TASK_QUESTIONS, TASK_TITLES, Task
from models.settings import Settings
from tui.actions import ACTIONS, bindings
from tui.chat_pane import ChatPane
from tui.citations import CitedLine, link_target
from tui.history import HistoryStore
from tui.literal import literal
from tui.live_watch import LiveWatch, WatchSettings
from tui.log_pane import LogPane
from tui.log_view import LogView
from tui.messages import BackendFailed, BackendReady, FilesJoined, ScopeSized, StatusChanged, WatchReport
from tui.model_host import BackendFactory, ModelHost, default_backend_factory
from tui.patterns import PatternsPanel
from tui.merging import merge_logs, reopen, resolved_paths, same_file, tab_title
from tui.scope import SCOPE_ORDER, ScopeKind
from tui.sources import as_merged
from tui.screens import ChooseScreen, HelpScreen
from tui.status import StatusFacts, status_line
from tui.watch import RiskReport
from tui.widgets import StatusBar

__all__ = ["LogchatApp", "WatchSettings", "BackendFactory"]


def tab_label(log: LogFile) -> str:
    merged = as_merged(log)
    if merged is not None:
        return tab_title(merged)
    return Path(log.display_name).name or log.display_name

class LogchatApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "logchat"
    BINDINGS = bindings()
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        logs: list[LogFile],
        *,
        settings: Settings,
        model_spec: str | None = None,
        follow: bool = False,
        backend_factory: BackendFactory | None = None,
        history: HistoryStore | None = None,
        watch: WatchSettings | None = None,
        last_n: int = 200,
        preload_model: bool = True,
        keymap: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        if not logs:
            raise LogchatError("no log to open; pass a file path or '-' for stdin")
        self.logs = logs
        self.settings = settings
        self.follow_at_start = follow
        self.models = ModelHost(backend_factory or default_backend_factory(settings), model_spec, settings,
                                post=self.post_message, preload=preload_model)
        self._history = history
        self.watch_settings = watch or WatchSettings()
        self.last_n = last_n
        self._user_keymap = keymap or {}
        self.scope_kind = ScopeKind.PAGE
        self._scope_status = "page"

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="main"):
                with TabbedContent(id="tabs"):
                    for i, log in enumerate(self.logs):
                        yield LogPane(tab_label(log), log, follow=self.follow_at_start,
                                      view_id=f"log-{i}", id=f"tab-{i}")
                yield ChatPane(self.models, self.settings, self._history, id="answer")
            yield PatternsPanel(id="patterns")
        with Horizontal(id="taskbar"):
            for task in Task:
                yield Button(TASK_TITLES[task], id=f"task-{task.value}", compact=True)
            yield Input(placeholder="Ask about the log… (i)", compact=True, id="chat")
        yield StatusBar(id="status")
        yield LiveWatch(self.models, self.watch_settings, enabled=self.follow_at_start,
                        busy=lambda: self.chat.generating, id="watch")
        yield Footer()

    def on_mount(self) -> None:
        if self._user_keymap:
            self.set_keymap(self._user_keymap)
        for log in self.logs:
            if not log.indexing_done:
                log.index(background=True)
        self.active_view.focus()
        self._scope_timer = self.set_timer(0.05, self._size_scope_soon)
        if self.models.preload:
            self._load_backend()
        self._update_status()

    @property
    def _base(self) -> Screen:
        """The main screen, which holds the views even while a dialog is on top."""
        return self.screen_stack[0] if self.screen_stack else self.screen

    @property
    def active_pane(self) -> LogPane:
        pane = self._base.query_one(TabbedContent).active_pane
        if not isinstance(pane, LogPane):
            return self._base.query(LogPane).first()
        return pane

    @property
    def active_view(self) -> LogView:
        return self.active_pane.view

    @property
    def chat(self) -> ChatPane:
        return self._base.query_one("#answer", ChatPane)

    @property
    def live_watch(self) -> LiveWatch:
        return self._base.query_one(LiveWatch)

    @property
    def patterns_panel(self) -> PatternsPanel:
        return self._base.query_one(PatternsPanel)

    # The state tests and the status line read, owned by the panes.
    @property
    def backend(self) -> Backend | None:
        return self.models.backend

    @property
    def conversation(self) -> Conversation | None:
        return self.chat.conversation

    @property
    def generating(self) -> bool:
        return self.chat.generating

    @property
    def watch_enabled(self) -> bool:
        return self.live_watch.enabled

    @property
    def last_risk(self) -> RiskReport | None:
        return self.live_watch.last_risk

    # ------------------------------------------------------------------ model
    @work(thread=True, exclusive=True, group="backend")
    def _load_backend(self) -> None:
        self.models.load()

    def on_backend_ready(self, message: BackendReady) -> None:
        self.models.error = None
        self._update_status()
        self._size_scope_soon()

    def on_backend_failed(self, message: BackendFailed) -> None:
        self.models.error = message.error
        self.notify(message.error, title="Model unavailable", severity="error", markup=False)
        self._update_status()

    def switch_model(self, spec: str) -> None:
        if self.generating:
            self.notify("Stop the current answer (Esc) before switching models", severity="warning")
            return
        self._close_backend(self.models.switch(spec))
        self.notify(f"Loading {spec}…", markup=False)
        self._load_backend()
        self._update_status()

    @work(thread=True, group="close")
    def _close_backend(self, backend: Backend | None) -> None:
        self.models.close_backend(backend)

    # ------------------------------------------------------------------ status and scope
    def _update_status(self) -> None:
        view = self.active_view
        watch = self.live_watch
        facts = StatusFacts(
            scope=self._scope_status, model=self.models.label(),
            filter_label=view.filter_label, filter_progress=view.filter_progress if view.filter_label else "",
            rows=view.row_count, search=view.search_query,
            indexing=None if view.logfile.indexing_done else view.logfile.line_count,
            speed=self.chat.speed, follow=view.follow, watch=watch.enabled,
            risk=watch.last_risk.risk_score if watch.last_risk else None, generating=self.chat.generating,
            position=view.file_line_label(view.cursor_line) if view.row_count else "",
        )
        self._base.query_one(StatusBar).show(*status_line(facts))

    def on_status_changed(self, message: StatusChanged) -> None:
        self._update_status()
        if not self.chat.generating and "· ~" in self._scope_status:
            self._size_scope_soon()  # counted while the model was busy: count it exactly now

    def _size_scope_soon(self) -> None:
        self._scope_timer.stop()
        self._scope_timer = self.set_timer(0.25, self._size_scope)

    def _size_scope(self) -> None:
        if not self.screen_stack:
            return
        pane = self.active_pane
        scope = pane.capture_scope(self.scope_kind, self.last_n)
        self._scope_status = scope.label
        self._update_status()
        pane.size_scope(scope, self.models)

    def on_scope_sized(self, message: ScopeSized) -> None:
        if message.tokens is None:
            self._scope_status = message.label
        else:
            approx = "" if message.exact else "~"
            backend = self.models.backend
            ctx = f" / ctx {backend.context_size:,}" if backend is not None else ""
            self._scope_status = f"{message.label} · {approx}{message.tokens:,} tok{ctx}"
        self._update_status()

    def on_log_view_changed(self, message: LogView.Changed) -> None:
        if message.view is self.active_view:
            self._update_status()
            self._size_scope_soon()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.active_view.focus()
        self._size_scope_soon()
        if self.patterns_panel.display:
            self.patterns_panel.show_for(self.active_view)

    def action_cycle_scope(self) -> None:
        position = SCOPE_ORDER.index(self.scope_kind)
        self.scope_kind = SCOPE_ORDER[(position + 1) % len(SCOPE_ORDER)]
        view = self.active_view
        if self.scope_kind is ScopeKind.MARKED and view.marked_range is None:
            self.notify("No marked range (m at two lines): the visible page is used", severity="warning")
        if self.scope_kind is ScopeKind.FILTERED and not view.filtering:
            self.notify("No filter (f or l): the visible page is used", severity="warning")
        self._size_scope()

    # ------------------------------------------------------------------ asking (chat pane)
    def action_task(self, task: str) -> None:
        chosen = Task(task)
        self.run_worker(self.ask(TASK_QUESTIONS[chosen], TASK_TITLES[chosen], new=True,
                                 evidence=chosen in EVIDENCE_TASKS), exclusive=False)

    @on(Button.Pressed)
    def _task_button(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("task-"):
            self.action_task(event.button.id.removeprefix("task-"))

    @on(Input.Submitted, "#chat")
    async def _chat_submitted(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        event.input.value = ""
        await self.ask(question, "Question", new=self.conversation is None)

    async def ask(self, question: str, title: str, *, new: bool, evidence: bool = False) -> None:
        pane = self.active_pane
        scope = pane.capture_scope(self.scope_kind, self.last_n) if new and not self.generating else None
        await self.chat.ask(question, title, pane.view.logfile, scope=scope, evidence=evidence)

    def action_findings(self) -> None:
        pane = self.active_pane
        self.chat.show_findings(pane.view.logfile, pane.capture_scope(self.scope_kind, self.last_n))

    def action_stop(self) -> None:
        if not self.chat.stop() and self.focused is not None and not isinstance(self.focused, LogView):
            self.active_view.focus()

    async def action_retry(self) -> None:
        await self.chat.retry(self.active_view.logfile)

    def action_copy_answer(self) -> None:
        self.chat.copy_answer()

    async def action_new_conversation(self) -> None:
        await self.chat.new_conversation()

    def action_history(self) -> None:
        self.chat.open_history(self.active_view.logfile)

    def action_export(self) -> None:
        self.chat.export()

    def action_focus_chat(self) -> None:
        self._base.query_one("#chat", Input).focus()

    def action_focus_answer(self) -> None:
        self.chat.show(True)
        self.chat.focus()

    def action_toggle_answers(self) -> None:
        self.chat.show(not self.chat.shown)

    # ------------------------------------------------------------------ citations and jumps
    def action_cite(self, step: int) -> None:
        cited = self.chat.next_citation(step)
        if cited is not None:
            self.jump_to(cited)

    @on(Markdown.LinkClicked)
    def _link_clicked(self, event: Markdown.LinkClicked) -> None:
        cited = link_target(event.href)
        if cited is not None:
            event.stop()
            self.jump_to(cited)

    def jump_to(self, cited: CitedLine) -> None:
        """A cited line: a file's own line (`b.log:412`) or a line of the view as numbered."""
        if cited.file is None:
            self.jump_to_line(cited.line)
        else:
            self.active_pane.jump_to_file_line(cited.file, cited.line)

    def jump_to_line(self, number: int) -> None:
        self.active_pane.jump_to_line(number)

    # ------------------------------------------------------------------ log pane actions
    def action_search(self) -> None:
        self.active_pane.search()

    def action_find(self, forward: bool) -> None:
        self.active_pane.find(forward)

    def action_filter_text(self) -> None:
        self.active_pane.filter_text()

    def action_filter_level(self) -> None:
        self.active_pane.filter_level()

    def action_goto(self) -> None:
        self.active_pane.goto()

    def action_toggle_wrap(self) -> None:
        self.active_pane.toggle_wrap()

    def action_toggle_follow(self) -> None:
        self.active_pane.toggle_follow()

    def action_mark(self) -> None:
        self.active_pane.mark()

    # ------------------------------------------------------------------ merging tabs
    async def action_merge_tabs(self) -> None:
        """One tab with the open files' lines by time; with a merged tab open already, the
        files of the other tabs join it (and are followed with it)."""
        panes = list(self._base.query(LogPane))
        singles = [pane for pane in panes if pane.view.merged is None]
        merged_pane = next((pane for pane in panes if pane.view.merged is not None), None)
        try:
            if merged_pane is None:
                await self._open_merged_tab(singles)
            else:
                self._join_merged_tab(merged_pane, singles)
        except LogchatError as error:
            self.notify(str(error), title="Merge", severity="warning", markup=False)

    async def _open_merged_tab(self, singles: list[LogPane]) -> None:
        if len(singles) < 2:
            raise LogchatError("open two or more files to merge them (or start with logchat --merge a.log b.log)")
        merged = merge_logs([reopen(pane.view.logfile) for pane in singles])
        merged.index(background=True)
        self.logs.append(merged)
        number = len(self.logs) - 1
        tabs = self._base.query_one(TabbedContent)
        pane = LogPane(tab_title(merged), merged, follow=any(p.view.follow for p in singles),
                       view_id=f"log-{number}", id=f"tab-{number}")
        await tabs.add_pane(pane)
        tabs.active = pane.id or ""

    def _join_merged_tab(self, merged_pane: LogPane, singles: list[LogPane]) -> None:
        merged = merged_pane.view.merged
        assert merged is not None
        present = resolved_paths(merged.logs)
        joining = [pane.view.logfile for pane in singles if not same_file(pane.view.logfile, present)]
        tabs = self._base.query_one(TabbedContent)
        tabs.active = merged_pane.id or ""
        if not joining:
            self.notify("Every open file is in the merged view already", title="Merge")
            return
        self._add_to_merge(merged_pane.id or "", merged, [reopen(log) for log in joining])

    @work(thread=True, group="merge")
    def _add_to_merge(self, pane_id: str, merged: MergedLog, logs: list[LogFile]) -> None:
        """Each joining file is indexed here, off the UI thread: a big one takes seconds."""
        names: list[str] = []
        for log in logs:
            try:
                merged.add(log)
            except LogchatError as exc:
                log.close()
                self.post_message(FilesJoined(pane_id, names, str(exc)))
                return
            names.append(merged.sources[-1].name)
        self.post_message(FilesJoined(pane_id, names))

    def on_files_joined(self, message: FilesJoined) -> None:
        message.stop()
        panes = [pane for pane in self._base.query(LogPane) if pane.id == message.pane_id]
        merged = panes[0].view.merged if panes else None  # the tab may have been closed meanwhile
        if message.names and merged is not None:
            self._base.query_one(TabbedContent).get_tab(message.pane_id).label = Content(literal(tab_title(merged)))
            panes[0].show_alignments()
            self.notify(f"{', '.join(message.names)} joined the merged view", title="Merge", markup=False)
        if message.error:
            self.notify(message.error, title="Merge", severity="error", markup=False)

    # ------------------------------------------------------------------ patterns and live watch
    def action_toggle_patterns(self) -> None:
        panel = self.patterns_panel
        panel.display = not panel.display
        if panel.display:
            panel.show_for(self.active_view)
            panel.query_one("#patterns-table").focus()
        else:
            self.active_view.focus()

    @on(PatternsPanel.Selected)
    def _pattern_selected(self, event: PatternsPanel.Selected) -> None:
        index = self.patterns_panel.index_for(self.active_view)
        if index is None:
            return
        template_id = event.template_id
        self.active_pane.filter_to(lambda i, line: index.template_of(i) == template_id, f"pattern #{template_id}")

    def action_toggle_watch(self) -> None:
        self.live_watch.toggle(self.active_view)

    def on_log_view_appended(self, message: LogView.Appended) -> None:
        view = message.view
        self.patterns_panel.appended(view, message.start, message.stop)
        self.live_watch.appended(view, message.start, message.stop)
        if self.watch_enabled and view is self.active_view:
            self._update_status()

    def on_log_view_rows_moved(self, message: LogView.RowsMoved) -> None:
        self.patterns_panel.rows_moved(message.view)

    def on_watch_report(self, message: WatchReport) -> None:
        report = message.report
        if report is not None and report.should_alert_user:
            self.chat.set_citations(list(report.critical) + list(report.warning))
        self._update_status()

    # ------------------------------------------------------------------ model switch, help, palette
    def action_choose_model(self) -> None:
        def done(spec: str | None) -> None:
            if spec is not None:
                self.switch_model(spec)

        self.push_screen(ChooseScreen("Switch model", self.models.choices()), done)

    def action_help(self) -> None:
        """Keys from the action table and the log view, as currently bound (keymap applied)."""
        rows: list[tuple[str, str]] = []
        for spec in ACTIONS:
            keys = self._user_keymap.get(spec.id, spec.keys)
            rows.append((self._keys_display(keys), f"{spec.title}: {spec.help}"))
        for binding in LogView.BINDINGS:
            if isinstance(binding, Binding):
                rows.append((self._keys_display(binding.key), binding.description))
        intro = ("logchat: read a log, ask about it. The status line shows what is analysed "
                 "(s changes it), its size in tokens and the model. Ctrl+P opens the command palette.")
        self.push_screen(HelpScreen(rows, intro))

    def _keys_display(self, keys: str) -> str:
        return " ".join(self.get_key_display(Binding(key.strip(), "")) for key in keys.split(","))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for spec in ACTIONS:
            yield SystemCommand(spec.title, spec.help, partial(self.run_action, spec.action))
        for spec, label in self.models.choices():
            yield SystemCommand(f"Model: {label}", "Switch to this model", partial(self.switch_model, spec))

    async def action_quit(self) -> None:
        self.chat.stop()
        self.exit()

    def on_unmount(self) -> None:
        # A stream still running on a worker stops at its next token; close only after it let go.
        self.models.stopping.set()
        try:
            self.chat.stop()
        except Exception:  # the pane may already be gone
            pass
        self.models.close()
