"""Reading benchmark: newline-index speed and size, time to the first screen, format accuracy.

Run: `.venv/bin/python bench/logcore_reading.py` (LOGCHAT_BENCH_MB=1024 sets the generated file's
size). The file is built from real loghub lines in a temporary folder and deleted afterwards. Both
baselines index the same file in the same run:
- "naive": `for line in f` appending each offset to a Python list;
- "toolong-style": mmap + `rfind` backwards, batches extended into one list that is re-sorted per
  batch (what Toolong does; see /work/shared/NOTES.md).
Timings are on a warm page cache (the file was just written), on a shared 2-core machine.
"""

from __future__ import annotations

import csv
import gzip
import mmap
import os
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# Run as a script, this folder comes first on sys.path and bench/logcore.py would shadow the
# `logcore` package; drop it before importing the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(BENCH.parent))  # the repo root: `bench.table` and the packages

from logcore.formats import detect_format, parse_records  # noqa: E402
from logcore.reader import LogFile  # noqa: E402
from bench.table import Row, print_rows  # noqa: E402

REPO = BENCH.parent
LOGHUB = Path(os.environ.get("LOGCHAT_LOGHUB", REPO.parent / "shared" / "loghub"))
SCREEN = 50



def loghub_systems() -> list[Path]:
    return sorted(p for p in LOGHUB.iterdir() if p.is_dir()) if LOGHUB.is_dir() else []


def sample_block() -> bytes:
    """About 4 MB of real log lines (loghub when present, else a synthetic Java-style log)."""
    lines: list[bytes] = []
    for system in loghub_systems():
        lines += next(system.glob("*.log")).read_bytes().splitlines()
    if not lines:
        lines = [b"2024-01-01 00:00:%02d,%03d INFO [worker-%d] com.acme.Service: request %d served in %d ms"
                 % (i % 60, i % 1000, i % 8, i, i % 977) for i in range(20_000)]
    block = b"\n".join(lines) + b"\n"
    return block * max(1, (4 << 20) // len(block))


def generate(path: Path, megabytes: int) -> int:
    block = sample_block()
    target = megabytes << 20
    with path.open("wb") as f:
        written = 0
        while written < target:
            f.write(block)
            written += len(block)
    return path.stat().st_size


def index_ours(path: Path) -> tuple[float, int, int]:
    start = time.perf_counter()
    with LogFile.open(path) as log:
        log.index(background=False)
        elapsed = time.perf_counter() - start
        return elapsed, log.line_count, log.index_bytes


def list_bytes(offsets: list[int]) -> int:
    return sys.getsizeof(offsets) + sum(map(sys.getsizeof, offsets))


def index_naive(path: Path) -> tuple[float, int, int]:
    start = time.perf_counter()
    offsets = [0]
    pos = 0
    with path.open("rb") as f:
        for line in f:
            pos += len(line)
            offsets.append(pos)
    elapsed = time.perf_counter() - start
    return elapsed, len(offsets) - 1, list_bytes(offsets)


def index_toolong_style(path: Path, batch_time: float = 0.25) -> tuple[float, int, int]:
    start = time.perf_counter()
    breaks: list[int] = []
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ) as data:
        rfind = data.rfind
        position = len(data)
        batch: list[int] = []
        flushed = time.monotonic()
        while (position := rfind(b"\n", 0, position)) != -1:
            batch.append(position)
            if len(batch) % 1000 == 0 and time.monotonic() - flushed > batch_time:
                breaks.extend(batch)
                breaks.sort()
                batch = []
                flushed = time.monotonic()
        breaks.extend(batch)
        breaks.sort()
    elapsed = time.perf_counter() - start
    return elapsed, len(breaks), list_bytes(breaks)


def first_screen(path: Path) -> tuple[float, float]:
    """Seconds until the first and the last screenful are readable after opening."""
    start = time.perf_counter()
    with LogFile.open(path) as log:
        log.index()
        while log.line_count < SCREEN and not log.indexing_done:
            time.sleep(0.001)
        head = log.lines(0, SCREEN)
        head_s = time.perf_counter() - start
    assert len(head) == SCREEN
    start = time.perf_counter()
    with LogFile.open(path) as log:
        tail = log.tail_lines(SCREEN)
        tail_s = time.perf_counter() - start
    assert len(tail) == SCREEN
    return head_s, tail_s


