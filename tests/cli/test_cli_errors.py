"""Every bad input gets one clear line on stderr, the right exit code, and no traceback."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fault_server import ANSWER_WORDS, FaultServer

from logcore.errors import ExitCode
from tui.cli import cli

KEY = "sk-this-key-must-never-be-printed-0123456789"


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def assert_one_line_error(result: Result, code: ExitCode, fragment: str) -> None:
    errors = [line for line in result.stderr.splitlines() if line.startswith("logchat: error: ")]
    assert len(errors) == 1, result.stderr
    assert fragment in errors[0], errors[0]
    assert "Traceback" not in result.stderr
    assert result.exit_code == code, (result.exit_code, result.stderr)


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_text("2026-03-14 INFO start\n2026-03-14 ERROR db timeout\n")
    return path


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def write(text: str) -> None:
        path = tmp_path / "config.toml"
        path.write_text(text)
        monkeypatch.setenv("LOGCHAT_CONFIG", str(path))

    return write


def test_missing_file(tmp_path: Path) -> None:
    assert_one_line_error(run("summarize", str(tmp_path / "nope.log")), ExitCode.INPUT, "does not exist")


def test_directory(tmp_path: Path) -> None:
    assert_one_line_error(run("summarize", str(tmp_path)), ExitCode.INPUT, "is a directory")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "core.bin"
    path.write_bytes(bytes(range(256)) * 64)
    assert_one_line_error(run("rootcause", str(path)), ExitCode.INPUT, "binary")


def test_empty_log(tmp_path: Path) -> None:
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    assert_one_line_error(run("patterns", str(path)), ExitCode.INPUT, "is empty")


def test_empty_compressed_log(tmp_path: Path) -> None:
    path = tmp_path / "empty.log.gz"
    path.write_bytes(gzip.compress(b""))
    assert_one_line_error(run("summarize", str(path)), ExitCode.INPUT, "is empty")


def test_bad_line_range_is_a_usage_error(log_file: Path) -> None:
    result = run("summarize", str(log_file), "--lines", "ten:20")
    assert result.exit_code == ExitCode.USAGE and "not a line range" in result.stderr


def test_range_past_the_end(log_file: Path) -> None:
    assert_one_line_error(run("summarize", str(log_file), "--lines", "50:60"), ExitCode.INPUT, "has 2 lines")


def test_tail_must_be_positive(log_file: Path) -> None:
    assert run("summarize", str(log_file), "--tail", "0").exit_code == ExitCode.USAGE


def test_empty_question(log_file: Path) -> None:
    assert run("ask", str(log_file), "  ").exit_code == ExitCode.USAGE


def test_unknown_model_spec(log_file: Path) -> None:
    assert_one_line_error(run("summarize", str(log_file), "--model", "gpt-9"), ExitCode.MODEL, "unknown model spec")


def test_missing_gguf(log_file: Path, tmp_path: Path) -> None:
    result = run("summarize", str(log_file), "--model", f"gguf:{tmp_path}/missing.gguf")
    assert_one_line_error(result, ExitCode.MODEL, "does not exist")


def test_corrupt_gguf(log_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\xff" * 100)
    assert_one_line_error(run("summarize", str(log_file), "--model", f"gguf:{bad}"), ExitCode.MODEL, "corrupt")


def test_not_a_gguf(log_file: Path) -> None:
    assert_one_line_error(run("summarize", str(log_file), "--model", f"gguf:{log_file}"), ExitCode.MODEL, "not a GGUF")


def test_endpoint_refused(log_file: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run("summarize", str(log_file), "--endpoint", f"http://127.0.0.1:{port}/v1")
    assert_one_line_error(result, ExitCode.ENDPOINT, "cannot connect")


def test_401_never_prints_the_key(log_file: Path, fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(mode="401")
    result = run("summarize", str(log_file), "--endpoint", server.base_url, env={"OPENAI_API_KEY": KEY})
    assert_one_line_error(result, ExitCode.ENDPOINT, "API key was rejected")
    assert KEY not in result.output and KEY[-12:] not in result.output


def test_404_model(log_file: Path, fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(mode="404")
    result = run("summarize", str(log_file), "--endpoint", server.base_url, "--model", "no-such-model")
    assert_one_line_error(result, ExitCode.ENDPOINT, "'no-such-model' not found")


def test_429_is_retried_and_said(log_file: Path, fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(mode="429", times=1, retry_after="0")
    result = run("summarize", str(log_file), "--endpoint", server.base_url)
    assert result.exit_code == 0, result.stderr
    assert "answered 429; retrying" in result.stderr
    assert result.stdout.strip() == "".join(ANSWER_WORDS)


def test_429_until_retries_run_out(log_file: Path, fault_server: Callable[..., FaultServer], config: Callable) -> None:
    config("retries = 1\n")
    server = fault_server(mode="429", retry_after="0")
    assert_one_line_error(run("summarize", str(log_file), "--endpoint", server.base_url), ExitCode.ENDPOINT, "429")
    assert len(server.fault.attempts) == 2


def test_5xx(log_file: Path, fault_server: Callable[..., FaultServer], config: Callable) -> None:
    config("retries = 0\n")
    server = fault_server(mode="500")
    assert_one_line_error(run("summarize", str(log_file), "--endpoint", server.base_url), ExitCode.ENDPOINT, "500")


def test_timeout(log_file: Path, fault_server: Callable[..., FaultServer], config: Callable) -> None:
    config("timeout_s = 1.0\n")
    server = fault_server(mode="slow", delay_s=3.0)
    assert_one_line_error(run("summarize", str(log_file), "--endpoint", server.base_url), ExitCode.ENDPOINT, "timed out")


def test_dropped_stream_shows_the_partial_answer(log_file: Path, fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(mode="drop", drop_after=4)
    result = run("summarize", str(log_file), "--endpoint", server.base_url)
    assert_one_line_error(result, ExitCode.PARTIAL, "what arrived is shown above")
    assert result.stdout.strip() == "".join(ANSWER_WORDS[:4]).strip()


def test_dropped_stream_in_json_mode(log_file: Path, fault_server: Callable[..., FaultServer]) -> None:
    import json

    server = fault_server(mode="drop", drop_after=2)
    result = run("summarize", str(log_file), "--endpoint", server.base_url, "--json")
    assert result.exit_code == ExitCode.PARTIAL
    payload = json.loads(result.stdout)
    assert payload["answer"] == "".join(ANSWER_WORDS[:2]) and payload["complete"] is False
