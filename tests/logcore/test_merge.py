"""Merging several logs into one timeline: order, records kept whole, clocks aligned, following."""

from __future__ import annotations

import os
import random
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from logcore.errors import LogchatError, LogInputError
from logcore.merge import MergedLog, merge_texts, short_names
from logcore.merge_keys import KEY_BLOCK, Clock, FileKeys, monotone_keys
from logcore.reader import LogFile
from logcore.timestamps import THIS_YEAR

UTC = timedelta(0)


def _iso(second: int, text: str, zone: str = "") -> str:
    return f"2024-06-14 10:{second // 60:02d}:{second % 60:02d},000{zone} INFO app: {text}"


def _labels(merged) -> list[str]:
    return [merged.label(i) for i in range(len(merged.lines))]


# -- merge_texts ------------------------------------------------------------------------------

def test_equal_stamps_keep_file_order_then_line_order() -> None:
    a = [_iso(1, "a1"), _iso(2, "a2"), _iso(2, "a3")]
    b = [_iso(2, "b1"), _iso(2, "b2"), _iso(3, "b3")]
    merged = merge_texts([("a.log", a), ("b.log", b)])
    assert _labels(merged) == ["a.log:1", "a.log:2", "a.log:3", "b.log:1", "b.log:2", "b.log:3"]
    merged = merge_texts([("b.log", b), ("a.log", a)])
    assert _labels(merged) == ["a.log:1", "b.log:1", "b.log:2", "a.log:2", "a.log:3", "b.log:3"]


def test_interleaves_by_time_and_maps_rows_both_ways() -> None:
    a = [_iso(1, "a1"), _iso(5, "a2")]
    b = [_iso(3, "b1"), _iso(7, "b2")]
    merged = merge_texts([("a.log", a), ("b.log", b)])
    assert merged.lines == [a[0], b[0], a[1], b[1]]
    assert merged.origin == [(0, 0), (1, 0), (0, 1), (1, 1)]
    assert [merged.row_of(s, i) for s, i in merged.origin] == [0, 1, 2, 3]
    assert merged.row_of(1, 2) is None and merged.row_of(5, 0) is None
    assert merged.alignments == []


def test_texts_that_start_inside_their_files_name_the_files_real_lines() -> None:
    from logcore.merge_analysis import analyze_merged

    a = [_iso(1, "a1"), _iso(5, "a2 failed"), "\tat Frame.run(Frame.java:3)"]
    b = [_iso(3, "b1"), _iso(7, "b2")]
    merged = merge_texts([("a.log", a), ("b.log", b)], first_lines=[400, 10])
    assert _labels(merged) == ["a.log:401", "b.log:11", "a.log:402", "a.log:403", "b.log:12"]
    assert merged.origin[0] == (0, 400) and merged.file_texts() == [a, b]
    assert [merged.row_of(s, i) for s, i in merged.origin] == [0, 1, 2, 3, 4]
    assert merged.row_of(0, 0) is None and merged.row_of(1, 12) is None
    assert merged.spans() == [("a.log", 401, 403), ("b.log", 11, 12)]
    analysis = analyze_merged(merged)
    assert [analysis.label(row) for row in analysis.columns.lines] == ["a.log:401", "b.log:11", "a.log:402", "b.log:12"]
    with pytest.raises(LogchatError):
        merge_texts([("a.log", a)], first_lines=[1, 2])


def test_multiline_record_stays_with_its_stamp() -> None:
    a = [_iso(1, "a1"), _iso(4, "error: boom"), "java.lang.IllegalStateException: x",
         "\tat com.example.A.b(A.java:1)", "\tat com.example.C.d(C.java:2)", _iso(9, "a3")]
    b = [_iso(2, "b1"), _iso(5, "b2"), _iso(6, "b3")]
    merged = merge_texts([("a.log", a), ("b.log", b)])
    assert _labels(merged) == ["a.log:1", "b.log:1", "a.log:2", "a.log:3", "a.log:4", "a.log:5",
                               "b.log:2", "b.log:3", "a.log:6"]


def test_backwards_stamps_keep_file_order_and_one_order() -> None:
    a = [_iso(10, "a1"), _iso(4, "a2 (clock stepped back)"), _iso(12, "a3")]
    b = [_iso(5, "b1"), _iso(11, "b2")]
    merged = merge_texts([("a.log", a), ("b.log", b)])
    assert _labels(merged) == ["b.log:1", "a.log:1", "a.log:2", "b.log:2", "a.log:3"]
    assert merge_texts([("a.log", a), ("b.log", b)]).origin == merged.origin


