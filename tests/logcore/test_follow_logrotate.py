"""Following a log while the real logrotate rotates it under a fast writer.

The writer writes numbered lines; afterwards every line the follower delivered is compared with
what was written. Guarantees checked (see logcore/follow.py):
- `create` (rename + new file, the writer reopens like an app on SIGHUP): every written line is
  delivered exactly once, in order.
- `copytruncate`: delivered lines are in order with no duplicates, and every line still on disk
  (the rotated copies plus the live file) was delivered. Lines appended between logrotate's copy
  and its truncate are in no file at all; logrotate itself loses those, so they cannot count.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from logcore.follow import Follower

LOGROTATE = shutil.which("logrotate") or "/usr/sbin/logrotate"
LINES = 60_000
ROTATIONS = 4

WRITER = r"""
import os, sys, time
path, n, reopen = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "create"
fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
ino = os.fstat(fd).st_ino
for i in range(n):
    os.write(fd, b"%08d payload-%s\n" % (i, b"x" * (i % 37)))
    if reopen and i % 50 == 0:  # an app reopening its log after rotation (never creates it)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            continue
        if st.st_ino != ino:
            os.close(fd)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            ino = os.fstat(fd).st_ino
    if i % 200 == 0:
        time.sleep(0.002)
"""


def numbers(lines: list[str]) -> list[int]:
    """The writer's line numbers; -1 for anything that is not a whole written line."""
    return [int(line[:8]) if line[:8].isdigit() and line[8:17] == " payload-" else -1 for line in lines]


def on_disk(log: Path) -> set[int]:
    """Numbers of the whole lines in the log and its copies.

    A copy can end in half a line: logrotate copied while the writer was mid-write, and the
    truncate then took the rest. That half is no line and is left out.
    """
    found: set[int] = set()
    for path in log.parent.glob(log.name + "*"):
        found.update(numbers(path.read_text().splitlines()))
    found.discard(-1)
    return found


def follow_while_rotating(tmp_path: Path, mode: str, pause: float) -> tuple[list[str], Follower]:
    """Rotate 4 times, 0.3 s apart, while polling every `pause` s (0.7 s: two rotations per poll)."""
    log = tmp_path / "app.log"
    log.touch()
    conf = tmp_path / "logrotate.conf"
    conf.write_text(f'"{log}" {{\n    {mode}\n    rotate 50\n    missingok\n    nocompress\n}}\n')
    state = tmp_path / "logrotate.state"
    follower = Follower(log, from_start=True, grace=1.0)
    got: list[str] = []
    stop = threading.Event()

    def keep_polling() -> None:
        while not stop.is_set():
            got.extend(follower.poll())
            time.sleep(pause)

    poller = threading.Thread(target=keep_polling)
    poller.start()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(log), str(LINES), mode])
    try:
        for _ in range(ROTATIONS):
            time.sleep(0.3)
            done = subprocess.run([LOGROTATE, "-f", "-s", str(state), str(conf)],
                                  capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, done.stderr
        assert writer.wait(timeout=120) == 0
        time.sleep(follower.grace + pause + 0.5)  # let retired files go quiet and be drained
    finally:
        writer.kill()
        stop.set()
        poller.join()
    got.extend(follower.poll())
    follower.close()
    rotated = list(tmp_path.glob("app.log.*"))
    assert len(rotated) >= 2, "logrotate did not rotate; the test proves nothing"
    return got, follower


PAUSES = pytest.mark.parametrize("pause", [0.01, 0.7], ids=["busy-poller", "starved-poller"])
NEEDS_LOGROTATE = pytest.mark.skipif(not Path(LOGROTATE).exists(), reason="logrotate is not installed")


@NEEDS_LOGROTATE
@PAUSES
def test_logrotate_create_loses_and_doubles_nothing(tmp_path: Path, pause: float) -> None:
    got, follower = follow_while_rotating(tmp_path, "create", pause)
    assert numbers(got) == list(range(LINES))
    assert any("rotated" in n for n in follower.notices)


@NEEDS_LOGROTATE
@PAUSES
def test_logrotate_copytruncate_delivers_everything_left_on_disk(tmp_path: Path, pause: float) -> None:
    got, follower = follow_while_rotating(tmp_path, "copytruncate", pause)
    seen = numbers(got)
    assert seen == sorted(set(seen)), "lines doubled or out of order"
    missing_but_on_disk = on_disk(tmp_path / "app.log") - set(seen)
    assert not missing_but_on_disk, f"{len(missing_but_on_disk)} lines on disk were not delivered"
    assert set(seen) <= set(range(LINES)) and seen[-1] == LINES - 1
    assert any("truncated" in n or "rotated" in n for n in follower.notices)
    lost = LINES - len(seen)
    print(f"copytruncate: {lost} of {LINES} lines lost by logrotate between copy and truncate")
