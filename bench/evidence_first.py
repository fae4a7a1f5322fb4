"""Benchmark: evidence first in the app. Root cause shows the findings card long before the
model's first token; the baseline is that first token, measured in the same run.

For each log and scope, the app is driven headless (Textual's `run_test`, 120x40) with the
bundled model loaded; the clock starts at the key press (`2`, Root cause) and stops when the UI
thread has mounted the findings card, then when it has written the answer's first fragment. Target: the card in
<= 1 s, before the first token.

Usage:  .venv/bin/python bench/evidence_first.py [--lines 20000] [--max-tokens 16]
The generated log (the bundled example's incident padded with repeated healthy traffic) lives in
/tmp and is deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
# Run as a script, bench/ comes first on sys.path and bench/logcore.py would shadow the package.
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != BENCH]

from logcore.reader import LogFile  # noqa: E402
from models.settings import Settings  # noqa: E402
from tui.app import LogchatApp  # noqa: E402
from tui.chat_pane import ChatPane  # noqa: E402

SHOWN: dict[str, float] = {}  # when the UI thread mounted the card / wrote the first fragment


def _timed(name: str, handler):
    async def wrapper(self, message):
        await handler(self, message)
        SHOWN.setdefault(name, time.monotonic())

    return wrapper


# Pilot's key press returns only once the app is idle, so the times are taken where the UI
# thread shows each result, not where the press returns.
ChatPane.on_findings_ready = _timed("card", ChatPane.on_findings_ready)
ChatPane.on_answer_chunk = _timed("first", ChatPane.on_answer_chunk)

EXAMPLE = REPO / "tui" / "examples" / "checkout-incident.log"
SCOPES = {"page": 0, "file": 4}  # presses of `s` from the default scope


async def _until(pilot, condition, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await pilot.pause(0.01)


async def measure(path: Path, scope: str, max_tokens: int) -> tuple[float, float]:
    log = LogFile.open(path)
    log.index(background=False)
    app = LogchatApp([log], settings=Settings(max_tokens=max_tokens))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(pilot, lambda: app.backend is not None)
            for _ in range(SCOPES[scope]):
                await pilot.press("s")
            await pilot.pause(0.5)
            SHOWN.clear()
            start = time.monotonic()
            await pilot.press("2")
            await _until(pilot, lambda: not app.generating)
            return SHOWN["card"] - start, SHOWN["first"] - start
    finally:
        log.close()


def padded_log(lines: int, directory: Path) -> Path:
    """The example incident after `lines` of its own healthy traffic (timestamps left as they are)."""
    example = EXAMPLE.read_text().splitlines()
    healthy = [line for line in example[1:60] if " INFO " in line]
    padding = [healthy[i % len(healthy)] for i in range(max(0, lines - len(example)))]
    path = directory / "padded.log"
    path.write_text("\n".join(example[:1] + padding + example[1:]) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--max-tokens", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("example (234 lines)", EXAMPLE), (f"padded ({args.lines:,} lines)", padded_log(args.lines, Path(tmp)))]
        print(f"{'log':24} {'scope':6} {'card s':>8} {'1st token s':>12} {'card earlier':>13}")
        for name, path in cases:
            for scope in SCOPES:
                card, first = asyncio.run(measure(path, scope, args.max_tokens))
                print(f"{name:24} {scope:6} {card:8.2f} {first:12.2f} {first / card:12.0f}x")


if __name__ == "__main__":
    main()
