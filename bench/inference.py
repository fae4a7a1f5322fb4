"""Local inference: logchat's backend against raw llama-cpp-python, and prefix reuse for follow-ups.

Run from the repository root: .venv/bin/python -m bench.inference [--repeats 3] [--max-tokens 64] [--log-tokens 2000]

Same GGUF, same prompt, same threads, greedy sampling, runs interleaved (raw, logchat, raw, ...)
so background load hits both alike; medians are reported. Time to first token and tokens/s are
measured here, outside both, from the arrival of streamed deltas, so the two are timed the same
way. Targets: logchat within 5 % of raw; a follow-up with the log prefix cached at least 20x
faster to its first token than the same follow-up read from scratch.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from models.context import fit_log
from models.local import LocalBackend
from models.prompts import TASK_QUESTIONS, Task, Turn, build_messages
from models.resolve import bundled_model_path

EXAMPLE = Path(__file__).resolve().parent.parent / "tui" / "examples" / "checkout-incident.log"
FOLLOW_UP = "Which component ran out of database connections, and when did it recover?"


@dataclass
class Timing:
    ttft_s: float
    ttft_cpu_s: float  # CPU seconds of this process to the first token: insensitive to other load
    tokens_per_s: float
    deltas: int


def timed(stream: Iterator[str]) -> tuple[Timing, str]:
    started = time.perf_counter()
    cpu_started = time.process_time()
    first = last = None
    first_cpu = 0.0
    parts: list[str] = []
    for delta in stream:
        last = time.perf_counter()
        if first is None:
            first = last
            first_cpu = time.process_time()
        parts.append(delta)
    assert first is not None and last is not None, "the model produced nothing"
    speed = (len(parts) - 1) / (last - first) if len(parts) > 1 and last > first else float("nan")
    return Timing(first - started, first_cpu - cpu_started, speed, len(parts)), "".join(parts)


def raw_stream(llama: object, messages: list, max_tokens: int) -> Iterator[str]:
    for chunk in llama.create_chat_completion(messages=messages, max_tokens=max_tokens, temperature=0.0, stream=True):
        text = chunk["choices"][0]["delta"].get("content")
        if text:
            yield text


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--log-tokens", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=None, help="default: logchat's own choice")
    args = parser.parse_args()

    from llama_cpp import Llama

    path = bundled_model_path()
    backend = LocalBackend(path, n_ctx_cap=4096, n_threads=args.threads)
    raw = Llama(str(path), n_ctx=4096, n_threads=backend.n_threads, n_threads_batch=backend.n_threads, verbose=False)
    question = TASK_QUESTIONS[Task.SUMMARIZE]
    fitted = fit_log(EXAMPLE.read_text(), question, backend, budget_tokens=args.log_tokens)
    messages = build_messages(fitted.text, [Turn(question)])
    prompt_tokens = len(backend.prompt_tokens(messages))
    print(f"model {path.name}, {backend.n_threads} thread(s), prompt {prompt_tokens} tokens "
          f"({fitted.policy}), answer up to {args.max_tokens} tokens, {args.repeats} runs each\n")

    raw_runs: list[Timing] = []
    ours: list[Timing] = []
    answer = ""
    for _ in range(args.repeats):
        raw.reset()  # no cached prefix: every run reads the whole prompt
        raw_runs.append(timed(raw_stream(raw, messages, args.max_tokens))[0])
        backend.llama.reset()
        timing, answer = timed(backend.stream(messages, max_tokens=args.max_tokens, temperature=0.0))
        ours.append(timing)

    follow_up = build_messages(fitted.text, [Turn(question, answer), Turn(FOLLOW_UP)])
    cold: list[Timing] = []
    warm: list[Timing] = []
    evaluated_cold: list[int] = []
    evaluated_warm: list[int] = []
    for _ in range(args.repeats):
        backend.llama.reset()
        cold.append(timed(backend.stream(follow_up, max_tokens=8, temperature=0.0))[0])
        evaluated_cold.append(backend.last_usage.prompt_tokens_evaluated or 0)
        # The conversation as it really happens: first question, then the follow-up.
        backend.llama.reset()
        list(backend.stream(messages, max_tokens=args.max_tokens, temperature=0.0))
        warm.append(timed(backend.stream(follow_up, max_tokens=8, temperature=0.0))[0])
        evaluated_warm.append(backend.last_usage.prompt_tokens_evaluated or 0)

    raw_ttft, our_ttft = median([t.ttft_s for t in raw_runs]), median([t.ttft_s for t in ours])
    raw_tps, our_tps = median([t.tokens_per_s for t in raw_runs]), median([t.tokens_per_s for t in ours])
    raw_cpu, our_cpu = median([t.ttft_cpu_s for t in raw_runs]), median([t.ttft_cpu_s for t in ours])
    print(f"{'run':<36}{'TTFT s':>9}{'TTFT CPU s':>12}{'tokens/s':>10}{'prompt tokens read':>20}")
    print(f"{'raw llama-cpp-python (baseline)':<36}{raw_ttft:>9.3f}{raw_cpu:>12.3f}{raw_tps:>10.1f}{prompt_tokens:>20}")
    print(f"{'logchat LocalBackend':<36}{our_ttft:>9.3f}{our_cpu:>12.3f}{our_tps:>10.1f}{prompt_tokens:>20}")
    cold_ttft, warm_ttft = median([t.ttft_s for t in cold]), median([t.ttft_s for t in warm])
    cold_cpu, warm_cpu = median([t.ttft_cpu_s for t in cold]), median([t.ttft_cpu_s for t in warm])
    print(f"{'follow-up, cache reset (baseline)':<36}{cold_ttft:>9.3f}{cold_cpu:>12.3f}{'':>10}{int(median(evaluated_cold)):>20}")
    print(f"{'follow-up, prefix reused':<36}{warm_ttft:>9.3f}{warm_cpu:>12.3f}{'':>10}{int(median(evaluated_warm)):>20}")
    print()
    print(f"TTFT overhead vs raw:      {100 * (our_ttft / raw_ttft - 1):+.1f} % wall, "
          f"{100 * (our_cpu / raw_cpu - 1):+.1f} % CPU  (target <= +5 %)")
    print(f"tokens/s vs raw:           {100 * (our_tps / raw_tps - 1):+.1f} %  (target >= -5 %)")
    print(f"follow-up TTFT speed-up:   {cold_ttft / warm_ttft:.1f}x wall, {cold_cpu / warm_cpu:.1f}x CPU  (target >= 20x)")
    backend.close()
    raw.close()


if __name__ == "__main__":
    main()