def gz_first_screen(path: Path, tmpdir: Path, megabytes: int = 256) -> Row:
    """First screen of a gzip log (streamed into the spool) against decompressing it all first."""
    gz = tmpdir / "bench.log.gz"
    try:
        with path.open("rb") as src, gzip.open(gz, "wb", compresslevel=1) as dst:
            left = megabytes << 20
            while left > 0 and (chunk := src.read(min(left, 4 << 20))):
                dst.write(chunk)
                left -= len(chunk)
        start = time.perf_counter()
        with LogFile.open(gz) as log:
            log.index()
            while log.line_count < SCREEN and not log.indexing_done:
                time.sleep(0.001)
            assert len(log.lines(0, SCREEN)) == SCREEN
            head_s = time.perf_counter() - start
        start = time.perf_counter()
        with gzip.open(gz, "rb") as f:
            while f.read(4 << 20):
                pass
        whole_s = time.perf_counter() - start
        return ("first screenful, .gz head", f"{head_s * 1000:.1f} ms",
                f"{gz.stat().st_size / (1 << 20):,.0f} MB gzip of {megabytes} MB text; decompressing it all "
                f"first takes {whole_s:.2f} s, {whole_s / head_s:,.0f}x longer")
    finally:
        gz.unlink(missing_ok=True)


def format_accuracy() -> list[Row]:
    """Share of loghub lines whose parsed message equals the Content column."""
    rows: list[Row] = []
    for system in loghub_systems():
        log = next(system.glob("*.log"))
        truth = list(csv.DictReader(next(system.glob("*_structured.csv")).open(encoding="utf-8", newline="")))
        lines = log.read_bytes().decode("utf-8", "replace").splitlines()
        fmt = detect_format(lines)
        messages = {r.line: r.message for r in parse_records(lines, fmt)}
        same = sum(messages.get(i) == row["Content"] for i, row in enumerate(truth))
        rows.append((f"message == Content, {system.name}", f"{same / len(truth):.2%}",
                     f"{same}/{len(truth)} lines, detected as {fmt.name}"))
    return rows


def parse_speed() -> Row:
    """Records per second once the format is known (detection runs once per file)."""
    total_lines, total_s = 0, 0.0
    for system in loghub_systems():
        lines = next(system.glob("*.log")).read_bytes().decode("utf-8", "replace").splitlines() * 10
        fmt = detect_format(lines)
        start = time.perf_counter()
        for _ in parse_records(lines, fmt):
            pass
        total_s += time.perf_counter() - start
        total_lines += len(lines)
    if not total_lines:
        return ("parse_records speed", "n/a", "loghub not found")
    return ("parse_records speed", f"{total_lines / total_s:,.0f} lines/s",
            f"{total_lines:,} loghub lines (each system x10), format detected once per system")


def run(tmpdir: Path) -> list[Row]:
    megabytes = int(os.environ.get("LOGCHAT_BENCH_MB", "1024"))
    path = Path(tmpdir) / "bench-1g.log"
    rows: list[Row] = []
    try:
        size = generate(path, megabytes)
        mb = size / (1 << 20)
        ours_s, lines, ours_bytes = index_ours(path)
        rows.append(("index speed (ours)", f"{mb / ours_s:,.0f} MB/s",
                     f"{mb:,.0f} MB, {lines:,} lines in {ours_s:.2f} s"))
        rows.append(("index size (ours)", f"{ours_bytes / lines:.2f} bytes/line", "int64 chunks, append-only"))
        baseline_s: dict[str, float] = {}
        for name, fn in (("naive for-line", index_naive), ("toolong-style", index_toolong_style)):
            base_s, base_lines, base_bytes = fn(path)
            baseline_s[name] = base_s
            assert base_lines == lines, (name, base_lines, lines)
            rows.append((f"index speed ({name})", f"{mb / base_s:,.0f} MB/s",
                         f"{base_s:.2f} s; ours is {base_s / ours_s:.1f}x faster"))
            rows.append((f"index size ({name})", f"{base_bytes / lines:.2f} bytes/line",
                         f"ours is {base_bytes / ours_bytes:.1f}x smaller"))
        head_s, tail_s = first_screen(path)
        rows.append(("first screenful, head", f"{head_s * 1000:.1f} ms",
                     f"open + first {SCREEN} lines of {mb:,.0f} MB while indexing runs; "
                     f"a viewer that indexes first (naive) needs {baseline_s['naive for-line']:.2f} s, "
                     f"{baseline_s['naive for-line'] / head_s:,.0f}x longer"))
        rows.append(("first screenful, tail", f"{tail_s * 1000:.1f} ms",
                     f"open + last {SCREEN} lines, before any index"))
        rows.append(gz_first_screen(path, Path(tmpdir), min(256, megabytes)))
    finally:
        path.unlink(missing_ok=True)
    rows += format_accuracy()
    rows.append(parse_speed())
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="logchat-bench-") as tmp:
        rows = run(Path(tmp))
    print_rows(rows)


if __name__ == "__main__":
    main()
