"""The logchat app: tabs of log views, task keys, a streamed conversation, live watch.

Everything slow runs on worker threads (model load, generation, filters, mining, digests) and
reports back with messages; the UI thread only renders. One lock serialises model use, because
a local llama.cpp model serves one request at a time; the live watch skips a beat rather than
queue behind a long answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time as dtime
from functools import partial
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Markdown, TabbedContent, TabPane

from logcore.errors import LogchatError
from logcore.reader import LogFile
from models.backend import Backend, Usage
from models.prompts import TASK_QUESTIONS, TASK_TITLES, Task, Turn, build_messages
from models.settings import Settings
from tui.actions import ACTIONS, bindings
from tui.citations import cited_lines, link_target
from tui.history import Conversation, HistoryStore, to_markdown
from tui.levels import at_least
from tui.log_view import LogView
from tui.pattern_index import MAX_MINED_LINES, PatternIndex
from tui.scope import SCOPE_ORDER, Scope, ScopeKind, describe_range, digest_scope, numbered, read_scope
from tui.screens import ChooseScreen, HelpScreen, PromptScreen
from tui.watch import RISK_SCHEMA, WATCH_QUESTION, RiskReport, RiskReplyError, parse_risk
from tui.widgets import AnswerView, PatternsPanel, StatusBar

BackendFactory = Callable[[str | None], Backend]
LEVEL_FILTERS: tuple[str | None, ...] = (None, "WARN", "ERROR")
WATCH_MAX_LINES = 120  # lines per risk check: keeps a check within a few seconds on a CPU
MINE_CHUNK = 20_000
ANOMALY_WINDOW = 2_000  # recent lines the new ones are scored against
ANOMALY_TRIGGER = 0.6  # logcore anomaly score (0-1) that makes a risk check due at once


@dataclass
class WatchSettings:
    """Live watch cadence: a check after `every_lines` new lines or `every_seconds` seconds."""

    every_lines: int = 200
    every_seconds: float = 30.0
    max_tokens: int = 320  # room for the schema's longest reply, so it is never cut mid-string


@dataclass
class _WatchState:
    pending_from: int | None = None  # first line not yet checked
    pending_to: int = 0  # end of the lines appended so far
    last_check: float = field(default_factory=time.monotonic)
    urgent: bool = False


class BackendReady(Message):
    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend


class BackendFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class AnswerChunk(Message):
    def __init__(self, generation: int, text: str) -> None:
        super().__init__()
        self.generation = generation
        self.text = text


class AnswerDone(Message):
    def __init__(self, generation: int, stopped: bool, usage: Usage | None, notes: list[str]) -> None:
        super().__init__()
        self.generation = generation
        self.stopped = stopped
        self.usage = usage
        self.notes = notes


class AnswerFailed(Message):
    def __init__(self, generation: int, error: str) -> None:
        super().__init__()
        self.generation = generation
        self.error = error


class ScopeSized(Message):
    def __init__(self, label: str, tokens: int | None, exact: bool) -> None:
        super().__init__()
        self.label = label
        self.tokens = tokens
        self.exact = exact


class WatchReport(Message):
    def __init__(self, view_id: str, report: RiskReport | None, error: str | None = None) -> None:
        super().__init__()
        self.view_id = view_id
        self.report = report
        self.error = error


class AnomalySignal(Message):
    def __init__(self, view_id: str, lines: list[int]) -> None:
        super().__init__()
        self.view_id = view_id
        self.lines = lines


class PatternsMined(Message):
    def __init__(self, view_id: str) -> None:
        super().__init__()
        self.view_id = view_id


def default_backend_factory(settings: Settings) -> BackendFactory:
    def factory(spec: str | None) -> Backend:
        from models.resolve import resolve_backend

        return resolve_backend(spec, settings)

    return factory


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
        self.model_spec = model_spec
        self.follow_at_start = follow
        self._factory = backend_factory or default_backend_factory(settings)
        self._history = history
        self.watch_settings = watch or WatchSettings()
        self.last_n = last_n
        self._preload = preload_model
        self._user_keymap = keymap or {}
        self.backend: Backend | None = None
        self._backend_error: str | None = None
        self._backend_init = threading.Lock()
        self._model_lock = threading.Lock()
        self._stop_models = threading.Event()
        self.scope_kind = ScopeKind.PAGE
        self._scope_status = "page"
        self.conversation: Conversation | None = None
        self._conversation_scope: tuple[Scope, LogFile] | None = None
        self._generation = 0
        self._cancel: threading.Event | None = None
        self.generating = False
        self._partial: list[str] = []
        self.citations: list[int] = []
        self._citation_index = -1
        self._level_filter = 0
        self.watch_enabled = follow
        self._watch: dict[str, _WatchState] = {}
        self._watching_now: set[str] = set()
        self.last_risk: RiskReport | None = None
        self._patterns: dict[str, PatternIndex] = {}
        self._first_seen: dict[tuple[str, int], str] = {}
        self._speed = ""
        self._known_specs: list[str] = [s for s in (model_spec, settings.model) if s and s != "bundled"]

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="main"):
                with TabbedContent(id="tabs"):
                    for i, log in enumerate(self.logs):
                        with TabPane(Path(log.display_name).name or log.display_name, id=f"tab-{i}"):
                            yield LogView(log, follow=self.follow_at_start, id=f"log-{i}")
                yield AnswerView(id="answer")
            yield PatternsPanel(id="patterns")
        with Horizontal(id="taskbar"):
            for task in Task:
                yield Button(TASK_TITLES[task], id=f"task-{task.value}", compact=True)
            yield Input(placeholder="Ask about the log… (i)", compact=True, id="chat")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        if self._user_keymap:
            self.set_keymap(self._user_keymap)
        for log in self.logs:
            if not log.indexing_done:
                log.index(background=True)
        self.active_view.focus()
        self._scope_timer = self.set_timer(0.05, self._size_scope_soon)
        self.set_interval(1.0, self._watch_tick)
        if self._preload:
            self._load_backend()
        self._update_status()

    @property
    def _base(self) -> Screen:
        """The main screen, which holds the views even while a dialog is on top."""
        return self.screen_stack[0] if self.screen_stack else self.screen

    @property
    def active_view(self) -> LogView:
        pane = self._base.query_one(TabbedContent).active_pane
        if pane is None:
            return self._base.query(LogView).first()
        return pane.query_one(LogView)

    @property
    def answer_view(self) -> AnswerView:
        return self._base.query_one("#answer", AnswerView)

    # ------------------------------------------------------------------ model
    def _ensure_backend(self) -> Backend:
        """The model, loaded on first use (on a worker thread: loading takes seconds)."""
        with self._backend_init:
            if self.backend is None:
                backend = self._factory(self.model_spec)
                self.backend = backend
                self.post_message(BackendReady(backend))
            return self.backend

    @work(thread=True, exclusive=True, group="backend")
    def _load_backend(self) -> None:
        try:
            self._ensure_backend()
        except LogchatError as exc:
            self.post_message(BackendFailed(str(exc)))
        except Exception as exc:  # a model runtime failure must not take the viewer down
            self.post_message(BackendFailed(f"{type(exc).__name__}: {exc}"))

    def on_backend_ready(self, message: BackendReady) -> None:
        self._backend_error = None
        self._update_status()
        self._size_scope_soon()

    def on_backend_failed(self, message: BackendFailed) -> None:
        self._backend_error = message.error
        self.notify(message.error, title="Model unavailable", severity="error", markup=False)
        self._update_status()

    def model_choices(self) -> list[tuple[str, str]]:
        """(spec, label) pairs: the bundled model, configured models and endpoints."""
        choices: list[tuple[str, str]] = [("bundled", "bundled SmolLM2-135M-Instruct (local)")]
        for spec in self._known_specs:
            if all(spec != known for known, _ in choices):
                choices.append((spec, spec))
        if self.settings.endpoint:
            spec = f"openai:{self.settings.endpoint}"
            if all(spec != known for known, _ in choices):
                choices.append((spec, f"endpoint {self.settings.endpoint}"))
        return choices

    def switch_model(self, spec: str) -> None:
        if self.generating:
            self.notify("Stop the current answer (Esc) before switching models", severity="warning")
            return
        old, self.backend = self.backend, None
        self.model_spec = spec
        self._backend_error = None
        self._close_backend(old)
        self.notify(f"Loading {spec}…", markup=False)
        self._load_backend()
        self._update_status()

    @work(thread=True, group="close")
    def _close_backend(self, backend: Backend | None) -> None:
        if backend is not None:
            with self._model_lock:
                backend.close()

    # ------------------------------------------------------------------ status
    def _update_status(self) -> None:
        view = self.active_view
        left = [self._scope_status]
        if view.filter_label:
            progress = view.filter_progress
            left.append(f"filter {view.filter_label}: {view.row_count:,}" + (f" ({progress})" if progress else ""))
        if view.search_query:
            left.append(f"/{view.search_query}")
        if not view.logfile.indexing_done:
            left.append(f"indexing {view.logfile.line_count:,}")
        right = []
        if self.backend is not None:
            right.append(self.backend.name)
        elif self._backend_error:
            right.append("model: unavailable")
        elif self._preload:
            right.append("model: loading")
        else:
            right.append("model: loads when asked")
        if self._speed:
            right.append(self._speed)
        if view.follow:
            right.append("FOLLOW")
        if self.watch_enabled:
            right.append("WATCH" + (f" risk {self.last_risk.risk_score}" if self.last_risk else ""))
        if self.generating:
            right.append("answering… Esc stops")
        self._base.query_one(StatusBar).show(" · ".join(left), " · ".join(right))

    def _size_scope_soon(self) -> None:
        self._scope_timer.stop()
        self._scope_timer = self.set_timer(0.25, self._size_scope)

    def _size_scope(self) -> None:
        if not self.screen_stack:
            return
        view = self.active_view
        scope = self.capture_scope(view)
        self._scope_status = scope.label
        self._update_status()
        self._count_scope(scope, view.logfile)

    @work(thread=True, exclusive=True, group="size")
    def _count_scope(self, scope: Scope, log: LogFile) -> None:
        backend = self.backend
        if scope.kind is ScopeKind.FILE:
            self.post_message(ScopeSized(scope.label + " (digest built when asked)", None, True))
            return
        text = read_scope(log, scope).model_text
        if backend is None:
            self.post_message(ScopeSized(scope.label, len(text) // 4, False))
            return
        # llama.cpp is not thread-safe: while the model is busy the size is an estimate.
        if not self._model_lock.acquire(blocking=False):
            self.post_message(ScopeSized(scope.label, len(text) // 4, False))
            return
        try:
            tokens = backend.count_tokens(text)
        except Exception:  # counting is advisory; the answer path reports real failures
            tokens, exact = len(text) // 4, False
        else:
            exact = bool(getattr(backend, "counts_exact", True))
        finally:
            self._model_lock.release()
        self.post_message(ScopeSized(scope.label, tokens, exact))

    def on_scope_sized(self, message: ScopeSized) -> None:
        if message.tokens is None:
            self._scope_status = message.label
        else:
            approx = "" if message.exact else "~"
            ctx = f" / ctx {self.backend.context_size:,}" if self.backend is not None else ""
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
        if self._base.query_one(PatternsPanel).display:
            self._show_patterns()

    # ------------------------------------------------------------------ scope
    def capture_scope(self, view: LogView) -> Scope:
        """The user's scope choice as concrete line indexes, taken now (what they see now)."""
        kind = self.scope_kind
        count = view.logfile.line_count
        if kind is ScopeKind.MARKED and view.marked_range is not None:
            start, end = view.marked_range
            lines: range | tuple[int, ...] = range(start, end + 1)
        elif kind is ScopeKind.LAST:
            lines = range(max(0, count - self.last_n), count)
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

    def action_cycle_scope(self) -> None:
        position = SCOPE_ORDER.index(self.scope_kind)
        self.scope_kind = SCOPE_ORDER[(position + 1) % len(SCOPE_ORDER)]
        view = self.active_view
        if self.scope_kind is ScopeKind.MARKED and view.marked_range is None:
            self.notify("No marked range (m at two lines): the visible page is used", severity="warning")
        if self.scope_kind is ScopeKind.FILTERED and not view.filtering:
            self.notify("No filter (f or l): the visible page is used", severity="warning")
        self._size_scope()

    # ------------------------------------------------------------------ asking
    def action_task(self, task: str) -> None:
        chosen = Task(task)
        self.run_worker(self.ask(TASK_QUESTIONS[chosen], TASK_TITLES[chosen], new=True), exclusive=False)

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

    async def ask(self, question: str, title: str, *, new: bool) -> None:
        if self.generating:
            self.notify("An answer is still streaming: Esc stops it", severity="warning")
            return
        view = self.active_view
        if new:
            scope = self.capture_scope(view)
            self.conversation = Conversation(
                source=view.logfile.display_name, scope=scope.label,
                model=self.backend.name if self.backend else (self.model_spec or "bundled"), title=title,
            )
            self._conversation_scope = (scope, view.logfile)
            await self.answer_view.clear()
        assert self.conversation is not None
        self.conversation.turns.append(Turn(question))
        self._show_answers(True)
        await self.answer_view.add_question(question)
        self._start_generation()

    def _start_generation(self) -> None:
        conversation = self.conversation
        assert conversation is not None
        self._generation += 1
        self._cancel = threading.Event()
        self._partial = []
        self.generating = True
        scope = self._conversation_scope if not conversation.log_text else None
        self._generate(self._generation, conversation, scope, self._cancel)
        self._update_status()

    @work(thread=True, group="generate")
    def _generate(self, generation: int, conversation: Conversation,
                  scope: tuple[Scope, LogFile] | None, cancel: threading.Event) -> None:
        notes: list[str] = []
        try:
            backend = self._ensure_backend()
            conversation.model = backend.name
            with self._model_lock:
                if scope is not None:
                    conversation.log_text, notes = self._scope_text(backend, conversation, *scope)
                messages = build_messages(conversation.log_text, conversation.turns)
                for piece in backend.stream(messages, max_tokens=self.settings.max_tokens,
                                            temperature=self.settings.temperature, cancel=cancel):
                    self.post_message(AnswerChunk(generation, piece))
                    if cancel.is_set():
                        break
            self.post_message(AnswerDone(generation, cancel.is_set(), backend.last_usage, notes))
        except LogchatError as exc:
            self.post_message(AnswerFailed(generation, str(exc)))
        except Exception as exc:  # shown as one notification; the partial answer stays
            self.post_message(AnswerFailed(generation, f"{type(exc).__name__}: {exc}"))

    def _scope_text(self, backend: Backend, conversation: Conversation, scope: Scope,
                    log: LogFile) -> tuple[str, list[str]]:
        question = conversation.turns[0].question
        if scope.kind is ScopeKind.FILE:
            budget = self.settings.log_tokens or max(
                256, min(2048, backend.context_size - self.settings.max_tokens - 512))
            selected = digest_scope(log, budget, backend.count_tokens)
            conversation.scope = selected.label
            return selected.text, selected.notes
        from models.context import fit_log

        selected = read_scope(log, scope)
        fitted = fit_log(selected.text, question, backend, reserve_tokens=self.settings.max_tokens,
                         first_line=selected.first_line or 1, numbered=selected.first_line is None,
                         source=log.display_name)
        return fitted.text, selected.notes + list(fitted.omitted)

    async def on_answer_chunk(self, message: AnswerChunk) -> None:
        if message.generation == self._generation:
            self._partial.append(message.text)
            await self.answer_view.write(message.text)

    async def on_answer_done(self, message: AnswerDone) -> None:
        if message.generation != self._generation:
            return
        usage = message.usage
        if usage is not None and usage.tokens_per_s:
            ttft = f" ttft {usage.ttft_s:.1f}s" if usage.ttft_s is not None else ""
            self._speed = f"{usage.tokens_per_s:.1f} tok/s{ttft}"
        if message.stopped:
            self.notify("Stopped: the partial answer is kept (r retries)")
        for note in message.notes:
            self.notify(note, title="Scope", markup=False)
        await self._end_answer()

    async def on_answer_failed(self, message: AnswerFailed) -> None:
        if message.generation != self._generation:
            return
        self.notify(message.error, title="Model error", severity="error", markup=False, timeout=10)
        await self._end_answer()

    async def _end_answer(self) -> None:
        self.generating = False
        text = "".join(self._partial)
        conversation = self.conversation
        if conversation is not None and conversation.turns:
            conversation.turns[-1] = Turn(conversation.turns[-1].question, text)
            self._save(conversation)
        await self.answer_view.finish(text)
        self.citations = cited_lines(text)
        self._citation_index = -1
        self._update_status()

    def _save(self, conversation: Conversation) -> None:
        if self._history is None or not conversation.log_text:
            return
        try:
            self._history.save(conversation)
        except Exception as exc:  # history is a convenience; losing it must not stop the app
            self.notify(f"could not save history: {exc}", severity="warning", markup=False)

    def action_stop(self) -> None:
        if self.generating and self._cancel is not None:
            self._cancel.set()
        elif self.focused is not None and not isinstance(self.focused, LogView):
            self.active_view.focus()

    async def action_retry(self) -> None:
        if self.generating or self.conversation is None or not self.conversation.turns:
            self.notify("Nothing to retry", severity="warning")
            return
        question = self.conversation.turns[-1].question
        self.conversation.turns[-1] = Turn(question)
        await self.answer_view.drop_last()
        await self.answer_view.add_question(question)
        self._start_generation()

    def action_copy_answer(self) -> None:
        turns = self.conversation.turns if self.conversation else []
        answer = next((t.answer for t in reversed(turns) if t.answer), None)
        if answer is None:
            self.notify("No answer to copy yet", severity="warning")
            return
        self.copy_to_clipboard(answer)
        self.notify(f"Copied {len(answer):,} characters")

    async def action_new_conversation(self) -> None:
        if self.generating:
            self.notify("Stop the current answer (Esc) first", severity="warning")
            return
        self.conversation = None
        self._conversation_scope = None
        self.citations = []
        await self.answer_view.clear()
        self._show_answers(False)

    def action_focus_chat(self) -> None:
        self._base.query_one("#chat", Input).focus()

    def action_focus_answer(self) -> None:
        self._show_answers(True)
        self.answer_view.focus()

    def action_toggle_answers(self) -> None:
        self._show_answers(not self.answer_view.has_class("-shown"))

    def _show_answers(self, shown: bool) -> None:
        self.answer_view.set_class(shown, "-shown")

    # ------------------------------------------------------------------ citations
    def action_cite(self, step: int) -> None:
        if not self.citations:
            self.notify("The answer cites no line numbers", severity="warning")
            return
        self._citation_index = (self._citation_index + step) % len(self.citations)
        self.jump_to_line(self.citations[self._citation_index])

    @on(Markdown.LinkClicked)
    def _link_clicked(self, event: Markdown.LinkClicked) -> None:
        number = link_target(event.href)
        if number is not None:
            event.stop()
            self.jump_to_line(number)

    def jump_to_line(self, number: int) -> None:
        view = self.active_view
        if number > view.logfile.line_count:
            self.notify(f"line {number:,} is past the end ({view.logfile.line_count:,} lines)", severity="warning")
            return
        view.go_to_line(number)
        view.focus()

    # ------------------------------------------------------------------ navigation
    def action_search(self) -> None:
        view = self.active_view

        def done(query: str | None) -> None:
            if query is None:
                return
            view.set_search(query)
            view.find(True)
            self._update_status()

        self.push_screen(PromptScreen("Search (case-insensitive)", view.search_query), done)

    def action_find(self, forward: bool) -> None:
        view = self.active_view
        if not view.search_query:
            self.action_search()
            return
        view.find(forward)

    def action_filter_text(self) -> None:
        view = self.active_view

        def done(text: str | None) -> None:
            if text is None:
                return
            if not text:
                view.set_filter(None)
            else:
                needle = text.casefold()
                view.set_filter(lambda i, line: needle in line.casefold(), f"'{text}'")
            self._level_filter = 0
            self._update_status()

        self.push_screen(PromptScreen("Show lines containing (empty shows all)"), done)

    def action_filter_level(self) -> None:
        view = self.active_view
        self._level_filter = (self._level_filter + 1) % len(LEVEL_FILTERS)
        minimum = LEVEL_FILTERS[self._level_filter]
        if minimum is None:
            view.set_filter(None)
        else:
            levels = view.level_reader()
            view.set_filter(lambda i, line: at_least(levels.level(line, i), minimum), f"level ≥ {minimum}")
        self._update_status()

    def action_goto(self) -> None:
        view = self.active_view

        def done(text: str | None) -> None:
            if not text:
                return
            text = text.strip()
            if text.isdigit():
                self.jump_to_line(int(text))
                return
            target = _parse_time(text)
            if target is None:
                self.notify(f"'{text}' is neither a line number nor a time (HH:MM[:SS] or ISO)",
                            severity="warning", markup=False)
                return
            self._goto_time(view, target)

        self.push_screen(PromptScreen("Go to line number or time"), done)

    @work(thread=True, exclusive=True, group="goto")
    def _goto_time(self, view: LogView, target: datetime | dtime) -> None:
        row = view.find_time(target)
        if row is None:
            self.call_from_thread(self.notify, "This log's lines carry no timestamps I can read",
                                  severity="warning")
        else:
            self.call_from_thread(self.jump_to_line, view.line_index(row) + 1)

    def action_toggle_wrap(self) -> None:
        view = self.active_view
        view.wrap = not view.wrap

    def action_toggle_follow(self) -> None:
        view = self.active_view
        view.follow = not view.follow
        self._update_status()

    def action_mark(self) -> None:
        self.notify(self.active_view.toggle_mark())

    # ------------------------------------------------------------------ patterns
    def action_toggle_patterns(self) -> None:
        panel = self._base.query_one(PatternsPanel)
        panel.display = not panel.display
        if panel.display:
            self._show_patterns()
            panel.query_one("#patterns-table").focus()
        else:
            self.active_view.focus()

    def _show_patterns(self) -> None:
        view = self.active_view
        assert view.id is not None
        if view.id not in self._patterns:
            self._patterns[view.id] = PatternIndex(view.level_reader())
            self._mine(view, self._patterns[view.id])
        self._render_patterns(view)

    def _render_patterns(self, view: LogView) -> None:
        index = self._patterns.get(view.id or "")
        if index is None:
            return
        templates = index.templates()
        first_seen = {t.id: self._first_seen_label(view, t.id, t.first_line) for t in templates[:300]}
        note = f"in {index.mined_lines:,} lines"
        if index.skipped_from is not None:
            note += f" (mining stopped at {MAX_MINED_LINES:,})"
        self._base.query_one(PatternsPanel).show(templates, first_seen, note,
                                           index.sparkline(max(index.mined_lines, view.logfile.line_count)))

    def _first_seen_label(self, view: LogView, template_id: int, line: int) -> str:
        key = (view.id or "", template_id)
        label = self._first_seen.get(key)
        if label is None:
            label = f"L{line + 1}"
            try:
                stamp = view.level_reader().format.parse(view.logfile.line(line), line).timestamp
            except Exception:
                stamp = None
            if stamp is not None:
                label = stamp.strftime("%H:%M:%S")
            self._first_seen[key] = label
        return label

    @work(thread=True, group="mine")
    def _mine(self, view: LogView, index: PatternIndex) -> None:
        start = 0
        while True:
            view.logfile.wait_indexed(timeout=0.5)
            count = min(view.logfile.line_count, MAX_MINED_LINES)
            stop = min(count, start + MINE_CHUNK)
            if stop > start:
                index.add(view.logfile.lines(start, stop), start)
                self.post_message(PatternsMined(view.id or ""))
                start = stop
            elif view.logfile.indexing_done:
                break
        if view.logfile.line_count > MAX_MINED_LINES:
            index.skipped_from = MAX_MINED_LINES
            self.post_message(PatternsMined(view.id or ""))

    def on_patterns_mined(self, message: PatternsMined) -> None:
        if self._base.query_one(PatternsPanel).display and message.view_id == self.active_view.id:
            self._render_patterns(self.active_view)

    @on(PatternsPanel.Selected)
    def _pattern_selected(self, event: PatternsPanel.Selected) -> None:
        view = self.active_view
        index = self._patterns.get(view.id or "")
        if index is None:
            return
        template_id = event.template_id
        view.set_filter(lambda i, line: index.template_of(i) == template_id, f"pattern #{template_id}")
        view.focus()
        self._update_status()

    # ------------------------------------------------------------------ live watch
    def action_toggle_watch(self) -> None:
        self.watch_enabled = not self.watch_enabled
        view = self.active_view
        if self.watch_enabled:
            view.start_watching()
        self.notify(f"Live watch {'on' if self.watch_enabled else 'off'}")
        self._update_status()

    def on_log_view_appended(self, message: LogView.Appended) -> None:
        view = message.view
        index = self._patterns.get(view.id or "")
        if index is not None and message.stop > message.start:
            self._mine_appended(view, index, message.start, message.stop)
        if not self.watch_enabled:
            return
        state = self._watch.setdefault(view.id or "", _WatchState())
        if state.pending_from is None:
            state.pending_from = message.start
        state.pending_to = message.stop
        self._scan_anomalies(view, message.start, message.stop)
        self._maybe_watch(view, state)
        if view is self.active_view:
            self._update_status()

    @work(thread=True, group="anomaly")
    def _scan_anomalies(self, view: LogView, start: int, stop: int) -> None:
        """Score the new lines against recent context; a strong anomaly makes the check due now."""
        from logcore.anomaly import analyze

        window_start = max(0, stop - ANOMALY_WINDOW)
        analysis = analyze(view.logfile.lines(window_start, stop), first_line=window_start)
        flagged = [a.line for a in analysis.anomalies if a.line >= start and a.score >= ANOMALY_TRIGGER]
        if flagged:
            self.post_message(AnomalySignal(view.id or "", flagged))

    def on_anomaly_signal(self, message: AnomalySignal) -> None:
        state = self._watch.get(message.view_id)
        if state is None or not self.watch_enabled:
            return
        state.urgent = True
        view = self._base.query_one(f"#{message.view_id}", LogView)
        self._maybe_watch(view, state)

    @work(thread=True, group="mine")
    def _mine_appended(self, view: LogView, index: PatternIndex, start: int, stop: int) -> None:
        index.add(view.logfile.lines(start, stop), start)
        self.post_message(PatternsMined(view.id or ""))

    def _watch_tick(self) -> None:
        if not self.watch_enabled or not self.screen_stack:
            return
        for view in self._base.query(LogView):
            state = self._watch.get(view.id or "")
            if state is not None:
                self._maybe_watch(view, state)

    def _maybe_watch(self, view: LogView, state: _WatchState) -> None:
        if state.pending_from is None or view.id in self._watching_now:
            return
        pending = state.pending_to - state.pending_from
        due = (state.urgent or pending >= self.watch_settings.every_lines
               or time.monotonic() - state.last_check >= self.watch_settings.every_seconds)
        if pending <= 0 or not due or self.generating:
            return
        # Consecutive batches: a backlog is checked in turn, never skipped.
        start = state.pending_from
        stop = min(state.pending_to, start + WATCH_MAX_LINES)
        state.pending_from = stop if stop < state.pending_to else None
        state.urgent, state.last_check = False, time.monotonic()
        self._watching_now.add(view.id or "")
        self._check_risk(view.id or "", view.logfile, start, stop)

    @work(thread=True, group="watch")
    def _check_risk(self, view_id: str, log: LogFile, start: int, stop: int) -> None:
        try:
            backend = self._ensure_backend()
            text = "\n".join(numbered(start + i, line) for i, line in enumerate(log.lines(start, stop)))
            messages = build_messages(text, [Turn(WATCH_QUESTION)])
            with self._model_lock:
                reply = "".join(backend.stream(messages, max_tokens=self.watch_settings.max_tokens,
                                               temperature=0.0, json_schema=RISK_SCHEMA,
                                               cancel=self._stop_models))
            if self._stop_models.is_set():
                return
            report = parse_risk(reply, start + 1, stop)
            self.post_message(WatchReport(view_id, report))
        except (LogchatError, RiskReplyError) as exc:
            self.post_message(WatchReport(view_id, None, str(exc)))
        except Exception as exc:  # the watch keeps running after one failed check
            self.post_message(WatchReport(view_id, None, f"{type(exc).__name__}: {exc}"))

    def on_watch_report(self, message: WatchReport) -> None:
        self._watching_now.discard(message.view_id)
        if message.report is None:
            self.notify(message.error or "risk check failed", title="Live watch", severity="warning",
                        markup=False)
            return
        report = self.last_risk = message.report
        if report.should_alert_user:
            lines = ", ".join(str(n) for n in report.critical[:8]) or "none"
            details = "\n".join(f"• {s}" for s in report.summary[:3])
            self.notify(f"{report.headline}\ncritical lines: {lines}\n{details}".rstrip(),
                        title=f"ALERT risk {report.risk_score}", severity="error", timeout=30, markup=False)
            self.bell()
            self.citations = list(report.critical) + list(report.warning)
            self._citation_index = -1
        self._update_status()
        state = self._watch.get(message.view_id)
        if state is not None and self.watch_enabled:  # a backlog: check its next batch now
            self._maybe_watch(self._base.query_one(f"#{message.view_id}", LogView), state)

    # ------------------------------------------------------------------ history and export
    def action_history(self) -> None:
        if self._history is None:
            self.notify("History is off", severity="warning")
            return
        entries = self._history.recent()
        if not entries:
            self.notify("No saved conversations yet")
            return
        options = [
            (str(e.id), f"{time.strftime('%m-%d %H:%M', time.localtime(e.created))}  {e.title}: "
                        f"{e.source} ({e.turns} turns)")
            for e in entries
        ]

        async def done(choice: str | None) -> None:
            if choice is None or self._history is None:
                return
            if self.generating:
                self.notify("Stop the current answer (Esc) first", severity="warning")
                return
            self.conversation = self._history.load(int(choice))
            self._conversation_scope = None
            self._show_answers(True)
            await self.answer_view.show_turns(self.conversation.turns)
            last = self.conversation.turns[-1].answer if self.conversation.turns else ""
            self.citations = cited_lines(last or "")

        self.push_screen(ChooseScreen("Reopen a conversation", options), done)

    def action_export(self) -> None:
        conversation = self.conversation
        if conversation is None or not conversation.turns:
            self.notify("No conversation to export", severity="warning")
            return
        default = f"logchat-{Path(conversation.source).stem}-{conversation.id or 'new'}.md"

        def done(path: str | None) -> None:
            if not path:
                return
            target = Path(path).expanduser()
            try:
                target.write_text(to_markdown(conversation), encoding="utf-8")
            except OSError as exc:
                self.notify(f"cannot write {target}: {exc.strerror}", severity="error", markup=False)
                return
            self.notify(f"Exported to {target}", markup=False)

        self.push_screen(PromptScreen("Export conversation as Markdown to", default), done)

    # ------------------------------------------------------------------ model switch, help, palette
    def action_choose_model(self) -> None:
        def done(spec: str | None) -> None:
            if spec is not None:
                self.switch_model(spec)

        self.push_screen(ChooseScreen("Switch model", self.model_choices()), done)

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
        for spec, label in self.model_choices():
            yield SystemCommand(f"Model: {label}", "Switch to this model", partial(self.switch_model, spec))

    async def action_quit(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
        self.exit()

    def on_unmount(self) -> None:
        self._stop_models.set()
        if self._cancel is not None:
            self._cancel.set()
        # A stream still running on a worker stops at its next token; close only after it let go.
        if self.backend is not None and self._model_lock.acquire(timeout=10):
            try:
                self.backend.close()
            except Exception:  # closing a model at exit must never hide the real exit status
                pass
            finally:
                self._model_lock.release()


def _parse_time(text: str) -> datetime | dtime | None:
    for parse in (datetime.fromisoformat, dtime.fromisoformat):
        try:
            return parse(text)
        except ValueError:
            continue
    return None



