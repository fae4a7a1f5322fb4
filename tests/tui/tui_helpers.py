"""Shared helpers for the TUI tests: a scripted backend, building the app, waiting on it.

`ScriptedBackend` implements the Backend protocol with fixed replies. It exists only so that
rendering tests (snapshots of an answer or an alert) are deterministic; real-model behaviour
is tested with the bundled GGUF (test_real_model.py, test_tmux.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from textual.pilot import Pilot

from logcore.errors import EndpointError
from logcore.reader import LogFile
from models.backend import Usage
from models.settings import Settings
from tui.app import LogchatApp, WatchSettings
from tui.history import HistoryStore
from tui.log_view import LogView


CHECKOUT = Path(__file__).resolve().parents[2] / "tui" / "examples" / "checkout-incident.log"


class ScriptedBackend:
    """Streams a fixed reply word by word; can fail midway, wait before its first token (as a
    model reading its prompt does) or wait for a cancel."""

    name = "scripted:test"
    context_size = 8192
    counts_exact = True

    def __init__(self, reply: str = "The log shows a **timeout** at line 3.", *,
                 fail_after: int | None = None, delay: float = 0.0, json_reply: str | None = None,
                 first_delay: float = 0.0) -> None:
        self.reply = reply
        self.first_delay = first_delay
        self.first_token_at: float | None = None  # time.monotonic() of the last stream's first token
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
        deadline = time.monotonic() + self.first_delay
        while time.monotonic() < deadline and not (cancel is not None and cancel.is_set()):
            time.sleep(0.01)
        self.first_token_at = time.monotonic()
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


def make_app(logs: list[LogFile], backend, tmp_path: Path | None = None, **kwargs) -> LogchatApp:
    specs: list[str | None] = []

    def factory(spec: str | None):
        specs.append(spec)
        return backend

    app = LogchatApp(
        logs,
        settings=kwargs.pop("settings", Settings(max_tokens=64)),
        backend_factory=factory,
        history=HistoryStore(tmp_path / "history.sqlite3") if tmp_path is not None else None,
        watch=kwargs.pop("watch", WatchSettings(every_lines=5, every_seconds=3600)),
        **kwargs,
    )
    app.requested_specs = specs  # type: ignore[attr-defined]
    return app


async def wait_for(pilot: Pilot, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)
    await pilot.pause()


async def answered(pilot: Pilot, app: LogchatApp, timeout: float = 10.0) -> None:
    await pilot.pause(0.05)
    await wait_for(pilot, lambda: not app.generating, timeout)


def screen_rows(view: LogView) -> list[str]:
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


async def type_text(pilot: Pilot, text: str) -> None:
    for char in text:
        await pilot.press(char if char != " " else "space")


async def prompt(pilot: Pilot, key: str, text: str) -> None:
    """Open a prompt with `key` (slash: search, f: filter, g: go to), type `text`, press enter."""
    await pilot.press(key)
    await type_text(pilot, text)
    await pilot.press("enter")


def notifications(app: LogchatApp) -> list[str]:
    return [f"{n.title}|{n.message}" for n in app._notifications]
