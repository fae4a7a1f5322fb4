"""One `--lines` parser for every command: the same forms work and fail the same way everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from logcore.errors import ExitCode
from logcore.line_range import LineRangeError, parse_line_range
from tui.cli import cli


@pytest.mark.parametrize("value,expected", [
    ("10:20", (10, 20)), ("10:", (10, None)), (":20", (None, 20)), ("7", (7, 7)),
    ("10-20", (10, 20)), (" 3 : 4 ", (3, 4)), (None, None),
])
def test_every_range_form(value, expected):
    assert parse_line_range(value) == expected


@pytest.mark.parametrize("value", ["ten:20", "abc", "0:5", "20:10", "", "1:2:3"])
def test_bad_ranges_are_usage_errors(value):
    with pytest.raises(LineRangeError) as caught:
        parse_line_range(value)
    assert caught.value.exit_code == ExitCode.USAGE


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_text("".join(f"2026-03-14T10:00:{i:02d}Z INFO request {i} ok\n" for i in range(30)))
    return path


@pytest.mark.parametrize("command", ["digest", "summarize", "templates"])
def test_the_same_bad_range_fails_alike_in_both_clis(command, log_file: Path):
    result = CliRunner().invoke(cli, [command, str(log_file), "--lines", "ten:20"])
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.startswith("logchat: error: 'ten:20' is not a line range")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_single_line_number_selects_that_line(log_file: Path):
    result = CliRunner().invoke(cli, ["digest", str(log_file), "--lines", "12"])
    assert result.exit_code == 0, result.stderr
    assert "request 11 ok" in result.stdout and "request 12 ok" not in result.stdout
