"""Fixtures for the TUI tests: small real log files and a scripted in-process backend.

`ScriptedBackend` implements the Backend protocol with fixed replies. It exists only so that
rendering tests (snapshots of an answer or an alert) are deterministic; real-model behaviour
is tested with the bundled GGUF (test_real_model.py, test_tmux.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from logcore.errors import EndpointError
from logcore.reader import LogFile
from models.backend import Usage
from models.settings import Settings

CHECKOUT = Path(__file__).resolve().parents[2] / "tui" / "examples" / "checkout-incident.log"


class ScriptedBackend:
    """Streams a fixed reply word by word; can fail midway or wait for a cancel."""

    name = "scripted:test"
    context_size = 8192
    counts_exact = True

    def __init__(self, reply: str = "The log shows a **timeout** at line 3.", *,
                 fail_after: int | None = None, delay: float = 0.0, json_reply: str | None = None) -> None:
        self.reply = reply
        self.fail_after = fail_after
        self.delay = delay
        self.json_reply = json_reply
        self.last_usage = Usage()
        self.calls: list[dict] = []
        self.closed = False

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, messages, *, max_tokens=None, temperature=0.2, json_schema=None,
               cancel: threading.Event | None = None) -> Iterator[str]:
        self.calls.append({"messages": messages, "json_schema": json_schema, "max_tokens": max_tokens})
        reply = self.json_reply if json_schema is not None and self.json_reply is not None else self.reply
        words = reply.split(" ")
        for i, word in enumerate(words):
            if cancel is not None and cancel.is_set():
                return
            if self.fail_after is not None and i == self.fail_after:
                raise EndpointError("endpoint returned HTTP 503; retry later or switch models")
            if self.delay:
                time.sleep(self.delay)
            yield word if i == 0 else " " + word
        self.last_usage = Usage(prompt_tokens=100, completion_tokens=len(words), ttft_s=0.1, generation_s=1.0)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def checkout_log() -> Iterator[LogFile]:
    log = LogFile.open(CHECKOUT)
    log.index(background=False)
    yield log
    log.close()


@pytest.fixture
def make_log(tmp_path: Path):
    """Write lines to a file and open it as a fully indexed LogFile."""
    opened: list[LogFile] = []

    def make(lines: list[str], name: str = "app.log") -> LogFile:
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        log = LogFile.open(path)
        log.index(background=False)
        opened.append(log)
        return log

    yield make
    for log in opened:
        log.close()


@pytest.fixture
def settings() -> Settings:
    return Settings(max_tokens=64)


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGCHAT_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests run on asyncio through anyio's pytest plugin (no extra plugin needed)."""
    return "asyncio"