def test_zones_go_to_utc_and_naive_files_get_the_assumed_zone_noted() -> None:
    aware = ["2024-06-14T08:00:05+00:00 INFO web: a1", "2024-06-14T10:00:20+02:00 INFO web: a2"]
    naive = [_iso(10, "n1").replace("10:", "11:", 1), _iso(30, "n2").replace("10:", "11:", 1)]
    merged = merge_texts([("web.log", aware), ("app.log", naive)], utc_offset=timedelta(hours=3))
    assert _labels(merged) == ["web.log:1", "app.log:1", "web.log:2", "app.log:2"]
    assert [a.text for a in merged.alignments] == ["app.log writes no time zone: read as UTC+03:00 (as given)"]
    assert merged.alignments[0].source == 1
    assert merged.shifts == [0.0, -3 * 3600.0]  # web.log's first stamp is UTC already


def test_file_without_year_is_aligned_to_the_others_and_says_so() -> None:
    dated = ["2021-12-31 23:59:58,000 INFO a: old", "2022-01-01 00:00:02,000 INFO a: new"]
    syslog = ["Jan  1 00:00:01 host cron[1]: tick", "Jan  1 00:00:03 host cron[1]: tock"]
    merged = merge_texts([("app.log", dated), ("sys.log", syslog)])
    assert _labels(merged) == ["app.log:1", "sys.log:1", "app.log:2", "sys.log:2"]
    (note,) = merged.alignments
    assert note.source == 1 and note.text.startswith("sys.log has no year: read as 2022")
    parsed = datetime(THIS_YEAR, 1, 1, 0, 0, 1)
    assert merged.shifts[1] == (datetime(2022, 1, 1, 0, 0, 1) - parsed).total_seconds()


def _new_year(seconds: list[int]) -> tuple[list[str], list[str]]:
    """The same moments around 2023's last midnight, dated (ISO) and yearless (syslog)."""
    base = datetime(2023, 12, 31, 23, 50)
    moments = [base + timedelta(seconds=s) for s in seconds]
    dated = [f"{m:%Y-%m-%d %H:%M:%S},000 INFO app: at {m:%H:%M:%S}" for m in moments]
    yearless = [f"{m:%b} {m.day:2d} {m:%H:%M:%S} host cron[1]: at {m:%H:%M:%S}" for m in moments]
    return dated, yearless


def test_a_yearless_file_running_into_a_new_year_keeps_its_order() -> None:
    dated, _ = _new_year([0, 1200])
    _, yearless = _new_year([300, 900])  # 23:55 on Dec 31, then 00:05 on Jan 1
    merged = merge_texts([("app.log", dated), ("sys.log", yearless)])
    assert _labels(merged) == ["app.log:1", "sys.log:1", "sys.log:2", "app.log:2"]
    assert [a.text for a in merged.alignments] == [
        "sys.log has no year: read as 2023 (it runs into 2024, to fit app.log (2023-2024))"]


def test_the_lazy_view_turns_the_year_where_the_text_merge_does(tmp_path: Path) -> None:
    dated, _ = _new_year(list(range(0, 1200, 3)))
    _, yearless = _new_year(list(range(1, 1200, 2)))  # midnight after 5 of its 64-line blocks
    paths = [_write(tmp_path / "app.log", dated), _write(tmp_path / "sys.log", yearless)]
    expected = merge_texts([("app.log", dated), ("sys.log", yearless)])
    by_moment = sorted([(t, 0, i) for i, t in enumerate(range(0, 1200, 3))] +
                       [(t, 1, i) for i, t in enumerate(range(1, 1200, 2))])
    assert expected.lines == [(dated, yearless)[s][i] for _, s, i in by_moment]
    with MergedLog.open(paths) as merged:
        merged.index(background=False)
        assert merged.lines(0, merged.line_count) == expected.lines
        assert merged.row_at_time(datetime(2024, 1, 1)) == expected.lines.index(dated[200])


def test_a_file_without_stamps_opens_the_timeline_with_a_note() -> None:
    merged = merge_texts([("a.log", [_iso(1, "a1")]), ("notes.txt", ["hello", "world"]), ("empty.log", [])])
    assert _labels(merged) == ["notes.txt:1", "notes.txt:2", "a.log:1"]
    assert [a.text for a in merged.alignments] == [
        "notes.txt has no timestamps: its lines open the timeline, in file order"]


