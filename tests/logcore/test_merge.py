"""Merging several logs into one timeline: order, records kept whole, clocks aligned, following."""

from __future__ import annotations

import os
import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from logcore.merge import merge_texts, short_names
from logcore.merge_keys import KEY_BLOCK, Clock, align, file_facts, monotone_keys
from logcore.reader import LogFile

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


def test_file_without_year_is_aligned_to_the_others_and_says_so() -> None:
    dated = ["2021-12-31 23:59:58,000 INFO a: old", "2022-01-01 00:00:02,000 INFO a: new"]
    syslog = ["Jan  1 00:00:01 host cron[1]: tick", "Jan  1 00:00:03 host cron[1]: tock"]
    merged = merge_texts([("app.log", dated), ("sys.log", syslog)])
    assert _labels(merged) == ["app.log:1", "sys.log:1", "app.log:2", "sys.log:2"]
    (note,) = merged.alignments
    assert note.source == 1 and note.text.startswith("sys.log has no year: read as 2022")


def test_a_file_without_stamps_opens_the_timeline_with_a_note() -> None:
    merged = merge_texts([("a.log", [_iso(1, "a1")]), ("notes.txt", ["hello", "world"])])
    assert _labels(merged) == ["notes.txt:1", "notes.txt:2", "a.log:1"]
    assert merged.alignments[0].text.startswith("notes.txt has no timestamps")


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
