"""Which file each row of a merged view came from: its tag and colour, its level, `b.log:412`.

A merged view (`logcore.merge.MergedLog`) interleaves several files, and each file keeps its
own layout: an nginx access log has no level word, a Java log does. So every row is read with
the format detected on *its own* file (one `LevelReader` per source), never with one format
guessed from the mixture. This module is pure (no widgets) so the rules are tested directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from logcore.errors import LogchatError
from logcore.formats import Record
from logcore.levels import LevelReader, at_least
from logcore.merge import MergedLog
from logcore.reader import LogFile

if TYPE_CHECKING:
    from models.citations import FileLines

SOURCE_STYLES = 6  # distinct tag colours (logview--source-0..5 in app.tcss); then they repeat
TAG_MAX = 12  # the source column stays narrow: longer names lose their middle ("web/a…ss.log")
LEVEL_SAMPLE = 200


def as_merged(log: object) -> MergedLog | None:
    """`log` when it is a merged view, else None."""
    return log if isinstance(log, MergedLog) else None


def source_names(log: object) -> tuple[str, ...]:
    """The short names a merged view's rows and citations use (`b.log`); () for one file."""
    merged = as_merged(log)
    return () if merged is None else tuple(source.name for source in merged.sources)


def file_lines(log: object) -> dict[str, FileLines] | None:
    """Each file of a merged view by name, its own lines 1..N, for checking `b.log:412`
    citations against the whole file the user can jump into; None for one file."""
    merged = as_merged(log)
    if merged is None:
        return None
    from models.citations import FileLines

    def lines_of(file: LogFile):
        def line_text(number: int) -> str | None:
            return file.line(number - 1) if 1 <= number <= file.line_count else None
        return line_text

    return {source.name: FileLines(lines_of(file), 1, max(1, file.line_count))
            for source, file in zip(merged.sources, merged.logs)}


def tag_width(names: Sequence[str]) -> int:
    return min(TAG_MAX, max((len(name) for name in names), default=1))


def source_tag(name: str, width: int) -> str:
    """`name` fitted to `width` cells: padded, or cut in the middle, since names differ at their
    start (`web/` and `api/access.log`) or at their end (`node-1.log`, `node-2.log`)."""
    if len(name) <= width:
        return name.ljust(width)
    if width < 3:
        return name[-width:]
    head = (width - 1) // 2
    return name[:head] + "…" + name[len(name) - (width - 1 - head):]


def source_style(source: int) -> str:
    """The component class that colours source `source`'s tag: stable for the view's life."""
    return f"logview--source-{source % SOURCE_STYLES}"


def detect_levels(log: LogFile, known: tuple[LevelReader, int] | None) -> tuple[LevelReader, int] | None:
    """`log`'s level rule and the lines it was detected on, detected again while that sample
    was short of LEVEL_SAMPLE and the file has grown; None while `known` still holds."""
    count = log.line_count
    if known is not None and (known[1] >= LEVEL_SAMPLE or count <= known[1]):
        return None
    sample = log.lines(0, min(LEVEL_SAMPLE, count)) if count else []
    return LevelReader(sample), len(sample)


class _SourceFormat:
    """A `LogFormat`-shaped parser for merged rows: each row parsed by its own file's format,
    with its own file's line number (what `PatternIndex` and the first-seen labels call)."""

    def __init__(self, levels: MergedLevels) -> None:
        self._levels = levels
        self.name = "merged"

    def parse(self, line: str, index: int = 0) -> Record:
        source, file_line = self._levels.merged.origin(index)
        return self._levels.reader(source).format.parse(line, file_line)


class MergedLevels:
    """The `LevelReader` surface (`level`, `format.parse`) over a merged view's rows."""

    def __init__(self, merged: MergedLog) -> None:
        self.merged = merged
        self._readers: dict[int, tuple[LevelReader, int]] = {}
        self.format = _SourceFormat(self)
        self.revision = 0  # bumped whenever a source's rule is re-detected: cached colours go stale

    def reader(self, source: int) -> LevelReader:
        """Source `source`'s level rule, re-detected while its file has fewer lines than a sample."""
        fresh = detect_levels(self.merged.logs[source], self._readers.get(source))
        if fresh is not None:
            self._readers[source] = fresh
            self.revision += 1
        return self._readers[source][0]

    def level(self, line: str, index: int = 0) -> str | None:
        """The level of merged row `index` (whose text is `line`), by its own file's format."""
        source, file_line = self.merged.origin(index)
        return self.reader(source).level(line, file_line)


@dataclass(frozen=True)
class FileLine:
    """A line named by its file: `source` indexes the merged view's sources, `line` is 0-based."""

    source: int
    line: int


def find_source(name: str, names: Sequence[str]) -> int:
    """The source a user or an answer names: its exact short name, or else the one file whose
    base name it is. A name matching none (or several) is a one-line error naming the files."""
    if name in names:
        return names.index(name)
    base = PurePath(name).name
    matches = [i for i, known in enumerate(names) if PurePath(known).name == base]
    if len(matches) == 1:
        return matches[0]
    listed = ", ".join(names)
    if matches:
        raise LogchatError(f"'{name}' names several files here ({listed}); type the name as shown")
    raise LogchatError(f"no file '{name}' in this view; its files are {listed}")


def parse_file_line(text: str, names: Sequence[str]) -> FileLine | None:
    """`b.log:412` (1-based, as citations write it) as a FileLine; None when `text` is not of
    that shape (a plain row number, a time). An unknown file is a LogchatError."""
    name, sep, number = text.strip().rpartition(":")
    if not sep or not name or not number.isdigit() or int(number) < 1:
        return None
    return FileLine(find_source(name, names), int(number) - 1)


# -- filters that read a line on its own --------------------------------------------------------
# A view's filter is `predicate(index, line)`. The two below never need the merged row `index`
# means: a line's text, or its level by its own file's format. So over a merged view they are
# run over each file's own lines (`for_file`, `MergedLog.matching_rows`) instead of reading the
# merge row by row, which parses every line's stamp to order it; the rows kept are the same.

FileTest = Callable[[int, str], bool]  # (0-based line of one file, its text) -> keep it


@dataclass(frozen=True)
class TextFilter:
    """Lines containing `needle` (already casefolded), in any case."""

    needle: str

    def __call__(self, index: int, line: str) -> bool:
        return self.needle in line.casefold()

    def for_file(self, source: int) -> FileTest:
        return self


class LevelFilter:
    """Lines at `minimum` level or worse, each read by its own file's format."""

    def __init__(self, levels: LevelReader | MergedLevels, minimum: str) -> None:
        self.levels = levels
        self.minimum = minimum

    def __call__(self, index: int, line: str) -> bool:
        return at_least(self.levels.level(line, index), self.minimum)

    def for_file(self, source: int) -> FileTest:
        reader = self.levels.reader(source) if isinstance(self.levels, MergedLevels) else self.levels
        minimum = self.minimum
        return lambda index, line: at_least(reader.level(line, index), minimum)
