"""Where log bytes come from: a plain file, a compressed file, or stdin.

Compressed files and stdin cannot be read at random offsets, so the reader streams them once
into a temporary spool file and indexes that; this module only recognises and opens the streams.
Compression is told by magic bytes, not the file name, so `app.log.1` that is really gzip works.
"""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import io
import lzma
from pathlib import Path
from typing import BinaryIO

from logcore.errors import LogInputError

_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}


def compression_of(head: bytes) -> str | None:
    for magic, codec in _MAGIC.items():
        if head.startswith(magic):
            return codec
    return None


def open_decompressed(source: Path | BinaryIO, codec: str) -> BinaryIO:
    """A stream of the decompressed bytes of a path or of an already open binary stream."""
    if codec == "gzip":
        return gzip.open(source, "rb")
    if codec == "bzip2":
        return bz2.open(source, "rb")
    if codec == "xz":
        return lzma.open(source, "rb")
    if importlib.util.find_spec("zstandard") is None:
        raise LogInputError(
            f"{source if isinstance(source, Path) else 'the input'} is zstd-compressed but the zstandard "
            "module is missing; run `pip install 'logchat[zstd]'` or decompress it with `zstd -d`"
        )
    import zstandard

    raw = source.open("rb") if isinstance(source, Path) else source
    return zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)


class Prefixed(io.RawIOBase):
    """A pipe whose first bytes were already read (to sniff them), put back in front."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read1(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._rest.close()
        super().close()


def read_error(path: Path, codec: str, exc: Exception) -> LogInputError:
    return LogInputError(
        f"{path} is not valid {codec} data ({exc}); check the file or decompress it by hand"
    )
