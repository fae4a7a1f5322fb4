"""The local backend on the bundled GGUF: streaming, usage, prefix reuse, cancel, JSON, bad files."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import jsonschema
import pytest

from logcore.errors import ExitCode, ModelError
from models.local import LocalBackend, default_threads
from models.prompts import Turn, build_messages, task_messages

LOG = "\n".join(
    f"2026-03-14T14:0{i // 60}:{i % 60:02d}Z {'ERROR' if i % 7 == 0 else 'INFO'} [db-pool] "
    f"pool=checkout-db active={min(20, i)} waiting={max(0, i - 20)} req=r{i:04d}"
    for i in range(16)
)
SHORT_LOG = "\n".join(LOG.splitlines()[:4])


def test_reads_context_and_template_from_the_gguf(local_backend: LocalBackend) -> None:
    # 4096 is the cap asked for; the GGUF itself allows 8192.
    assert local_backend.context_size == 4096
    assert local_backend.name == "local:SmolLM2-135M-Instruct.Q4_1"
    tokens = local_backend.prompt_tokens(task_messages("summarize", "x"))
    text = local_backend.llama.detokenize(tokens, special=True).decode()
    assert text.startswith("<|im_start|>system\nYou are logchat")  # SmolLM2's ChatML template
    assert text.endswith("<|im_start|>assistant\n")


def test_context_never_exceeds_what_the_model_was_trained_for(smollm2_path: Path) -> None:
    backend = LocalBackend(smollm2_path, n_ctx_cap=1_000_000, n_threads=1)
    try:
        assert backend.context_size == 8192
    finally:
        backend.close()


def test_default_threads_leave_a_core_free() -> None:
    import os

    threads = default_threads()
    assert 1 <= threads <= max(1, len(os.sched_getaffinity(0)) - 1)


def test_streams_text_and_reports_usage(local_backend: LocalBackend) -> None:
    deltas = list(local_backend.stream(task_messages("summarize", SHORT_LOG), max_tokens=24, temperature=0.0))
    usage = local_backend.last_usage
    assert len(deltas) > 3 and "".join(deltas).strip()
    assert usage.prompt_tokens == len(local_backend.prompt_tokens(task_messages("summarize", SHORT_LOG)))
    assert 1 <= usage.completion_tokens <= 24
    assert usage.ttft_s is not None and usage.ttft_s > 0
    assert usage.tokens_per_s is None or usage.tokens_per_s > 0


def test_follow_up_reuses_the_cached_log_prefix(local_backend: LocalBackend) -> None:
    first = build_messages(LOG, [Turn("What is the pool size?")])
    local_backend.llama.reset()  # nothing cached: the whole prompt is read
    answer = "".join(local_backend.stream(first, max_tokens=16, temperature=0.0))
    cold = local_backend.last_usage
    assert cold.prompt_tokens_evaluated == cold.prompt_tokens

    follow_up = build_messages(LOG, [Turn("What is the pool size?", answer), Turn("Which requests failed?")])
    list(local_backend.stream(follow_up, max_tokens=8, temperature=0.0))
    warm = local_backend.last_usage
    assert warm.prompt_tokens > cold.prompt_tokens > 500
    # Only the answer and the new question are read again, not the ~450-token log.
    assert warm.prompt_tokens_evaluated < 60
    assert warm.prompt_tokens_evaluated * 8 < cold.prompt_tokens_evaluated


def test_cancel_stops_generation_between_tokens(local_backend: LocalBackend) -> None:
    cancel = threading.Event()
    received = []
    for delta in local_backend.stream(task_messages("summarize", "one line"), max_tokens=200, cancel=cancel):
        received.append(delta)
        if len(received) == 3:
            cancel.set()
    assert len(received) == 3
    assert local_backend.last_usage.completion_tokens <= 4


def test_cancel_interrupts_prompt_evaluation(local_backend: LocalBackend) -> None:
    cancel = threading.Event()
    cancel.set()
    local_backend.llama.reset()
    assert list(local_backend.stream(task_messages("patterns", LOG), max_tokens=50, cancel=cancel)) == []
    assert local_backend.last_usage.prompt_tokens_evaluated < local_backend.last_usage.prompt_tokens
    # The model is still usable after an aborted evaluation.
    assert "".join(local_backend.stream(task_messages("summarize", "ok"), max_tokens=4)).strip()


def test_json_schema_output_is_valid(local_backend: LocalBackend) -> None:
    schema = {
        "type": "object",
        "properties": {"severity": {"type": "string", "enum": ["low", "high"]}, "count": {"type": "integer"}},
        "required": ["severity", "count"],
    }
    text = "".join(local_backend.stream(task_messages("summarize", SHORT_LOG), max_tokens=60, json_schema=schema))
    jsonschema.validate(json.loads(text), schema)


def test_prompt_larger_than_context_is_a_model_error(smollm2_path: Path) -> None:
    backend = LocalBackend(smollm2_path, n_ctx_cap=512, n_threads=1)
    try:
        with pytest.raises(ModelError, match="512-token context"):
            list(backend.stream(task_messages("summarize", LOG), max_tokens=10))
    finally:
        backend.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        (b"not a model at all", "not a GGUF file"),
        (b"GGUF\x03\x00\x00\x00" + b"\x00" * 64, "corrupt"),
    ],
)
def test_bad_model_files_fail_with_one_line(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "model.gguf"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=message) as info:
        LocalBackend(path, n_threads=1)
    assert "\n" not in str(info.value)
    assert info.value.exit_code == ExitCode.MODEL


def test_truncated_copy_of_the_real_model_is_corrupt(tmp_path: Path, smollm2_path: Path) -> None:
    path = tmp_path / "half.gguf"
    with smollm2_path.open("rb") as src:
        path.write_bytes(src.read(4_000_000))
    with pytest.raises(ModelError, match="corrupt"):
        LocalBackend(path, n_threads=1)
