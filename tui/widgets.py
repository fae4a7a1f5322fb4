"""The app's panels other than the log view: answers, patterns, status line."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Label, Markdown, Sparkline, Static
from textual.widgets.markdown import MarkdownStream

from logcore.templates import Template
from models.prompts import Turn
from tui.citations import linkify
from tui.levels import LEVEL_RANK
from tui.literal import literal, literal_lines


class AnswerView(VerticalScroll, can_focus=True):
    """The conversation: each question as a plain line, each answer as streamed Markdown."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._stream: MarkdownStream | None = None
        self._current: Markdown | None = None

    async def clear(self) -> None:
        await self.stop_stream()
        await self.remove_children()
        self._current = None

    async def add_question(self, question: str) -> None:
        """Show a question and an empty answer that the next stream fills."""
        await self.stop_stream()
        self._current = Markdown("", open_links=False, classes="answer")
        await self.mount(Static(Text("› " + literal(question)), classes="question"), self._current)
        self._stream = Markdown.get_stream(self._current)
        self.anchor()

    async def write(self, fragment: str) -> None:
        if self._stream is not None:
            await self._stream.write(literal_lines(fragment))

    async def finish(self, answer: str) -> None:
        """End the stream and render the whole answer once, with citations as links.

        The full update also repairs whatever an unclosed code fence left mid-stream.
        """
        await self.stop_stream()
        if self._current is not None:
            await self._current.update(linkify(literal_lines(answer)) or "*(no answer)*")

    async def stop_stream(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()

    async def drop_last(self) -> None:
        """Remove the last question and answer (before a retry)."""
        await self.stop_stream()
        children = list(self.children)
        for child in children[-2:]:
            await child.remove()
        self._current = None

    async def show_turns(self, turns: list[Turn]) -> None:
        await self.clear()
        for turn in turns:
            await self.mount(
                Static(Text("› " + literal(turn.question)), classes="question"),
                Markdown(linkify(literal_lines(turn.answer or "")) or "*(no answer)*",
                         open_links=False, classes="answer"),
            )
        self.scroll_end(animate=False)


class PatternsPanel(Vertical):
    """Templates with live counts; Enter on a row filters the log view to that template."""

    class Selected(Message):
        def __init__(self, template_id: int, text: str) -> None:
            super().__init__()
            self.template_id = template_id
            self.text = text

    def compose(self):
        yield Label("Patterns", id="patterns-title")
        table: DataTable = DataTable(cursor_type="row", zebra_stripes=False, id="patterns-table")
        table.add_columns("count", "level", "template", "first")
        yield table
        with Horizontal(id="spark-row"):
            yield Label("WARN+ over the file ")
            yield Sparkline([0], summary_function=max, id="sparkline")

    def show(self, templates: list[Template], first_seen: dict[int, str], note: str,
             spark: list[int]) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for template in templates[:300]:
            worst = _worst_level(template.level_counts)
            table.add_row(
                f"{template.count:,}",
                worst,
                Text(literal(template.text), no_wrap=True),
                first_seen.get(template.id, f"L{template.first_line + 1}"),
                key=str(template.id),
            )
        if templates:
            table.move_cursor(row=min(row, table.row_count - 1))
        self.query_one("#patterns-title", Label).update(
            Text(f"Patterns: {len(templates):,} templates {note}".rstrip())
        )
        self.query_one(Sparkline).data = spark or [0]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        template_id = int(event.row_key.value)
        text = str(self.query_one(DataTable).get_row(event.row_key)[2])
        self.post_message(self.Selected(template_id, text))


def _worst_level(level_counts: dict[str, int]) -> str:
    levels = [level for level, count in level_counts.items() if count and level in LEVEL_RANK]
    return max(levels, key=LEVEL_RANK.__getitem__) if levels else "-"


class StatusBar(Horizontal):
    """One line: analysis scope with its token size, model and speed, follow/watch state."""

    def compose(self):
        yield Static(id="status-left")
        yield Static(id="status-right")

    def show(self, left: str, right: str) -> None:
        self.query_one("#status-left", Static).update(Text(left, no_wrap=True, overflow="ellipsis"))
        self.query_one("#status-right", Static).update(Text(right, no_wrap=True, overflow="ellipsis"))
