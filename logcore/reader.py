"""Random access to the lines of a log of any size, and the one-shot loader the CLI uses.

A `LogFile` never holds the log in memory: a background pass records where each line ends
(8 bytes per line, `logcore.index`), and lines are read on demand with `os.pread`, which returns
short reads on a truncated file instead of killing the process with SIGBUS as mmap would.
Compressed files and stdin are streamed once into an unlinked temporary spool file, indexed as
they arrive, so the first screen shows while the rest is still decompressing.

Following (`follow`, `poll_follow`) goes through `logcore.follow.Follower`, the one rotation
mechanism: its bytes are indexed per generation (each file the log has been), and the log's
lines are the generations' lines in the order they were delivered, so lines shown before a
rotation stay readable (from the renamed file, or the copy after copytruncate) and keep their
numbers. `boundary_lines` says where one generation's lines end, for a marker in the view.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import tempfile
import threading
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from logcore.decode import (DEFAULT_MAX_CHARS, SNIFF_BYTES, DecodedBlock, DecodedLine, binary_problem,
                            decode_block, decode_line)
from logcore.errors import LogInputError
from logcore.heap import give_back_freed_memory
from logcore.follow import Began, Ended, Event, Follower, Moved, Read
from logcore.index import LineIndex, Scanner
from logcore.sources import Prefixed, compression_of, open_decompressed, read_error

CHUNK = 4 << 20
_FIRST_READ = 64 << 10
_TAIL_SCAN_MAX = 64 << 20  # how far tail_lines reads back before the index exists
_BATCH_READ_MAX = 4 << 20  # lines() reads a span in one pread when it is at most this big
_RECHECK = 256  # bytes before the end of the scan that follow() checks are still there
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


@dataclass(eq=False)
class _Generation:
    """One file the followed log has been: the offsets of its lines and how to read them.

    Only offsets are kept (8 bytes a line); the text is read from `fd` on demand. After
    copytruncate `fd` is the copy's (same bytes, same offsets); None when the bytes are gone.
    """

    fd: int | None
    name: str
    index: LineIndex
    scanner: Scanner
    ended: bool = False  # gets no more bytes; an unterminated tail was made a line or dropped


@dataclass(eq=False)
class _Segment:
    """Consecutive lines of one generation, as they were delivered: the view is a list of these."""

    gen: _Generation
    local_start: int  # the generation's line number of the first line
    first: int  # the log's (0-based) line number of the first line
    local_stop: int | None = None  # set once a later segment starts; the last one grows


@dataclass(frozen=True)
class Boundary:
    """Where one generation's lines end and another's begin, for a marker in the view."""

    line: int  # 0-based line number of the first line after the boundary
    text: str


@dataclass(frozen=True)
class FollowUpdate:
    """What one poll of a followed log found."""

    start: int  # new complete lines are [start, stop)
    stop: int
    rewritten: bool  # text of lines already counted may differ now (drop cached text)
    count: int  # line_count after the poll (an unterminated last line included)


class LogFile:
    """Lines of a possibly huge, compressed, piped or growing log, read on demand."""

    path: Path
    display_name: str

    def __init__(self, path: Path, display_name: str, fd: int,
                 stream: BinaryIO | None = None, codec: str | None = None) -> None:
        self.path = path
        self.display_name = display_name
        self.error: LogInputError | None = None  # set when a compressed stream breaks midway
        # Bumped by poll_follow() whenever lines already counted may read differently now (the
        # unterminated last line grew or was replaced, a generation's bytes are gone).
        self.revision = 0
        self._fd = fd
        self._stream = stream
        self._codec = codec
        self._index = LineIndex()
        self._scanner = Scanner(self._index)  # its pos: bytes scanned (for a spool: bytes spooled)
        self._done = threading.Event()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._scan_lock = threading.Lock()
        self._recent = b""  # the bytes just before the end of the scan
        self._fd_lock = threading.Lock()  # the index worker owns the descriptor while it runs
        self._indexing = False
        self._closed = False
        self._first = _Generation(fd, path.name, self._index, self._scanner)
        self._segments = [_Segment(self._first, 0, 0)]
        self._firsts = [0]  # each segment's first line, for bisect
        self._segment_lock = threading.Lock()
        self._follower: Follower | None = None
        self._poll_lock = threading.Lock()  # the polling worker vs a reader that found the file changed
        self._reported = 0  # complete lines reported by poll_follow so far
        self._rewrite_pending = False
        self._generations: dict[int, _Generation] = {0: self._first}
        self._follow_fds: list[int] = []  # descriptors the follower handed over (ours to close)

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
        return self.complete_count + (1 if self._tail_shown(self._segments[-1].gen) else 0)

    @property
    def complete_count(self) -> int:
        """Lines whose newline has arrived (or whose file was abandoned): each is final."""
        last = self._segments[-1]
        return last.first + len(last.gen.index) - last.local_start

    def _tail_shown(self, gen: _Generation) -> bool:
        """Whether `gen`'s unterminated last line counts (its scan is done, it was not dropped)."""
        if gen.ended or gen.scanner.pos <= gen.index.last_end():
            return False
        return gen is not self._first or self._done.is_set()

    @property
    def invalid_utf8_lines(self) -> int:
        """Lines indexed so far that are not valid UTF-8 (shown with U+FFFD)."""
        return sum(gen.scanner.invalid_utf8_lines for gen in list(self._generations.values()))

    @property
    def _scan_pos(self) -> int:
        return self._scanner.pos

    @property
    def index_bytes(self) -> int:
        return sum(gen.index.nbytes for gen in list(self._generations.values()))

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
            self._scanner.release_buffers()
            with self._fd_lock:
                self._done.set()
                self._indexing = False
                if self._closed:
                    os.close(self._fd)
            give_back_freed_memory()

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
        pos = self._scanner.pos  # what follow() checks, to notice a truncation since the scan
        self._recent = os.pread(self._fd, min(pos, _RECHECK), pos - min(pos, _RECHECK))

    # -- following -----------------------------------------------------------------------------

    def follow(self, grace: float = 2.0) -> None:
        """Follow the file from where its index ends, across rotation (`logcore.follow`).

        Waits for the index to finish; a stream (stdin, a compressed file) cannot be followed
        here and is left as it is.
        """
        if self._follower is not None or self._stream is not None:
            return
        self.wait_indexed()
        with self._fd_lock:  # close() may run meanwhile, from another thread
            if self._closed:
                return
            self._follower = Follower(self.path, resume=(os.dup(self._fd), self._scan_pos, self._recent),
                                      keep_fds=True, grace=grace)
            self._reported = self.complete_count

    @property
    def following(self) -> bool:
        return self._follower is not None

    @property
    def notices(self) -> list[str]:
        """What the follower saw happen to the file (rotated, truncated, ...), oldest first."""
        return self._follower.notices if self._follower is not None else []

    def poll_follow(self) -> FollowUpdate:
        """What the file's generations gained since the last poll_follow (starts following)."""
        self.follow()
        if self._follower is None:  # a stream (stdin, compressed) has nothing more to follow
            count = self.complete_count
            return FollowUpdate(count, count, False, self.line_count)
        with self._poll_lock:
            rewritten = self._take_events() or self._rewrite_pending
            self._rewrite_pending = False
            start, self._reported = self._reported, self.complete_count
            return FollowUpdate(start, self._reported, rewritten, self.line_count)

    def _settle(self) -> None:
        """Take in the follower's news now: a read found the file changed under the index (it was
        truncated since the last poll). What it finds is still reported by the next poll_follow."""
        with self._poll_lock:
            self._rewrite_pending = self._take_events() or self._rewrite_pending

    def _take_events(self) -> bool:
        if self._follower is None:
            return False
        tail_before = self._tail_span()
        rewritten = False
        for event in self._follower.poll_events():
            rewritten = self._apply(event) or rewritten
        if tail_before is not None and self._span_at(tail_before[0]) != tail_before:
            rewritten = True  # the last line, shown unterminated, grew or gave way to another
        if rewritten:
            self.revision += 1
        return rewritten

    def _tail_span(self) -> tuple[int, int, int, int] | None:
        """(line, generation id, start, end) of the unterminated last line while it is shown."""
        count = self.line_count
        return self._span_at(count - 1) if count > self.complete_count else None

    def _span_at(self, i: int) -> tuple[int, int, int, int] | None:
        try:
            gen, start, end = self._span(i)
        except IndexError:
            return None
        return i, id(gen), start, end

    def _apply(self, event: Event) -> bool:
        """One follower event; True when lines already counted may read differently now."""
        if isinstance(event, Began):
            gen = _Generation(event.fd, event.name, LineIndex(), None)  # type: ignore[arg-type]
            gen.scanner = Scanner(gen.index)
            self._generations[event.gen] = gen
            if event.fd is not None:
                self._follow_fds.append(event.fd)
            return False
        gen = self._generations[event.gen]
        if isinstance(event, Read):
            before = len(gen.index)
            gen.scanner.feed(event.data)
            self._take_lines(gen, before)
        elif isinstance(event, Ended):
            before = len(gen.index)
            if event.partial and gen.scanner.pos > gen.index.last_end():
                gen.index.append(np.array([gen.scanner.pos], dtype=np.int64))  # abandoned: a line now
            gen.ended = True
            self._take_lines(gen, before)
        elif isinstance(event, Moved):
            gen.fd = event.fd  # the old descriptor stays open until close(): a reader may hold it
            if event.fd is not None:
                self._follow_fds.append(event.fd)
                gen.name = event.name
            # Read before we noticed, its lines showed the truncated file: empty, or new bytes.
            return len(gen.index) > 0
        return False

    def _take_lines(self, gen: _Generation, before: int) -> None:
        """Lines [before, now) of `gen` are the log's next lines: extend or start a segment."""
        if len(gen.index) == before:
            return
        with self._segment_lock:
            last = self._segments[-1]
            if last.gen is gen:
                return
            last.local_stop = len(last.gen.index)
            first = last.first + last.local_stop - last.local_start
            self._segments.append(_Segment(gen, before, first))
            self._firsts.append(first)

    @property
    def boundary_lines(self) -> list[int]:
        """0-based first line of each generation's lines after the first (append-only)."""
        return self._firsts[1:]

    def boundary_text(self, k: int) -> str:
        """The marker shown before boundary `k`: how many lines came from the file before it."""
        with self._segment_lock:
            before = self._segments[k]
        count = (before.local_stop or 0) - before.local_start
        plural = "" if count == 1 else "s"
        if before.gen.fd is None:
            return (f"──── {self.path.name} was truncated with no copy: {count:,} line{plural} above "
                    f"no longer on disk ────")
        where = f" (now {before.gen.name})" if before.gen.name != self.path.name else ""
        return f"──── {self.path.name} rotated: {count:,} line{plural} above from an earlier file{where} ────"

    # -- reading -------------------------------------------------------------------------------

    def _locate(self, i: int) -> tuple[_Segment, bool]:
        """The segment holding line i, and whether it is the last one."""
        if i < 0:
            raise IndexError(f"line {i} out of range (0..{self.line_count - 1})")
        with self._segment_lock:
            k = bisect_right(self._firsts, i) - 1
            return self._segments[k], k == len(self._segments) - 1

    def _span(self, i: int) -> tuple[_Generation, int, int]:
        segment, last = self._locate(i)
        gen = segment.gen
        local = segment.local_start + i - segment.first
        stop = len(gen.index) if last else segment.local_stop
        if local < stop:  # type: ignore[operator]
            return gen, gen.index.start(local), gen.index.end(local)
        if last and local == stop and self._tail_shown(gen):
            return gen, gen.index.last_end(), gen.scanner.pos
        raise IndexError(f"line {i} out of range (0..{self.line_count - 1})")

    @staticmethod
    def _read_decoded(fd: int | None, start: int, end: int, max_chars: int | None) -> DecodedLine:
        if fd is None:  # a generation whose bytes are gone
            return DecodedLine("", False, False)
        length = end - start
        want = min(length, (max_chars or DEFAULT_MAX_CHARS) * _MAX_BYTES_PER_CHAR + 2)
        raw = os.pread(fd, want, start)
        if want == length or len(raw) < want:  # whole, or the file shrank under us: show what is there
            return decode_line(raw, max_chars)
        eol = os.pread(fd, 2, end - 2)
        content = length - (2 if eol == b"\r\n" else 1 if eol.endswith(b"\n") else 0)
        return decode_line(raw, max_chars, content)

    def decoded(self, start: int, stop: int, max_chars: int | None = None) -> DecodedBlock:
        """Lines [start, stop), with which of them had invalid UTF-8 or were cut."""
        stop = min(stop, self.line_count)
        if start >= stop:
            return DecodedBlock([])
        with self._segment_lock:
            k = bisect_right(self._firsts, start) - 1
            bounds = self._firsts[k + 1:] + [stop]
        if bounds[0] >= stop:  # one generation: the common case
            return self._decoded_run(start, stop, max_chars)
        whole = DecodedBlock([])
        for run_stop in bounds:
            run_stop = min(run_stop, stop)
            if run_stop > start:
                part = self._decoded_run(start, run_stop, max_chars)
                whole.invalid_utf8 += [len(whole.lines) + i for i in part.invalid_utf8]
                whole.truncated += [len(whole.lines) + i for i in part.truncated]
                whole.lines += part.lines
                start = run_stop
        return whole

    def _decoded_run(self, start: int, stop: int, max_chars: int | None, settled: bool = False) -> DecodedBlock:
        """Lines [start, stop) of one segment."""
        try:
            gen, first, _ = self._span(start)
            _, _, last = self._span(stop - 1)
            spans = [self._span(i)[1:] for i in range(start, stop)] if last - first > _BATCH_READ_MAX else []
        except IndexError:  # the file changed under us (truncated while being indexed)
            return DecodedBlock([""] * (stop - start))
        if gen.fd is None:
            return DecodedBlock([""] * (stop - start))
        if spans:
            lines = [self._read_decoded(gen.fd, a, b, max_chars) for a, b in spans]
            return DecodedBlock([d.text for d in lines], [i for i, d in enumerate(lines) if d.invalid_utf8],
                                [i for i, d in enumerate(lines) if d.truncated])
        raw = os.pread(gen.fd, last - first, first)
        if not settled and self._changed_under_us(raw, last - first, stop - start, stop == self.line_count):
            self._settle()  # truncated since the last poll (copytruncate): read again from the copy
            return self._decoded_run(start, stop, max_chars, settled=True)
        block = decode_block(raw, max_chars)
        if len(block.lines) != stop - start:  # the file changed under us: show what is there, padded
            block.lines = (block.lines + [""] * (stop - start))[:stop - start]
        return block

    def _changed_under_us(self, raw: bytes, size: int, count: int, with_tail: bool) -> bool:
        """Whether a followed file's bytes no longer fit its index: short, or not `count` lines."""
        if self._follower is None:
            return False
        if len(raw) != size:
            return True
        newlines = count - (1 if with_tail and not raw.endswith(b"\n") else 0)
        return raw.count(b"\n") != newlines

    def line(self, i: int, max_chars: int | None = None) -> str:
        """Line i (0-based): decoded, no EOL, invalid UTF-8 replaced, long lines cut with a marker."""
        gen, start, end = self._span(i)
        if self._follower is not None and gen.fd is not None and end > start:
            last = os.pread(gen.fd, 1, end - 1)  # a whole line ends in a newline, a tail exists
            if (last != b"\n") if i < self.complete_count else not last:
                self._settle()  # truncated since the last poll: read it from the copy
                gen, start, end = self._span(i)
        return self._read_decoded(gen.fd, start, end, max_chars).text

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
            if self._follower is not None:
                self._follower.close()
            for fd in self._follow_fds:
                os.close(fd)
            self._follow_fds.clear()
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
