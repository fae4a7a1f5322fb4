"""Merge benchmark: three large logs in three layouts as one timeline (`logcore.merge.MergedLog`).

Run: `.venv/bin/python bench/merge.py` (`--size-mb 20` for a quick run; the issue's figures are at
the default 300 MB per file). Three logs covering the same day are generated in a temporary folder
under /tmp and deleted afterwards: log4j-style ISO stamps with milliseconds, stack traces and
threads writing slightly out of order; syslog without a year; access logs with a zone. Targets
(issue 13): first screen <= 0.5 s, memory <= 1.2x the three line indexes, scrolling and go-to-time
anywhere <= 50 ms. Then filters (the viewer's own `TextFilter` / `LevelFilter`): their
throughput over the merged view (`MergedLog.matching_rows`: each file's lines tested, only the
hits placed) against the same filter over one file's lines, and against testing the merged rows
one by one (how the view filtered before), whose rows they must equal.

Each measurement runs in a fresh process (no heap left from generating the files): first the three
files as plain indexed LogFiles, for the memory any view of them needs; then the merged view.
Baseline, in the merged view's process after it is closed: a naive full sort, reading every
line, keying it (the same keys) and sorting (key, file, line) with numpy's lexsort; it can show
nothing before the sort is done. Its rows are checked against the merged view's at the random
positions measured. Timings are on a warm page cache (the files were just written), on a shared
2-core machine; memory is the growth of the resident set (/proc/self/statm).
"""

from __future__ import annotations

import argparse
from bisect import bisect_left
import gc
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]  # bench/logcore.py shadows logcore
sys.path.insert(0, str(BENCH.parent))  # the repo root: `bench.table` and the packages

import numpy as np  # noqa: E402

from logcore.levels import LevelReader  # noqa: E402
from logcore.merge import MergedLog  # noqa: E402
from logcore.merge_keys import KEY_BLOCK, monotone_keys  # noqa: E402
from logcore.reader import LogFile  # noqa: E402
from tui.sources import LevelFilter, MergedLevels, TextFilter  # noqa: E402
from bench.table import Row, print_rows  # noqa: E402
from logcore.heap import give_back_freed_memory  # noqa: E402

SCREEN = 50
PROBES = 200
DAY = datetime(2024, 6, 14, tzinfo=timezone.utc)
_MONTH = "Jun"


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def live_rss() -> int:
    """RSS once the allocator has handed freed heap back: what is still in use."""
    gc.collect()
    give_back_freed_memory()
    return rss()


# -- the logs ----------------------------------------------------------------------------------

def _moments(rng: np.random.Generator, n: int) -> np.ndarray:
    """n sorted millisecond offsets into the day."""
    return np.sort(rng.integers(0, 86_400_000, n))


def _write(path: Path, megabytes: int, make: Callable[[np.ndarray, int], list[str]], seed: int) -> int:
    """Write about `megabytes` of lines over one day; `make(ms, first)` formats a batch of moments."""
    probe = "".join(make(np.arange(0, 86_400_000, 43_200), 0))
    n = int((megabytes << 20) / (len(probe) / 2000))
    ms = _moments(np.random.default_rng(seed), n)
    with path.open("w") as f:
        for first in range(0, n, 100_000):
            f.write("".join(make(ms[first:first + 100_000], first)))
    return path.stat().st_size


def _clock(ms: int) -> tuple[int, int, int, int]:
    return ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60, ms % 1000


def _java(ms: np.ndarray, first: int) -> list[str]:
    out = []
    for j, t in enumerate(ms.tolist()):
        i = first + j
        if i % 97 == 0:
            t = max(0, t - 40)  # a thread that wrote a little late
        h, m, s, f = _clock(t)
        out.append(f"2024-06-14 {h:02d}:{m:02d}:{s:02d},{f:03d} INFO  [worker-{i % 16}] com.acme.OrderService: "
                   f"order {i} processed in {i % 977} ms\n")
        if i % 1000 == 0:
            out.append("java.lang.IllegalStateException: pool exhausted\n"
                       "\tat com.acme.Pool.take(Pool.java:88)\n\tat com.acme.OrderService.run(OrderService.java:41)\n")
    return out


def _syslog(ms: np.ndarray, first: int) -> list[str]:
    out = []
    for j, t in enumerate(ms.tolist()):
        h, m, s, _ = _clock(t)
        out.append(f"{_MONTH} 14 {h:02d}:{m:02d}:{s:02d} db-host postgres[{4000 + (first + j) % 50}]: "
                   f"LOG:  checkpoint complete: wrote {(first + j) % 4096} buffers\n")
    return out


