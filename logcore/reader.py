"""Random access to the lines of a log of any size, and the one-shot loader the CLI uses.

A `LogFile` never holds the log in memory: a background pass records where each line ends
(8 bytes per line, `logcore.index`), and lines are read on demand with `os.pread`, which returns
short reads on a truncated file instead of killing the process with SIGBUS as mmap would.
Compressed files and stdin are streamed once into an unlinked temporary spool file, indexed as
they arrive, so the first screen shows while the rest is still decompressing.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from logcore.decode import (DEFAULT_MAX_CHARS, SNIFF_BYTES, DecodedBlock, DecodedLine, binary_problem,
                            decode_block, decode_line)
from logcore.errors import LogInputError
from logcore.index import LineIndex, Scanner
from logcore.sources import Prefixed, compression_of, open_decompressed, read_error

CHUNK = 4 << 20
_FIRST_READ = 64 << 10
_TAIL_SCAN_MAX = 64 << 20  # how far tail_lines reads back before the index exists
_BATCH_READ_MAX = 4 << 20
_RECHECK = 256  # bytes re-read by refresh() to notice a truncated-and-regrown file  # lines() reads a span in one pread when it is at most this big
_MAX_BYTES_PER_CHAR = 4


def _read_into(fd: int, view: memoryview, offset: int) -> int:
    """pread into a reused buffer (preadv where the OS has it, e.g. not on older macOS)."""
    if hasattr(os, "preadv"):
        return os.preadv(fd, [view], offset)
    data = os.pread(fd, len(view), offset)
    view[:len(data)] = data
    return len(data)


def _open_fd(path: Path) -> int:
    """Open for reading, turning each OS failure into one line that names the fix."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise LogInputError(f"{path} does not exist; check the path") from None
    except IsADirectoryError:
        raise LogInputError(f"{path} is a directory; pass a log file inside it") from None
    except PermissionError:
        raise LogInputError(
            f"cannot read {path}: permission denied; fix its permissions or run as a user who can read it"
        ) from None
    except OSError as exc:
        raise LogInputError(f"cannot open {path}: {exc.strerror}; check the path") from None
    if stat.S_ISDIR(os.fstat(fd).st_mode):
        os.close(fd)
        raise LogInputError(f"{path} is a directory; pass a log file inside it")
    return fd


