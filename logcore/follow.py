"""Following a live log across rotation: complete new lines, in order, each exactly once.

What is guaranteed, per rotation style (see tests/logcore/test_follow_logrotate.py):

- rename + create, delete + recreate: every line is delivered once, in order. The old file stays
  open and is drained until it has been quiet for `grace` seconds, so lines a writer puts there
  before it reopens the new file are not lost; then the new file is read from its start.
- copytruncate: the file is noticed as truncated even when it has grown back past our offset
  (the bytes just before our offset are re-checked on every poll). Lines written after our last
  read but before the copy are recovered from the copy (`NAME.1`, `NAME-DATE`, ...) by matching
  those same bytes. Lines the writer appends between logrotate's copy and its truncate exist in
  neither file: logrotate loses them itself, and no reader can deliver them. Copies compressed
  at once (`compress` without `delaycompress`) are not searched.
- several rotations between two polls (a busy machine, a slow consumer): generations that were
  created and rotated away unseen are found beside the log (rotated names, identities never
  read here) and delivered whole, in order. This assumes one writer, as logrotate does.
- a file that does not exist yet is waited for and read from its start when it appears.

Lines are yielded only once their newline has arrived (a half-written line is held back); a
line still unterminated when its file is abandoned after rotation is delivered as is.
watchdog events wake the blocking iterator at once; polling every `poll_interval` is the
fallback (and the safety net where inotify is unavailable or misses events, e.g. NFS).

Two ways to consume it, one mechanism: `poll()` gives decoded lines; `poll_events()` gives the
bytes themselves, per generation (each file the log has been), so a viewer can index offsets
into every generation and keep showing lines that were rotated away (`logcore.reader.LogFile`
follows this way). With `keep_fds=True` each `Began` carries a descriptor of its own for the
consumer, and `Moved` says where a truncated generation's bytes are now (the copy).
"""

from __future__ import annotations

import glob
import os
import re
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from logcore.decode import DEFAULT_MAX_CHARS, decode_line
from logcore.errors import LogInputError
from logcore.sources import compression_of

_READ = 1 << 20
_MAX_READ_PER_POLL = 64 << 20  # keep poll() short on a huge backlog; the next call continues
_CHECK = 256  # bytes before our offset re-read to notice truncation and to find the copy
_MAX_PARTIAL = DEFAULT_MAX_CHARS * 4  # a longer unterminated line keeps only its head


@dataclass(frozen=True)
class Began:
    """A generation (one file the log has been) is read from here on; `fd` is the consumer's own."""

    gen: int
    name: str
    fd: int | None = None


@dataclass(frozen=True)
class Read:
    """Bytes of generation `gen` at byte `offset`, in delivery order."""

    gen: int
    offset: int
    data: bytes


@dataclass(frozen=True)
class Ended:
    """Generation `gen` gets no more bytes. `partial`: its unterminated last line counts as a line
    (abandoned by the writer); otherwise it is dropped (half a line cut by copytruncate)."""

    gen: int
    partial: bool


@dataclass(frozen=True)
class Moved:
    """After copytruncate, generation `gen`'s bytes are only in the copy (`fd`, the consumer's
    own, same offsets), or nowhere (`fd` None: truncated without a copy). Only with keep_fds."""

    gen: int
    fd: int | None
    name: str


Event = Began | Read | Ended | Moved


@dataclass
class _Lines:
    """Assembles complete lines from chunks; holds back the unterminated rest."""

    head: bytearray = field(default_factory=bytearray)
    length: int = 0  # full length of the held-back partial line (head may be capped)

    def feed(self, data: bytes) -> list[str]:
        parts = data.split(b"\n")
        out = []
        for part in parts[:-1]:
            out.append(self._finish(part))
        self._hold(parts[-1])
        return out

    def _hold(self, part: bytes) -> None:
        room = _MAX_PARTIAL - len(self.head)
        if room > 0:
            self.head += part[:room]
        self.length += len(part)

    def _finish(self, part: bytes) -> str:
        self._hold(part)
        total = self.length if self.length > len(self.head) else None
        text = decode_line(bytes(self.head), None, total).text
        self.head.clear()
        self.length = 0
        return text

    def flush(self) -> list[str]:
        return [self._finish(b"")] if self.length else []

    def drop(self) -> None:
        self.head.clear()
        self.length = 0


