"""The patterns panel: the log's templates with live counts, mined on workers."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Label, Sparkline

from logcore.templates import Template
from logcore.levels import LEVEL_RANK
from tui.literal import literal
from tui.log_view import LogView
from tui.messages import PatternsMined
from tui.pattern_index import MAX_MINED_LINES, PatternIndex

MINE_CHUNK = 20_000


class PatternsPanel(Vertical):
    """Templates with live counts; Enter on a row filters the log view to that template.

    Mining runs on a worker per log view (its PatternIndex), the first pass in chunks so the
    table fills while it runs, then each appended batch; the panel shows the view last shown.
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._indexes: dict[str, PatternIndex] = {}
        self._first_seen: dict[tuple[str, int], str] = {}
        self._view: LogView | None = None

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

    def index_for(self, view: LogView) -> PatternIndex | None:
        return self._indexes.get(view.id or "")

    def show_for(self, view: LogView) -> None:
        """Show `view`'s templates, mining its file first if this is the first time."""
        self._view = view
        assert view.id is not None
        if view.id not in self._indexes:
            self._indexes[view.id] = PatternIndex(view.level_reader())
            self._mine(view, self._indexes[view.id])
        self._render_view(view)

    def rows_moved(self, view: LogView) -> None:
        """A merged view's rows moved: its templates were kept by row, so they are mined again
        (now if the panel shows this view, else when it is next shown)."""
        if self._indexes.pop(view.id or "", None) is None:
            return
        self._first_seen = {key: label for key, label in self._first_seen.items() if key[0] != view.id}
        if self.display and self._view is view:
            self.show_for(view)

    def appended(self, view: LogView, start: int, stop: int) -> None:
        """New lines [start, stop) of a view whose file is being mined."""
        index = self.index_for(view)
        if index is not None and stop > start:
            self._mine_appended(view, index, start, stop)

    def _render_view(self, view: LogView) -> None:
        index = self.index_for(view)
        if index is None:
            return
        templates = index.templates()
        first_seen = {t.id: self._first_seen_label(view, t.id, t.first_line) for t in templates[:300]}
        note = f"in {index.mined_lines:,} lines"
        if index.skipped_from is not None:
            note += f" (mining stopped at {MAX_MINED_LINES:,})"
        self.show(templates, first_seen, note, index.sparkline(max(index.mined_lines, view.logfile.line_count)))

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

    @work(thread=True, group="mine")
    def _mine_appended(self, view: LogView, index: PatternIndex, start: int, stop: int) -> None:
        index.add(view.logfile.lines(start, stop), start)
        self.post_message(PatternsMined(view.id or ""))

    def on_patterns_mined(self, message: PatternsMined) -> None:
        message.stop()
        if self.display and self._view is not None and message.view_id == self._view.id:
            self._render_view(self._view)


    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        template_id = int(event.row_key.value)
        text = str(self.query_one(DataTable).get_row(event.row_key)[2])
        self.post_message(self.Selected(template_id, text))


def _worst_level(level_counts: dict[str, int]) -> str:
    levels = [level for level, count in level_counts.items() if count and level in LEVEL_RANK]
    return max(levels, key=LEVEL_RANK.__getitem__) if levels else "-"