def _access(ms: np.ndarray, first: int) -> list[str]:
    out = []
    for j, t in enumerate(ms.tolist()):
        h, m, s, _ = _clock(t + 7_200_000)  # written in +02:00
        day = 14 + (h >= 24)
        out.append(f'10.0.{(first + j) % 256}.{j % 250} - - [{day}/{_MONTH}/2024:{h % 24:02d}:{m:02d}:{s:02d} +0200] '
                   f'"GET /api/orders/{first + j} HTTP/1.1" {502 if j % 500 == 0 else 200} {j % 9000}\n')
    return out


def generate(folder: Path, megabytes: int) -> list[Path]:
    paths = [folder / "app.log", folder / "db.log", folder / "proxy.log"]
    for seed, (path, make) in enumerate(zip(paths, (_java, _syslog, _access))):
        _write(path, megabytes, make, seed)
    return paths


# -- measurements --------------------------------------------------------------------------------

def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{statistics.median(ordered) * 1000:.1f} / {p95 * 1000:.1f} / {ordered[-1] * 1000:.1f} ms"


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def warm_up(folder: Path) -> None:
    """Merge three small files first, so imports and compiled patterns are not counted as memory."""
    small = []
    for seed, make in enumerate((_java, _syslog, _access)):
        path = folder / f"warm{seed}.log"
        path.write_text("".join(make(np.arange(0, 2_000_000, 1000), 0)))
        small.append(path)
    with MergedLog.open(small, utc_offset=timedelta(0)) as merged:
        merged.index(background=False)
        merged.lines(1000, 1050)
        merged.row_at_time(DAY)


def measure_merged(paths: list[Path], rng: random.Random) -> tuple[list[Row], dict[str, object]]:
    warm_up(paths[0].parent)
    gc.collect()
    before = rss()
    start = time.perf_counter()
    merged = MergedLog.open(paths, utc_offset=timedelta(0))
    while merged.line_count < SCREEN and not merged.indexing_done:
        time.sleep(0.001)
    screen = merged.lines(0, SCREEN)
    first_s = time.perf_counter() - start
    assert len(screen) == SCREEN
    settle_s, _ = _timed(lambda: merged.index(background=False))
    total = merged.line_count
    rows = [("first screen", f"{first_s * 1000:.0f} ms",
             f"open 3 files + rows 1-{SCREEN} while they are still indexed (target <= 500 ms)"),
            ("all rows placed", f"{first_s + settle_s:.2f} s",
             f"{total:,} rows: every file indexed, one floor per {KEY_BLOCK} lines sampled")]
    jumps, pages, steps, times = [], [], [], []
    probes: dict[int, int] = {}  # row -> hash of its screen, to compare with the baseline
    for _ in range(PROBES):
        row = rng.randrange(total - SCREEN)
        elapsed, lines = _timed(lambda: merged.lines(row, row + SCREEN))
        jumps.append(elapsed)
        probes[row] = hash(tuple(lines))  # type: ignore[arg-type]
        elapsed, _ = _timed(lambda: merged.lines(row + SCREEN, row + 2 * SCREEN))
        pages.append(elapsed)
        for k in range(1, 6):
            elapsed, _ = _timed(lambda: merged.lines(row + k, row + k + SCREEN))
            steps.append(elapsed)
        moment = DAY + timedelta(milliseconds=rng.randrange(86_400_000))
        elapsed, _ = _timed(lambda: merged.lines(r := merged.row_at_time(moment), r + SCREEN))
        times.append(elapsed)
    gc.collect()
    grown = rss() - before
    live = live_rss() - before
    index = merged.index_bytes
    floors = sum(len(keys.floors) for keys in merged._files) * 8
    rows += [
        ("jump to a random row + screen", _ms(jumps), f"p50 / p95 / max over {PROBES} rows (target <= 50 ms)"),
        ("page down from there", _ms(pages), "the next screen: walked from the kept cursor"),
        ("scroll one line", _ms(steps), f"{PROBES * 5} one-line steps near the random rows"),
        ("go to a random time + screen", _ms(times), f"{PROBES} moments of the day (target <= 50 ms)"),
        ("memory (RSS growth)", f"{grown / 2**20:.1f} MiB",
         f"{grown / index:.2f}x the three line indexes ({index / 2**20:.1f} MiB; target <= 1.2x); "
         f"floors {floors / 2**20:.2f} MiB"),
        ("memory in use (RSS after trim)", f"{live / 2**20:.1f} MiB",
         f"{live / index:.2f}x the line indexes, once freed heap is given back"),
    ]
    notes = [a.text for a in merged.alignments]
    merged.close()
    return rows, {"first_s": first_s, "grown": grown, "live": live, "index": index, "probes": probes, "total": total,
                  "notes": notes, "jump_p50": statistics.median(jumps)}


