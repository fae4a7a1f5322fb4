"""Does a GGUF export compute what the HF model computes? Measured, not assumed.

Both models read the same token ids (the HF chat template applied to three task prompts over a
small log, in the training format); their next-token logits are compared at each of the last 8
positions of every prompt. Then the GGUF answers one chat turn through logchat's local backend
(llama_cpp directly when that backend is absent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from logcore.errors import ModelError

VERIFY_LOG = (
    "2024-03-01 10:00:01 INFO  api   request id=17 path=/health status=200\n"
    "2024-03-01 10:00:02 ERROR db    connection refused host=10.0.0.5 port=5432\n"
    "2024-03-01 10:00:03 WARN  api   retrying request id=18 attempt=2\n"
    "2024-03-01 10:00:04 ERROR db    connection refused host=10.0.0.5 port=5432"
)


def verify_prompts() -> list[list[dict[str, str]]]:
    from models.prompts import Task, task_messages

    return [task_messages(task, VERIFY_LOG) for task in (Task.SUMMARIZE, Task.ROOT_CAUSE, Task.PATTERNS)]


@dataclass
class VerifyReport:
    gguf: str
    positions: int = 0
    top1_agree: int = 0
    max_logit_diff: float = 0.0
    mean_logit_diff: float = 0.0
    tokenizer_agree: int = 0
    prompts: int = 0
    chat_reply: str = ""
    chat_via: str = ""

    @property
    def top1_rate(self) -> float:
        return self.top1_agree / self.positions if self.positions else 0.0

    def line(self) -> str:
        return (f"{Path(self.gguf).name}: top-1 agreement {self.top1_agree}/{self.positions} "
                f"({self.top1_rate:.1%}), max |logit diff| {self.max_logit_diff:.4f}, "
                f"mean {self.mean_logit_diff:.4f}, tokenizer agreement {self.tokenizer_agree}/{self.prompts}, "
                f"chat reply ({self.chat_via}): {self.chat_reply[:60]!r}")


@dataclass
class Reference:
    """One prompt as the HF model saw it: rendered text, token ids, logits of the last positions."""

    messages: list[dict[str, str]]
    text: str
    ids: list[int]
    logits: np.ndarray


def hf_reference(model: Any, tokenizer: Any, prompts: Sequence[list[dict[str, str]]], last_n: int = 8) -> list[Reference]:
    import torch

    out = []
    model.eval()
    for messages in prompts:
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids], device=model.device), use_cache=False).logits[0, -last_n:]
        out.append(Reference(messages, text, list(ids), logits.float().cpu().numpy()))
    return out


def _chat_turn(gguf_path: Path, messages: list[dict[str, str]], n_threads: int) -> tuple[str, str]:
    import importlib.util

    if importlib.util.find_spec("models.resolve") is not None:
        from models.resolve import resolve_backend

        backend = resolve_backend(f"gguf:{gguf_path}")
        try:
            return "".join(backend.stream(messages, max_tokens=24, temperature=0.0)), "models.resolve"
        finally:
            backend.close()
    import llama_cpp

    llm = llama_cpp.Llama(str(gguf_path), n_ctx=1024, n_threads=n_threads, verbose=False)
    try:
        reply = llm.create_chat_completion(messages, max_tokens=24, temperature=0.0)
    finally:
        llm.close()
    return reply["choices"][0]["message"]["content"] or "", "llama_cpp"


def verify_gguf(gguf_path: str | Path, references: Sequence[Reference], *, n_threads: int = 1,
                chat: bool = True) -> VerifyReport:
    """Compares the GGUF's logits with the HF model's on the same token ids, then chats once."""
    import llama_cpp

    gguf_path = Path(gguf_path)
    if not gguf_path.is_file():
        raise ModelError(f"GGUF file {gguf_path} not found: export it first")
    report = VerifyReport(gguf=str(gguf_path), prompts=len(references))
    longest = max(len(ref.ids) for ref in references)
    llm = llama_cpp.Llama(str(gguf_path), n_ctx=max(512, longest + 64), n_threads=n_threads,
                          logits_all=True, verbose=False)
    try:
        diffs = []
        for ref in references:
            own_ids = llm.tokenize(ref.text.encode("utf-8"), add_bos=False, special=True)
            report.tokenizer_agree += int(own_ids == ref.ids)
            llm.reset()
            llm.eval(ref.ids)
            n = len(ref.ids)
            got = np.asarray(llm.scores[n - len(ref.logits): n], dtype=np.float32)
            report.positions += len(ref.logits)
            report.top1_agree += int((got.argmax(-1) == ref.logits.argmax(-1)).sum())
            diffs.append(np.abs(got - ref.logits).ravel())
    finally:
        llm.close()
    every = np.concatenate(diffs)
    report.max_logit_diff = float(every.max())
    report.mean_logit_diff = float(every.mean())
    if chat:
        report.chat_reply, report.chat_via = _chat_turn(gguf_path, references[0].messages, n_threads)
    return report
