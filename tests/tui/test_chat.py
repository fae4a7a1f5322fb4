"""Asking about a log: tasks, follow-ups, stop, retry, copy, errors, citations, models, history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Markdown

from models.prompts import TASK_QUESTIONS, Task
from tui.actions import ACTIONS
from tui.history import HistoryStore
from tui.screens import ChooseScreen, HelpScreen, PromptScreen

from tui_helpers import ScriptedBackend, answered, make_app, notifications, type_text, wait_for

pytestmark = pytest.mark.anyio


def answer_text(app) -> str:
    """The answers shown (not the findings card above them)."""
    return "\n".join(md.source for md in app.query("#answer Markdown.answer").results(Markdown))


@pytest.mark.parametrize("key,task", [("1", Task.SUMMARIZE), ("2", Task.ROOT_CAUSE),
                                      ("3", Task.PATTERNS), ("4", Task.COMPARE)])
async def test_task_keys_stream_an_answer_about_the_visible_page(checkout_log, key, task):
    backend = ScriptedBackend("Pool **exhausted** at line 106.")
    app = make_app([checkout_log], backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
        await answered(pilot, app)
        user = backend.calls[0]["messages"][-1]["content"]
        assert user.startswith(TASK_QUESTIONS[task])
        assert "1 | # checkout-service" in user and "2 | 2026-03-14T14:01:58.120Z" in user
        assert "Pool **exhausted** at [line 106](line:106)." in answer_text(app)
        assert app.conversation.turns[0].answer == "Pool **exhausted** at line 106."
        assert "tok/s" in app.query_one("#status-right").render().plain


async def test_task_button_works_like_its_key(checkout_log):
    backend = ScriptedBackend("ok")
    app = make_app([checkout_log], backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.click("#task-rootcause")
        await answered(pilot, app)
        assert backend.calls[0]["messages"][-1]["content"].startswith(TASK_QUESTIONS[Task.ROOT_CAUSE])


async def test_follow_up_continues_the_conversation(checkout_log):
    backend = ScriptedBackend("first answer")
    app = make_app([checkout_log], backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await answered(pilot, app)
        await pilot.press("i")
        await type_text(pilot, "which pool?")
        await pilot.press("enter")
        await answered(pilot, app)
        messages = backend.calls[1]["messages"]
        assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
        assert messages[2]["content"] == "first answer" and messages[3]["content"] == "which pool?"
        assert len(app.conversation.turns) == 2


async def test_escape_stops_and_keeps_the_partial_answer(checkout_log):
    backend = ScriptedBackend(" ".join(f"w{i}" for i in range(400)), delay=0.01)
    app = make_app([checkout_log], backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await wait_for(pilot, lambda: len(app.chat.partial) > 5)
        await pilot.press("escape")
        await answered(pilot, app)
        answer = app.conversation.turns[0].answer
        assert answer.startswith("w0 w1 w2") and "w399" not in answer
        assert answer_text(app).startswith("w0 w1")
        assert any("Stopped" in n for n in notifications(app))


async def test_backend_error_is_one_notification_and_partial_answer_stays(checkout_log):
    backend = ScriptedBackend("alpha beta gamma delta", fail_after=2)
    app = make_app([checkout_log], backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await answered(pilot, app)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert len(errors) == 1 and "HTTP 503" in errors[0].message
        assert app.conversation.turns[0].answer == "alpha beta"
        assert "alpha beta" in answer_text(app)


async def test_retry_asks_again_and_copy_puts_answer_on_clipboard(checkout_log):
    backend = ScriptedBackend("answer one")
    app = make_app([checkout_log], backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await answered(pilot, app)
        backend.reply = "answer two"
        await pilot.press("r")
        await answered(pilot, app)
        assert len(backend.calls) == 2
        assert backend.calls[1]["messages"] == backend.calls[0]["messages"]
        assert [t.answer for t in app.conversation.turns] == ["answer two"]
        assert answer_text(app) == "answer two"
        await pilot.press("y")
        assert app.clipboard == "answer two"


async def test_cited_lines_jump_the_log_view(checkout_log):
    backend = ScriptedBackend("Errors start at line 106 and again at L117.")
    app = make_app([checkout_log], backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await answered(pilot, app)
        view = app.active_view
        await pilot.press("right_square_bracket")
        assert view.cursor_line == 105
        await pilot.press("right_square_bracket")
        assert view.cursor_line == 116
        markdown = app.query_one("#answer Markdown", Markdown)
        markdown.post_message(Markdown.LinkClicked(markdown, "line:150"))
        await wait_for(pilot, lambda: view.cursor_line == 149)


async def test_model_answer_with_escape_codes_is_shown_literally(checkout_log):
    backend = ScriptedBackend("quoted \x1b]0;evil\x07 and \x1b[31mred")
    app = make_app([checkout_log], backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await answered(pilot, app)
        assert "\\x1b]0;evil\\x07" in answer_text(app)
        assert "\x1b" not in app.export_screenshot()


async def test_new_conversation_and_answer_panel_toggles(checkout_log):
    backend = ScriptedBackend("x")
    app = make_app([checkout_log], backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await answered(pilot, app)
        answer = app.query_one("#answer")
        assert answer.display
        await pilot.press("v")
        assert not answer.display
        await pilot.press("o")
        assert answer.display and app.focused is answer
        await pilot.press("escape")
        assert app.focused is app.active_view
        await pilot.press("ctrl+n")
        assert app.conversation is None and not answer.display


async def test_switch_model_from_chooser_and_palette_lists_every_action(checkout_log):
    backend = ScriptedBackend("x")
    app = make_app([checkout_log], backend, model_spec="gguf:/models/other.gguf")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.backend is not None)
        await pilot.press("M")
        assert isinstance(app.screen, ChooseScreen)
        await pilot.press("home", "enter")
        await wait_for(pilot, lambda: app.requested_specs[-1:] == ["bundled"])
        assert backend.closed
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {spec.title for spec in ACTIONS} <= titles
        assert "Model: gguf:/models/other.gguf" in titles
        bound = {binding.action for binding in app.BINDINGS}
        assert {spec.action for spec in ACTIONS} <= bound


async def test_rebound_key_runs_its_action(checkout_log):
    backend = ScriptedBackend("rebound")
    app = make_app([checkout_log], backend, keymap={"summarize": "x"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("x")
        await answered(pilot, app)
        assert backend.calls and backend.calls[0]["messages"][-1]["content"].startswith(
            TASK_QUESTIONS[Task.SUMMARIZE])


async def test_help_screen_lists_keys(checkout_log):
    app = make_app([checkout_log], ScriptedBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("Static").render())
        assert "Summarize" in text and "Filter by level" in text and "Stop answer" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_history_saves_reopens_and_exports(checkout_log, tmp_path: Path):
    backend = ScriptedBackend("saved answer")
    app = make_app([checkout_log], backend, tmp_path=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await answered(pilot, app)
        store = HistoryStore(tmp_path / "history.sqlite3")
        entries = store.recent()
        assert len(entries) == 1 and entries[0].title == "Summarize" and entries[0].turns == 1
        await pilot.press("ctrl+n")
        await pilot.press("h")
        assert isinstance(app.screen, ChooseScreen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.conversation is not None)
        assert app.conversation.turns[0].answer == "saved answer"
        assert "saved answer" in answer_text(app)
        await pilot.press("e")
        assert isinstance(app.screen, PromptScreen)
        target = tmp_path / "out.md"
        app.screen.query_one("#prompt-input").value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, target.exists)
        exported = target.read_text()
        assert exported.startswith("# Summarize: ")
        assert "## Please provide a comprehensive summary" in exported and "saved answer" in exported
    raw = (tmp_path / "history.sqlite3").read_bytes()
    assert b"api_key" not in raw


async def test_patterns_panel_filters_to_a_template(checkout_log):
    app = make_app([checkout_log], ScriptedBackend())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("p")
        table = app.query_one("#patterns-table")
        await wait_for(pilot, lambda: table.row_count > 3)
        assert app.focused is table
        await pilot.press("enter")
        view = app.active_view
        await wait_for(pilot, lambda: view.filtering and view.filter_done)
        index = app.patterns_panel.index_for(view)
        chosen = index.template_of(view.filtered_lines()[0])
        assert view.row_count == index.templates()[0].count
        assert all(index.template_of(i) == chosen for i in view.filtered_lines())


async def test_live_watch_alerts_with_bell_on_risky_lines(make_log):
    log = make_log([f"2026-01-01T00:00:{i:02d}Z INFO ok {i}" for i in range(10)], "svc.log")
    path = log.path
    reply = json.dumps({"risk_score": 91, "should_alert_user": True,
                        "messages": {"critical": [11, 999], "warning": []},
                        "summary": ["database pool exhausted"]})
    backend = ScriptedBackend("x", json_reply=reply)
    app = make_app([log], backend, follow=True)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.active_view.row_count == 10)
        with path.open("a") as out:
            out.write("2026-01-01T00:01:00Z ERROR pool exhausted\n")
        await wait_for(pilot, lambda: app.last_risk is not None)
        assert backend.calls[-1]["json_schema"]["required"] == [
            "risk_score", "should_alert_user", "messages", "summary"]
        assert "11 | 2026-01-01T00:01:00Z ERROR pool exhausted" in backend.calls[-1]["messages"][-1]["content"]
        assert app.last_risk.critical == (11,)  # 999 is outside the batch: dropped
        assert bells == [1]
        alert = [n for n in app._notifications if n.title == "ALERT risk 91"]
        assert alert and "database pool exhausted" in alert[0].message
        assert "risk 91" in app.query_one("#status-right").render().plain
        await pilot.press("a")
        assert not app.watch_enabled


async def test_live_watch_rejects_invalid_reply_without_alert(make_log):
    log = make_log(["2026-01-01T00:00:00Z INFO ok"], "svc.log")
    path = log.path
    backend = ScriptedBackend("x", json_reply='{"risk_score": 500, "should_alert_user": true}')
    app = make_app([log], backend, follow=True)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)
    async with app.run_test(size=(80, 24)) as pilot:
        with path.open("a") as out:
            out.write("2026-01-01T00:01:00Z FATAL disk full\n")
        await wait_for(pilot, lambda: any("not valid" in n for n in notifications(app)))
        assert bells == [] and app.last_risk is None


async def test_whole_file_scope_sends_the_digest(checkout_log):
    backend = ScriptedBackend("digest read")
    app = make_app([checkout_log], backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", "s", "s", "s")
        assert app.scope_kind.value == "file"
        await pilot.press("2")
        await answered(pilot, app)
        user = backend.calls[0]["messages"][-1]["content"]
        assert "Digest of " in user and "lines 1-234" in user
        assert app.conversation.scope.startswith("file: digest of 234 lines")


async def test_palette_runs_an_action(checkout_log):
    app = make_app([checkout_log], ScriptedBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await type_text(pilot, "toggle wrap")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.active_view.wrap)


async def test_no_color_keeps_levels_distinguishable(checkout_log, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app([checkout_log], ScriptedBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.no_color
        view = app.active_view
        view.go_to_line(106)
        await pilot.pause()
        row = next(y for y in range(20) if view.render_line(y).text.startswith("106"))
        body = [s for s in view.render_line(row) if "ERROR" in s.text]
        assert body and body[0].style.bold  # ERROR is bold, not only red


async def test_live_watch_keeps_its_cadence_on_routine_lines(make_log):
    log = make_log([f"2026-01-01T00:00:{i:02d}Z INFO request ok id={i}" for i in range(30)], "svc.log")
    path = log.path
    reply = json.dumps({"risk_score": 3, "should_alert_user": False,
                        "messages": {"critical": [], "warning": []}, "summary": ["routine traffic"]})
    backend = ScriptedBackend("x", json_reply=reply)
    app = make_app([log], backend, follow=True)  # a check every 5 new lines
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.active_view.watching)
        await pilot.pause(0.3)
        with path.open("a") as out:
            out.write("".join(f"2026-01-01T00:01:{i:02d}Z INFO request ok id={100 + i}\n" for i in range(2)))
        await wait_for(pilot, lambda: app.active_view.row_count == 32)
        await pilot.pause(0.8)
        assert not [c for c in backend.calls if c["json_schema"]]  # routine lines: no early check
        with path.open("a") as out:
            out.write("".join(f"2026-01-01T00:02:{i:02d}Z INFO request ok id={200 + i}\n" for i in range(3)))
        await wait_for(pilot, lambda: app.last_risk is not None)
        assert app.last_risk.risk_score == 3 and app.last_risk.first_line == 31
        assert not [n for n in app._notifications if n.title and n.title.startswith("ALERT")]