def test_short_names_grow_only_where_basenames_clash() -> None:
    assert short_names(["/x/web/a.log", "/y/db/a.log", "/z/b.log", "/z/b.log"]) == \
        ["web/a.log", "db/a.log", "b.log", "b.log#2"]


def test_monotone_keys_are_the_stamps_when_a_file_never_goes_back() -> None:
    rng = random.Random(3)
    raw, t = [], 0
    for _ in range(3 * KEY_BLOCK + 17):
        t += rng.randrange(3)
        raw.append(None if rng.random() < 0.3 else t)
    carried, last = [], -(1 << 62)
    for value in raw:
        last = value if value is not None else last
        carried.append(last)
    assert monotone_keys(raw) == carried


def test_monotone_keys_never_decrease_on_a_jumping_file() -> None:
    rng = random.Random(4)
    raw = [None if rng.random() < 0.2 else rng.randrange(1000) for _ in range(5 * KEY_BLOCK)]
    keys = monotone_keys(raw)
    assert all(a <= b for a, b in zip(keys, keys[1:]))
    assert keys[-1] <= max(v for v in raw if v is not None)


# -- MergedLog: the lazy view over line indexes -----------------------------------------------

def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _append(path: Path, lines: list[str]) -> None:
    with path.open("a") as f:
        f.write("".join(line + "\n" for line in lines))


def _random_file(rng: random.Random, layout: str, n: int, jumpy: bool, start: int = 36_000) -> list[str]:
    """Lines in one layout from second `start` of the day: stamps that mostly rise (ties
    included), some lines without a stamp (traces), and, when `jumpy`, clocks that step back."""
    lines, t = [], start
    for i in range(n):
        if rng.random() < 0.12:
            lines.append(f"\tat com.example.Frame{i}(Frame.java:{i})")
            continue
        t += rng.choice((0, 0, 1, 2, 5))
        if jumpy and rng.random() < 0.05:
            t -= rng.randrange(1, 40)
        h, m, s = t // 3600 % 24, t // 60 % 60, t % 60
        if layout == "iso":
            lines.append(f"2024-06-14 {h:02d}:{m:02d}:{s:02d},000 INFO svc: event {i}")
        elif layout == "zoned":  # the same moments written two hours ahead, with the offset
            lines.append(f"2024-06-14T{(h + 2) % 24:02d}:{m:02d}:{s:02d}+02:00 WARN proxy: event {i}")
        else:
            lines.append(f"Jun 14 {h:02d}:{m:02d}:{s:02d} host app[7]: event {i}")
    return lines


def _last_second(lines: list[str]) -> int:
    """The second of the day of the last stamp `_random_file` wrote."""
    for line in reversed(lines):
        clock = line[11:19] if line.startswith("2024") else line[7:15] if line.startswith("Jun") else ""
        if clock:
            h, m, s = map(int, clock.split(":"))
            return (h - 2 if "+02:00" in line else h) * 3600 + m * 60 + s
    return 36_000


def _three_layouts(tmp_path: Path, rng: random.Random, max_lines: int,
                   jumpy: bool) -> tuple[list[list[str]], list[Path]]:
    """iso.log, zoned.log and syslog.log of random lengths below `max_lines`: texts and paths."""
    layouts = ["iso", "zoned", "syslog"]
    texts = [_random_file(rng, layout, rng.randrange(1, max_lines), jumpy=jumpy) for layout in layouts]
    return texts, [_write(tmp_path / f"{layout}.log", lines) for layout, lines in zip(layouts, texts)]


