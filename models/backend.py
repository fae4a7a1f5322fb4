"""The one interface every model speaks: stream text deltas, report usage, stop on request.

The CLI, the TUI, synth and evalkit only ever hold a `Backend`, so a local GGUF and a remote
endpoint are interchangeable everywhere.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

from models.prompts import Message


@dataclass
class Usage:
    """What one answer cost. `prompt_tokens_evaluated` is below `prompt_tokens` when a cached
    prefix was reused (local backend); remote servers do not say, so it equals `prompt_tokens`."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    ttft_s: float | None = None
    generation_s: float = 0.0
    prompt_tokens_evaluated: int | None = None
    estimated: bool = False  # prompt_tokens is an estimate (remote server reported none)

    @property
    def tokens_per_s(self) -> float | None:
        """Generation speed after the first token, the figure users compare between models."""
        if self.completion_tokens < 2 or self.generation_s <= 0:
            return None
        return (self.completion_tokens - 1) / self.generation_s

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tokens_per_s"] = self.tokens_per_s
        return data


@runtime_checkable
class Backend(Protocol):
    name: str
    context_size: int
    last_usage: Usage

    def count_tokens(self, text: str) -> int:
        """Exact for a local model; a stated estimate for a remote one (`counts_exact`)."""
        ...

    @property
    def counts_exact(self) -> bool: ...

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.2,
        json_schema: dict | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        """Yield text deltas; `last_usage` is final once the iterator ends. Setting `cancel`
        ends the stream early without an error."""
        ...

    def close(self) -> None: ...


def complete(backend: Backend, messages: list[Message], **kwargs: Any) -> str:
    """The whole answer at once, for callers that do not display a stream (synth, evalkit)."""
    return "".join(backend.stream(messages, **kwargs))