class LogFile:
    """Lines of a possibly huge, compressed, piped or growing log, read on demand."""

    path: Path
    display_name: str

    def __init__(self, path: Path, display_name: str, fd: int,
                 stream: BinaryIO | None = None, codec: str | None = None) -> None:
        self.path = path
        self.display_name = display_name
        self.error: LogInputError | None = None  # set when a compressed stream breaks midway
        # Bumped by refresh() whenever lines already counted may read differently now (the file
        # was truncated or replaced, or its unterminated last line grew): drop cached lines.
        self.generation = 0
        self._fd = fd
        self._stream = stream
        self._codec = codec
        self._index = LineIndex()
        self._scanner = Scanner(self._index)  # its pos: bytes scanned (for a spool: bytes spooled)
        self._done = threading.Event()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._scan_lock = threading.Lock()
        self._recent: tuple[int, bytes] = (0, b"")  # (offset, the bytes just before it) after a scan
        self._fd_lock = threading.Lock()  # the index worker owns the descriptor while it runs
        self._indexing = False
        self._closed = False

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path) -> LogFile:
        """Open a log; "-" is stdin. Raises LogInputError for missing, directory, unreadable, binary."""
        if str(path) == "-":
            return cls._spooled(Path("-"), "<stdin>", sys.stdin.buffer, None)
        p = Path(path)
        fd = _open_fd(p)
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a pipe such as <(zcat x.gz): no random access
            return cls._spooled(p, str(p), os.fdopen(fd, "rb"), None)
        try:
            head = os.pread(fd, SNIFF_BYTES, 0)
        except OSError as exc:
            os.close(fd)
            raise LogInputError(f"cannot read {p}: {exc.strerror}; check the file") from None
        codec = compression_of(head)
        if codec is not None:
            os.close(fd)
            return cls._spooled(p, str(p), open_decompressed(p, codec), codec)
        problem = binary_problem(head)
        if problem is not None:
            os.close(fd)
            raise LogInputError(f"{p} {problem}")
        return cls(p, str(p), fd)

    @classmethod
    def _spooled(cls, path: Path, name: str, stream: BinaryIO, codec: str | None) -> LogFile:
        """Stream into an unlinked temp file so random access works and nothing is left behind."""
        try:
            head = stream.read(SNIFF_BYTES) if codec else stream.read1(SNIFF_BYTES)
            piped_codec = None if codec else compression_of(head)
            if piped_codec is not None:  # e.g. `cat app.log.gz | logchat -`
                codec = piped_codec
                stream = open_decompressed(io.BufferedReader(Prefixed(head, stream)), codec)
                head = stream.read(SNIFF_BYTES)
        except LogInputError:
            stream.close()
            raise
        except Exception as exc:  # noqa: BLE001 - every decompressor has its own error type
            stream.close()
            raise read_error(path, codec or "text", exc) from None
        problem = binary_problem(head)
        if problem is not None:
            stream.close()
            raise LogInputError(f"{name} {problem}")
        fd, spool = tempfile.mkstemp(prefix="logchat-", suffix=".spool")
        os.unlink(spool)
        log = cls(path, name, fd, stream, codec)
        log._consume_spooled(head)
        return log

    # -- indexing ------------------------------------------------------------------------------

    def index(self, background: bool = True) -> None:
        """Start (or, with background=False, finish) the newline index."""
        if self._worker is None and not self._done.is_set():
            self._worker = threading.Thread(target=self._run_index, name=f"index {self.display_name}",
                                            daemon=True)
            self._indexing = True
            if background:
                self._worker.start()
                return
            self._worker.run()
            return
        if not background:
            self.wait_indexed()

    def wait_indexed(self, timeout: float | None = None) -> bool:
        if self._worker is None:
            self.index()
        return self._done.wait(timeout)

    @property
    def indexing_done(self) -> bool:
        return self._done.is_set()

    @property
    def line_count(self) -> int:
        """Lines indexed so far; an unterminated last line counts once the scan has reached it."""
        complete = len(self._index)
        partial = self._done.is_set() and self._scan_pos > self._index.last_end()
        return complete + (1 if partial else 0)

    @property
    def invalid_utf8_lines(self) -> int:
        """Lines indexed so far that are not valid UTF-8 (shown with U+FFFD)."""
        return self._scanner.invalid_utf8_lines

    @property
    def _scan_pos(self) -> int:
        return self._scanner.pos

    @property
    def index_bytes(self) -> int:
        return self._index.nbytes

    def _run_index(self) -> None:
        try:
            if self._stream is not None:
                self._spool_all()
            else:
                with self._scan_lock:
                    self._scan_file()
        except OSError as exc:
            self.error = LogInputError(f"reading {self.display_name} failed: {exc.strerror}; check the disk or file")
        finally:
            with self._fd_lock:
                self._done.set()
                self._indexing = False
                if self._closed:
                    os.close(self._fd)

    def _spool_all(self) -> None:
        """Copy the stream into the spool; a compressed stream is gathered into big chunks."""
        pending: list[bytes] = []
        size = 0
        try:
            while not self._stop.is_set():
                piece = self._stream.read1(CHUNK)
                if not piece:
                    break
                pending.append(piece)
                size += len(piece)
                if self._codec is None or size >= CHUNK:  # stdin: show lines as they arrive
                    self._consume_spooled(b"".join(pending))
                    pending, size = [], 0
        except Exception as exc:  # noqa: BLE001 - decompressors raise EOFError, OSError, LZMAError, ZstdError
            self.error = read_error(self.path, self._codec or "text", exc)
        finally:
            self._stream.close()
            if pending:  # what decoded before a corrupt tail is still the user's log
                self._consume_spooled(b"".join(pending))

    def _consume_spooled(self, buf: bytes) -> None:
        view = memoryview(buf)
        while view:
            view = view[os.write(self._fd, view):]
        self._scanner.feed(buf)

    def _scan_file(self) -> None:
        buf = bytearray(CHUNK)  # reused: fresh 4 MB buffers per read cost page faults
        size = _FIRST_READ  # small first reads put the first screen up at once
        while not self._stop.is_set():
            view = memoryview(buf)[:size]
            n = _read_into(self._fd, view, self._scanner.pos)
            if not n:
                break
            self._scanner.feed(view[:n])
            size = min(size * 4, CHUNK)
        pos = self._scanner.pos
        self._recent = (pos, os.pread(self._fd, min(pos, _RECHECK), pos - min(pos, _RECHECK)))

    # -- following -----------------------------------------------------------------------------

    def refresh(self) -> int:
        """Pick up appended lines; start over on truncation or when the path now names a new file."""
        if self._stream is not None or not self._done.is_set():
            return self.line_count
        with self._scan_lock:
            partial_before = self.line_count > len(self._index)
            pos_before = self._scan_pos
            replaced = self._replacement_fd()
            if replaced is not None:
                os.close(self._fd)
                self._fd = replaced
                self._restart()
            elif not self._intact():
                self._restart()
            before = self._recent
            self._scan_file()
            if not self._intact(before):  # truncated while we scanned: what we read may be misaligned
                self._restart()
                self._scan_file()
            if partial_before and self._scan_pos != pos_before:
                self.generation += 1  # the unterminated last line, already counted, has grown
        return self.line_count

    def _restart(self) -> None:
        self._scanner.reset()
        self._recent = (0, b"")
        self.generation += 1

    def _intact(self, recent: tuple[int, bytes] | None = None) -> bool:
        """Whether the bytes last scanned before an offset are still there.

        A size check alone misses copytruncate followed by fast regrowth past our offset, which
        would leave every later line misaligned.
        """
        pos, tail = recent or self._recent
        return os.pread(self._fd, len(tail), pos - len(tail)) == tail if pos else True

    def _replacement_fd(self) -> int | None:
        """A descriptor for the file now at our path, when rotation put a different file there."""
        try:
            now = os.stat(self.path)
        except OSError:
            return None  # deleted or moved away and not yet recreated: keep reading what we have
        mine = os.fstat(self._fd)
        if (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino):
            return None
        try:
            return os.open(self.path, os.O_RDONLY)
        except OSError:
            return None

    # -- reading -------------------------------------------------------------------------------

    def _span(self, i: int) -> tuple[int, int]:
        complete = len(self._index)
        if 0 <= i < complete:
            return self._index.start(i), self._index.end(i)
        if i == complete and i < self.line_count:
            return self._index.last_end(), self._scan_pos
        raise IndexError(f"line {i} out of range (0..{self.line_count - 1})")

    def _read_decoded(self, start: int, end: int, max_chars: int | None) -> DecodedLine:
        length = end - start
        want = min(length, (max_chars or DEFAULT_MAX_CHARS) * _MAX_BYTES_PER_CHAR + 2)
        raw = os.pread(self._fd, want, start)
        if want == length or len(raw) < want:  # whole, or the file shrank under us: show what is there
            return decode_line(raw, max_chars)
        eol = os.pread(self._fd, 2, end - 2)
        content = length - (2 if eol == b"\r\n" else 1 if eol.endswith(b"\n") else 0)
        return decode_line(raw, max_chars, content)

    def decoded(self, start: int, stop: int, max_chars: int | None = None) -> DecodedBlock:
        """Lines [start, stop), with which of them had invalid UTF-8 or were cut."""
        stop = min(stop, self.line_count)
        if start >= stop:
            return DecodedBlock([])
        try:
            first, _ = self._span(start)
            _, last = self._span(stop - 1)
            spans = [self._span(i) for i in range(start, stop)] if last - first > _BATCH_READ_MAX else []
        except IndexError:  # refresh() started over (truncation, rotation) meanwhile: those lines are gone
            return DecodedBlock([])
        if spans:
            lines = [self._read_decoded(a, b, max_chars) for a, b in spans]
            return DecodedBlock([d.text for d in lines], [i for i, d in enumerate(lines) if d.invalid_utf8],
                                [i for i, d in enumerate(lines) if d.truncated])
        block = decode_block(os.pread(self._fd, last - first, first), max_chars)
        if len(block.lines) != stop - start:  # the file changed under us: show what is there, padded
            block.lines = (block.lines + [""] * (stop - start))[:stop - start]
        return block

    def line(self, i: int, max_chars: int | None = None) -> str:
        """Line i (0-based): decoded, no EOL, invalid UTF-8 replaced, long lines cut with a marker."""
        return self._read_decoded(*self._span(i), max_chars).text

    def lines(self, start: int, stop: int, max_chars: int | None = None) -> list[str]:
        """Lines [start, stop) clamped to what exists now (never raises for a range past the end)."""
        return self.decoded(start, stop, max_chars).lines

    def tail_lines(self, n: int, max_chars: int | None = None) -> list[str]:
        """The last n lines, read back from EOF so a plain file shows them before it is indexed."""
        if n <= 0:
            return []
        if self._stream is not None:
            # A stream has no end to read back from: a compressed file is finite, so finish it;
            # stdin may never end, so show the last of what has arrived.
            self.index(background=self._codec is None)
        if self._done.is_set():
            count = self.line_count
            return self.lines(max(0, count - n), count, max_chars)
        end = os.fstat(self._fd).st_size if self._stream is None else self._scan_pos
        blocks: list[bytes] = []
        pos, newlines = end, 0
        while pos > 0 and newlines <= n and end - pos < _TAIL_SCAN_MAX:
            step = min(1 << 16, pos)
            pos -= step
            block = os.pread(self._fd, step, pos)
            blocks.append(block)
            newlines += block.count(b"\n")
        data = b"".join(reversed(blocks))
        parts = data.split(b"\n")
        if data.endswith(b"\n"):
            parts.pop()
        if pos > 0 and len(parts) > 1:
            parts.pop(0)  # starts mid-line
        return [decode_line(raw, max_chars).text for raw in parts[-n:]]

    def close(self) -> None:
        """Stop indexing and release the file; a worker blocked on stdin closes it when it returns."""
        self._stop.set()
        with self._fd_lock:
            if self._closed:
                return
            self._closed = True
            if not self._indexing:
                os.close(self._fd)

    def __enter__(self) -> LogFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class LoadedLog:
    text: str  # selected lines joined with "\n"
    first_line: int  # 1-based number of the first selected line in the file
    line_count: int
    notes: list[str] = field(default_factory=list)
    source: str = ""


