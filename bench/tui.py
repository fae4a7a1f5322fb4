"""Benchmark: the log view on a 1 GB log, against Toolong measured the same way in the same run.

Measures, each viewer in a fresh process driven headless (Textual's `run_test`, 100x30):
  - first screen: process start (before imports) to the first rows rendered, and from app start
    (headless, until the app is idle); and in a real terminal (tmux) from launch to the first line shown
  - RSS at first screen and once the line index is complete
  - follow mode: append-to-visible latency (a line appended to the file until it is on screen)

Usage:  .venv/bin/python bench/tui.py [--size-mb 1024] [--appends 40] [--toolong-python PATH]
Toolong is installed in its own venv (it pins an older Textual):
  python3 -m venv /tmp/toolong-venv && /tmp/toolong-venv/bin/pip install toolong
The generated log lives in /tmp and is deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# The child for logchat: imports timed from process start, first screen, RSS, follow latency.
LOGCHAT_CHILD = textwrap.dedent("""
    import asyncio, json, resource, sys, time
    spawn, path, appends = float(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    from logcore.reader import LogFile
    from models.settings import Settings
    from tui.app import LogchatApp
    from tui.log_view import LogView

    def rss_mb():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024

    async def main():
        t0 = time.time()
        log = LogFile.open(path)
        app = LogchatApp([log], settings=Settings(), preload_model=False,
                         backend_factory=lambda spec: None)
        out = {}
        async with app.run_test(size=(100, 30)) as pilot:
            view = app.query_one(LogView)
            while not view.render_line(0).text.strip():
                await pilot.pause(0.001)
            await pilot.pause()
            now = time.time()
            out["first_screen_s"] = now - spawn
            out["first_screen_app_s"] = now - t0
            out["rss_first_mb"] = rss_mb()
            while not log.indexing_done:
                await pilot.pause(0.05)
            out["index_s"] = time.time() - t0
            out["lines"] = log.line_count
            out["rss_indexed_mb"] = rss_mb()
            view.follow = True
            while not view.watching or view.cursor != view.row_count - 1:
                await pilot.pause(0.01)
            await pilot.pause(0.3)
            latencies = []
            with open(path, "a") as f:
                for i in range(appends):
                    marker = f"bench-append-{i}-marker"
                    f.write(f"2026-01-02T00:00:00.000Z ERROR {marker}\\n"); f.flush()
                    start = time.perf_counter()
                    while not any(marker in view.render_line(y).text for y in range(view.scrollable_content_region.height)):
                        await pilot.pause(0.002)
                        if time.perf_counter() - start > 5:
                            break
                    latencies.append(time.perf_counter() - start)
                    await pilot.pause(0.05)
            out["append_latencies_s"] = latencies
        print("RESULT " + json.dumps(out))

    asyncio.run(main())
""")

# The same measurement for Toolong 1.5 (LogLines is its line-API view; tail is on by default).
TOOLONG_CHILD = textwrap.dedent("""
    import asyncio, json, sys, time
    spawn, path, appends = float(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    from toolong.ui import UI
    from toolong.log_lines import LogLines

    def rss_mb():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024

    async def main():
        t0 = time.time()
        app = UI([path])
        out = {}
        async with app.run_test(size=(100, 30)) as pilot:
            while not app.screen.query(LogLines):
                await pilot.pause(0.001)
            view = app.screen.query_one(LogLines)
            def visible():
                return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]
            while not any(row.strip() for row in visible()):
                await pilot.pause(0.001)
            await pilot.pause()
            now = time.time()
            out["first_screen_s"] = now - spawn
            out["first_screen_app_s"] = now - t0
            out["rss_first_mb"] = rss_mb()
            deadline = time.time() + 600
            while view.initial_scan_worker is None or view.initial_scan_worker.is_running:
                await pilot.pause(0.05)
                if time.time() > deadline:
                    break
            out["index_s"] = time.time() - t0
            out["lines"] = view.line_count
            out["rss_indexed_mb"] = rss_mb()
            await pilot.pause(0.5)
            latencies = []
            with open(path, "a") as f:
                for i in range(appends):
                    marker = f"bench-append-{i}-marker"
                    f.write(f"2026-01-02T00:00:00.000Z ERROR {marker}\\n"); f.flush()
                    start = time.perf_counter()
                    while not any(marker in row for row in visible()):
                        await pilot.pause(0.002)
                        if time.perf_counter() - start > 5:
                            break
                    latencies.append(time.perf_counter() - start)
                    await pilot.pause(0.05)
            out["append_latencies_s"] = latencies
        print("RESULT " + json.dumps(out))

    asyncio.run(main())
""")

LEVELS = ("INFO", "INFO", "INFO", "DEBUG", "INFO", "WARN", "INFO", "ERROR")
FIRST_LINE_NEEDLE = "request id=0000000"  # on the generated log's first line


def generate(path: Path, size_bytes: int) -> int:
    """A realistic-looking service log of about `size_bytes` (varied lines, 8 levels mixed)."""
    block = []
    for i in range(10_000):
        level = LEVELS[i % len(LEVELS)]
        block.append(
            f"2026-01-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z {level:<5} "
            f"[worker-{i % 16}] request id={i * 7919 % 1_000_003:07d} path=/api/v1/items/{i % 997} "
            f"status={200 if level != 'ERROR' else 503} took={i % 450}ms user=u-{i % 5003}\n"
        )
    chunk = "".join(block).encode()
    written = lines = 0
    with path.open("wb") as out:
        while written < size_bytes:
            out.write(chunk)
            written += len(chunk)
            lines += len(block)
    return lines


def run_child(python: str, code: str, path: Path, appends: int, env: dict[str, str]) -> dict:
    spawn = time.time()
    proc = subprocess.run([python, "-c", code, str(spawn), str(path), str(appends)],
                          capture_output=True, text=True, timeout=900, cwd=REPO, env=env)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"child failed (rc {proc.returncode}): {proc.stderr[-1500:]}")


def terminal_first_screen(command: list[str], path: Path, needle: str, runs: int = 3) -> float | None:
    """Launch to the first log line on a real terminal's screen (tmux at 100x30), median of runs.

    This is what a person sees: it includes interpreter start and imports, and nothing waits for
    the app to go idle. None when tmux is absent.
    """
    if shutil.which("tmux") is None:
        return None
    times = []
    for _ in range(runs):
        subprocess.run(["tmux", "kill-session", "-t", "logchat-bench"], capture_output=True)
        start = time.perf_counter()
        subprocess.run(["tmux", "new-session", "-d", "-s", "logchat-bench", "-x", "100", "-y", "30",
                        shlex.join([*command, str(path)])], check=True)
        deadline = start + 60
        while time.perf_counter() < deadline:
            pane = subprocess.run(["tmux", "capture-pane", "-p", "-t", "logchat-bench"],
                                  capture_output=True, text=True).stdout
            if needle in pane:
                times.append(time.perf_counter() - start)
                break
            time.sleep(0.005)
        subprocess.run(["tmux", "kill-session", "-t", "logchat-bench"], capture_output=True)
    return statistics.median(times) if times else None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--appends", type=int, default=40)
    parser.add_argument("--toolong-python", default="/tmp/toolong-venv/bin/python")
    args = parser.parse_args()

    env = {**os.environ, "PYTHONPATH": str(REPO), "LOGCHAT_DATA_DIR": tempfile.mkdtemp(prefix="logchat-bench-")}
    results: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="logchat-bench-", dir="/tmp") as tmp:
        t = time.perf_counter()
        for name in ("logchat", "toolong"):
            # A fresh copy per viewer: the appends of one run must not change the other's file.
            path = Path(tmp) / f"{name}.log"
            lines = generate(path, args.size_mb * 1024 * 1024)
        print(f"generated 2 x {args.size_mb} MB ({lines:,} lines each) in {time.perf_counter() - t:.1f} s")
        subprocess.run(["sync"], check=False)
        results["logchat"] = run_child(sys.executable, LOGCHAT_CHILD, Path(tmp) / "logchat.log", args.appends, env)
        if Path(args.toolong_python).exists():
            try:
                results["toolong"] = run_child(args.toolong_python, TOOLONG_CHILD, Path(tmp) / "toolong.log",
                                               args.appends, {**os.environ})
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                skipped["toolong"] = str(exc).splitlines()[-1]
        else:
            skipped["toolong"] = f"{args.toolong_python} not found (install toolong in its own venv, see --help)"
        commands = {"logchat": [str(Path(sys.executable).parent / "logchat")],
                    "toolong": [str(Path(args.toolong_python).parent / "tl")]}
        for name, result in results.items():
            result["terminal_first_s"] = terminal_first_screen(
                commands[name], Path(tmp) / f"{name}.log", FIRST_LINE_NEEDLE)

    rows = [("metric", *results)]

    def add(label: str, key: str, fmt: str) -> None:
        rows.append((label, *(fmt.format(r[key]) for r in results.values())))

    add("first screen from process start (s)", "first_screen_s", "{:.3f}")
    add("first screen from app start, until idle (s)", "first_screen_app_s", "{:.3f}")
    rows.append(("first screen in tmux from launch (s)",
                 *(f"{r['terminal_first_s']:.3f}" if r.get("terminal_first_s") else "n/a" for r in results.values())))
    add("RSS at first screen (MB)", "rss_first_mb", "{:.0f}")
    add("full index (s)", "index_s", "{:.1f}")
    add("lines indexed", "lines", "{:,}")
    add("RSS after full index (MB)", "rss_indexed_mb", "{:.0f}")
    for name, r in results.items():
        r["p50"] = statistics.median(r["append_latencies_s"]) * 1000
        r["p95"] = percentile(r["append_latencies_s"], 0.95) * 1000
    add("follow: append-to-visible p50 (ms)", "p50", "{:.1f}")
    add("follow: append-to-visible p95 (ms)", "p95", "{:.1f}")
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))
    if "toolong" in results:
        mine, base = results["logchat"], results["toolong"]
        print(f"ratio logchat/toolong: first screen {mine['first_screen_s'] / base['first_screen_s']:.2f}x, "
              f"index {mine['index_s'] / base['index_s']:.2f}x, RSS indexed "
              f"{mine['rss_indexed_mb'] / base['rss_indexed_mb']:.2f}x, follow p95 {mine['p95'] / base['p95']:.2f}x")
    for name, why in skipped.items():
        print(f"{name}: not measured: {why}")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    mine = results["logchat"]
    print(f"targets: first screen <= 0.3 s (app start: {mine['first_screen_app_s']:.3f} s, "
          f"in tmux from launch: {mine.get('terminal_first_s') or float('nan'):.3f} s), "
          f"follow p95 <= 100 ms ({mine['p95']:.1f} ms)")


if __name__ == "__main__":
    main()
