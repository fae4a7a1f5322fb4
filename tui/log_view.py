"""The log view: a line-API scroll view over the log core's line index.

Only the rows on screen are read, decoded, coloured and rendered, so a multi-GB file shows its
first screen as soon as the index has its first lines, and scrolling costs the same anywhere in
the file (the design of Toolong's `LogLines`). Filtering keeps an array of matching line indexes,
filled by a worker, and the view maps its rows through it. Following polls the log core's
follower (`LogFile.poll_follow`) on a worker thread and posts `Appended` for every new complete
line, once, so the app can feed them to the live watch and patterns. After a rotation the
earlier file's lines stay in the view, above a marker row where that file ended.
"""

from __future__ import annotations

import re
import time
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import datetime, time as dtime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from logcore.reader import FollowUpdate, LogFile
from logcore.levels import LevelReader
from tui.literal import literal
from tui.sources import (SOURCE_STYLES, MergedLevels, TextFilter, as_merged, detect_levels, source_style,
                         source_tag, tag_width)

LinePredicate = Callable[[int, str], bool]

MAX_LINE_CHARS = 4000  # a 1 MB line is shown truncated; the model sees the core's own truncation
SCAN_CHUNK = 20_000  # lines per filter/search step: big enough to be fast, small enough to stay responsive
MERGED_SCAN_CHUNK = 100_000  # merged rows per step when each file's own lines are scanned (`_per_file`)
SEARCH_FIRST_CHUNK = 4_096  # a merged view's search looks near the cursor first, then further
TAIL_LINES = 200  # the end of a followed file, shown before its index gets there