def measure_naive(paths: list[Path], facts: dict[str, object]) -> list[Row]:
    """Read and key every line, sort (key, file, line), then show the first screen."""
    with MergedLog.open(paths, utc_offset=timedelta(0)) as probe:  # the same clocks as the merged view
        clocks = [keys.clock for keys in probe._files]
    gc.collect()
    before = rss()
    start = time.perf_counter()
    keys, files, lines, offsets = [], [], [], []
    for source, (path, clock) in enumerate(zip(paths, clocks)):
        raw, ends, pos = [], [], 0
        with path.open("rb") as f:
            for data in f:
                pos += len(data)
                ends.append(pos)
                raw.append(clock.key(data.decode("utf-8", "replace").rstrip("\r\n")))
        keys.append(np.array(monotone_keys(raw), dtype=np.int64))
        files.append(np.full(len(raw), source, dtype=np.int8))
        lines.append(np.arange(len(raw), dtype=np.int32))
        offsets.append(np.array(ends, dtype=np.int64))
        del raw, ends
    key, file, line = np.concatenate(keys), np.concatenate(files), np.concatenate(lines)
    order = np.lexsort((line, file, key))
    fds = [os.open(p, os.O_RDONLY) for p in paths]

    def show(row: int, count: int) -> list[str]:
        out = []
        for j in order[row:row + count]:
            s, i = int(file[j]), int(line[j])
            a = int(offsets[s][i - 1]) if i else 0
            out.append(os.pread(fds[s], int(offsets[s][i]) - a, a).decode("utf-8", "replace").rstrip("\r\n"))
        return out

    screen = show(0, SCREEN)
    sort_s = time.perf_counter() - start
    gc.collect()
    grown = rss() - before
    probes: dict[int, int] = facts["probes"]  # type: ignore[assignment]
    assert len(order) == facts["total"], (len(order), facts["total"])
    mismatched = sum(hash(tuple(show(row, SCREEN))) != shown for row, shown in probes.items())
    jumps = [_timed(lambda: show(row, SCREEN))[0] for row in probes]
    for fd in fds:
        os.close(fd)
    assert screen
    first_s = float(facts["first_s"])  # type: ignore[arg-type]
    ours = int(facts["grown"])  # type: ignore[arg-type]
    return [
        ("naive: first screen", f"{sort_s:.1f} s", f"read + key + lexsort {len(order):,} lines; "
                                                  f"merged view is {sort_s / first_s:,.0f}x sooner"),
        ("naive: memory (RSS growth)", f"{grown / 2**20:.1f} MiB",
         f"{grown / int(facts['index']):.2f}x the line indexes; merged view uses {grown / max(ours, 1):.1f}x less"),
        ("naive: jump to a random row", _ms(jumps), "array lookups once sorted"),
        ("rows equal to the naive sort", f"{len(probes) - mismatched}/{len(probes)}",
         f"screens at the {len(probes)} random rows"),
    ]


ROW_BY_ROW = 200_000  # merged rows filtered one by one (the old way), for its speed and to check the rows
FILTERS: list[tuple[str, Callable[[object], object]]] = [
    ("filter 'order 4' (sparse)", lambda levels: TextFilter("order 4")),
    ("filter ' 200 ' (dense)", lambda levels: TextFilter(" 200 ")),
    ("level filter >= WARN", lambda levels: LevelFilter(levels, "WARN")),  # type: ignore[arg-type]
]


def _rate(count: int, seconds: float) -> str:
    return f"{count / max(seconds, 1e-9):,.0f}"


