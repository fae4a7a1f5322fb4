"""The teacher: any OpenAI-compatible endpoint, called asynchronously and politely.

Retries only what a retry can fix (429, 5xx, timeouts, refused connections), waits as long
as the server's Retry-After asks, and otherwise backs off exponentially with jitter. A request
the server refuses on its merits (400, e.g. a prompt over its context) is skipped and counted;
anything else (401, 404 model) stops the run with one line naming the fix.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any

import openai

from logcore.errors import EndpointError
from models.endpoint import Endpoint, response_format, retry_after_s, status_error, transport_error
from models.prompts import Message

RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}
SKIPPABLE_STATUS = {400, 413, 422}
MAX_BACKOFF_S = 60.0


@dataclass(frozen=True)
class TeacherConfig:
    endpoint: Endpoint
    model: str
    server: str  # models.endpoint.LLAMA_CPP_PYTHON or OPENAI_COMPATIBLE
    concurrency: int = 4
    timeout_s: float = 600.0
    max_attempts: int = 6
    backoff_s: float = 1.0


@dataclass(frozen=True)
class Completion:
    content: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    attempts: int


class RequestRejected(EndpointError):
    """The server refused this one request on its merits: skip it and go on."""


class Teacher:
    def __init__(self, config: TeacherConfig) -> None:
        self.config = config
        self.client = openai.AsyncOpenAI(
            base_url=config.endpoint.base_url,
            api_key=config.endpoint.api_key or "no-key",
            timeout=config.timeout_s,
            max_retries=0,  # retries are ours: they must honour Retry-After and be counted
        )
        self.slots = asyncio.Semaphore(config.concurrency)
        self.requests = 0
        self.retries = 0

    async def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int,
        temperature: float,
        schema: dict[str, Any] | None = None,
        seed: int | None = None,
    ) -> Completion:
        extra: dict[str, Any] = {}
        if seed is not None:
            extra["seed"] = seed
        if schema is not None:
            extra["response_format"] = response_format(schema, self.config.server)
        async with self.slots:
            for attempt in range(1, self.config.max_attempts + 1):
                started = time.monotonic()
                self.requests += 1
                try:
                    response = await self.client.chat.completions.create(
                        model=self.config.model,
                        messages=messages,
                        max_tokens=max_tokens,
                        temperature=temperature,
                        **extra,
                    )
                except (openai.APIConnectionError, openai.APIStatusError) as exc:
                    delay = self._retry_delay(exc, attempt)
                    if delay is None:
                        raise self._as_error(exc) from None
                    self.retries += 1
                    await asyncio.sleep(delay)
                    continue
                choice = response.choices[0]
                usage = response.usage
                return Completion(
                    content=choice.message.content or "",
                    finish_reason=choice.finish_reason or "unknown",
                    prompt_tokens=usage.prompt_tokens if usage else 0,
                    completion_tokens=usage.completion_tokens if usage else 0,
                    latency_s=time.monotonic() - started,
                    attempts=attempt,
                )
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _retry_delay(self, exc: openai.APIError, attempt: int) -> float | None:
        if attempt >= self.config.max_attempts:
            return None
        headers = None
        if isinstance(exc, openai.APIStatusError):
            if exc.status_code not in RETRYABLE_STATUS:
                return None
            headers = exc.response.headers
            if headers.get("retry-after"):
                return retry_after_s(headers, attempt, MAX_BACKOFF_S)
        backoff = min(MAX_BACKOFF_S, self.config.backoff_s * 2 ** (attempt - 1))
        return backoff * (0.5 + random.random() / 2)  # jitter: concurrent workers do not retry in lockstep

    def _as_error(self, exc: openai.APIError) -> EndpointError:
        if isinstance(exc, openai.APIStatusError):
            if exc.status_code in SKIPPABLE_STATUS:
                detail = " ".join(str(exc.message).split())[:200]
                return RequestRejected(f"HTTP {exc.status_code}: {detail}")
            return status_error(exc.status_code, self.config.endpoint, str(exc.message))
        return transport_error(exc, self.config.endpoint)

    async def close(self) -> None:
        await self.client.close()
