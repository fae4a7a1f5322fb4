"""The viewer following a log while the real logrotate rotates it under a writer.

A writer appends numbered lines; logrotate rotates the file several times; afterwards the view
is read row by row, as the user would scroll it, and the live watch's model requests are read
back. Checked, per logrotate mode:
- `create` (rename + new file, the writer reopens like an app after a postrotate signal): every
  written line is in the view once, in order, and the watch's batches cover every appended line.
- `copytruncate`: the view holds every line still on disk, once, in order; the lines it lacks
  are exactly those in no file (written between logrotate's copy and its truncate, which
  logrotate itself loses).
In both, the first lines (rotated away long ago) stay reachable and a marker row stands where
each earlier file ended.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from logcore.reader import LogFile
from tui.app import WatchSettings
from tui.log_view import LogView

from tui_helpers import ScriptedBackend, make_app, screen_rows, wait_for

pytestmark = pytest.mark.anyio

LOGROTATE = shutil.which("logrotate") or "/usr/sbin/logrotate"
FIRST = 100  # lines in the file before the viewer opens it
LINES = 3_000  # lines the writer appends while the viewer follows
ROTATIONS = 3

WRITER = r"""
import os, sys, time
path, first, n, reopen = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "create"
fd = os.open(path, os.O_WRONLY | os.O_APPEND)
ino = os.fstat(fd).st_ino
for i in range(first, first + n):
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
    if i % 50 == 0:
        time.sleep(0.05)
"""

QUIET_REPLY = json.dumps({"risk_score": 2, "should_alert_user": False,
                          "messages": {"critical": [], "warning": []}, "summary": ["routine"]})
WATCHED = re.compile(r"^\s*(\d+) \| (\d{8}) payload-", re.MULTILINE)


def number(text: str) -> int:
    """The writer's number of a whole written line; -1 for anything else (a marker, half a line)."""
    return int(text[:8]) if text[:8].isdigit() and text[8:17] == " payload-" else -1


def view_rows(view: LogView) -> list[str]:
    """Every row of the view as it shows it: line text, or a marker's text."""
    rows = []
    for row in range(view.row_count):
        boundary = view.marker_at(row)
        rows.append(view.logfile.boundary_text(boundary) if boundary is not None
                    else view.text_of(view.line_index(row))[0])
    return rows


def on_disk(log: Path) -> set[int]:
    """Numbers of the whole lines in the log and its rotated copies."""
    found = {number(line) for path in log.parent.glob(log.name + "*") for line in path.read_text().splitlines()}
    return found - {-1}


def watched_lines(backend: ScriptedBackend) -> list[tuple[int, int]]:
    """(view line number, writer number) of every line the live watch sent to the model."""
    out = []
    for call in backend.calls:
        if call["json_schema"] is not None:
            out += [(int(a), int(b)) for a, b in WATCHED.findall(call["messages"][-1]["content"])]
    return out


