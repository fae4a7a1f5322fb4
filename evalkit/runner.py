"""`logchat eval run`: answer every turn of a test set with one model, resumably.

Each turn is answered with the reference history before it (never the model's own earlier
answers), so turns are independent units: a run can stop anywhere and resume, and remote
endpoints can take several at once. A local model answers one at a time, turn after turn of a
sample, so its KV cache reuses the shared prefix (the log) between turns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from logcore.errors import LogchatError, LogInputError
from models.backend import Backend
from models.context import log_budget
from logcore.append_log import AppendLog
from evalkit.testset import EvalSample

ContextMode = Literal["raw", "digest"]
CONTEXT_MODES: tuple[ContextMode, ...] = ("raw", "digest")


@dataclass(frozen=True)
class RunConfig:
    context: ContextMode = "raw"
    max_tokens: int = 512
    temperature: float = 0.0
    concurrency: int = 4  # endpoints only; a local model always answers one at a time
    log_tokens: int | None = None  # digest budget; None: models.context's default for the backend


@dataclass
class RunSummary:
    answered: int = 0
    skipped: int = 0  # already in the predictions file
    failed: list[str] = field(default_factory=list)  # "sample#turn: reason"
    first_error: LogchatError | None = None
    notes: list[str] = field(default_factory=list)


class Cancelled(Exception):
    """The run is stopping; the partial answer is dropped and asked again on resume."""


@dataclass(frozen=True)
class Unit:
    sample: EvalSample
    turn: int

    @property
    def key(self) -> str:
        return f"{self.sample.id}#{self.turn + 1}"


def units(samples: list[EvalSample]) -> Iterator[Unit]:
    for sample in samples:
        for turn in range(len(sample.turns)):
            yield Unit(sample, turn)


class ContextBuilder:
    """The log text the model reads for a sample: the sample's own (raw) or its digest.

    A raw log that does not fit the context goes through the digest too, and the record says
    so: scoring must know which answers saw less than the whole log.
    """

    def __init__(self, backend: Backend, config: RunConfig) -> None:
        self.backend = backend
        self.config = config
        self._cache: dict[str, tuple[str, str, int, list[str]]] = {}
        self._lock = threading.Lock()

    def build(self, sample: EvalSample) -> tuple[str, str, int, list[str]]:
        """(log text, policy, tokens, omitted notes), computed once per sample."""
        with self._lock:
            if sample.id not in self._cache:
                self._cache[sample.id] = self._build(sample)
            return self._cache[sample.id]

    def _build(self, sample: EvalSample) -> tuple[str, str, int, list[str]]:
        history = sum(self.backend.count_tokens(t.question + (t.answer or "")) for t in sample.turns[:-1])
        reserve = self.config.max_tokens + history
        question = sample.turns[0].question
        if self.config.context == "raw":
            available = log_budget(self.backend, question, reserve_tokens=reserve, budget_tokens=self.backend.context_size)
            tokens = self.backend.count_tokens(sample.log)
            if tokens <= available:
                return sample.log, "whole log", tokens, []
            budget = available
        else:
            budget = log_budget(self.backend, question, reserve_tokens=reserve, budget_tokens=self.config.log_tokens)
        from logcore.digest import build_digest

        digest = build_digest(
            sample.raw_lines(), budget, self.backend.count_tokens,
            first_line=sample.first_line, source=sample.system or sample.chunk_id,
        )
        return digest.text, "digest", digest.tokens, list(digest.omitted)


def answer(backend: Backend, unit: Unit, contexts: ContextBuilder, config: RunConfig, spec: str,
           cancel: threading.Event) -> dict[str, Any]:
    sample, turn = unit.sample, unit.turn
    log, policy, log_tokens, omitted = contexts.build(sample)
    messages = sample.messages(turn, log)
    started = time.perf_counter()
    first_at: float | None = None
    parts: list[str] = []
    for delta in backend.stream(messages, max_tokens=config.max_tokens, temperature=config.temperature, cancel=cancel):
        if first_at is None:
            first_at = time.perf_counter()
        parts.append(delta)
    if cancel.is_set():
        raise Cancelled(unit.key)
    latency = time.perf_counter() - started
    usage = backend.last_usage
    return {
        "key": unit.key,
        "sample_id": sample.id,
        "turn": turn + 1,
        "turns": len(sample.turns),
        "task": sample.task,
        "system": sample.system,
        "chunk_id": sample.chunk_id,
        "model": backend.name,
        "model_spec": spec,
        "context": config.context,
        "max_tokens": config.max_tokens,
        "temperature": config.temperature,
        "question": sample.turns[turn].question,
        "prediction": "".join(parts),
        "reference": sample.turns[turn].answer,
        "log": sample.log,
        "first_line": sample.first_line,
        "labels": {str(k): v for k, v in sample.labels.items()},
        "labelled": sample.labelled,
        "redaction": dict(getattr(backend, "last_redaction", {}) or {}),  # remote backends mask secrets
        "context_policy": policy,
        "context_tokens": log_tokens,
        "context_text": None if log == sample.log else log,  # what the model read instead of the log
        "omitted": omitted,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "latency_s": round(latency, 4),
        "ttft_s": round(usage.ttft_s if usage.ttft_s is not None else (first_at or time.perf_counter()) - started, 4),
        "tokens_per_s": round(usage.tokens_per_s, 3) if usage.tokens_per_s is not None else None,
    }


def check_compatible(log: AppendLog, backend_name: str, config: RunConfig) -> None:
    """Refuse to mix answers from another model or setup into one predictions file."""
    for record in log.records[:1]:
        theirs = (record.get("model"), record.get("context"), record.get("max_tokens"))
        ours = (backend_name, config.context, config.max_tokens)
        if theirs != ours:
            raise LogInputError(
                f"{log.path} holds answers from model {theirs[0]} (context {theirs[1]}, max_tokens {theirs[2]}), "
                f"not {ours[0]} (context {ours[1]}, max_tokens {ours[2]}); use another --out or the same settings"
            )


def concurrency(backend: Backend, config: RunConfig, todo: int, notes: list[str]) -> int:
    """Answers in flight: one for a local model (prefix reuse) and for llama_cpp.server, which
    interrupts a running stream when the next request arrives; else the configured bound."""
    from models.endpoint import LLAMA_CPP_PYTHON

    if backend.name.startswith("local:"):
        return 1
    if getattr(backend, "server", None) == LLAMA_CPP_PYTHON and config.concurrency > 1:
        notes.append(f"{LLAMA_CPP_PYTHON} answers one request at a time and interrupts the one running; "
                     f"using 1 answer in flight instead of {config.concurrency}")
        return 1
    return max(1, min(config.concurrency, todo))


def run_eval(
    samples: list[EvalSample],
    out: Path,
    backend_factory: Callable[[], Backend],
    config: RunConfig,
    *,
    spec: str = "",
    progress: Callable[[int], Any] | None = None,
    on_total: Callable[[int], Any] | None = None,
    cancel: threading.Event | None = None,
) -> RunSummary:
    """Answer every unit not yet in `out`. `progress(n)` is called as answers land."""
    cancel = cancel or threading.Event()
    summary = RunSummary()
    first = backend_factory()
    backends = [first]
    try:
        with AppendLog(out) as log:
            check_compatible(log, first.name, config)
            todo = [u for u in units(samples) if u.key not in log.keys]
            summary.skipped = sum(1 for _ in units(samples)) - len(todo)
            if on_total:
                on_total(len(todo))
            workers = concurrency(first, config, len(todo), summary.notes)
            pool_backends: list[Backend] = [first]
            free: list[Backend] = [first]
            contexts = ContextBuilder(first, config)
            for _ in range(workers - 1):
                extra = backend_factory()
                pool_backends.append(extra)
                free.append(extra)
            backends = pool_backends
            free_lock = threading.Lock()

            def job(unit: Unit) -> dict[str, Any]:
                with free_lock:
                    backend = free.pop()
                try:
                    return answer(backend, unit, contexts, config, spec, cancel)
                finally:
                    with free_lock:
                        free.append(backend)

            with ThreadPoolExecutor(max_workers=workers) as pool:
                pending: dict[Future[dict[str, Any]], Unit] = {}
                queue = iter(todo)
                try:
                    while True:
                        while len(pending) < workers and (unit := next(queue, None)) is not None:
                            pending[pool.submit(job, unit)] = unit
                        if not pending:
                            break
                        done, _ = wait(pending, return_when=FIRST_COMPLETED)
                        for future in done:
                            unit = pending.pop(future)
                            try:
                                log.add(future.result())
                                summary.answered += 1
                            except LogchatError as error:
                                summary.failed.append(f"{unit.key}: {error}")
                                summary.first_error = summary.first_error or error
                            if progress:
                                progress(1)
                except BaseException:
                    cancel.set()
                    for future in pending:
                        future.cancel()
                    raise
    finally:
        for backend in backends:
            backend.close()
    return summary
