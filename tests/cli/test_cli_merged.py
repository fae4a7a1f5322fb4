"""The one-shot CLI over several files: merged by time, the model reads `b.log:412 | ...`, and
citations are checked against the file they name (a scripted model: the test needs answers
that cite a wrong file and a line past a file's end)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from models.prompts import MERGED_NOTE
from tui.cli import cli

APP = [f"2026-03-14T10:00:{s:02d}.000Z INFO [http] GET /api/orders/{s} 200 12ms" for s in range(0, 40, 2)]
DB = ["2026-03-14T10:00:01.000Z LOG checkpoint complete",
      "2026-03-14T10:00:15.000Z LOG received fast shutdown request",
      "2026-03-14T10:00:15.500Z LOG database system is shut down"]


@pytest.fixture
def two_files(tmp_path: Path) -> tuple[Path, Path]:
    app, db = tmp_path / "app.log", tmp_path / "db.log"
    app.write_text("\n".join(APP) + "\n", encoding="utf-8")
    db.write_text("\n".join(DB) + "\n", encoding="utf-8")
    return app, db


def test_two_files_json_citations_carry_the_file(scripted, two_files) -> None:
    backend = scripted('The "fast shutdown request" at db.log:2 came first. '
                       'The "fast shutdown request" is not at app.log:2. Nothing at db.log:40.')
    app, db = two_files
    result = CliRunner().invoke(cli, ["rootcause", str(app), str(db), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["citations"] == [
        {"line": 2, "end": 2, "valid": True, "reason": "", "file": "db.log"},
        {"line": 2, "end": 2, "valid": False, "reason": "app.log:2 does not contain 'fast shutdown request'",
         "file": "app.log"},
        {"line": 40, "end": 40, "valid": False, "reason": "db.log:40 is outside db.log (lines 1-3)", "file": "db.log"},
    ]
    assert payload["files"] == [{"name": "app.log", "lines": [1, len(APP)]}, {"name": "db.log", "lines": [1, 3]}]
    assert "citations: 3 checked, 2 invalid — app.log:2 does not contain" in result.stderr
    assert "db.log:40 is outside db.log" in result.stderr
    system, user = backend.messages[0]["content"], backend.messages[1]["content"]
    assert system.endswith(MERGED_NOTE)
    assert "db.log:2 | 2026-03-14T10:00:15.000Z LOG received fast shutdown request" in user
    assert user.index("app.log:8 |") < user.index("db.log:2 |") < user.index("app.log:9 |")  # merged by time
    assert "merged by time: app.log 20 lines, db.log 3 lines" in result.stderr


def test_one_file_json_has_no_file_keys(scripted, two_files) -> None:
    scripted("The shutdown is at line 2.")
    _, db = two_files
    payload = json.loads(CliRunner().invoke(cli, ["ask", str(db), "What happened?", "--json"],
                                            catch_exceptions=False).stdout)
    assert payload["citations"] == [{"line": 2, "end": 2, "valid": True, "reason": ""}]
    assert "files" not in payload


def test_ask_takes_several_files_before_the_question(scripted, two_files) -> None:
    scripted("See db.log line 2.")
    app, db = two_files
    result = CliRunner().invoke(cli, ["ask", str(app), str(db), "Why?"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "See db.log line 2.\n"
    assert "citations: 1 checked, all valid" in result.stderr


def test_lines_and_tail_take_one_file(scripted, two_files) -> None:
    scripted("x")
    app, db = two_files
    result = CliRunner().invoke(cli, ["summarize", str(app), str(db), "--tail", "5"])
    assert result.exit_code != 0
    assert "--lines and --tail take one file" in result.stderr