async def follow_while_rotating(tmp_path: Path, mode: str, poll_interval: float):
    """Rotate 3 times, 0.5 s apart; the view polls every `poll_interval` s (1.2 s: two rotations
    between its polls)."""
    log_path = tmp_path / "app.log"
    log_path.write_bytes(b"".join(b"%08d payload-%s\n" % (i, b"x" * (i % 37)) for i in range(FIRST)))
    conf = tmp_path / "logrotate.conf"
    conf.write_text(f'"{log_path}" {{\n    {mode}\n    rotate 50\n    missingok\n    nocompress\n}}\n')
    state = tmp_path / "logrotate.state"
    log = LogFile.open(log_path)
    log.index(background=False)
    backend = ScriptedBackend("x", json_reply=QUIET_REPLY)
    app = make_app([log], backend, follow=True, watch=WatchSettings(every_lines=50, every_seconds=1.0))
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            view = app.active_view
            await wait_for(pilot, lambda: log.following)
            view.poll_interval = poll_interval
            writer = subprocess.Popen([sys.executable, "-c", WRITER, str(log_path), str(FIRST), str(LINES), mode])
            try:
                for _ in range(ROTATIONS):
                    await pilot.pause(0.5)
                    done = subprocess.run([LOGROTATE, "-f", "-s", str(state), str(conf)],
                                          capture_output=True, text=True, timeout=30)
                    assert done.returncode == 0, done.stderr
                while writer.poll() is None:
                    await pilot.pause(0.1)
                assert writer.returncode == 0
            finally:
                writer.kill()
            everything = FIRST + LINES
            disk = on_disk(log_path)
            # Retired files are drained until quiet for 2 s; then nothing more can arrive.
            await wait_for(pilot, lambda: {number(r) for r in view_rows(view)} >= disk, timeout=30)
            await pilot.pause(2.5)
            rows = view_rows(view)
            # The watch checks each backlog in turn; the last few lines come due within a second.
            appended = [n for n in map(number, rows) if n >= FIRST]
            await wait_for(pilot, lambda: sorted({b for _, b in watched_lines(backend)}) == sorted(set(appended)),
                           timeout=30)
            view.go_to_line(1)  # the first lines, rotated away several files ago
            await pilot.pause()
            assert screen_rows(view)[0].lstrip().startswith("1▶00000000 payload")
            await pilot.press("G")
            await pilot.pause()
            assert any(f"{everything - 1:08d} payload" in row for row in screen_rows(view))
            return rows, disk, watched_lines(backend), log.notices
    finally:
        log.close()


POLLS = pytest.mark.parametrize("poll_interval", [0.05, 1.2], ids=["busy-view", "starved-view"])
NEEDS_LOGROTATE = pytest.mark.skipif(not Path(LOGROTATE).exists(), reason="logrotate is not installed")


def assert_markers(rows: list[str]) -> None:
    markers = [r for r in rows if number(r) == -1]
    assert len(markers) >= ROTATIONS - 1 and all("rotated" in m or "truncated" in m for m in markers), markers[:5]


def assert_watch_covers(watched: list[tuple[int, int]], rows: list[str]) -> None:
    """Every appended line went to the model once, numbered as the view numbers it."""
    lines = [row for row in rows if not row.startswith("────")]  # the view's line numbers skip markers
    shown = {number(text): line_no for line_no, text in enumerate(lines, start=1) if number(text) >= FIRST}
    assert sorted(b for _, b in watched) == sorted(shown), "the watch skipped or repeated lines"
    assert all(shown[b] == a for a, b in watched), "the watch numbered lines unlike the view"


@NEEDS_LOGROTATE
@POLLS
async def test_create_rotation_loses_nothing_in_the_view(tmp_path: Path, poll_interval: float) -> None:
    rows, _, watched, notices = await follow_while_rotating(tmp_path, "create", poll_interval)
    assert [n for n in map(number, rows) if n != -1] == list(range(FIRST + LINES))
    assert_markers(rows)
    assert_watch_covers(watched, rows)
    assert any("rotated" in n for n in notices)


@NEEDS_LOGROTATE
@POLLS
async def test_copytruncate_view_holds_everything_left_on_disk(tmp_path: Path, poll_interval: float) -> None:
    rows, disk, watched, notices = await follow_while_rotating(tmp_path, "copytruncate", poll_interval)
    seen = [n for n in map(number, rows) if n != -1]
    assert seen == sorted(set(seen)), "lines doubled or out of order"
    assert set(seen) == disk, "the view lacks lines still on disk, or shows lines in no file"
    lost = set(range(FIRST + LINES)) - set(seen)
    assert not lost & disk  # the gap is only logrotate's own: lines written between copy and truncate
    print(f"copytruncate: {len(lost)} of {FIRST + LINES} lines in no file (lost by logrotate)")
    assert_markers(rows)
    assert_watch_covers(watched, rows)
    assert any("truncated" in n for n in notices)