def measure_filters(paths: list[Path]) -> list[Row]:
    """Each filter over the whole merged view, over app.log alone, and row by row over the
    first ROW_BY_ROW merged rows; the rows kept there must be the same."""
    merged = MergedLog.open(paths, utc_offset=timedelta(0))
    merged.index(background=False)
    total, one = merged.line_count, merged.logs[0]
    part = min(total, ROW_BY_ROW)
    levels = MergedLevels(merged)
    rows: list[Row] = []
    for name, make in FILTERS:
        view_filter = make(levels)
        single = make(LevelReader(one.lines(0, 200)))
        start = time.perf_counter()
        kept_one = 0
        for first in range(0, one.line_count, 20_000):
            kept_one += sum(1 for i, line in enumerate(one.lines(first, first + 20_000))
                            if single(first + i, line))  # type: ignore[operator]
        one_s = time.perf_counter() - start
        fast_s, fast = _timed(lambda: merged.matching_rows(0, total, view_filter.for_file))  # type: ignore[attr-defined]
        start = time.perf_counter()
        slow: list[int] = []
        for first in range(0, part, 20_000):
            slow += [first + i for i, line in enumerate(merged.lines(first, min(part, first + 20_000)))
                     if view_filter(first + i, line)]  # type: ignore[operator]
        slow_s = time.perf_counter() - start
        fast_rate, one_rate, slow_rate = total / fast_s, one.line_count / one_s, part / slow_s
        same = fast[:bisect_left(fast, part)] == slow  # type: ignore[arg-type]
        rows += [
            (f"{name}: merged view", f"{_rate(total, fast_s)} rows/s",
             f"{len(fast):,} of {total:,} rows kept, in {fast_s:.1f} s; "  # type: ignore[arg-type]
             f"{one_rate / fast_rate:.1f}x slower than over one file"),
            (f"{name}: one file", f"{_rate(one.line_count, one_s)} lines/s", f"app.log alone, {kept_one:,} kept"),
            (f"{name}: row by row", f"{_rate(part, slow_s)} rows/s",
             f"the merged rows tested one by one (before), first {part:,} rows: merged view now "
             f"{fast_rate / slow_rate:.1f}x faster; rows equal: {'yes' if same else 'NO'}"),
        ]
    merged.close()
    return rows


def plain_memory(paths: list[Path]) -> tuple[int, int]:
    """RSS growth of the three files opened and indexed as plain LogFiles: the floor under any
    view of them (each LogFile also keeps its scan buffers)."""
    warm_up(paths[0].parent)
    gc.collect()
    before = rss()
    logs = [LogFile.open(p) for p in paths]
    for log in logs:
        log.index(background=False)
    gc.collect()
    grown = rss() - before
    live = live_rss() - before
    for log in logs:
        log.close()
    return grown, live


def merged_and_naive(paths: list[Path], seed: int, baseline: bool) -> tuple[list[Row], dict[str, object]]:
    rows, facts = measure_merged(paths, random.Random(seed))
    if baseline:
        rows += measure_naive(paths, facts)
    return rows, facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=300, help="size of each of the three logs (MB)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive full sort")
    parser.add_argument("--no-filters", action="store_true", help="skip the filter throughput rows")
    args = parser.parse_args()
    need = 3 * (args.size_mb << 20) * 1.1
    free = shutil.disk_usage(tempfile.gettempdir()).free
    if free < need:
        sys.exit(f"need {need / 2**30:.1f} GiB free in {tempfile.gettempdir()}, have {free / 2**30:.1f} GiB")
    spawn = multiprocessing.get_context("spawn")  # fresh processes: no heap left over from generating
    with tempfile.TemporaryDirectory(prefix="logchat-merge-bench-") as tmp:
        gen_s, paths = _timed(lambda: generate(Path(tmp), args.size_mb))
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 2**20:,.0f} MB" for p in paths)  # type: ignore[union-attr]
        print(f"generated {sizes} in {gen_s:.0f} s", flush=True)
        with spawn.Pool(1) as pool:
            plain = pool.apply(plain_memory, (paths,))
        with spawn.Pool(1) as pool:
            rows, facts = pool.apply(merged_and_naive, (paths, args.seed, not args.no_baseline))
        if not args.no_filters:
            with spawn.Pool(1) as pool:
                rows += pool.apply(measure_filters, (paths,))
    index, live = int(facts["index"]), int(facts["live"])  # type: ignore[call-overload]
    plain_rss, plain_live = plain
    own = live - plain_live
    rows.insert(rows.index(next(r for r in rows if r[0].startswith("memory in use"))) + 1, (
        "memory of the merge itself", f"{own / 2**20:.1f} MiB",
        f"in use beyond the 3 files as plain indexed LogFiles ({plain_live / 2**20:.1f} MiB in use, "
        f"{plain_rss / 2**20:.1f} MiB RSS): indexes + merge = {(index + own) / index:.2f}x the indexes"))
    print_rows(rows)
    print("alignments: " + "; ".join(facts["notes"]))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
