"""The conversation pane: ask, stream, stop, retry, copy, history, export, citations, findings.

A request runs on a worker through `models.session` (the same pipeline as the one-shot CLI):
the scope is read and, for evidence tasks, the log core's findings are posted at once and shown
as a card; then the model reads the fitted log and streams. The worker only posts messages
(tui/messages.py); the conversation is changed on the UI thread alone.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

from logcore.errors import LogchatError
from logcore.reader import LogFile
from models.conversation import Conversation, to_markdown
from models.prompts import Turn, build_messages
from models.settings import Settings
from tui.citations import CitedLine, cited_lines, linkify
from tui.findings_card import findings_markdown
from tui.history import HistoryStore
from tui.literal import literal, literal_lines
from tui.messages import (
    AnswerChunk, AnswerDone, AnswerFailed, AnswerPrepared, FindingsReady, StatusChanged,
)
from tui.model_host import ModelHost
from tui.scope import Scope, ScopeKind, evidence_scope, read_scope
from tui.sources import file_lines, source_names
from tui.screens import ChooseScreen, PromptScreen

if TYPE_CHECKING:
    from logcore.findings import Findings
    from models.citations import Citation, CitationChecker, LineText
    from models.session import LogSlice

STANDALONE = -1  # generation of a findings card asked for on its own (no answer follows)


class ChatPane(VerticalScroll, can_focus=True):
    """Each question as a plain line, the findings card when there is one, each answer as
    streamed Markdown, and a warning line under an answer whose citations failed the check."""

    def __init__(self, models: ModelHost, settings: Settings, history: HistoryStore | None,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self._models = models
        self._settings = settings
        self._history = history
        self.conversation: Conversation | None = None
        self._scope: tuple[Scope, LogFile] | None = None  # read on the first answer
        self._findings_text = ""
        self._evidence = False
        self._generation = 0
        self._cancel: threading.Event | None = None
        self.generating = False
        self.partial: list[str] = []
        self.checked: list[Citation] = []  # verdicts on the answer streaming or last shown
        self.citations: list[CitedLine] = []  # lines [ and ] step through
        self._citation_index = -1
        self.speed = ""
        self._stream: MarkdownStream | None = None
        self._current: Markdown | None = None
        self._warning: Static | None = None
        self._files: tuple[str, ...] = ()  # a merged view's file names: `b.log:412` is a citation

    # ------------------------------------------------------------------ asking
    async def ask(self, question: str, title: str, log: LogFile, *, scope: Scope | None,
                  evidence: bool = False) -> None:
        """Ask `question`; with `scope` a new conversation starts over that scope of `log`."""
        if self.generating:
            self.notify("An answer is still streaming: Esc stops it", severity="warning")
            return
        if scope is not None:
            self.conversation = Conversation(source=log.display_name, scope=scope.label,
                                             model=self._models.name, title=title)
            self._scope = (scope, log)
            self._findings_text = ""
            self._evidence = evidence
            await self.clear()
        assert self.conversation is not None
        self.conversation.turns.append(Turn(question))
        self.show(True)
        await self._add_question(question)
        self._start_generation(log)

    def _start_generation(self, log: LogFile) -> None:
        conversation = self.conversation
        assert conversation is not None
        self._files = source_names(log)
        self._generation += 1
        self._cancel = threading.Event()
        self.partial = []
        self.checked = []
        self.generating = True
        scope = self._scope if not conversation.log_text else None
        self._generate(self._generation, list(conversation.turns), conversation.log_text, self._findings_text,
                       scope, self._evidence, log, self._cancel)
        self.post_message(StatusChanged())

    @work(thread=True, group="generate")
    def _generate(self, generation: int, turns: list[Turn], log_text: str, findings_text: str,
                  scope: tuple[Scope, LogFile] | None, evidence: bool, log: LogFile,
                  cancel: threading.Event) -> None:
        from models.session import prepare, stream_answer

        notes: list[str] = []
        models = self._models
        try:
            slice_ = findings = None
            if scope is not None:
                slice_ = read_scope(scope[1], scope[0])
                if evidence:
                    findings = self._evidence_first(generation, scope[0], scope[1], slice_)
            backend = models.ensure()
            with models.lock:
                if slice_ is not None:
                    assert scope is not None
                    digest = scope[0].kind is ScopeKind.FILE
                    prepared = prepare(backend, slice_, turns[0].question, self._settings,
                                       findings=findings, digest=digest)
                    label = f"file: digest of {len(slice_.lines):,} lines" if digest else None
                    self.post_message(AnswerPrepared(generation, backend.name, prepared.log_text,
                                                     prepared.findings_text, label))
                    notes = prepared.notes
                    messages = prepared.messages(turns)
                    shown = prepared.shown
                else:
                    self.post_message(AnswerPrepared(generation, backend.name, log_text, findings_text, None))
                    messages = build_messages(log_text, turns, findings_text=findings_text)
                    shown = f"{findings_text}\n{log_text}"
                # Citations are checked against the whole log the user sees, not only the scope:
                # a real line outside the page is still a line the user can jump to.
                checker = _checker(log, turns[-1].question, shown)
                for piece in stream_answer(backend, messages, self._settings, cancel=cancel, checker=checker):
                    self.post_message(AnswerChunk(generation, piece.text, piece.citations))
            self.post_message(AnswerDone(generation, cancel.is_set(), backend.last_usage, notes))
        except LogchatError as exc:
            self.post_message(AnswerFailed(generation, str(exc)))
        except Exception as exc:  # shown as one notification; the partial answer stays
            self.post_message(AnswerFailed(generation, f"{type(exc).__name__}: {exc}"))

    def _evidence_first(self, generation: int, scope: Scope, log: LogFile, slice_: LogSlice) -> Findings | None:
        """Post the findings for the card at once (worker thread); return those the prompt gets.

        For the visible page the card looks around it (tui.scope.evidence_scope), but the
        prompt only carries findings about the lines the model reads, so it stays one log."""
        from models.session import find_evidence

        wider = evidence_scope(log, scope)
        findings = find_evidence(read_scope(log, wider) if wider is not None else slice_)
        if findings is not None:
            self.post_message(FindingsReady(generation, findings))
        return findings if wider is None else None

    # ------------------------------------------------------------------ results (UI thread)
    async def on_findings_ready(self, message: FindingsReady) -> None:
        message.stop()
        card = Markdown(findings_markdown(message.findings), open_links=False, classes="findings")
        if message.generation == self._generation and self._current is not None:
            await self.mount(card, before=self._current)
        elif message.generation == STANDALONE:
            await self.mount(card)
            self.show(True)
            self.anchor()

    def on_answer_prepared(self, message: AnswerPrepared) -> None:
        message.stop()
        if message.generation != self._generation or self.conversation is None:
            return
        self.conversation.model = message.model
        self.conversation.log_text = message.log_text
        self._findings_text = self.conversation.findings_text = message.findings_text
        if message.scope_label:
            self.conversation.scope = message.scope_label

    async def on_answer_chunk(self, message: AnswerChunk) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self.checked.extend(message.citations)
        if message.text:
            self.partial.append(message.text)
            if self._stream is not None:
                await self._stream.write(literal_lines(message.text))
        if any(not c.valid for c in message.citations):
            await self._show_invalid()

    async def on_answer_done(self, message: AnswerDone) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        usage = message.usage
        if usage is not None and usage.tokens_per_s:
            ttft = f" ttft {usage.ttft_s:.1f}s" if usage.ttft_s is not None else ""
            self.speed = f"{usage.tokens_per_s:.1f} tok/s{ttft}"
        if message.stopped:
            self.notify("Stopped: the partial answer is kept (r retries)")
        for note in message.notes:
            self.notify(note, title="Scope", markup=False)
        await self._end_answer()

    async def on_answer_failed(self, message: AnswerFailed) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self.notify(message.error, title="Model error", severity="error", markup=False, timeout=10)
        await self._end_answer()

    async def _end_answer(self) -> None:
        self.generating = False
        text = "".join(self.partial)
        conversation = self.conversation
        if conversation is not None and conversation.turns:
            conversation.turns[-1] = Turn(conversation.turns[-1].question, text)
            self._save(conversation)
        await self._finish(text)
        invalid = {(c.start, c.file) for c in self.checked if not c.valid}
        self.citations = [n for n in cited_lines(text, self._files) if (n.line, n.file) not in invalid]
        self._citation_index = -1
        self.post_message(StatusChanged())

    def _save(self, conversation: Conversation) -> None:
        if self._history is None or not conversation.log_text:
            return
        try:
            self._history.save(conversation)
        except Exception as exc:  # history is a convenience; losing it must not stop the app
            self.notify(f"could not save history: {exc}", severity="warning", markup=False)

    # ------------------------------------------------------------------ findings on their own
    def show_findings(self, log: LogFile, scope: Scope) -> None:
        """The incident and its likely causes for the scope, without asking the model."""
        self._find(log, scope)

    @work(thread=True, exclusive=True, group="findings")
    def _find(self, log: LogFile, scope: Scope) -> None:
        from models.session import find_evidence

        slice_ = read_scope(log, evidence_scope(log, scope) or scope)
        findings = find_evidence(slice_)
        if findings is None:
            self.app.call_from_thread(self.notify, "Findings need contiguous lines: a filtered scope "
                                      "has gaps (s changes the scope)", severity="warning")
            return
        self.post_message(FindingsReady(STANDALONE, findings))

    # ------------------------------------------------------------------ actions
    def stop(self) -> bool:
        """Stop the streaming answer; False when none streams."""
        if self.generating and self._cancel is not None:
            self._cancel.set()
            return True
        return False

    async def retry(self, log: LogFile) -> None:
        if self.generating or self.conversation is None or not self.conversation.turns:
            self.notify("Nothing to retry", severity="warning")
            return
        question = self.conversation.turns[-1].question
        self.conversation.turns[-1] = Turn(question)
        await self._drop_last()
        await self._add_question(question)
        self._start_generation(log)

    def copy_answer(self) -> None:
        turns = self.conversation.turns if self.conversation else []
        answer = next((t.answer for t in reversed(turns) if t.answer), None)
        if answer is None:
            self.notify("No answer to copy yet", severity="warning")
            return
        self.app.copy_to_clipboard(answer)
        self.notify(f"Copied {len(answer):,} characters")

    async def new_conversation(self) -> None:
        if self.generating:
            self.notify("Stop the current answer (Esc) first", severity="warning")
            return
        self.conversation = None
        self._scope = None
        self._findings_text = ""
        self.citations = []
        await self.clear()
        self.show(False)

    def next_citation(self, step: int) -> CitedLine | None:
        """The next (or previous) cited line to jump to, or None with a warning."""
        if not self.citations:
            self.notify("The answer cites no line numbers", severity="warning")
            return None
        self._citation_index = (self._citation_index + step) % len(self.citations)
        return self.citations[self._citation_index]

    def set_citations(self, lines: list[int]) -> None:
        """Lines [ and ] step through (a live-watch alert's critical and warning lines)."""
        self.citations = [CitedLine(line) for line in lines]
        self._citation_index = -1

    def open_history(self, log: LogFile) -> None:
        """Reopen a saved conversation; its answers' citations are checked against `log`."""
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
            self._scope = None
            self._findings_text = self.conversation.findings_text  # follow-ups read what it read
            self.show(True)
            await self._show_turns(self.conversation.turns, log)
            last = self.conversation.turns[-1].answer if self.conversation.turns else ""
            self.citations = cited_lines(last or "", self._files)

        self.app.push_screen(ChooseScreen("Reopen a conversation", options), done)

    def export(self) -> None:
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

        self.app.push_screen(PromptScreen("Export conversation as Markdown to", default), done)

    def show(self, shown: bool) -> None:
        self.set_class(shown, "-shown")

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")

    # ------------------------------------------------------------------ rendering
    async def clear(self) -> None:
        await self._stop_stream()
        await self.remove_children()
        self._current = None
        self._warning = None

    async def _add_question(self, question: str) -> None:
        """Show a question and an empty answer that the next stream fills."""
        await self._stop_stream()
        self._current = Markdown("", open_links=False, classes="answer")
        self._warning = None
        await self.mount(Static(Text("› " + literal(question)), classes="question"), self._current)
        self._stream = Markdown.get_stream(self._current)
        self.anchor()

    async def _finish(self, answer: str) -> None:
        """End the stream and render the whole answer once: valid citations as links, invalid
        ones plainly marked. The full update also repairs what an unclosed code fence left."""
        await self._stop_stream()
        if self._current is not None:
            await self._current.update(linkify(literal_lines(answer), self.checked, self._files)
                                       or "*(no answer)*")
        await self._show_invalid()

    async def _show_invalid(self) -> None:
        """One warning line under the answer naming each citation that failed the check."""
        invalid = [c for c in self.checked if not c.valid]
        if not invalid or self._current is None:
            return
        text = Text("⚠ " + "; ".join(f"{literal(c.text)}: {literal(c.reason)}" for c in invalid),
                    no_wrap=False)
        if self._warning is None:
            self._warning = Static(text, classes="citations-invalid")
            await self.mount(self._warning, after=self._current)
        else:
            self._warning.update(text)

    async def _stop_stream(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()

    async def _drop_last(self) -> None:
        """Remove the last question and what followed it (before a retry); its findings card
        stays only when the retry reuses the conversation's log."""
        await self._stop_stream()
        children = list(self.children)
        last_question = max((i for i, c in enumerate(children) if c.has_class("question")), default=None)
        if last_question is not None:
            for child in children[last_question:]:
                if not child.has_class("findings"):
                    await child.remove()
        self._current = None
        self._warning = None

    async def _show_turns(self, turns: list[Turn], log: LogFile) -> None:
        from models.citations import check_citations

        await self.clear()
        line_text = _file_line(log)
        self._files = source_names(log)
        for turn in turns:
            answer = literal_lines(turn.answer or "")
            verdicts = check_citations(answer, line_text, first_line=1, last_line=log.line_count,
                                       files=file_lines(log))
            await self.mount(
                Static(Text("› " + literal(turn.question)), classes="question"),
                Markdown(linkify(answer, verdicts, self._files) or "*(no answer)*", open_links=False,
                         classes="answer"),
            )
        self.scroll_end(animate=False)


def _checker(log: LogFile, question: str, shown: str) -> CitationChecker:
    """The one citation checker over the whole log the user sees (a merged view: its rows, and
    each file's own lines for `b.log:412`)."""
    from models.session import citation_checker

    return citation_checker(_file_line(log), 1, log.line_count, question=question,
                            source=log.display_name, shown=shown, files=file_lines(log))


def _file_line(log: LogFile) -> LineText:
    """Text of a 1-based line of the log, None outside it (for the citation checker)."""
    def line_text(number: int) -> str | None:
        if 1 <= number <= log.line_count:
            return log.line(number - 1)
        return None

    return line_text
