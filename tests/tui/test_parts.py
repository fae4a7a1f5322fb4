"""The TUI's pure parts: escaping, citations, risk replies, history store, key map."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logcore.errors import LogchatError
from models.conversation import Conversation, to_markdown
from models.prompts import Turn
from tui.citations import CitedLine, cited_lines, link_target, linkify
from tui.history import HistoryStore
from tui.keymap import load_keymap
from tui.literal import literal, literal_lines
from tui.watch import RiskReplyError, parse_risk


def test_literal_escapes_every_control_sequence():
    assert literal("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m"
    assert literal("\x1b]0;title\x07") == "\\x1b]0;title\\x07"
    assert literal("a\rb\x00c\x9bd") == "a\\x0db\\x00c\\x9bd"
    assert literal("rtl \u202e x") == "rtl \\u202e x"
    assert literal("a\tb") == "a   b"
    assert literal("[bold]markup[/] stays text") == "[bold]markup[/] stays text"
    assert literal_lines("one\n\x1b[2Jtwo") == "one\n\\x1b[2Jtwo"


def test_citations_found_and_linked_outside_code():
    text = "See line 42, lines 10-12 and L7. Not `line 99` in code. Line 42 again."
    assert cited_lines(text) == [CitedLine(42), CitedLine(10), CitedLine(7)]
    linked = linkify(text)
    assert "[line 42](line:42)" in linked and "[lines 10-12](line:10)" in linked
    assert "[L7](line:7)" in linked and "`line 99`" in linked and "line:99" not in linked
    assert link_target("line:42") == CitedLine(42) and link_target("https://x") is None


def test_risk_reply_validated_and_line_numbers_bounded():
    reply = json.dumps({"risk_score": 70, "should_alert_user": True,
                        "messages": {"critical": [5, 50], "warning": [6]}, "summary": ["disk full", " "]})
    report = parse_risk(reply, first_line=1, last_line=10)
    assert report.critical == (5,) and report.warning == (6,) and report.summary == ("disk full",)
    assert report.headline == "risk 70/100, lines 1-10: disk full"
    with pytest.raises(RiskReplyError):
        parse_risk('{"risk_score": 101, "should_alert_user": false, "messages": {"critical": [], '
                   '"warning": []}, "summary": []}', 1, 10)
    with pytest.raises(RiskReplyError):
        parse_risk("not json", 1, 10)


def test_history_round_trip_and_markdown(tmp_path: Path):
    store = HistoryStore(tmp_path / "h.sqlite3")
    conversation = Conversation("app.log", "page: lines 1-20", "local:x", "Summarize", "1 | log line",
                                [Turn("What happened?", "A crash at line 3.")])
    first_id = store.save(conversation)
    conversation.turns.append(Turn("Why?", "Out of memory."))
    assert store.save(conversation) == first_id
    loaded = store.load(first_id)
    assert loaded.turns == conversation.turns and loaded.log_text == "1 | log line"
    assert [e.turns for e in store.recent()] == [2]
    markdown = to_markdown(loaded)
    assert markdown.startswith("# Summarize: app.log\n")
    assert "## Why?\n\nOut of memory." in markdown


def test_keymap_file(tmp_path: Path):
    path = tmp_path / "keys.toml"
    path.write_text('[keys]\nsummarize = "ctrl+s"\n')
    assert load_keymap(path) == {"summarize": "ctrl+s"}
    path.write_text('[keys]\nsumarize = "x"\n')
    with pytest.raises(LogchatError, match="unknown action ids sumarize"):
        load_keymap(path)


def test_open_command_reports_a_missing_file_in_one_line(tmp_path: Path):
    from click.testing import CliRunner

    from tui.open_command import open_command

    result = CliRunner().invoke(open_command, [str(tmp_path / "missing.log")])
    assert result.exit_code == 3
    assert result.output.startswith("logchat: error: ") and result.output.count("\n") == 1
    assert "Traceback" not in result.output


def test_no_file_opens_the_bundled_example():
    from tui.open_command import EXAMPLE_LOG, build_app

    app = build_app([])
    try:
        assert [log.path for log in app.logs] == [EXAMPLE_LOG] and EXAMPLE_LOG.is_file()
    finally:
        for log in app.logs:
            log.close()


def test_a_contiguous_scope_is_numbered_for_the_model_and_digested_with_its_format(
        checkout_log, smollm2_path: Path) -> None:
    from models.context import POLICY_DIGEST, fit_log
    from models.local import LocalBackend
    from tui.scope import Scope, ScopeKind, read_scope

    selected = read_scope(checkout_log, Scope(ScopeKind.MARKED, range(10, 230), "marked: lines 11-230"))
    assert selected.first_line == 11
    first_row = selected.model_text.split("\n", 1)[0]
    assert first_row == f"11 | {checkout_log.line(10)}"
    backend = LocalBackend(smollm2_path, n_ctx_cap=4096, n_threads=1)
    try:
        fitted = fit_log(selected.text, "Summarize.", backend, budget_tokens=600,
                         first_line=selected.first_line, source="checkout-incident.log")
    finally:
        backend.close()
    # Too big for 600 tokens: digested from the raw lines, so the format is recognised and the
    # quoted lines carry their numbers in the file.
    assert fitted.policy == POLICY_DIGEST
    assert "format unknown" not in fitted.text and "lines 11-230" in fitted.text
