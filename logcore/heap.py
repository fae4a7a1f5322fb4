"""Hand freed heap back to the system once a big one-off job is done.

glibc keeps freed blocks for reuse, and after a scan frees its multi-MB read buffers its dynamic
mmap threshold keeps later large buffers on the heap too, so a viewer that indexed three 300 MB
logs would carry some 35 MB of freed memory in its RSS for good. `malloc_trim` returns it; on
other C libraries this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def give_back_freed_memory() -> None:
    trim = _trim()
    if trim is not None:
        trim(0)
