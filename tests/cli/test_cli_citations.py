"""The one-shot CLI checks the answer's citations: a summary on stderr, verdicts in --json,
and the findings in the prompt for summarize/rootcause.

The model here is a scripted one because the test needs an answer that cites a line outside
the log; the real model's runs are in test_cli_answers.py.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from models.backend import Usage
from models.prompts import FINDINGS_MARKER
from tui.cli import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "tui" / "examples" / "checkout-incident.log"


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


def test_json_carries_each_citation_verdict_and_stderr_sums_them_up(scripted):
    backend = scripted("The order-export job started at line 62. The pool ran dry at line 104. See also line 900.")
    result = CliRunner().invoke(cli, ["rootcause", str(EXAMPLE), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["citations"] == [
        {"line": 62, "end": 62, "valid": True, "reason": ""},
        {"line": 104, "end": 104, "valid": True, "reason": ""},
        {"line": 900, "end": 900, "valid": False, "reason": "line 900 is outside the log (lines 1-234)"},
    ]
    assert "logchat: citations: 3 checked, 1 invalid — line 900 is outside the log (lines 1-234)" in result.stderr
    assert payload["findings"]["causes"][0]["line"] == 62
    assert backend.messages[1]["content"].startswith(FINDINGS_MARKER)
    assert "findings: incident from line" in result.stderr and "likely cause line 62" in result.stderr


def test_a_range_is_the_scope_citations_are_checked_against(scripted):
    scripted("Line 3 is the pool start; line 40 is outside.")
    result = CliRunner().invoke(cli, ["ask", str(EXAMPLE), "What starts?", "--lines", "1:20", "--json"],
                                catch_exceptions=False)
    payload = json.loads(result.stdout)
    assert [(c["line"], c["valid"]) for c in payload["citations"]] == [(3, True), (40, False)]
    assert payload["findings"] is None  # a free question reads the log without findings
    assert "1 invalid — line 40 is outside" in result.stderr


def test_streamed_answer_is_unchanged_by_the_checks(scripted):
    scripted("All quiet at line 2.")
    result = CliRunner().invoke(cli, ["summarize", str(EXAMPLE), "--lines", "1:5"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "All quiet at line 2.\n"
    assert "citations: 1 checked, all valid" in result.stderr
    assert "findings: no incident found in lines 1-5" in result.stderr
