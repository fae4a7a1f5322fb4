"""Following a live file by hand-made rotations, truncations and partial writes."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from logcore.errors import LogInputError
from logcore.follow import Follower


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data)


def test_starts_at_the_end_and_holds_back_half_lines(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"old 1\nold 2\nbeing writ")
    with Follower(log) as f:
        assert f.poll() == []
        append(log, b"ten\nnew 1\nnew")
        assert f.poll() == ["being written", "new 1"]
        assert f.poll() == []
        append(log, b" 2\r\nbad \xff\n")
        assert f.poll() == ["new 2", "bad \ufffd"]


def test_from_start_reads_existing_lines(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"a\nb\n")
    with Follower(log, from_start=True) as f:
        assert f.poll() == ["a", "b"]


def test_waits_for_a_file_that_does_not_exist_yet(tmp_path: Path) -> None:
    log = tmp_path / "later.log"
    with Follower(log) as f:
        assert f.poll() == []
        log.write_bytes(b"first\nsecond\n")
        assert f.poll() == ["first", "second"]
        assert any("appeared" in n for n in f.notices)


def test_rename_and_create_drains_the_old_file_first(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"")
    with Follower(log, grace=0.2) as f:
        writer = log.open("ab", buffering=0)
        writer.write(b"1\n")
        assert f.poll() == ["1"]
        log.rename(tmp_path / "app.log.1")
        log.write_bytes(b"")
        writer.write(b"2 still to the old file\n")  # the app has not reopened yet
        assert f.poll() == ["2 still to the old file"]
        writer.close()
        append(log, b"3 in the new file\n")
        append(tmp_path / "app.log.1", b"late")  # unterminated, abandoned: delivered once quiet
        assert f.poll() == ["3 in the new file"]
        time.sleep(0.3)
        assert f.poll() == ["late"]
        assert f.poll() == []


def test_delete_and_recreate(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"")
    with Follower(log, grace=0.1) as f:
        append(log, b"before\n")
        log.unlink()
        assert f.poll() == ["before"]
        assert f.poll() == []
        log.write_bytes(b"after\n")
        assert f.poll() == ["after"]


def test_copytruncate_recovers_unread_lines_from_the_copy(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"")
    with Follower(log) as f:
        append(log, b"".join(b"line %03d\n" % i for i in range(100)))
        assert len(f.poll()) == 100
        append(log, b"unread 1\nunread 2\n")
        (tmp_path / "app.log.1").write_bytes(log.read_bytes())  # the copy
        log.write_bytes(b"")  # the truncate
        append(log, b"".join(b"fresh %03d\n" % i for i in range(300)))  # grows past our offset
        got = f.poll()
        assert got[:3] == ["unread 1", "unread 2", "fresh 000"]
        assert got[-1] == "fresh 299" and len(got) == 302
        assert any("truncated" in n and "app.log.1" in n for n in f.notices)


def test_truncation_without_a_copy_restarts_from_the_top(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"")
    with Follower(log) as f:
        append(log, b"a long line that was here before\n")
        assert f.poll() == ["a long line that was here before"]
        log.write_bytes(b"x\n")
        assert f.poll() == ["x"]


def test_unterminated_huge_line_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("logcore.follow._MAX_PARTIAL", 1000)
    log = tmp_path / "app.log"
    log.write_bytes(b"")
    with Follower(log) as f:
        for _ in range(50):
            append(log, b"y" * 10_000)
            assert f.poll() == []
        append(log, b"\nnext\n")
        big, nxt = f.poll()
        assert big.startswith("y" * 1000) and "500,000 bytes" in big and len(big) < 1100
        assert nxt == "next"


def test_blocking_iteration_wakes_on_writes_and_stops_on_close(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"")
    f = Follower(log, poll_interval=5.0)  # only a watchdog event can deliver within the deadline
    batches: list[list[str]] = []
    arrived = threading.Event()

    def consume() -> None:
        for batch in f:
            batches.append(batch)
            arrived.set()

    reader = threading.Thread(target=consume)
    reader.start()
    time.sleep(0.5)  # let the observer start
    append(log, b"hello\n")
    assert arrived.wait(3.0), "no batch within 3 s although poll_interval is 5 s"
    f.close()
    reader.join(timeout=25)
    assert not reader.is_alive()
    assert batches == [["hello"]]


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LogInputError, match="not a regular file"):
        Follower(tmp_path)


def test_two_copytruncates_between_polls_lose_no_generation(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"")
    with Follower(log) as f:
        append(log, b"".join(b"gen0 %03d\n" % i for i in range(50)))
        assert len(f.poll()) == 50
        append(log, b"gen0 unread\n")
        (tmp_path / "app.log.2").write_bytes(log.read_bytes())  # first rotation's copy, now .2
        log.write_bytes(b"")
        append(log, b"".join(b"gen1 %03d\n" % i for i in range(80)))
        os.utime(tmp_path / "app.log.2", (time.time() - 5, time.time() - 5))
        (tmp_path / "app.log.1").write_bytes(log.read_bytes())  # second rotation's copy
        log.write_bytes(b"")
        append(log, b"gen2 000\n")
        got = f.poll()
        assert got[0] == "gen0 unread" and got[1:81] == [f"gen1 {i:03d}" for i in range(80)]
        assert got[81:] == ["gen2 000"]


def test_a_generation_created_and_rotated_between_polls_is_still_read(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"")
    with Follower(log, grace=0.1) as f:
        append(log, b"a 1\n")
        assert f.poll() == ["a 1"]
        append(log, b"a 2\n")
        log.rename(tmp_path / "app.log.2")  # two `create` rotations before the next poll
        log.write_bytes(b"b 1\nb 2\n")
        log.rename(tmp_path / "app.log.1")
        log.write_bytes(b"c 1\n")
        assert f.poll() == ["a 2", "b 1", "b 2", "c 1"]
        time.sleep(0.2)
        assert f.poll() == []


def test_neighbours_that_are_not_rotations_are_ignored(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"")
    with Follower(log, grace=0.1) as f:
        append(log, b"1\n")
        assert f.poll() == ["1"]
        (tmp_path / "app.log.lock").write_bytes(b"not a log line\n")
        log.rename(tmp_path / "app.log.1")
        log.write_bytes(b"2\n")
        assert f.poll() == ["2"]


def test_events_name_each_generation_and_where_its_bytes_are(tmp_path: Path) -> None:
    from logcore.follow import Began, Ended, Moved, Read

    log = tmp_path / "app.log"
    log.write_bytes(b"")
    with Follower(log, keep_fds=True) as f:
        events = f.poll_events()
        assert [type(e) for e in events] == [Began]
        first = events[0]
        append(log, b"one\ntwo\n")
        assert f.poll_events() == [Read(first.gen, 0, b"one\ntwo\n")]
        append(log, b"three\n")
        (tmp_path / "app.log.1").write_bytes(log.read_bytes())  # copytruncate
        log.write_bytes(b"fresh\n")
        events = f.poll_events()
        moved = next(e for e in events if isinstance(e, Moved))
        assert moved.gen == first.gen and moved.name == "app.log.1"
        assert os.pread(moved.fd, 4, 4) == b"two\n"  # same offsets, in the copy
        assert Read(first.gen, 8, b"three\n") in events and Ended(first.gen, partial=False) in events
        began = [e for e in events if isinstance(e, Began)]
        assert len(began) == 1 and Read(began[0].gen, 0, b"fresh\n") in events
        log.write_bytes(b"x\n")  # truncated again, and no copy holds what we read
        last = f.poll_events()
        assert Moved(began[0].gen, None, "") in last
        for event in events + last + [first]:
            if isinstance(event, (Began, Moved)) and event.fd is not None:
                os.close(event.fd)
