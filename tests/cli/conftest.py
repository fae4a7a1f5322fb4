"""A scripted model for the one-shot CLI's tests that need answers a real model will not give
on demand (a citation outside the log, a wrong file); the real model's runs are in
test_cli_answers.py."""

from __future__ import annotations

import threading

import pytest

from models.backend import Usage


class Scripted:
    name = "scripted:cli"
    context_size = 8192
    counts_exact = True

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.last_usage = Usage()
        self.messages: list = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, messages, *, max_tokens=None, temperature=0.2, json_schema=None,
               cancel: threading.Event | None = None):
        self.messages = messages
        for i, word in enumerate(self.reply.split(" ")):
            yield word if i == 0 else " " + word
        self.last_usage = Usage(prompt_tokens=10, completion_tokens=3, ttft_s=0.1, generation_s=0.2)

    def close(self) -> None:
        pass


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch):
    def install(reply: str) -> Scripted:
        backend = Scripted(reply)
        monkeypatch.setattr("models.resolve.resolve_backend", lambda *a, **k: backend)
        return backend

    return install
