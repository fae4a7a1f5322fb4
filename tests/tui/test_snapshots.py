"""SVG snapshots of the main screen, an answer and an alert (pytest-textual-snapshot).

Deterministic by construction: fixed terminal sizes, a scripted backend (rendering only),
fixed log files and no clocks on screen. Update with `pytest tests/tui --snapshot-update`
after checking the new rendering in snapshot_report.html.
"""

from __future__ import annotations

import json
from pathlib import Path

from logcore.reader import LogFile

from tui_helpers import ScriptedBackend, make_app, wait_for

ANSWER = """## Summary
The checkout service ran normally until **14:05**, when the `checkout-db` pool was exhausted.

- line 106: first `DB_POOL_TIMEOUT` on POST /api/v1/checkout
- lines 116-117: the errors spread to the cart endpoint

```
error=DB_POOL_TIMEOUT
```"""


def test_main_screen(snap_compare, checkout_log):
    app = make_app([checkout_log], ScriptedBackend())

    async def settle(pilot):
        await wait_for(pilot, lambda: app.backend is not None)
        await wait_for(pilot, lambda: "tok / ctx" in app.query_one("#status-left").render().plain)

    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_answer_view(snap_compare, checkout_log):
    app = make_app([checkout_log], ScriptedBackend(ANSWER))

    async def ask(pilot):
        await wait_for(pilot, lambda: app.backend is not None)
        await pilot.press("1")
        await pilot.pause(0.05)
        await wait_for(pilot, lambda: not app.generating and app.conversation.turns[0].answer)
        await wait_for(pilot, lambda: " tok / ctx" in app.query_one("#status-left").render().plain
                       and "· ~" not in app.query_one("#status-left").render().plain)
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(100, 30), run_before=ask)


def test_alert(snap_compare, tmp_path: Path):
    path = tmp_path / "payments.log"
    path.write_text("".join(f"2026-01-01T00:00:{i:02d}Z INFO payment ok id={i}\n" for i in range(12)))
    log = LogFile.open(path)
    log.index(background=False)
    reply = json.dumps({"risk_score": 88, "should_alert_user": True,
                        "messages": {"critical": [13], "warning": [14]},
                        "summary": ["payment provider refuses connections", "retries exhausted"]})
    app = make_app([log], ScriptedBackend("x", json_reply=reply), follow=True)
    app.bell = lambda: None

    async def alert(pilot):
        await wait_for(pilot, lambda: app.backend is not None and app.active_view.watching)
        await pilot.pause(0.3)
        with path.open("a") as out:
            out.write("2026-01-01T00:01:00Z ERROR psp connection refused\n")
            out.write("2026-01-01T00:01:01Z WARN retry budget exhausted\n")
        await wait_for(pilot, lambda: app.last_risk is not None)
        await wait_for(pilot, lambda: "tok / ctx" in app.query_one("#status-left").render().plain)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(80, 24), run_before=alert)
    log.close()


def test_findings_card(snap_compare, checkout_log):
    app = make_app([checkout_log], ScriptedBackend())

    async def find(pilot):
        await wait_for(pilot, lambda: app.backend is not None)
        await wait_for(pilot, lambda: "tok / ctx" in app.query_one("#status-left").render().plain)
        await pilot.press("F")
        await wait_for(pilot, lambda: len(app.query("#answer .findings")) == 1)
        app.query_one("#answer").scroll_home(animate=False)
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(120, 40), run_before=find)