def _selection(total: int, lines: tuple[int | None, int | None] | None, tail: int | None,
               name: str, notes: list[str]) -> tuple[int, int]:
    """0-based [start, stop) from a 1-based inclusive range and/or a tail count."""
    first, last = lines if lines is not None else (None, None)
    first = 1 if first is None else first
    last = total if last is None else last
    if first < 1 or last < first:
        raise LogInputError(f"invalid line range {first}-{last}; use 1-based START-END with START <= END")
    if first > total:
        raise LogInputError(
            f"{name} has {total:,} lines but the range starts at line {first:,}; pick lines within 1-{total:,}")
    if last > total:
        notes.append(f"asked for lines up to {last:,} but {name} has {total:,}")
        last = total
    if tail is not None:
        if tail < 1:
            raise LogInputError(f"--tail must be at least 1 (got {tail})")
        first = max(first, last - tail + 1)
    return first - 1, last


def read_text(path: str | Path, *, lines: tuple[int | None, int | None] | None = None,
              tail: int | None = None) -> LoadedLog:
    """Load the selected lines of a log as one string for one-shot CLI use; "-" is stdin."""
    with LogFile.open(path) as log:
        log.index(background=False)
        total = log.line_count
        notes: list[str] = []
        if log.error is not None:
            notes.append(f"stopped early: {log.error}")
        if total == 0:
            raise LogInputError(
                f"{log.display_name} is empty; nothing to read — check the path, or wait until the log has lines")
        start, stop = _selection(total, lines, tail, log.display_name, notes)
        texts: list[str] = []
        invalid = 0
        truncated: list[int] = []
        for batch in range(start, stop, 10_000):
            block = log.decoded(batch, min(stop, batch + 10_000))
            texts += block.lines
            invalid += len(block.invalid_utf8)
            truncated += [batch + i + 1 for i in block.truncated]
        if invalid:
            notes.append(f"{invalid:,} line{'s' if invalid != 1 else ''} had invalid UTF-8 (replaced with U+FFFD)")
        if truncated:
            shown = ", ".join(f"{n:,}" for n in truncated[:5]) + (" …" if len(truncated) > 5 else "")
            notes.append(f"{len(truncated):,} over-long line{'s' if len(truncated) != 1 else ''} "
                         f"truncated at 1,000,000 chars (line {shown})")
        return LoadedLog("\n".join(texts), start + 1, stop - start, notes, log.display_name)