def _naive(texts: list[list[str]], clocks: list[Clock]) -> list[tuple[int, int]]:
    """The reference: every line's key, one full sort of (key, file, line)."""
    triples = [(key, s, i) for s, (lines, clock) in enumerate(zip(texts, clocks))
               for i, key in enumerate(monotone_keys([clock.key(line) for line in lines]))]
    return [(s, i) for _, s, i in sorted(triples)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_access_equals_a_naive_merge(tmp_path: Path, seed: int, monkeypatch) -> None:
    if seed == 3:
        monkeypatch.setattr("logcore.merge._PLACE_ROWS", 50)  # merged text walked a piece at a time
    rng = random.Random(seed)
    texts, paths = _three_layouts(tmp_path, rng, 4 * KEY_BLOCK, jumpy=seed != 1)
    with MergedLog.open(paths, utc_offset=UTC) as merged:
        merged.index(background=False)
        clocks = [keys.clock for keys in merged._files]
        expected = _naive(texts, clocks)
        total = len(expected)
        assert merged.line_count == total and merged.indexing_done
        flat = [texts[s][i] for s, i in expected]
        for _ in range(60):
            start = rng.randrange(total)
            stop = min(total, start + rng.randrange(1, 80))
            assert merged.lines(start, stop) == flat[start:stop]
            row = rng.randrange(total)
            assert merged.origin(row) == expected[row]
            assert merged.row_of(*expected[row]) == row
        keys = sorted(k for s, lines in enumerate(texts)
                      for k in monotone_keys([clocks[s].key(line) for line in lines]))
        for _ in range(30):
            moment = datetime(2024, 6, 14, 10) + timedelta(seconds=rng.randrange(-60, 4000))
            want = sum(1 for k in keys if k < (moment - datetime(1970, 1, 1)) // timedelta(microseconds=1))
            assert merged.row_at_time(moment) == want
        for _ in range(10):  # any rows as merged text: each file from its own line there
            start = rng.randrange(total)
            stop = min(total, start + rng.randrange(1, 300))
            text = merged.text(start, stop)
            assert text.lines == flat[start:stop] and text.origin == expected[start:stop]
            assert [text.label(i) for i in range(len(text.lines))] == [merged.label(r) for r in range(start, stop)]
            assert text.first_lines == [sum(1 for s, _ in expected[:start] if s == k) for k in range(3)]
            assert [text.row_of(*o) for o in text.origin] == list(range(stop - start))
        assert merged.lines(total - 3, total + 10) == flat[-3:]
        assert merged.tail_lines(2) == flat[-2:]
        assert merged.display_name == "iso.log + zoned.log + syslog.log"


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_filtering_each_files_own_lines_equals_filtering_the_rows(tmp_path: Path, seed: int, monkeypatch) -> None:
    """`matching_rows` tests each file's lines and places only the hits: the rows must be those
    that testing the merged rows one by one keeps, for any range, with or without cached keys,
    placed at once or a range of rows at a time."""
    if seed == 6:
        monkeypatch.setattr("logcore.merge._PLACE_ROWS", 100)
    rng = random.Random(seed)
    texts, paths = _three_layouts(tmp_path, rng, 12 * KEY_BLOCK, jumpy=seed != 4)
    with MergedLog.open(paths, utc_offset=UTC) as merged:
        merged.index(background=False)
        total = merged.line_count
        rows = merged.lines(0, total)
        for k in range(40):
            word = rng.choice(["event 1", "Frame", "WARN", "event 2", "INFO", "7", "none such", "Jun"])
            start = rng.randrange(total)
            stop = min(total + 5, start + rng.randrange(1, total + 1))
            if k % 2:
                for keys in merged._files:
                    keys._blocks.clear()  # the hits' blocks read only as far as needed
            fast = merged.matching_rows(start, stop, lambda source: lambda i, line: word in line)
            assert fast == [r for r in range(start, min(stop, total)) if word in rows[r]], (word, start, stop)
        sample = [sorted(rng.sample(range(len(t)), min(len(t), rng.randrange(0, 40)))) for t in texts]
        assert merged.rows_of_lines(sample) == sorted(merged.row_of(s, i) for s, lines in enumerate(sample)
                                                      for i in lines)
        spans = merged.line_spans(100, 300)
        assert sum(b - a for a, b in spans) == min(300, total) - min(100, total)


def test_monotone_files_merge_exactly_by_their_own_stamps(tmp_path: Path) -> None:
    """Without a step back, the keys are the stamps themselves: check against stamps read here."""
    rng = random.Random(7)
    texts = [_random_file(rng, "iso", 700, jumpy=False) for _ in range(3)]
    paths = [_write(tmp_path / f"{n}.log", lines) for n, lines in zip("abc", texts)]

    def stamps(lines: list[str]) -> list[str]:
        out, last = [], ""
        for line in lines:
            last = line[:23] if line[:4] == "2024" else last
            out.append(last)
        return out

    expected = sorted((stamp, s, i) for s, lines in enumerate(texts) for i, stamp in enumerate(stamps(lines)))
    with MergedLog.open(paths) as merged:
        merged.index(background=False)
        assert [merged.origin(r) for r in range(merged.line_count)] == [(s, i) for _, s, i in expected]


def test_stack_traces_stay_under_their_record_in_the_view(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.log", [_iso(1, "a1"), _iso(4, "ERROR boom"), "java.lang.Error: x",
                                    "\tat A.b(A.java:1)", _iso(9, "a3")])
    b = _write(tmp_path / "b.log", [_iso(2, "b1"), _iso(4, "b2"), _iso(5, "b3")])
    with MergedLog.open([a, b]) as merged:
        merged.index(background=False)
        labels = [merged.label(i) for i in range(merged.line_count)]
    assert labels == ["a.log:1", "b.log:1", "a.log:2", "a.log:3", "a.log:4", "b.log:2", "b.log:3", "a.log:5"]


def test_year_from_the_modification_time_is_noted(tmp_path: Path) -> None:
    one = _write(tmp_path / "one.log", ["Mar  3 10:00:00 h a[1]: x", "Mar  3 10:00:02 h a[1]: z"])
    two = _write(tmp_path / "two.log", ["Mar  3 10:00:01 h b[1]: y"])
    mtime = datetime(2023, 7, 1).timestamp()
    for path in (one, two):
        os.utime(path, (mtime, mtime))
    with MergedLog.open([one, two]) as merged:
        merged.index(background=False)
        assert [a.text for a in merged.alignments] == [
            "one.log has no year: read as 2023 (its modification year)",
            "two.log has no year: read as 2023 (its modification year)"]
        assert merged.lines(0, 3) == ["Mar  3 10:00:00 h a[1]: x", "Mar  3 10:00:01 h b[1]: y",
                                      "Mar  3 10:00:02 h a[1]: z"]
        assert merged.row_at_time(datetime(2023, 3, 3, 10, 0, 1)) == 1
        assert merged.row_at_time(datetime(2024, 3, 3, 10, 0, 1)) == 3


def test_following_merges_new_lines_and_reports_rows_that_moved(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.log", [_iso(1, "a1"), _iso(10, "a2")])
    b = _write(tmp_path / "b.log", [_iso(5, "b1")])
    with MergedLog.open([a, b]) as merged:
        merged.follow()
        assert merged.following and merged.line_count == 3
        _append(a, [_iso(12, "a3")])
        update = merged.poll_follow()
        assert (update.start, update.stop, update.rewritten) == (3, 4, False)
        revision = merged.revision
        _append(b, [_iso(6, "b2 (late, sorts before a2)")])
        update = merged.poll_follow()
        assert update.rewritten and update.start <= 2 and update.stop == update.count == 5
        assert merged.revision == revision + 1
        assert [merged.label(i) for i in range(5)] == ["a.log:1", "b.log:1", "b.log:2", "a.log:2", "a.log:3"]
        update = merged.poll_follow()
        assert (update.start, update.stop, update.rewritten) == (5, 5, False)


def test_a_file_joins_while_following(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.log", [_iso(1, "a1"), _iso(10, "a2")])
    b = _write(tmp_path / "b.log", [_iso(5, "b1")])
    c = _write(tmp_path / "c.log", [_iso(7, "c1"), "  continued", _iso(20, "c2")])
    with MergedLog.open([a, b]) as merged:
        merged.follow()
        merged.add(LogFile.open(c))
        update = merged.poll_follow()
        assert update.rewritten and update.start <= 2 and update.count == 6
        assert [merged.label(i) for i in range(6)] == ["a.log:1", "b.log:1", "c.log:1", "c.log:2", "a.log:2",
                                                       "c.log:3"]
        assert merged.display_name == "a.log + b.log + c.log"
        _append(c, [_iso(21, "c3")])
        assert merged.poll_follow().stop == 7 and merged.line(6).endswith("c3")
        with LogFile.open(b) as again, pytest.raises(LogchatError, match="already in the merge"):
            merged.add(again)


def test_a_file_that_cannot_be_read_names_itself_and_leaves_nothing_open(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.log", [_iso(1, "ok")])
    fds_before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(LogInputError, match="missing.log does not exist"):
        MergedLog.open([good, tmp_path / "missing.log"])
    binary = tmp_path / "core.bin"
    binary.write_bytes(b"\x7fELF\x00\x00\x01" * 200)
    with pytest.raises(LogInputError, match="core.bin"):
        MergedLog.open([good, binary])
    assert len(os.listdir("/proc/self/fd")) == fds_before
    with pytest.raises(LogchatError, match="nothing to merge"):
        MergedLog([])


def test_rows_appear_while_the_files_are_still_being_indexed(tmp_path: Path) -> None:
    """Before indexing ends, only rows no later line can precede are counted; at the end, all."""
    rng = random.Random(11)
    texts = [_random_file(rng, "iso", 3000, jumpy=False) for _ in range(2)]
    paths = [_write(tmp_path / f"{n}.log", lines) for n, lines in zip("ab", texts)]
    with MergedLog.open(paths) as merged:
        early = merged.line_count
        shown = merged.lines(0, early)
        merged.index(background=False)
        assert merged.lines(0, early) == shown
        assert merged.line_count == 6000 >= early


def test_following_random_appends_keeps_every_row_before_start(tmp_path: Path) -> None:
    """After each poll the view equals a naive merge of the files as they are now, and no row
    before the update's start differs from what the previous poll showed."""
    rng = random.Random(21)
    texts = [_random_file(rng, layout, 150, jumpy=True) for layout in ("iso", "syslog")]
    paths = [_write(tmp_path / f"{n}.log", lines) for n, lines in zip("ab", texts)]
    with MergedLog.open(paths) as merged:
        merged.follow()
        clocks = [keys.clock for keys in merged._files]
        shown = merged.lines(0, merged.line_count)
        rewrites = 0
        for _ in range(30):
            source = rng.randrange(2)
            start = max(map(_last_second, texts)) + rng.randrange(-12, 24)  # now and then behind
            more = _random_file(rng, ("iso", "syslog")[source], rng.randrange(1, 90), jumpy=True, start=start)
            _append(paths[source], more)
            texts[source] += more
            update = merged.poll_follow()
            now = merged.lines(0, merged.line_count)
            assert now == [texts[s][i] for s, i in _naive(texts, clocks)]
            assert now[:update.start] == shown[:update.start]
            assert update.rewritten == (update.start < len(shown))
            assert update.stop == update.count == len(now)
            rewrites += update.rewritten
            shown = now
        assert 3 <= rewrites <= 27  # both kinds of update happened


def test_an_unterminated_last_line_that_grows_is_a_rewrite(tmp_path: Path) -> None:
    a = tmp_path / "a.log"
    a.write_text(_iso(1, "a1") + "\n" + _iso(8, "a2 still being writ"))
    b = _write(tmp_path / "b.log", [_iso(5, "b1")])
    with MergedLog.open([a, b]) as merged:
        merged.follow()
        assert merged.lines(0, 3) == [_iso(1, "a1"), _iso(5, "b1"), _iso(8, "a2 still being writ")]
        _append(a, ["ten"])
        update = merged.poll_follow()
        assert update.rewritten and update.start <= 2 and update.count == 3
        assert merged.line(2) == _iso(8, "a2 still being written")


def test_closing_while_the_floors_are_sampled_stops_quietly(tmp_path: Path, monkeypatch) -> None:
    """close() from another thread in the middle of a sampling slice waits for the slice, so the
    sampler never reads a closed file (nor prints a traceback)."""
    rng = random.Random(5)
    paths = [_write(tmp_path / f"{n}.log", _random_file(rng, "iso", 40_000, jumpy=False)) for n in "ab"]
    failures: list[BaseException] = []
    monkeypatch.setattr("threading.excepthook", lambda args: failures.append(args.exc_value))
    merged = MergedLog.open(paths)
    closer = threading.Thread(target=merged.close)
    started = threading.Event()
    extend = FileKeys.extend

    def extend_then_close(self: FileKeys, upto: int, budget: int | None = None) -> bool:
        if threading.current_thread() is merged._sampler and not started.is_set():
            closer.start()
            started.set()
            time.sleep(0.2)  # close() runs now, in the middle of this slice
        return extend(self, upto, budget)

    monkeypatch.setattr(FileKeys, "extend", extend_then_close)
    merged.index()
    assert started.wait(timeout=10)
    closer.join(timeout=10)
    assert merged._sampler is not None
    merged._sampler.join(timeout=10)
    assert closer.ident is not None and not merged._sampler.is_alive()
    assert failures == [] and not merged.indexing_done