class LogView(ScrollView, can_focus=True):
    """One file's lines with a gutter, level colours, a cursor, search highlights and a filter."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup,b", "page(-1)", "Page up", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("home", "first", "First line", show=False),
        Binding("end,G", "last", "Last line", show=False),
        Binding("left", "pan(-8)", "Left", show=False),
        Binding("right", "pan(8)", "Right", show=False),
    ]

    COMPONENT_CLASSES = {
        "logview--gutter",
        "logview--cursor",
        "logview--mark",
        "logview--match",
        "logview--trace",
        "logview--debug",
        "logview--notice",
        "logview--warn",
        "logview--error",
        "logview--fatal",
        "logview--rotated",
        *(f"logview--source-{k}" for k in range(SOURCE_STYLES)),
    }

    cursor: reactive[int] = reactive(0, repaint=False, init=False)
    follow: reactive[bool] = reactive(False, init=False)
    wrap: reactive[bool] = reactive(False, init=False)

    class Changed(Message):
        """Rows, scroll position, cursor, filter or mark changed: the analysis scope may differ."""

        def __init__(self, view: LogView) -> None:
            super().__init__()
            self.view = view

    class Appended(Message):
        """New complete lines [start, stop) arrived while watching: each line is appended once."""

        def __init__(self, view: LogView, start: int, stop: int) -> None:
            super().__init__()
            self.view = view
            self.start = start
            self.stop = stop

    class RowsMoved(Message):
        """A merged view's rows from `start` on now show other lines (a file joined, a late line
        sorted in): whatever was kept per row from there on (templates) is stale."""

        def __init__(self, view: LogView, start: int) -> None:
            super().__init__()
            self.view = view
            self.start = start

    class _Polled(Message):
        def __init__(self, update: FollowUpdate) -> None:
            super().__init__()
            self.update = update  # rewritten: lines already shown may have changed

    class _FilterChunk(Message):
        def __init__(self, generation: int, matches: list[int], scanned: int, done: bool) -> None:
            super().__init__()
            self.generation = generation
            self.matches = matches
            self.scanned = scanned
            self.done = done

    class _Found(Message):
        def __init__(self, row: int | None, query: str) -> None:
            super().__init__()
            self.row = row
            self.query = query

    def __init__(self, log: LogFile, *, follow: bool = False, poll_interval: float = 0.05,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.logfile = log
        self.merged = as_merged(log)  # a merged view: rows carry their file's tag and levels
        self._tag_cache: tuple[int, int] = (0, 0)  # (sources seen, tag width)
        self._cursor_origin: tuple[int, int] | None = None
        self._mark_origins: tuple[tuple[int, int] | None, tuple[int, int] | None] = (None, None)
        self.poll_interval = poll_interval
        self._initial_follow = follow
        self._rows_seen = 0
        self._levels: LevelReader | MergedLevels | None = None
        self._level_sample = 0
        self._line_cache: LRUCache[int, tuple[str, str | None]] = LRUCache(4096)
        self._strip_cache: LRUCache[tuple[int, str], Strip] = LRUCache(2048)
        self._max_width = 0
        self._filter: array | None = None
        self._filter_predicate: LinePredicate | None = None
        self._filter_generation = 0
        self._filter_scanned = 0
        self._filter_done = True
        self._filter_anchor: int | None = None
        self.filter_label = ""
        self.search_query = ""
        self._search_re: re.Pattern[str] | None = None
        self.mark_start: int | None = None
        self.mark_end: int | None = None
        self.watching = False
        self._wrap_cache: tuple[tuple, list[tuple[int, Strip]]] | None = None
        self._tail: list[str] | None = None  # the file's last lines, while following an unfinished index
        self._marker_cache: list[int] = []

    # ------------------------------------------------------------------ rows and lines
    @property
    def row_count(self) -> int:
        if self._filter is not None:
            return len(self._filter)
        return self.logfile.line_count + len(self.logfile.boundary_lines)

    def _marker_rows(self) -> list[int]:
        """Rows of the markers where one file generation ended (unfiltered view only)."""
        lines = self.logfile.boundary_lines
        if self._filter is not None or not lines:
            return []
        if len(self._marker_cache) != len(lines):
            self._marker_cache = [line + k for k, line in enumerate(lines)]
        return self._marker_cache

    def marker_at(self, row: int) -> int | None:
        """The boundary number shown on `row`, or None when the row shows a line."""
        rows = self._marker_rows()
        k = bisect_left(rows, row)
        return k if k < len(rows) and rows[k] == row else None

    @property
    def filtering(self) -> bool:
        return self._filter is not None

    @property
    def filter_done(self) -> bool:
        return self._filter_done

    @property
    def filter_progress(self) -> str:
        if self._filter is None or self._filter_done:
            return ""
        total = max(1, self.logfile.line_count)
        return f"{min(100, 100 * self._filter_scanned // total)}%"

    def line_index(self, row: int) -> int:
        """The 0-based file line shown on view row `row` (a marker row: the line after it)."""
        if self._filter is not None:
            return self._filter[row]
        rows = self._marker_rows()
        return row - bisect_right(rows, row) + (1 if self.marker_at(row) is not None else 0) if rows else row

    def row_of_line(self, index: int) -> int:
        """The view row showing file line `index`, or the nearest row after it."""
        if self._filter is None:
            index += bisect_right(self.logfile.boundary_lines, index)
            return min(index, max(0, self.row_count - 1))
        return min(bisect_left(self._filter, index), max(0, len(self._filter) - 1))

    def filtered_lines(self) -> list[int] | None:
        return None if self._filter is None else list(self._filter)

    @property
    def cursor_line(self) -> int:
        return self.line_index(self.cursor) if self.row_count else 0

    def visible_rows(self) -> range:
        top = int(self.scroll_y)
        if self.wrap:
            rows = {row for row, _ in self._wrap_layout()}
            return range(top, max(rows) + 1) if rows else range(top, top)
        return range(top, min(self.row_count, top + self.scrollable_content_region.height))

    def text_of(self, index: int) -> tuple[str, str | None]:
        """Displayable text (controls escaped) and level of file line `index`."""
        cached = self._line_cache.get(index)
        if cached is not None:
            return cached
        raw = self.logfile.line(index, max_chars=MAX_LINE_CHARS)
        levels = self.level_reader()
        revision = levels.revision if isinstance(levels, MergedLevels) else 0
        result = (literal(raw), levels.level(raw, index))
        if isinstance(levels, MergedLevels) and levels.revision != revision:
            self._line_cache.clear()  # a file's rule was re-detected: colours read before may differ
            self._strip_cache.clear()
        self._line_cache[index] = result
        return result

    def level_reader(self) -> LevelReader | MergedLevels:
        """Level parsing for this file, re-detected once more lines than the first sample exist
        (a merged view: each row by its own file's format, see tui.sources)."""
        if self.merged is not None:
            if not isinstance(self._levels, MergedLevels):
                self._levels = MergedLevels(self.merged)
            return self._levels
        known = (self._levels, self._level_sample) if isinstance(self._levels, LevelReader) else None
        fresh = detect_levels(self.logfile, known)
        if fresh is not None:
            self._levels, self._level_sample = fresh
            self._line_cache.clear()
            self._strip_cache.clear()
        return self._levels

    # ------------------------------------------------------------------ lifecycle
    def on_mount(self) -> None:
        self._sync_rows()
        if not self.logfile.indexing_done:
            self._index_timer = self.set_interval(0.2, self._on_index_tick)
        if self._initial_follow:
            self.follow = True
            if not self.logfile.indexing_done:
                self._tail = self.logfile.tail_lines(TAIL_LINES, max_chars=MAX_LINE_CHARS)

    def _on_index_tick(self) -> None:
        done = self.logfile.indexing_done
        if self.follow and not done:
            # Following a file still being indexed: show its real end now, numbered once known.
            self._tail = self.logfile.tail_lines(TAIL_LINES, max_chars=MAX_LINE_CHARS)
            self.refresh()
        self._sync_rows()
        if done:
            self._tail = None
            self._index_timer.stop()
            self._sync_rows()

    def _sync_rows(self) -> None:
        """Take in rows that the index (or the filter) found since the last look."""
        rows = self.row_count
        if rows == self._rows_seen and self.virtual_size.height:
            return
        self._rows_seen = rows
        self._update_virtual_size()
        if self.follow:
            self._stick_to_end()
        self.refresh()
        self.post_message(self.Changed(self))

    def _update_virtual_size(self) -> None:
        height = self.row_count
        if self.wrap:
            self.virtual_size = Size(self.scrollable_content_region.width, height + max(0, self.scrollable_content_region.height - 1))
        else:
            self.virtual_size = Size(self._gutter_width() + self._max_width, height)

    def _gutter_width(self) -> int:
        return self._tag_cells() + len(str(max(1, self.logfile.line_count))) + 1

    def _tag_cells(self) -> int:
        """Cells of the source column (tag and a space) in a merged view, 0 for one file."""
        if self.merged is None:
            return 0
        sources = self.merged.sources
        if self._tag_cache[0] != len(sources):  # a file joined: its name may be the longest
            self._tag_cache = (len(sources), tag_width([source.name for source in sources]) + 1)
        return self._tag_cache[1]

    # ------------------------------------------------------------------ following
    def watch_follow(self, follow: bool) -> None:
        if follow and not self.watching:
            self.watching = True
            self._poll_file()
        if follow:
            self._stick_to_end()
        self.refresh()
        self.post_message(self.Changed(self))

    def start_watching(self) -> None:
        if not self.watching:
            self.watching = True
            self._poll_file()

    @work(thread=True, exclusive=True, group="follow")
    def _poll_file(self) -> None:
        worker = get_current_worker()
        while not worker.is_cancelled and not self.logfile.wait_indexed(timeout=0.2):
            pass
        count = self.logfile.line_count
        while not worker.is_cancelled:
            update = self.logfile.poll_follow()
            if update.stop > update.start or update.rewritten or update.count != count:
                self.post_message(self._Polled(update))
                count = update.count
            time.sleep(self.poll_interval)

    def on_log_view__polled(self, message: _Polled) -> None:
        message.stop()
        start, stop = message.update.start, message.update.stop
        if message.update.rewritten:
            self._line_cache.clear()
            self._strip_cache.clear()
            self._wrap_cache = None
        if message.update.rewritten and self.merged is not None:
            self._remap_merged_rows(start)
            self.post_message(self.RowsMoved(self, start))
        elif self._filter is not None and self._filter_predicate is not None and self._filter_done:
            lines = self.logfile.lines(start, stop)
            self._filter.extend(
                start + i for i, line in enumerate(lines) if self._filter_predicate(start + i, line)
            )
        self._sync_rows()
        if message.update.rewritten:
            self.refresh()
        if stop > start:
            self.post_message(self.Appended(self, start, stop))

    def _remap_merged_rows(self, start: int) -> None:
        """A merged view's rows from `start` on moved (a file joined, or a late line sorted in
        above the end): the cursor and the marks stay on the same file lines, and a filter scans
        those rows again (the rows above `start` did not move)."""
        merged = self.merged
        assert merged is not None

        def row(origin: tuple[int, int] | None) -> int | None:
            try:
                return None if origin is None else merged.row_of(*origin)
            except IndexError:  # that line was rewritten away (its file was truncated)
                return None

        mark_start, mark_end = row(self._mark_origins[0]), row(self._mark_origins[1])
        if self.mark_start is not None:
            self.mark_start, self.mark_end = (mark_start, mark_end) if mark_start is not None else (None, None)
        cursor = row(self._cursor_origin)
        if self._filter is not None and self._filter_predicate is not None:
            begin = start if self._filter_done else min(start, self._filter_scanned)
            self._filter_generation += 1
            del self._filter[bisect_left(self._filter, begin):]
            self._filter_done = False
            self._filter_scanned = begin
            self._wrap_cache = None
            if cursor is not None and cursor >= start and not self.follow:
                self._filter_anchor = cursor
            self._scan_filter(self._filter_predicate, self._filter_generation, begin)
        elif cursor is not None and not self.follow:
            self.cursor = self.row_of_line(cursor)

    def _stick_to_end(self) -> None:
        rows = self.row_count
        if not rows:
            return
        self.cursor = rows - 1
        self.scroll_to(y=self._last_page_top(), animate=False, immediate=True)

    # ------------------------------------------------------------------ rendering
    def _level_style(self, level: str | None) -> Style:
        if level in (None, "INFO"):
            return Style.null()
        return self.get_component_rich_style(f"logview--{level.lower()}", partial=True)

    def _line_strip(self, index: int) -> Strip:
        """The text of one file line, unwrapped and uncropped, level-coloured, matches marked."""
        key = (index, self.search_query)
        strip = self._strip_cache.get(key)
        if strip is not None:
            return strip
        text = self._line_text(index)
        strip = self._strip(text)
        if text.cell_len > self._max_width:
            self._max_width = min(text.cell_len, MAX_LINE_CHARS)
            self.call_later(self._update_virtual_size)
        self._strip_cache[key] = strip
        return strip

    def _strip(self, text: Text) -> Strip:
        """`text` as a strip; `Text.render` leaves the base style to the caller, so apply it here."""
        segments = text.render(self.app.console)
        base = text.style if isinstance(text.style, Style) else self.app.console.get_style(text.style)
        return Strip(list(Segment.apply_style(segments, base)), text.cell_len)

    def _line_text(self, index: int) -> Text:
        content, level = self.text_of(index)
        text = Text(content, style=self._level_style(level), no_wrap=True, end="")
        if self._search_re is not None:
            text.highlight_regex(self._search_re, self.get_component_rich_style("logview--match"))
        return text

    def _marker_strip(self, boundary: int, row: int, width: int) -> Strip:
        """The row where one generation of the file ended (rotation, truncation)."""
        gutter_width = self._gutter_width()
        marker = "▶" if row == self.cursor and self.has_focus else ">" if row == self.cursor else " "
        gutter = Segment(" " * (gutter_width - 1) + marker, self.get_component_rich_style("logview--gutter"))
        text = Text(literal(self.logfile.boundary_text(boundary)), style=self.get_component_rich_style("logview--rotated"),
                    no_wrap=True, end="")
        body = self._strip(text).crop_extend(0, max(0, width - gutter_width), None)
        return Strip.join([Strip([gutter], gutter_width), body]).apply_style(self.rich_style)

    def _gutter(self, row: int, first: bool = True) -> Strip:
        width = self._gutter_width()
        index = self.line_index(row)
        marker = " "
        if row == self.cursor and self.has_focus:
            marker = "▶"
        elif row == self.cursor:
            marker = ">"
        elif self._is_marked(index):
            marker = "┃"
        tag_cells = self._tag_cells()
        number_width = width - tag_cells - 1
        number = f"{index + 1:>{number_width}}" if first else " " * number_width
        style = self.get_component_rich_style("logview--gutter")
        segments = [Segment(number, style), Segment(marker, style)]
        if tag_cells and self.merged is not None:
            segments.insert(0, self._source_segment(index, tag_cells - 1, first))
        return Strip(segments, width)

    def _source_segment(self, index: int, tag_width: int, first: bool) -> Segment:
        """The merged row's file: its short name in the file's colour (the name is the user's
        own path, still shown literally: it is never read as markup)."""
        source, _ = self.merged.origin(index)  # type: ignore[union-attr]
        name = literal(self.merged.sources[source].name)  # type: ignore[union-attr]
        tag = source_tag(name, tag_width) if first else " " * tag_width
        return Segment(tag + " ", self.get_component_rich_style(source_style(source)))

    def _is_marked(self, index: int) -> bool:
        if self.mark_start is None:
            return False
        end = self.mark_start if self.mark_end is None else self.mark_end
        return self.mark_start <= index <= end

    def _row_style(self, row: int) -> Style | None:
        if row == self.cursor:
            return self.get_component_rich_style("logview--cursor")
        if self._is_marked(self.line_index(row)):
            return self.get_component_rich_style("logview--mark")
        return None

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if self._tail is not None and self.follow:
            return self._tail_line(y, width)
        if self.wrap:
            layout = self._wrap_layout()
            if y < len(layout):
                return layout[y][1]
            return Strip.blank(width, self.rich_style)
        row = int(self.scroll_y) + y
        if row >= self.row_count:
            return Strip.blank(width, self.rich_style)
        boundary = self.marker_at(row)
        if boundary is not None:
            return self._marker_strip(boundary, row, width)
        gutter = self._gutter(row)
        text_width = max(0, width - gutter.cell_length)
        scroll_x = int(self.scroll_x)
        body = self._line_strip(self.line_index(row)).crop_extend(scroll_x, scroll_x + text_width, None)
        style = self._row_style(row)
        if style is not None:
            body = body.apply_style(style)
        return Strip.join([gutter, body]).apply_style(self.rich_style)

    def _tail_line(self, y: int, width: int) -> Strip:
        """Row `y` of the tail shown before the index reaches the end (no line numbers yet)."""
        tail = (self._tail or [])[-self.scrollable_content_region.height:]
        offset = y - (self.scrollable_content_region.height - len(tail))
        if offset < 0:
            return Strip.blank(width, self.rich_style)
        gutter_width = self._gutter_width()
        gutter = Strip([Segment("…".rjust(gutter_width - 1) + " ", self.get_component_rich_style("logview--gutter"))],
                       gutter_width)
        content = tail[offset]
        text = Text(literal(content), style=self._level_style(self.level_reader().level(content)),
                    no_wrap=True, end="")
        body = self._strip(text).crop_extend(0, width - gutter_width, None)
        return Strip.join([gutter, body]).apply_style(self.rich_style)

    def _wrapped_rows(self, row: int, width: int) -> list[Strip]:
        text = self._line_text(self.line_index(row))
        lines = text.wrap(self.app.console, max(1, width), no_wrap=False) if text.cell_len else [text]
        return [self._strip(line) for line in lines] or [Strip([])]

    def _wrap_layout(self) -> list[tuple[int, Strip]]:
        """The screen rows of wrap mode: lines from the top row, each as many rows as it needs."""
        width, height = self.scrollable_content_region.width, self.scrollable_content_region.height
        top = int(self.scroll_y)
        key = (top, width, height, self.cursor, self.row_count, self.search_query,
               self.mark_start, self.mark_end, self._filter_generation, self.has_focus)
        if self._wrap_cache is not None and self._wrap_cache[0] == key:
            return self._wrap_cache[1]
        layout: list[tuple[int, Strip]] = []
        row = top
        gutter_width = self._gutter_width()
        while len(layout) < height and row < self.row_count:
            boundary = self.marker_at(row)
            if boundary is not None:
                layout.append((row, self._marker_strip(boundary, row, width)))
                row += 1
                continue
            style = self._row_style(row)
            for part, body in enumerate(self._wrapped_rows(row, width - gutter_width)):
                body = body.extend_cell_length(width - gutter_width)
                if style is not None:
                    body = body.apply_style(style)
                strip = Strip.join([self._gutter(row, first=part == 0), body]).apply_style(self.rich_style)
                layout.append((row, strip))
            row += 1
        layout = layout[:height]
        self._wrap_cache = (key, layout)
        return layout

    def _row_height(self, row: int) -> int:
        if not self.wrap or self.marker_at(row) is not None:
            return 1
        return len(self._wrapped_rows(row, self.scrollable_content_region.width - self._gutter_width()))

    def _last_page_top(self) -> int:
        rows, height = self.row_count, max(1, self.scrollable_content_region.height)
        if not self.wrap:
            return max(0, rows - height)
        used, top = 0, rows
        while top > 0:
            used += self._row_height(top - 1)
            if used > height:
                break
            top -= 1
        return min(top, max(0, rows - 1))

    # ------------------------------------------------------------------ cursor and scrolling
    def watch_cursor(self, old: int, new: int) -> None:
        if self.merged is not None and self.row_count:
            try:  # remembered so that the cursor stays on its line when rows move
                self._cursor_origin = self.merged.origin(self.cursor_line)
            except IndexError:  # a filter row not rescanned yet after the rows moved
                pass
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.Changed(self))

    def validate_cursor(self, cursor: int) -> int:
        return max(0, min(cursor, self.row_count - 1)) if self.row_count else 0

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self.post_message(self.Changed(self))

    def watch_wrap(self) -> None:
        self._wrap_cache = None
        self.scroll_to(x=0, animate=False, immediate=True)
        self._update_virtual_size()
        self._scroll_cursor_into_view()
        self.refresh()

    def on_resize(self) -> None:
        self._wrap_cache = None
        self._update_virtual_size()
        if self.follow:
            self._stick_to_end()
        self.post_message(self.Changed(self))

    def notify_style_update(self) -> None:
        """A theme or CSS change recolours levels: rendered lines must be rebuilt."""
        super().notify_style_update()
        self._strip_cache.clear()
        self._wrap_cache = None

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def _scroll_cursor_into_view(self) -> None:
        top, height = int(self.scroll_y), max(1, self.scrollable_content_region.height)
        cursor = self.cursor
        if cursor < top:
            self.scroll_to(y=cursor, animate=False, immediate=True)
        elif not self.wrap and cursor >= top + height:
            self.scroll_to(y=cursor - height + 1, animate=False, immediate=True)
        elif self.wrap:
            shown = {row for row, _ in self._wrap_layout()}
            if cursor not in shown or cursor == max(shown, default=cursor) and self._cut_at_bottom():
                new_top, used = cursor, self._row_height(cursor)
                while new_top > 0 and used + self._row_height(new_top - 1) <= height:
                    new_top -= 1
                    used += self._row_height(new_top)
                self.scroll_to(y=new_top, animate=False, immediate=True)

    def _cut_at_bottom(self) -> bool:
        layout = self._wrap_layout()
        if not layout:
            return False
        last = layout[-1][0]
        return sum(1 for row, _ in layout if row == last) < self._row_height(last)

    def action_cursor(self, delta: int) -> None:
        if delta < 0:
            self.follow = False
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        if direction < 0:
            self.follow = False
        self.cursor += direction * max(1, self.scrollable_content_region.height - 1)

    def action_first(self) -> None:
        self.follow = False
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = max(0, self.row_count - 1)
        self.scroll_to(y=self._last_page_top(), animate=False, immediate=True)

    def action_pan(self, delta: int) -> None:
        if not self.wrap:
            self.scroll_to(x=max(0, self.scroll_x + delta), animate=False, immediate=True)

    def go_to_line(self, number: int) -> None:
        """Put the cursor on 1-based line `number` (or the nearest shown line after it)."""
        self.follow = False
        self.cursor = self.row_of_line(max(0, number - 1))
        height = max(1, self.scrollable_content_region.height)
        self.scroll_to(y=max(0, self.cursor - height // 3), animate=False, immediate=True)

    # ------------------------------------------------------------------ marks
    def toggle_mark(self) -> str:
        """First press starts a range at the cursor, second ends it, third clears it."""
        line = self.cursor_line
        if self.mark_start is None:
            self.mark_start = line
            message = f"mark started at line {line + 1}{self._named(line)}"
        elif self.mark_end is None:
            self.mark_start, self.mark_end = sorted((self.mark_start, line))
            message = (f"marked lines {self.mark_start + 1}{self._named(self.mark_start)}"
                       f"-{self.mark_end + 1}{self._named(self.mark_end)}")
        else:
            self.clear_mark()
            message = "mark cleared"
        if self.merged is not None:
            self._mark_origins = tuple(  # type: ignore[assignment]
                None if row is None else self.merged.origin(row) for row in (self.mark_start, self.mark_end))
        self._strip_cache.clear()
        self.refresh()
        self.post_message(self.Changed(self))
        return message

    def clear_mark(self) -> None:
        self.mark_start = self.mark_end = None
        self._mark_origins = (None, None)
        self.refresh()

    def file_line_label(self, index: int) -> str:
        """Where merged row `index` (0-based) comes from, as citations name it: `b.log:412`;
        "" for a single file, whose line numbers are its own."""
        if self.merged is None or not 0 <= index < self.logfile.line_count:
            return ""
        source, line = self.merged.origin(index)
        return f"{self.merged.sources[source].name}:{line + 1}"

    def _named(self, index: int) -> str:
        label = self.file_line_label(index)
        return f" ({label})" if label else ""

    @property
    def marked_range(self) -> tuple[int, int] | None:
        if self.mark_start is None:
            return None
        return (self.mark_start, self.mark_start if self.mark_end is None else self.mark_end)

    # ------------------------------------------------------------------ filter
    def set_filter(self, predicate: LinePredicate | None, label: str = "") -> None:
        """Show only lines for which `predicate(index, raw_line)` holds (None shows all)."""
        anchor = self.cursor_line if self.row_count else 0
        self._filter_generation += 1
        self._wrap_cache = None
        self._filter_predicate = predicate
        self.filter_label = label if predicate is not None else ""
        if predicate is None:
            self._filter = None
            self._filter_done = True
            self._sync_rows()
            self.cursor = self.row_of_line(anchor)
            self._scroll_cursor_into_view()
            self.refresh()
            return
        self._filter = array("q")
        self._filter_done = False
        self._filter_scanned = 0
        self._filter_anchor = anchor
        self.cursor = 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self._sync_rows()
        self._scan_filter(predicate, self._filter_generation)

    @work(thread=True, exclusive=True, group="filter")
    def _scan_filter(self, predicate: LinePredicate, generation: int, start: int = 0) -> None:
        worker = get_current_worker()
        per_file = self._per_file(predicate)
        chunk = MERGED_SCAN_CHUNK if per_file is not None else SCAN_CHUNK
        while not worker.is_cancelled:
            count = self.logfile.line_count
            indexed = self.logfile.indexing_done
            stop = min(count, start + chunk)
            if per_file is not None and self.merged is not None:
                matches = self.merged.matching_rows(start, stop, per_file) if stop > start else []
            else:
                lines = self.logfile.lines(start, stop) if stop > start else []
                matches = [start + i for i, line in enumerate(lines) if predicate(start + i, line)]
            done = indexed and stop >= count
            self.post_message(self._FilterChunk(generation, matches, stop, done))
            if done:
                return
            if stop == start:
                time.sleep(0.1)
            start = stop

    def on_log_view__filter_chunk(self, message: _FilterChunk) -> None:
        message.stop()
        if message.generation != self._filter_generation or self._filter is None:
            return
        self._filter.extend(message.matches)
        self._filter_scanned = message.scanned
        self._filter_done = message.done
        if self._filter_anchor is not None and self._filter and self._filter[-1] >= self._filter_anchor:
            self.cursor = self.row_of_line(self._filter_anchor)
            self._filter_anchor = None
        if message.done and self.follow:
            self._stick_to_end()
        self._sync_rows()
        self.post_message(self.Changed(self))

    # ------------------------------------------------------------------ search
    def set_search(self, query: str) -> None:
        self.search_query = query
        self._search_re = re.compile(re.escape(query), re.IGNORECASE) if query else None
        self._wrap_cache = None
        self.refresh()

    def find(self, forward: bool = True) -> None:
        """Move the cursor to the next (or previous) row containing the search text."""
        if self.search_query and self.row_count:
            self._find(self.search_query, self.cursor, forward)

    def _per_file(self, predicate: LinePredicate) -> Callable[[int], LinePredicate] | None:
        """Over a merged view, a filter that reads each line on its own (`tui.sources.TextFilter`,
        `LevelFilter`) as a test per file, so the files' own lines are scanned; else None."""
        if self.merged is None:
            return None
        return getattr(predicate, "for_file", None)

    @work(thread=True, exclusive=True, group="find")
    def _find(self, query: str, origin: int, forward: bool) -> None:
        worker = get_current_worker()
        if self.merged is not None:
            row = self._find_merged(query, origin, forward, lambda: worker.is_cancelled)
            if not worker.is_cancelled:
                self.post_message(self._Found(row, query))
            return
        needle = query.casefold()
        rows = self.row_count
        order = (
            [(origin + 1, rows), (0, origin + 1)] if forward else [(origin - 1, -1), (rows - 1, origin - 1)]
        )
        for begin, end in order:
            step = 1 if forward else -1
            position = begin
            while position != end and not worker.is_cancelled:
                stop = position + step * SCAN_CHUNK
                stop = min(stop, end) if forward else max(stop, end)
                span = range(position, stop, step)
                for row in span:
                    if needle in self.logfile.line(self.line_index(row), max_chars=MAX_LINE_CHARS).casefold():
                        self.post_message(self._Found(row, query))
                        return
                position = stop
        self.post_message(self._Found(None, query))

    def _find_merged(self, query: str, origin: int, forward: bool, cancelled: Callable[[], bool]) -> int | None:
        """The next (previous) view row after (before) `origin` whose line holds `query`, the
        rows after it first and then from the other end, as `_find` walks them: each file's own
        lines are searched a range of rows at a time (growing), and only the hits are placed."""
        merged = self.merged
        assert merged is not None
        test = TextFilter(query.casefold())
        total = merged.line_count
        at = self.line_index(origin) if self.row_count else 0
        spans = [(at + 1, total), (0, at + 1)] if forward else [(0, at), (at, total)]
        for begin, end in spans:
            size = SEARCH_FIRST_CHUNK
            position = begin if forward else end
            while (position < end if forward else position > begin) and not cancelled():
                a, b = (position, min(end, position + size)) if forward else (max(begin, position - size), position)
                rows = merged.matching_rows(a, b, test.for_file, max_chars=MAX_LINE_CHARS)
                shown = next((s for s in map(self._shown_row, rows if forward else reversed(rows))
                              if s is not None), None)
                if shown is not None:
                    return shown
                position = b if forward else a
                size = min(size * 4, MERGED_SCAN_CHUNK)
        return None

    def _shown_row(self, index: int) -> int | None:
        """The view row showing merged row `index` (None when a filter hides it)."""
        if self._filter is None:
            return index
        k = bisect_left(self._filter, index)
        return k if k < len(self._filter) and self._filter[k] == index else None

    def on_log_view__found(self, message: _Found) -> None:
        message.stop()
        if message.row is None:
            self.notify(f"'{message.query}' not found", severity="warning", markup=False)
            return
        self.follow = False
        self.cursor = message.row

    # ------------------------------------------------------------------ time
    def find_time(self, target: datetime | dtime) -> int | None:
        """First shown row at or after `target`, by binary search over the rows' timestamps
        (a merged view asks its shared clock, which aligned each file's time zone and year)."""
        if self.merged is not None:
            return self._find_merged_time(target)
        reader = self.level_reader()
        lo, hi = 0, self.row_count

        def stamped(row: int) -> tuple[int, datetime | None]:
            """The first row at or after `row` that carries a timestamp, and that timestamp."""
            for probe in range(row, min(row + 50, self.row_count)):
                index = self.line_index(probe)
                try:
                    value = reader.format.parse(self.logfile.line(index), index).timestamp
                except Exception:
                    value = None
                if value is not None:
                    return probe, value
            return row, None

        def before(value: datetime) -> bool:
            if isinstance(target, datetime):
                if target.tzinfo is None and value.tzinfo is not None:
                    value = value.replace(tzinfo=None)
                return value < target
            return value.time() < target

        if stamped(0)[1] is None:
            return None
        while lo < hi:
            mid = (lo + hi) // 2
            value = stamped(mid)[1]
            if value is None or before(value):
                lo = mid + 1
            else:
                hi = mid
        return min(stamped(lo)[0], self.row_count - 1)

    def _find_merged_time(self, target: datetime | dtime) -> int | None:
        """A time of day is read on the day of the row at the cursor (or the first row with a
        time): a merged view's files may span days, and the user looks at one of them."""
        merged = self.merged
        assert merged is not None
        if not isinstance(target, datetime):
            day = self._stamp_near(self.cursor_line) or self._stamp_near(0)
            if day is None:
                return None
            target = datetime.combine(day.date(), target, tzinfo=day.tzinfo)
        if not self.row_count:
            return None
        return self.row_of_line(min(merged.row_at_time(target), max(0, self.logfile.line_count - 1)))

    def _stamp_near(self, index: int) -> datetime | None:
        """The timestamp of merged row `index` or of one of the next rows, by its file's format."""
        formats = self.level_reader().format
        for probe in range(index, min(index + 50, self.logfile.line_count)):
            try:
                value = formats.parse(self.logfile.line(probe), probe).timestamp
            except Exception:
                value = None
            if value is not None:
                return value
        return None
