"""Modal screens: a one-line prompt, a chooser list, the help screen."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line of text; Enter returns it, Esc returns None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self._title))
            yield Input(self._value, placeholder=self._placeholder, compact=True, id="prompt-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChooseScreen(ModalScreen[str | None]):
    """Pick one of several options; returns the option's id."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._options = options

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self._title))
            yield OptionList(*[Option(Text(label), id=key) for key, label in self._options],
                             id="choose-list")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """Every key the app answers to, read from the live bindings (so rebinding shows here)."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close")]

    def __init__(self, rows: list[tuple[str, str]], intro: str) -> None:
        super().__init__()
        self._rows = rows
        self._intro = intro

    def compose(self) -> ComposeResult:
        width = max((len(key) for key, _ in self._rows), default=4) + 2
        text = Text(self._intro + "\n\n")
        for key, description in self._rows:
            text.append(f"{key:<{width}}", style="bold")
            text.append(description + "\n")
        with VerticalScroll(classes="dialog", id="help"):
            yield Static(text)

    def action_close(self) -> None:
        self.dismiss(None)
