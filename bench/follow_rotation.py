"""Following through rotation: what the viewer's log holds after five rotations, against Follower.

Run: `.venv/bin/python bench/follow_rotation.py`. The issue's scenario: a writer that keeps its
file open until it reopens it (logrotate `create` plus a postrotate signal, here a rename, a new
file, and the writer switching 0.2 s later), five rotations, 660 numbered lines. Two readers
poll the same file at the same time: `Follower.poll` (decoded lines) and `LogFile.poll_follow`
(the viewer's path: offsets per generation). For the viewer it also counts the lines still
readable after the last rotation, how many marker rows the view shows, and the index's bytes
per line across every generation.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]  # bench/logcore.py would shadow logcore

from logcore.follow import Follower  # noqa: E402
from logcore.reader import LogFile  # noqa: E402

LINES = 660
ROTATIONS = 5


def write_and_rotate(log: Path) -> None:
    """660 lines over about 3.3 s; every 110 lines the file is renamed away and recreated, and
    the writer keeps writing to the old file for 0.2 s before it reopens the new one."""
    out = log.open("a", buffering=1)
    reopen_at: float | None = None
    for i in range(LINES):
        out.write(f"{i:06d} request served in {i % 97} ms\n")
        if i and i % (LINES // (ROTATIONS + 1)) == 0 and i < LINES - 10:
            for k in range(ROTATIONS, 0, -1):
                older = log.with_name(f"{log.name}.{k}")
                if older.exists():
                    older.rename(log.with_name(f"{log.name}.{k + 1}"))
            log.rename(log.with_name(f"{log.name}.1"))
            log.touch()
            reopen_at = time.monotonic() + 0.2
        elif reopen_at is not None and time.monotonic() >= reopen_at:
            out.close()
            out = log.open("a", buffering=1)
            reopen_at = None
        time.sleep(0.005)
    out.close()


def numbers(lines: list[str]) -> list[int]:
    return [int(line[:6]) for line in lines if line[:6].isdigit()]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "app.log"
        log_path.touch()
        follower = Follower(log_path, from_start=True, grace=0.5)
        log = LogFile.open(log_path)
        log.index(background=False)
        got: list[str] = []
        stop = threading.Event()

        def poll() -> None:
            while not stop.is_set():
                got.extend(follower.poll())
                log.poll_follow()
                time.sleep(0.05)

        poller = threading.Thread(target=poll)
        poller.start()
        write_and_rotate(log_path)
        time.sleep(1.0)  # retired files go quiet and are drained
        stop.set()
        poller.join()
        got.extend(follower.poll())
        log.poll_follow()
        view = numbers(log.lines(0, log.line_count))
        rows = [
            ("Follower.poll, lines delivered", len(numbers(got)), numbers(got) == list(range(LINES))),
            ("LogFile (viewer), lines held", len(view), view == list(range(LINES))),
        ]
        print(f"{ROTATIONS} rotations, {LINES} lines written, writer reopens 0.2 s after each rotation\n")
        print(f"{'reader':<34} {'lines':>6}  {'all, once, in order':>20}")
        for name, count, exact in rows:
            print(f"{name:<34} {count:>6}  {str(exact):>20}")
        print(f"\nviewer: {len(log.boundary_lines)} marker rows; index {log.index_bytes / max(1, log.line_count):.2f} "
              f"bytes/line over every generation (offsets only, no text kept)")
        print(f"ratio viewer/Follower lines: {len(view) / max(1, len(numbers(got))):.2f}")
        follower.close()
        log.close()


if __name__ == "__main__":
    main()
