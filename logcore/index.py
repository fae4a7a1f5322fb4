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

    def add_newlines(self, buf: bytes, base: int) -> int:
        """Record every newline in `buf` (which starts at file offset `base`); returns how many."""
        ends = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10)
        if not len(ends):
            return 0
        ends += base + 1
        with self._lock:
            if self._chunks and len(self._chunks[-1]) < _MERGE_BELOW:
                self._chunks[-1] = np.concatenate((self._chunks[-1], ends))
                self._bounds[-1] += len(ends)
            else:
                self._chunks.append(ends)
                self._bounds.append(len(self) + len(ends))
        return len(ends)

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
