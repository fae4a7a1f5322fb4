"""Evidence first: Root cause and Summarize show the log core's findings before the model's
first token, every line a link; an answer's invalid citation is marked, never linked."""

from __future__ import annotations

import time

import pytest
from textual.widgets import Markdown

from models.prompts import FINDINGS_MARKER
from tui.citations import INVALID_MARK, CitedLine

from tui_helpers import ScriptedBackend, answered, make_app, wait_for

pytestmark = pytest.mark.anyio


def findings_card(app) -> Markdown | None:
    cards = list(app.query("#answer Markdown.findings").results(Markdown))
    return cards[-1] if cards else None


async def test_root_cause_shows_the_findings_card_before_the_first_token(checkout_log):
    backend = ScriptedBackend("The export job at line 62 held the pool.", first_delay=2.0)
    app = make_app([checkout_log], backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.backend is not None)
        await pilot.press("2")
        await wait_for(pilot, lambda: findings_card(app) is not None)
        shown_at = time.monotonic()
        assert app.chat.partial == [] and app.generating  # the model has not answered yet
        card = findings_card(app).source
        # The visible page holds no incident; the card looks around it and finds the cause.
        assert "Likely causes" in card and "1. [line 62](line:62)" in card
        assert "order\\-export" in card  # log text is escaped, not read as Markdown
        children = list(app.chat.children)
        assert children.index(findings_card(app)) < children.index(app.query_one("#answer Markdown.answer"))
        await answered(pilot, app)
        assert backend.first_token_at is not None and backend.first_token_at > shown_at
        # Every line number on the card jumps the log view.
        view = app.active_view
        card_widget = findings_card(app)
        card_widget.post_message(Markdown.LinkClicked(card_widget, "line:62"))
        await wait_for(pilot, lambda: view.cursor_line == 61)


async def test_a_whole_file_root_cause_sends_the_findings_to_the_model(checkout_log):
    backend = ScriptedBackend("ok")
    app = make_app([checkout_log], backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s", "s", "s", "s")
        await pilot.press("2")
        await answered(pilot, app)
        user = backend.calls[0]["messages"][1]["content"]
        assert user.startswith(FINDINGS_MARKER) and "line 62" in user.split("Log content:")[0]
        assert "Digest of " in user


async def test_findings_on_their_own_need_no_model(checkout_log):
    backend = ScriptedBackend("never asked")
    app = make_app([checkout_log], backend, preload_model=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("F")
        await wait_for(pilot, lambda: findings_card(app) is not None)
        assert "[line 62](line:62)" in findings_card(app).source
        assert app.query_one("#answer").display and backend.calls == [] and app.backend is None


async def test_an_invalid_citation_is_marked_and_not_a_link(checkout_log):
    backend = ScriptedBackend("The pool is exhausted at line 104 and the job ends at line 900.")
    app = make_app([checkout_log], backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("1")
        await answered(pilot, app)
        answer = app.query_one("#answer Markdown.answer", Markdown).source
        assert "[line 104](line:104)" in answer
        assert f"~~line 900~~{INVALID_MARK}" in answer and "line:900" not in answer
        warning = app.query_one("#answer .citations-invalid")
        assert "line 900 is outside the log (lines 1-234)" in str(warning.render())
        assert CitedLine(900) not in app.chat.citations and CitedLine(104) in app.chat.citations


async def test_a_reopened_conversation_marks_its_invalid_citations_too(checkout_log, tmp_path):
    backend = ScriptedBackend("It ends at line 900, after line 104.")
    app = make_app([checkout_log], backend, tmp_path=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await answered(pilot, app)
        await pilot.press("ctrl+n", "h", "enter")
        await wait_for(pilot, lambda: app.conversation is not None)
        answer = app.query_one("#answer Markdown.answer", Markdown).source
        assert f"~~line 900~~{INVALID_MARK}" in answer and "[line 104](line:104)" in answer
