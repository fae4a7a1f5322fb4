"""The one-shot CLI checks the answer's citations: a summary on stderr, verdicts in --json,
and the findings in the prompt for summarize/rootcause.

The model here is a scripted one because the test needs an answer that cites a line outside
the log; the real model's runs are in test_cli_answers.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from models.prompts import FINDINGS_MARKER
from tui.cli import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "tui" / "examples" / "checkout-incident.log"


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
