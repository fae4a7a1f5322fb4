"""Any OpenAI-compatible endpoint (vLLM, llama.cpp, a cloud API) through the `openai` client.

Secrets are masked here, in the only place text leaves the machine, so no caller can forget:
one `Redactor` per backend keeps placeholders consistent across the turns of a conversation.
Retries (429 and 5xx, honouring Retry-After) happen only before the first token: once text has
been shown, a failure keeps it and says the answer is partial.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

from logcore.errors import EndpointError, ExitCode
from logcore.token_estimate import estimate_tokens
from models.backend import Usage
from models.endpoint import (
    Endpoint,
    list_models,
    response_format,
    retry_after_s,
    server_kind,
    status_error,
    transport_error,
)
from models.prompts import Message
from models.settings import Settings

MESSAGE_OVERHEAD_TOKENS = 8


class RemoteBackend:
    """A chat model behind an OpenAI-compatible HTTP API."""

    counts_exact = False
    token_estimate_note = ("estimated by logcore.token_estimate (digits, punctuation and word pieces counted; "
                           "the remote tokenizer is unknown)")

    def __init__(
        self,
        endpoint: Endpoint,
        settings: Settings,
        *,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        from openai import OpenAI

        self.endpoint = endpoint
        self.settings = settings
        self.on_notice = on_notice or (lambda _message: None)
        models = list_models(endpoint, timeout_s=min(settings.timeout_s, 30.0))
        if not models:
            raise EndpointError(f"{endpoint.base_url} serves no models; load one on the server")
        if endpoint.model is None:
            endpoint.model = models[0].id
        served = next((m for m in models if m.id == endpoint.model), None)
        self.server = server_kind(models)
        self.context_size = (served.context if served and served.context else None) or settings.remote_context
        self.name = f"openai:{endpoint.base_url} ({endpoint.model})"
        self.last_usage = Usage()
        self.redactor = _make_redactor(settings)
        self.last_redaction: dict[str, int] = {}
        self.last_redaction_summary = ""
        self._client = OpenAI(
            base_url=endpoint.base_url,
            api_key=endpoint.api_key or "not-needed",
            max_retries=0,
            timeout=_timeout(settings.timeout_s),
        )

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.2,
        json_schema: dict | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        outgoing = self._redact(messages)
        usage = Usage(
            prompt_tokens=sum(estimate_tokens(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in outgoing),
            estimated=True,
        )
        self.last_usage = usage
        request: dict = {
            "model": self.endpoint.model,
            "messages": outgoing,
            "temperature": temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if max_tokens is not None:
            request["max_tokens"] = max_tokens
        if json_schema is not None:
            request["response_format"] = response_format(json_schema, self.server)
        started = time.perf_counter()
        chunks = self._open_cancellable(request, cancel)
        if chunks is not None:
            yield from self._read(chunks, usage, started, cancel)

    def _redact(self, messages: list[Message]) -> list[Message]:
        if self.redactor is None:
            self.last_redaction, self.last_redaction_summary = {}, "redaction off (--no-redact)"
            return list(messages)
        total: Counter[str] = Counter()
        outgoing: list[Message] = []
        for message in messages:
            if message["role"] == "system":
                outgoing.append(message)
                continue
            result = self.redactor.redact(message["content"])
            total.update(result.counts)
            outgoing.append({"role": message["role"], "content": result.text})
        from models.redact import Redaction

        self.last_redaction = dict(total)
        self.last_redaction_summary = Redaction("", dict(total)).summary()
        return outgoing

    def _open_cancellable(self, request: dict, cancel: threading.Event | None) -> object | None:
        """Waiting for the response headers can take as long as the server's prompt evaluation:
        wait in a side thread so a cancel returns at once (None); a late response is closed."""
        if cancel is None:
            return self._open_stream(request, None)
        outcome: dict[str, object] = {}
        done = threading.Event()

        def run() -> None:
            try:
                outcome["stream"] = self._open_stream(request, cancel)
            except BaseException as exc:  # handed to the caller's thread below
                outcome["error"] = exc
            finally:
                done.set()

        threading.Thread(target=run, name="logchat-request", daemon=True).start()
        while not done.wait(0.05):
            if cancel.is_set():
                threading.Thread(target=_close_when_done, args=(done, outcome), daemon=True).start()
                return None
        if isinstance(outcome.get("error"), _Cancelled):
            return None
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        if cancel.is_set():
            _close_when_done(done, outcome)
            return None
        return outcome["stream"]

    def _open_stream(self, request: dict, cancel: threading.Event | None) -> object:
        """Start the request, retrying 429 and 5xx with backoff before anything is shown."""
        import openai

        attempt = 0
        while True:
            try:
                return self._client.chat.completions.create(**request)
            except openai.APIStatusError as exc:
                status = exc.status_code
                if (status == 429 or status >= 500) and attempt < self.settings.retries:
                    wait = retry_after_s(exc.response.headers, attempt)
                    self.on_notice(f"{self.endpoint.base_url} answered {status}; retrying in {wait:.1f} s")
                    if cancel is not None and cancel.wait(wait):
                        raise _Cancelled
                    if cancel is None:
                        time.sleep(wait)
                    attempt += 1
                    continue
                raise status_error(status, self.endpoint, _body(exc)) from None
            except openai.APIConnectionError as exc:
                raise transport_error(exc.__cause__ or exc, self.endpoint) from None

    def _read(
        self, chunks: object, usage: Usage, started: float, cancel: threading.Event | None
    ) -> Iterator[str]:
        import httpx2
        import openai

        first_at: float | None = None
        received = 0
        finished = False
        watcher = _CloseOnCancel(chunks, cancel)
        try:
            for chunk in chunks:
                if chunk.usage is not None:
                    usage.prompt_tokens = chunk.usage.prompt_tokens
                    usage.completion_tokens = chunk.usage.completion_tokens
                    usage.estimated = False
                if not chunk.choices:
                    continue
                finished = finished or chunk.choices[0].finish_reason is not None
                text = chunk.choices[0].delta.content or ""
                if not text:
                    continue
                now = time.perf_counter()
                if first_at is None:
                    first_at = now
                    usage.ttft_s = now - started
                received += 1
                if usage.estimated:
                    usage.completion_tokens = received  # servers send about one token per chunk
                usage.generation_s = now - first_at
                yield text
                if cancel is not None and cancel.is_set():
                    return
            if not finished and not (cancel is not None and cancel.is_set()):
                raise self._stream_error(None, received)
        except (openai.APIError, httpx2.HTTPError, httpx2.StreamError, OSError, ValueError) as exc:
            if cancel is not None and cancel.is_set():
                return
            raise self._stream_error(exc, received) from None
        finally:
            watcher.stop()
            usage.prompt_tokens_evaluated = usage.prompt_tokens
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def _stream_error(self, exc: Exception | None, received: int) -> EndpointError:
        """A stream that ends without a finish reason was cut, even if no exception says so."""
        why = type(exc).__name__ if exc is not None else "connection closed early"
        if received:
            return EndpointError(
                f"the answer from {self.endpoint.base_url} stopped after {received} chunks "
                f"({why}); what arrived is shown above, retry for the rest",
                exit_code=ExitCode.PARTIAL,
            )
        if exc is None:
            return EndpointError(f"{self.endpoint.base_url} closed the stream before any answer; retry or check the server's log")
        return transport_error(exc, self.endpoint)

    def close(self) -> None:
        self._client.close()


class _Cancelled(Exception):
    """Raised inside the request thread when a cancel arrives during a retry wait."""


def _close_when_done(done: threading.Event, outcome: dict[str, object]) -> None:
    done.wait()
    stream = outcome.get("stream")
    if stream is not None:
        stream.close()  # type: ignore[attr-defined]


def _make_redactor(settings: Settings) -> object | None:
    if not settings.redact:
        return None
    from models.redact import Redactor

    return Redactor(emails=settings.redact_emails, ips=settings.redact_ips)


def _timeout(seconds: float) -> object:
    import httpx2

    return httpx2.Timeout(seconds, connect=min(seconds, 10.0))


def _body(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    try:
        return response.text if response is not None else str(exc)
    except Exception:
        return str(exc)


class _CloseOnCancel:
    """A blocking read cannot see the cancel flag: close the stream from a side thread."""

    def __init__(self, chunks: object, cancel: threading.Event | None) -> None:
        self._done = threading.Event()
        if cancel is None:
            return
        self._thread = threading.Thread(target=self._watch, args=(chunks, cancel), daemon=True)
        self._thread.start()

    def _watch(self, chunks: object, cancel: threading.Event) -> None:
        while not self._done.is_set():
            if cancel.wait(0.1):
                response = getattr(chunks, "response", None)
                if response is not None:
                    response.close()
                return

    def stop(self) -> None:
        self._done.set()
