"""Shared helpers for the TUI tests: building the app and waiting on it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from logcore.reader import LogFile
from models.settings import Settings
from tui.app import LogchatApp, WatchSettings
from tui.history import HistoryStore
from tui.log_view import LogView


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


def notifications(app: LogchatApp) -> list[str]:
    return [f"{n.title}|{n.message}" for n in app._notifications]