@dataclass
class _Open:
    """One open generation of the followed file."""

    fd: int
    ident: tuple[int, int]  # (st_dev, st_ino)
    pos: int = 0
    recent: bytes = b""  # the bytes just before `pos`
    last_data: float = field(default_factory=time.monotonic)
    gen: int = -1  # its generation number, once adopted as one

    def read_new(self) -> bytes:
        chunks = []
        total = 0
        while total < _MAX_READ_PER_POLL:
            chunk = os.pread(self.fd, _READ, self.pos)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            self.pos += len(chunk)
        data = b"".join(chunks)
        if data:
            self.recent = (self.recent + data[-_CHECK:])[-_CHECK:]
            self.last_data = time.monotonic()
        return data

    def intact(self, pos: int, recent: bytes) -> bool:
        """Whether the bytes we read just before `pos` are still there (not truncated, not rewritten)."""
        return not recent or os.pread(self.fd, len(recent), pos - len(recent)) == recent

    def close(self) -> None:
        os.close(self.fd)


def _open(path: Path) -> _Open | None:
    """The regular file at `path`, or None (absent, or a pipe/directory that cannot be followed)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # O_NONBLOCK: a FIFO must not hang us
    except OSError:
        return None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        return None
    return _Open(fd, (st.st_dev, st.st_ino))


class Follower:
    """New complete lines of `path` as they are written, across rotation and truncation."""

    def __init__(self, path: str | Path, *, from_start: bool = False, poll_interval: float = 0.25,
                 grace: float = 2.0, resume: tuple[int, int, bytes] | None = None,
                 keep_fds: bool = False) -> None:
        """`resume=(fd, pos, recent)`: carry on reading an already open file (generation 0, which
        the caller knows: no `Began` for it) from byte `pos`, where the caller read `recent` just
        before `pos` (so a truncation since then is noticed); the follower takes over `fd`."""
        self.path = Path(path)
        if self.path.exists() and not self.path.is_file():
            raise LogInputError(f"{self.path} is not a regular file; follow a log file, or pipe it to `logchat -`")
        self.poll_interval = poll_interval
        self.grace = grace
        self.keep_fds = keep_fds
        self.notices: list[str] = []  # what happened to the file, for a status line
        self._next_gen = 0
        self._began: list[Event] = []
        self._assemblers: dict[int, _Lines] = {}  # poll()'s line assembly, per generation
        self._retired: list[_Open] = []
        self._wake = threading.Event()
        self._lock = threading.Lock()  # poll() from the iterator's thread vs close() from another
        self._closed = False
        self._observer = None
        # Identities of every file read, or present when we started: a rotated file not among
        # them was born and rotated away between two polls and must still be read.
        self._seen = {ident for _, ident in self._siblings()}
        if resume is not None:
            self._current: _Open | None = self._resumed(*resume)
        else:
            self._current = _open(self.path)
            if self._current is not None:
                self._adopt(self._current)
                if not from_start:
                    self._skip_to_end(self._current)
        if self._current is not None:
            self._seen.add(self._current.ident)

    def _resumed(self, fd: int, pos: int, recent: bytes) -> _Open:
        st = os.fstat(fd)
        source = _Open(fd, (st.st_dev, st.st_ino), pos=pos, recent=recent[-_CHECK:], gen=0)
        self._next_gen = 1
        return source

    def _adopt(self, source: _Open) -> _Open:
        """Number `source` as the next generation and announce it (with a descriptor of its own)."""
        source.gen = self._next_gen
        self._next_gen += 1
        fd = os.dup(source.fd) if self.keep_fds else None
        self._began.append(Began(source.gen, self.path.name, fd))
        return source

    @staticmethod
    def _skip_to_end(source: _Open) -> None:
        """Start after the last complete line, so a line being written is delivered whole."""
        size = os.fstat(source.fd).st_size
        tail = os.pread(source.fd, min(size, 1 << 16), max(0, size - (1 << 16)))
        cut = tail.rfind(b"\n")
        source.pos = size - len(tail) + cut + 1 if cut >= 0 else max(0, size - len(tail))
        source.recent = os.pread(source.fd, min(source.pos, _CHECK), source.pos - min(source.pos, _CHECK))

    # -- polling ------------------------------------------------------------------------------

    def poll(self) -> list[str]:
        """New complete lines since the last call; never blocks on the writer."""
        out: list[str] = []
        for event in self.poll_events():
            if isinstance(event, Read):
                out += self._assemblers.setdefault(event.gen, _Lines()).feed(event.data)
            elif isinstance(event, Ended):
                lines = self._assemblers.pop(event.gen, None)
                if lines is not None and event.partial:
                    out += lines.flush()
        return out

    def poll_events(self) -> list[Event]:
        """What happened since the last call, in delivery order; never blocks on the writer."""
        with self._lock:
            return [] if self._closed else self._poll()

    def _poll(self) -> list[Event]:
        """Newest file first, older ones after, then deliver oldest first.

        A single writer writes to an older generation only before it switches to the newer one.
        So whatever the newest file held when we read it was written after every write to the
        older files, and draining those afterwards catches their late lines: reading in the
        other order could deliver a new file's lines before an old file's last ones.
        """
        if self._current is not None:
            self._retire_if_replaced(self._current)
        if self._current is None:
            self._current = _open(self.path)
            if self._current is not None:
                self._adopt(self._current)
                self._seen.add(self._current.ident)
                self.notices.append(f"{self.path} appeared")
        newest = self._read_current(self._current) if self._current is not None else []
        older: list[Event] = []
        for old in list(self._retired):
            older += self._read(old)
            if time.monotonic() - old.last_data >= self.grace:
                older.append(Ended(old.gen, partial=True))
                old.close()
                self._retired.remove(old)
        began, self._began = self._began, []
        return began + older + newest

    @staticmethod
    def _read(source: _Open) -> list[Event]:
        offset = source.pos
        data = source.read_new()
        return [Read(source.gen, offset, data)] if data else []

    def _whole(self, source: _Open) -> list[Event]:
        """A generation read at once, start to end, and closed."""
        try:
            return self._read(self._adopt(source)) + [Ended(source.gen, partial=True)]
        finally:
            source.close()

    def _retire_if_replaced(self, current: _Open) -> None:
        """After rename+create or delete+recreate: drain the old file (and any generation that was
        born and rotated away between two polls) as retired files; follow the new one."""
        replacement = self._replacement(current)
        if replacement is None:
            return
        self.notices.append(f"{self.path} was rotated; reading the new file")
        self._retired.append(current)
        for ident, generation in self._unseen_generations():
            self._seen.add(ident)
            self._retired.append(self._adopt(generation))
        self._seen.add(replacement.ident)
        self._current = self._adopt(replacement)

    def _read_current(self, current: _Open) -> list[Event]:
        out: list[Event] = []
        if current.pos == 0:
            out += self._unread_copies(current)
        pos, recent = current.pos, current.recent
        data = current.read_new()
        if not current.intact(pos, recent):
            # Truncated (copytruncate) before or while we read: what we just read may be the new
            # content seen at an old offset, so drop it and take the unread lines from the copy.
            # From offset 0 on the file is a new generation.
            current.pos, current.recent = pos, recent
            out += self._recover_from_copy(current)
            self._seen.update(ident for _, ident in self._siblings())  # the copies were read, or are too old
            current.pos, current.recent = 0, b""
            self._adopt(current)
            pos, data = 0, current.read_new()
        return out + ([Read(current.gen, pos, data)] if data else [])

    def _unseen_generations(self) -> list[tuple[tuple[int, int], _Open]]:
        """Files rotated in and out again between two polls (two rotations while we were busy).

        They sit beside the log under rotated names and were never open here; oldest first, to
        be drained like any retired file.
        """
        found = []
        for sibling, ident in self._siblings():
            if ident in self._seen:
                continue
            generation = _open(sibling)
            if generation is None:
                continue
            if compression_of(os.pread(generation.fd, 8, 0)) is not None:
                self._seen.add(ident)
                generation.close()
                continue
            found.append((os.fstat(generation.fd).st_mtime, ident, generation))
        found.sort(key=lambda entry: entry[0])
        return [(ident, generation) for _, ident, generation in found]

    def _unread_copies(self, current: _Open) -> list[Event]:
        """Before we read anything of the live file: copies made by copytruncate since we looked.

        With nothing read there is nothing to match, so each new copy is a whole generation we
        missed, except a copy of the live file's own content whose truncate is still pending
        (same first bytes): that one is left for the truncation check once we have read.
        """
        out: list[Event] = []
        pending = self._unseen_generations()
        for k, (ident, generation) in enumerate(pending):
            head = os.pread(generation.fd, _CHECK, 0)
            if head and os.pread(current.fd, len(head), 0) == head:
                for _, rest in pending[k:]:
                    rest.close()
                break
            self._seen.add(ident)
            out += self._whole(generation)
            self.notices.append(f"{self.path} was rotated before we read it; read the copy first")
        return out

    def _siblings(self) -> list[tuple[Path, tuple[int, int]]]:
        """Files named like rotated copies of the log and their identities.

        Only NAME.1, NAME-20240101, NAME.2024-01-01, NAME_3 and the like: a separator and then a
        digit, so a neighbour such as NAME.lock or NAME.pos is never taken for a generation.
        """
        rotated = re.compile(re.escape(self.path.name) + r"[._-]\d")
        out = []
        for sibling in self.path.parent.glob(glob.escape(self.path.name) + "?*"):
            if not rotated.match(sibling.name):
                continue
            try:
                st = os.stat(sibling)
            except OSError:
                continue
            out.append((sibling, (st.st_dev, st.st_ino)))
        return out

    def _replacement(self, current: _Open) -> _Open | None:
        """The new file at our path after rename+create or delete+recreate, if there is one."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None  # moved or deleted and not recreated yet: keep draining what we have
        return None if (st.st_dev, st.st_ino) == current.ident else _open(self.path)

    def _recover_from_copy(self, current: _Open) -> list[Event]:
        """After copytruncate: the lines we had not read yet, from the rotated copy.

        The copy holding our last bytes is usually the newest; when several rotations happened
        between two polls it is an older one, and the newer copies are whole generations we
        never saw, delivered oldest first. The truncated generation then ends, its half-copied
        last line dropped (the truncate took the rest of it).
        """
        siblings = self._rotated_siblings()
        for k, candidate in enumerate(siblings):
            copy = _open(candidate)
            if copy is None:
                continue
            if not (current.recent and copy.intact(current.pos, current.recent)):
                copy.close()
                continue
            copy.pos, copy.recent, copy.gen = current.pos, current.recent, current.gen
            out = self._read(copy)
            if self.keep_fds:
                out.append(Moved(current.gen, os.dup(copy.fd), candidate.name))
            copy.close()
            out.append(Ended(current.gen, partial=False))
            for newer in reversed(siblings[:k]):
                generation = _open(newer)
                if generation is not None:
                    out += self._whole(generation)
            self.notices.append(f"{self.path} was truncated; read its last lines from {candidate.name}")
            return out
        self.notices.append(f"{self.path} was truncated; following it from its start")
        return ([Moved(current.gen, None, "")] if self.keep_fds else []) + [Ended(current.gen, partial=False)]

    def _rotated_siblings(self) -> list[Path]:
        """Rotated copies, newest first, uncompressed only (the 4 newest: older ones cannot hold
        bytes we read a poll ago)."""
        found = []
        for sibling, _ in self._siblings():
            try:
                with sibling.open("rb") as f:
                    if compression_of(f.read(8)) is None:
                        found.append((os.fstat(f.fileno()).st_mtime, sibling))
            except OSError:
                continue
        return [p for _, p in sorted(found, reverse=True)[:4]]

    # -- blocking iteration -------------------------------------------------------------------

    def __iter__(self) -> Iterator[list[str]]:
        """Batches of new lines until close(); wakes on watchdog events, else every poll_interval."""
        watching = self._start_watching()
        timeout = self.poll_interval * 4 if watching else self.poll_interval
        while not self._closed:
            lines = self.poll()
            if lines:
                yield lines
                continue
            self._wake.wait(timeout)
            self._wake.clear()

    def _start_watching(self) -> bool:
        if self._observer is not None:
            return True
        try:
            from watchdog.events import FileSystemEvent, FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:
            return False
        wake = self._wake
        name = self.path.name

        class _Wake(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                paths = (event.src_path, getattr(event, "dest_path", ""))
                if any(os.fsdecode(p).rpartition(os.sep)[2].startswith(name) for p in paths if p):
                    wake.set()

        observer = Observer()
        try:
            observer.schedule(_Wake(), str(self.path.parent), recursive=False)
            observer.start()
        except OSError:  # no such directory yet, or out of inotify watches: polling still works
            return False
        self._observer = observer
        return True

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._wake.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
        for source in self._retired + ([self._current] if self._current else []):
            source.close()
        self._retired.clear()
        self._current = None
        for event in self._began:  # announced descriptors nobody took
            if isinstance(event, Began) and event.fd is not None:
                os.close(event.fd)
        self._began.clear()

    def __enter__(self) -> Follower:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
