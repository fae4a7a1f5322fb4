"""The status line widget; what it says comes from tui.status.status_line."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Horizontal
from textual.widgets import Static


class StatusBar(Horizontal):
    """One line: analysis scope with its token size, model and speed, follow/watch state."""

    def compose(self):
        yield Static(id="status-left")
        yield Static(id="status-right")

    def show(self, left: str, right: str) -> None:
        self.query_one("#status-left", Static).update(Text(left, no_wrap=True, overflow="ellipsis"))
        self.query_one("#status-right", Static).update(Text(right, no_wrap=True, overflow="ellipsis"))
