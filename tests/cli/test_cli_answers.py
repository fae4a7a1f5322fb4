"""The one-shot commands answer for real: bundled model, real llama_cpp.server, stdin, gzip, JSON."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner, Result

from logcore.errors import ExitCode
from tui.cli import cli

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "tui" / "examples" / "checkout-incident.log"
FAST = ["--max-tokens", "6", "--log-tokens", "200"]


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin, env=env, catch_exceptions=False)


def test_example_log_is_a_real_incident() -> None:
    lines = EXAMPLE.read_text().splitlines()
    assert 150 <= len(lines) <= 400
    text = "\n".join(lines)
    for must in ("WARN", "ERROR", "\tat ", "pool exhausted", "READY again", "resolved"):
        assert must in text


def test_summarize_example_with_the_bundled_model() -> None:
    result = run("summarize", str(EXAMPLE), *FAST)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()
    assert "model local:SmolLM2-135M-Instruct.Q4_1" in result.stderr
    assert "checkout-incident.log: lines 1-234" in result.stderr and "tokens in" in result.stderr
    assert "left out:" in result.stderr  # 234 lines cannot go whole into 200 tokens: say so
    assert "first token after" in result.stderr


def test_json_output_is_one_object() -> None:
    result = run("patterns", str(EXAMPLE), "--tail", "3", "--json", *FAST)
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["answer"] and payload["complete"] is True
    assert payload["lines"] == [232, 234] and payload["model"].startswith("local:")
    assert payload["usage"]["prompt_tokens"] > payload["log"]["tokens"] > 0 and payload["log"]["tokens_exact"]


def test_stdin_and_invalid_utf8_against_a_real_server(llama_server: str) -> None:
    text = "2026-03-14 INFO ok\n2026-03-14 ERROR bad byte \udcff here\n"
    result = CliRunner().invoke(
        cli, ["summarize", "-", "--endpoint", llama_server, "--max-tokens", "6"],
        input=text.encode("utf-8", "surrogateescape"), catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    assert "1 line had invalid UTF-8 (replaced with U+FFFD)" in result.stderr
    assert f"model openai:{llama_server} (smollm2)" in result.stderr
    assert "(estimated)" in result.stderr and "redaction: nothing masked" in result.stderr
    assert result.stdout.strip()


def test_gzip_log_and_ask_with_the_full_demo_url(llama_server: str, tmp_path: Path) -> None:
    path = tmp_path / "incident.log.gz"
    path.write_bytes(gzip.compress(EXAMPLE.read_bytes()))
    result = run("ask", str(path), "Which job held the connections?", "--lines", "135:137",
                 "--max-tokens", "6", env={"ENDPOINT_URL": f"{llama_server}/chat/completions"})
    assert result.exit_code == 0, result.stderr
    assert "lines 135-137" in result.stderr and result.stdout.strip()


def test_models_lists_bundled_and_remote(llama_server: str) -> None:
    result = run("models", "--endpoint", llama_server)
    assert result.exit_code == 0, result.stderr
    assert "bundled\tdefault" in result.stdout
    assert f"openai:{llama_server}#smollm2" in result.stdout


def test_config_masks_the_key(tmp_path: Path) -> None:
    key = "sk-abcdefghijklmnopqrstuvwxyz-9876"
    result = run("config", env={"OPENAI_API_KEY": key, "OPENAI_BASE_URL": "http://h:1/v1"})
    assert result.exit_code == 0
    assert key not in result.stdout and 'api_key = "****9876"  # environment' in result.stdout
    assert 'endpoint = "http://h:1/v1"  # environment' in result.stdout


def test_console_script_ctrl_c_cancels_prompt_evaluation(tmp_path: Path) -> None:
    """A real process: SIGINT during a long prompt evaluation exits 130 promptly."""
    env = {**os.environ, "LOGCHAT_CONFIG": str(tmp_path / "none.toml")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from tui.cli import main; main()", "summarize", str(EXAMPLE), "--log-tokens", "3000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )
    assert proc.stderr is not None
    seen = ""
    while "tokens in" not in seen:
        line = proc.stderr.readline()
        assert line, f"logchat ended early: {seen}"
        seen += line
    time.sleep(0.5)  # now inside the prompt evaluation
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == ExitCode.INTERRUPTED
    assert time.monotonic() - started < 10
    assert "interrupted" in err and "Traceback" not in err
