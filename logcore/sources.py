"""Where log bytes come from: a plain file, a compressed file, or stdin.

Compressed files and stdin cannot be read at random offsets, so the reader streams them once
into a temporary spool file and indexes that; this module only recognises and opens the streams.
Compression is told by magic bytes, not the file name, so `app.log.1` that is really gzip works.
"""

from __future__ import annotations

import bz2
import gzip
import importlib.util
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


def open_decompressed(path: Path, codec: str) -> BinaryIO:
    """A stream of the decompressed bytes of `path`."""
    if codec == "gzip":
        return gzip.open(path, "rb")
    if codec == "bzip2":
        return bz2.open(path, "rb")
    if codec == "xz":
        return lzma.open(path, "rb")
    if importlib.util.find_spec("zstandard") is None:
        raise LogInputError(
            f"{path} is zstd-compressed but the zstandard module is missing; "
            "run `pip install 'logchat[zstd]'` or decompress it with `zstd -d`"
        )
    import zstandard

    return zstandard.ZstdDecompressor().stream_reader(path.open("rb"), closefd=True)


def read_error(path: Path, codec: str, exc: Exception) -> LogInputError:
    return LogInputError(
        f"{path} is not valid {codec} data ({exc}); check the file or decompress it by hand"
    )
