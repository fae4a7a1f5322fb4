"""Turning raw log bytes into display-safe text, and telling text from binary.

Logs are hostile: bytes may be invalid UTF-8, lines may be 50 MB long, and NUL bytes would cut
a prompt short in C code (the tokenizer), so every line passes through `decode_line`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

DEFAULT_MAX_CHARS = 1_000_000
SNIFF_BYTES = 8192
NUL_SYMBOL = "\u2400"  # ␀: shows where a NUL byte was without passing a NUL on
_TEXT_CONTROLS = {7, 8, 9, 10, 11, 12, 13, 27}
_NON_TEXT = bytes(b for b in range(32) if b not in _TEXT_CONTROLS)


class DecodedLine(NamedTuple):  # a tuple: built once per line read, so it must be cheap
    text: str
    invalid_utf8: bool
    truncated: bool


def truncation_marker(total_bytes: int) -> str:
    return f" … [line truncated: {total_bytes:,} bytes in total]"


def decode_line(raw: bytes, max_chars: int | None = None, total_bytes: int | None = None) -> DecodedLine:
    """Decode one line's bytes (EOL included or not): strip CR/LF, replace invalid UTF-8, cap length.

    `total_bytes` is the full length of the line on disk (without its EOL) when `raw` is only
    its head, so the marker can say how much was cut.
    """
    limit = DEFAULT_MAX_CHARS if max_chars is None else max_chars
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    if raw.endswith(b"\r"):
        raw = raw[:-1]
    total = len(raw) if total_bytes is None else total_bytes
    cut = total > len(raw)
    try:
        text = raw.decode("utf-8")
        invalid = False
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the read limit is not an encoding fault.
        invalid = not (cut and exc.start >= len(raw) - 3 and exc.reason == "unexpected end of data")
        text = raw.decode("utf-8", errors="replace")
        if not invalid:
            text = text.rstrip("\ufffd")
    if "\x00" in text:
        text = text.replace("\x00", NUL_SYMBOL)
    if len(text) > limit or cut:
        return DecodedLine(text[:limit] + truncation_marker(total), invalid, True)
    return DecodedLine(text, invalid, False)


@dataclass
class DecodedBlock:
    """Consecutive decoded lines, with the positions (in `lines`) of the ones that needed repair."""

    lines: list[str]
    invalid_utf8: list[int] = field(default_factory=list)
    truncated: list[int] = field(default_factory=list)


def decode_block(block: bytes, max_chars: int | None = None) -> DecodedBlock:
    """Decode consecutive whole lines at once (the last may lack its newline).

    One decode and one split for the whole block, and no object per line: reading a large
    selection (read_text, a viewer page) is dominated by this.
    """
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        parts = block.split(b"\n")
        if block.endswith(b"\n"):
            parts.pop()
        decoded = [decode_line(raw, max_chars) for raw in parts]
        return DecodedBlock([d.text for d in decoded], [i for i, d in enumerate(decoded) if d.invalid_utf8],
                            [i for i, d in enumerate(decoded) if d.truncated])
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    if "\r" in text:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if "\x00" in text:
        lines = [line.replace("\x00", NUL_SYMBOL) for line in lines]
    limit = DEFAULT_MAX_CHARS if max_chars is None else max_chars
    if len(text) <= limit or max(map(len, lines), default=0) <= limit:
        return DecodedBlock(lines)
    cut = [i for i, line in enumerate(lines) if len(line) > limit]
    for i in cut:
        lines[i] = lines[i][:limit] + truncation_marker(len(lines[i].encode()))
    return DecodedBlock(lines, [], cut)


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 text without a BOM: ASCII characters leave a NUL in every other byte."""
    if len(head) < 16:
        return False
    even, odd = head[0::2], head[1::2]
    return (odd.count(0) > 0.9 * len(odd) and even.count(0) == 0) or (
        even.count(0) > 0.9 * len(even) and odd.count(0) == 0)


def binary_problem(head: bytes) -> str | None:
    """Why the first bytes of a file do not look like a text log, or None when they do.

    Same rule as grep and git: a NUL byte in the first 8 KiB means binary. UTF-16 logs (with a
    BOM) get their own verdict because the fix differs. Beyond NULs, more than 30% non-text
    control bytes also means binary.
    """
    head = head[:SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(head):
        return "is UTF-16 text; convert it first, e.g. `iconv -f UTF-16 -t UTF-8 FILE > FILE.txt`"
    if b"\x00" in head:
        return "looks binary (NUL bytes in its first 8 KiB); pass a text log, or decompress/convert it first"
    if head and len(head) - len(head.translate(None, _NON_TEXT)) > 0.3 * len(head):
        return "looks binary (mostly control bytes in its first 8 KiB); pass a text log, or decompress/convert it first"
    return None
