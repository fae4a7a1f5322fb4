"""`logchat templates / anomalies / digest` as a user or a script runs them."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tui.cli import cli

LOG = [
    "2024-05-01 10:00:00,000 INFO [main] app.Server: started on port 8080",
    "2024-05-01 10:00:01,000 INFO [main] app.Http: GET /orders/1 200 12 ms",
    "2024-05-01 10:00:02,000 INFO [main] app.Http: GET /orders/2 200 9 ms",
    "2024-05-01 10:00:03,000 ERROR [main] app.Db: query failed [bold red]boom[/bold red]",
    "java.sql.SQLException: connection refused",
    "\tat app.Db.query(Db.java:42)",
    "2024-05-01 10:00:04,000 INFO [main] app.Http: GET /orders/3 200 11 ms",
] + [f"2024-05-01 10:01:{i:02d},000 INFO [main] app.Http: GET /orders/{i} 200 {i} ms" for i in range(40)]


@pytest.fixture()
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_text("\n".join(LOG) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_templates_table_shows_counts_and_lines_and_prints_markup_literally(log_file: Path) -> None:
    code, out, _ = run("templates", str(log_file))
    assert code == 0
    assert "GET <*>" in out and "43" in out  # the request template, 43 lines
    assert "[bold red]boom[/bold red]" in out  # log text is never Rich markup


def test_assign_gives_every_line_once_in_order_with_frames_under_their_record(log_file: Path) -> None:
    code, out, _ = run("templates", str(log_file), "--assign")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in rows] == list(range(1, len(LOG) + 1))
    assert rows[4]["template"] == rows[5]["template"] == rows[3]["template"]
    assert rows[1]["template"] == rows[2]["template"] != rows[3]["template"]


def test_anomalies_json_lists_the_error_with_reasons(log_file: Path) -> None:
    code, out, _ = run("anomalies", str(log_file), "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in rows] == [4]
    assert rows[0]["score"] >= 0.5 and "level ERROR" in rows[0]["reasons"]


def test_digest_respects_budget_and_line_range(log_file: Path) -> None:
    code, out, err = run("digest", str(log_file), "--budget", "400", "--lines", "2:30")
    assert code == 0
    assert out.startswith("```") and "lines 2-30 (29 lines" in out
    assert "line 4: " in out
    assert "budget 400" in err


def test_gz_and_stdin_give_the_same_assignment(log_file: Path, tmp_path: Path) -> None:
    gz = tmp_path / "app.log.gz"
    gz.write_bytes(gzip.compress(log_file.read_bytes()))
    _, from_file, _ = run("templates", str(log_file), "--assign")
    _, from_gz, _ = run("templates", str(gz), "--assign")
    piped = subprocess.run(
        [sys.executable, "-c", "from tui.cli import main; main()", "templates", "-", "--assign"],
        input=log_file.read_bytes(), capture_output=True, check=True,
    )
    assert from_gz == from_file == piped.stdout.decode()


def test_missing_file_is_one_line_and_input_exit_code(tmp_path: Path) -> None:
    code, out, err = run("anomalies", str(tmp_path / "nope.log"), "--json")
    assert code == 3
    assert err.startswith("logchat: error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_bad_line_range_is_a_clear_error(log_file: Path) -> None:
    code, _, err = run("digest", str(log_file), "--lines", "abc")
    assert code == 2 and "START:END" in err and err.count("\n") == 1  # a usage error, as in every command
