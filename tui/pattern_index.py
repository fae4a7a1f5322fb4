"""Templates and level counts for the lines of one file, mined on a worker and kept live.

The app feeds it the file's first lines once and then every appended batch; the patterns
panel, the template filter and the level sparkline read from it. Mining a huge file whole
would take minutes, so the first pass stops at MAX_MINED_LINES and says so.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Sequence

from logcore.templates import Template, TemplateMiner
from logcore.levels import LEVEL_RANK, LevelReader

MAX_MINED_LINES = 200_000
SPARK_BUCKETS = 24


class PatternIndex:
    def __init__(self, levels: LevelReader) -> None:
        self._levels = levels
        self._miner = TemplateMiner()
        self._lock = threading.Lock()
        self._assignments: dict[int, int] = {}
        self._alarm_lines = array("q")  # lines at WARN or worse, for the sparkline
        self.mined_lines = 0
        self.skipped_from: int | None = None  # first line not mined by the initial pass

    def add(self, lines: Sequence[str], start: int) -> None:
        """Mine `lines`, the file's lines from 0-based index `start`. A line mined already is
        not counted twice (the first pass and an appended batch may both reach it)."""
        parsed = []
        for offset, raw in enumerate(lines):
            index = start + offset
            try:
                record = self._levels.format.parse(raw, index)
                message, level = record.message or raw, record.level
            except Exception:
                message, level = raw, None
            parsed.append((index, message, level))
        with self._lock:
            for index, message, level in parsed:
                if index in self._assignments:
                    continue
                self._assignments[index] = self._miner.add(message, index, level)
                if level is not None and LEVEL_RANK.get(level, 0) >= LEVEL_RANK["WARN"]:
                    self._alarm_lines.append(index)
                self.mined_lines += 1

    def templates(self) -> list[Template]:
        with self._lock:
            return sorted(self._miner.templates(), key=lambda t: -t.count)

    def template_of(self, index: int) -> int | None:
        return self._assignments.get(index)

    def sparkline(self, total_lines: int) -> list[int]:
        """WARN-or-worse lines per equal slice of the file: bursts stand out as peaks."""
        buckets = [0] * SPARK_BUCKETS
        if total_lines <= 0:
            return buckets
        with self._lock:
            for index in self._alarm_lines:
                buckets[min(SPARK_BUCKETS - 1, index * SPARK_BUCKETS // total_lines)] += 1
        return buckets
