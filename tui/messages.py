"""Every message the app's parts send each other, in one place.

Workers never touch widgets or shared state: they post one of these, and the UI thread acts on
it. Panes talk to the app the same way (a pane never imports the app), so the flow of a request
can be read from this list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from models.backend import Backend, Usage

if TYPE_CHECKING:
    from logcore.findings import Findings
    from models.citations import Citation
    from tui.watch import RiskReport


# ---------------------------------------------------------------- model host
class BackendReady(Message):
    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend


class BackendFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


# ---------------------------------------------------------------- log panes
class FilesJoined(Message):
    """Files a worker added to a merged view (indexed off the UI thread), or why it could not."""

    def __init__(self, pane_id: str, names: list[str], error: str | None = None) -> None:
        super().__init__()
        self.pane_id = pane_id
        self.names = names
        self.error = error


class ScopeSized(Message):
    def __init__(self, label: str, tokens: int | None, exact: bool) -> None:
        super().__init__()
        self.label = label
        self.tokens = tokens
        self.exact = exact


class JumpToLine(Message):
    """Show this 1-based line of the pane's log (a go-to-time search found it on a worker)."""

    def __init__(self, number: int) -> None:
        super().__init__()
        self.number = number


# ---------------------------------------------------------------- chat
class FindingsReady(Message):
    """The log core's findings for the scope, ready before the model has read a token."""

    def __init__(self, generation: int, findings: Findings) -> None:
        super().__init__()
        self.generation = generation
        self.findings = findings


class AnswerPrepared(Message):
    """What the model is about to read (for the conversation and its history entry)."""

    def __init__(self, generation: int, model: str, log_text: str, findings_text: str,
                 scope_label: str | None) -> None:
        super().__init__()
        self.generation = generation
        self.model = model
        self.log_text = log_text
        self.findings_text = findings_text
        self.scope_label = scope_label


class AnswerChunk(Message):
    def __init__(self, generation: int, text: str, citations: tuple[Citation, ...] = ()) -> None:
        super().__init__()
        self.generation = generation
        self.text = text
        self.citations = citations


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


class StatusChanged(Message):
    """Something the status line shows changed (generation started or ended, speed, risk)."""


# ---------------------------------------------------------------- live watch and patterns
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
