"""The app with the real bundled model (SmolLM2-135M GGUF, one thread, short answers).

Checks what a scripted backend cannot: a real stream arrives and renders, usage is reported,
and the live watch's JSON-schema-constrained reply from llama.cpp validates.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logcore.reader import LogFile
from models.resolve import resolve_backend
from models.settings import Settings
from tui.app import WatchSettings

from tui_helpers import answered, make_app, wait_for

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
def real_backend():
    """A fresh bundled model per app: the app owns its backend and closes it on exit."""
    return resolve_backend("bundled", Settings(n_threads=1, max_tokens=24))


async def test_summarize_streams_a_real_answer(loghub: Path, real_backend):
    log = LogFile.open(loghub / "HDFS" / "HDFS_2k.log")
    app = make_app([log], real_backend, settings=Settings(n_threads=1, max_tokens=24), last_n=6)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s", "s")  # page -> marked (nothing marked) -> last 6 lines
        await wait_for(pilot, lambda: "last 6 lines" in app.query_one("#status-left").render().plain)
        await pilot.press("1")
        await answered(pilot, app, timeout=150)
        answer = app.conversation.turns[0].answer
        assert answer and len(answer.split()) >= 3
        assert real_backend.last_usage.completion_tokens > 0
        assert "2000 | " in app.conversation.log_text  # the last six lines, numbered
        assert not [n for n in app._notifications if n.severity == "error"]
    log.close()


async def test_live_watch_reply_is_schema_valid(tmp_path: Path, real_backend):
    path = tmp_path / "svc.log"
    path.write_text("2026-01-01T00:00:00Z INFO service started\n")
    log = LogFile.open(path)
    log.index(background=False)
    app = make_app([log], real_backend, follow=True,
                   watch=WatchSettings(every_lines=1, every_seconds=3600))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.active_view.watching)
        await pilot.pause(0.3)
        with path.open("a") as out:
            out.write("2026-01-01T00:00:05Z ERROR disk /var full, writes failing\n")
        await wait_for(pilot, lambda: app.last_risk is not None or app._notifications, timeout=150)
        messages = [n.message for n in app._notifications]
        assert app.last_risk is not None, messages
        assert 0 <= app.last_risk.risk_score <= 100
        assert set(app.last_risk.critical + app.last_risk.warning) <= {2}  # only the new line
        json.dumps(app.last_risk.summary)
    log.close()
