"""A compact, append-only newline index: 8 bytes per line in int64 chunks.

Toolong re-sorts its whole Python offset list per batch (140 s to index 2 GB); here each batch
of newline positions is found by numpy in one vectorised pass and appended as its own chunk, so
indexing cost stays linear and lookups are a bisect over chunk boundaries.
"""

from __future__ import annotations

import threading
from bisect import bisect_right

import numpy as np

_MERGE_BELOW = 65_536  # small trailing chunks (from a live file's trickle) are merged up to this size
_CARRY_MAX = 1 << 20  # a partial line longer than this is not checked for UTF-8


class LineIndex:
    """Byte offsets just past each line's newline, so line i spans [end(i-1), end(i))."""

    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = []
        self._bounds: list[int] = []  # cumulative line count at the end of each chunk
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._bounds[-1] if self._bounds else 0

    @property
    def nbytes(self) -> int:
        return sum(chunk.nbytes for chunk in self._chunks)

    def append(self, ends: np.ndarray) -> None:
        """Add line-end offsets (int64, ascending, all past the current last one)."""
        if not len(ends):
            return
        with self._lock:
            if self._chunks and len(self._chunks[-1]) < _MERGE_BELOW:
                self._chunks[-1] = np.concatenate((self._chunks[-1], ends))
                self._bounds[-1] += len(ends)
            else:
                self._chunks.append(ends)
                self._bounds.append(len(self) + len(ends))

    def end(self, i: int) -> int:
        """Offset just past line i's newline."""
        with self._lock:
            k = bisect_right(self._bounds, i)
            before = self._bounds[k - 1] if k else 0
            return int(self._chunks[k][i - before])

    def start(self, i: int) -> int:
        return 0 if i == 0 else self.end(i - 1)

    def last_end(self) -> int:
        """Offset just past the last indexed newline (0 when there is none)."""
        with self._lock:
            return int(self._chunks[-1][-1]) if self._chunks else 0

    def clear(self) -> None:
        with self._lock:
            self._chunks.clear()
            self._bounds.clear()


class Scanner:
    """Feeds a log's bytes, in order, into a LineIndex and counts lines that are not valid UTF-8.

    One vectorised pass per chunk finds the newlines and the non-ASCII bytes; only chunks with
    non-ASCII bytes are decoded (to validate them), so ASCII logs pay nothing for the count.
    """

    def __init__(self, index: LineIndex) -> None:
        self.index = index
        self.pos = 0  # bytes fed so far
        self.invalid_utf8_lines = 0
        self._carry: bytearray | None = bytearray()  # the unterminated last line, None if too long
        self._carry_high = False
        self._mask = np.empty(0, dtype=bool)

    def reset(self) -> None:
        self.index.clear()
        self.pos = 0
        self.invalid_utf8_lines = 0
        self._carry, self._carry_high = bytearray(), False

    def release_buffers(self) -> None:
        """Drop the scratch mask sized for the big reads of a full scan; a followed log's
        trickle regrows only what its small reads need."""
        self._mask = np.empty(0, dtype=bool)

    def feed(self, data: bytes | memoryview) -> None:
        n = len(data)
        if not n:
            return
        arr = np.frombuffer(data, dtype=np.uint8)
        if len(self._mask) < n:
            self._mask = np.empty(n, dtype=bool)
        mask = self._mask[:n]
        np.equal(arr, 10, out=mask)
        newlines = np.flatnonzero(mask)
        high = None
        if arr.max() >= 0x80:
            np.greater_equal(arr, 0x80, out=mask)
            high = np.flatnonzero(mask)
        ends = newlines + (self.pos + 1)
        self.index.append(ends)
        self.pos += n
        self._count_invalid(memoryview(data), newlines, high)

    def _count_invalid(self, data: memoryview, newlines: np.ndarray, high: np.ndarray | None) -> None:
        def has_high(a: int, b: int) -> bool:
            return high is not None and bool(np.searchsorted(high, a) < np.searchsorted(high, b))

        if not len(newlines):
            if self._carry is not None and len(self._carry) + len(data) <= _CARRY_MAX:
                self._carry += data
                self._carry_high = self._carry_high or high is not None
            else:
                self._carry = None
            return
        first, last = int(newlines[0]), int(newlines[-1])
        if self._carry is not None and (self._carry_high or has_high(0, first)):
            self.invalid_utf8_lines += _invalid_lines(bytes(self._carry) + data[:first])
        if has_high(first + 1, last):
            self.invalid_utf8_lines += _invalid_lines(data[first + 1:last])
        rest = data[last + 1:]
        self._carry = bytearray(rest) if len(rest) <= _CARRY_MAX else None
        self._carry_high = has_high(last + 1, len(data))


def _invalid_lines(block: bytes | memoryview) -> int:
    try:
        str(block, "utf-8")
        return 0
    except UnicodeDecodeError:
        return sum(1 for raw in bytes(block).split(b"\n") if not _valid(raw))


def _valid(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False
