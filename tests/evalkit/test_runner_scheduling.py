"""Scheduling of `eval run` against an endpoint: bounded concurrency and one backend per worker.

The backend here is a stand-in that only records timing: how many answers are in flight at
once is not something a real server reports.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from evalkit.runner import RunConfig, run_eval
from evalkit.testset import load_test_set
from models.backend import Usage
from models.prompts import Message


class TimingBackend:
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def __init__(self, name: str) -> None:
        self.name = name
        self.context_size = 8192
        self.last_usage = Usage()
        self.counts_exact = False
        self.closed = False

    def count_tokens(self, text: str) -> int:
        return len(text) // 4

    def stream(self, messages: list[Message], *, max_tokens: int | None = None, temperature: float = 0.2,
               json_schema: dict | None = None, cancel: threading.Event | None = None) -> Iterator[str]:
        with TimingBackend.lock:
            TimingBackend.in_flight += 1
            TimingBackend.peak = max(TimingBackend.peak, TimingBackend.in_flight)
        time.sleep(0.05)
        self.last_usage = Usage(prompt_tokens=10, completion_tokens=2, ttft_s=0.05, generation_s=0.01)
        with TimingBackend.lock:
            TimingBackend.in_flight -= 1
        yield f"answer to: {messages[-1]['content'][:20]}"

    def close(self) -> None:
        self.closed = True


def test_endpoint_answers_run_concurrently_but_never_beyond_the_bound(tiny_test_set: Path, tmp_path: Path) -> None:
    samples = load_test_set(tiny_test_set)
    made: list[TimingBackend] = []

    def factory() -> TimingBackend:
        made.append(TimingBackend("openai:http://stand-in/v1 (m)"))
        return made[-1]

    out = tmp_path / "p.jsonl"
    summary = run_eval(samples, out, factory, RunConfig(concurrency=2, max_tokens=8))

    assert summary.answered == 5 and not summary.failed
    assert TimingBackend.peak == 2
    assert len(made) == 2 and all(b.closed for b in made)
    keys = [json.loads(line)["key"] for line in out.read_text().splitlines()]
    assert sorted(keys) == sorted({*keys})


def test_a_local_model_answers_one_at_a_time(tiny_test_set: Path, tmp_path: Path) -> None:
    TimingBackend.peak = 0
    made: list[TimingBackend] = []

    def factory() -> TimingBackend:
        made.append(TimingBackend("local:stand-in"))
        return made[-1]

    run_eval(load_test_set(tiny_test_set), tmp_path / "p.jsonl", factory, RunConfig(concurrency=4, max_tokens=8))
    assert TimingBackend.peak == 1 and len(made) == 1
