"""The real `logchat` command in a real terminal (tmux), with the bundled model.

Opens a loghub file at 100x30, narrows the scope to the last lines (a small prompt keeps the
CPU model fast), presses Summarize and reads the streamed answer back from the pane.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

LOGCHAT = Path(sys.executable).with_name("logchat")


class ServerGone(Exception):
    """The tmux server itself vanished (seen once on a busy machine): not logchat's doing, since the
    pane outlives logchat and would show how it ended."""


def capture(socket: str) -> str:
    done = subprocess.run(["tmux", "-L", socket, "capture-pane", "-p", "-t", "logchat"],
                          capture_output=True, text=True)
    if done.returncode:
        raise ServerGone(done.stderr.strip())
    return done.stdout


def start(socket: str, command: str, env: dict[str, str]) -> None:
    """Run logchat in a 100x30 pane that stays open after it exits, showing its exit status."""
    shell = f"{command}; echo \"[logchat exited with status $?]\"; sleep 600"
    subprocess.run(["tmux", "-L", socket, "new-session", "-d", "-s", "logchat", "-x", "100", "-y", "30", shell],
                   env=env, check=True)


def wait_pane(socket: str, condition, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    pane = ""
    while time.monotonic() < deadline:
        pane = capture(socket)
        if condition(pane):
            return pane
        time.sleep(0.3)
    raise AssertionError(f"pane never matched; last pane:\n{pane}")


def open_in_tmux(command: str, env: dict[str, str]) -> str:
    """Start logchat and wait for its first screen; a tmux server that vanishes is started again once."""
    for attempt in range(2):
        socket = f"logchat-test-{uuid.uuid4().hex[:8]}"
        start(socket, command, env)
        try:
            wait_pane(socket, lambda p: "Zookeeper_2k.log" in p and "   1 2015-07-29" in p.replace("▶", " "), 30)
            return socket
        except ServerGone:
            if attempt:
                raise
        except AssertionError:
            subprocess.run(["tmux", "-L", socket, "kill-server"], check=False)
            raise
    raise AssertionError("unreachable")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_summarize_in_tmux_with_bundled_model(loghub: Path, tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text("n_threads = 1\nmax_tokens = 24\n")
    env = {**os.environ, "LOGCHAT_CONFIG": str(config), "LOGCHAT_DATA_DIR": str(tmp_path / "data"),
           "TERM": "xterm-256color"}
    command = f"{LOGCHAT} --last 5 {loghub / 'Zookeeper' / 'Zookeeper_2k.log'}"
    socket = open_in_tmux(command, env)
    try:
        wait_pane(socket, lambda p: "local:SmolLM2" in p, 60)  # the model has loaded
        subprocess.run(["tmux", "-L", socket, "send-keys", "-t", "logchat", "s", "s"], check=True)
        wait_pane(socket, lambda p: "last 5 lines" in p, 10)
        subprocess.run(["tmux", "-L", socket, "send-keys", "-t", "logchat", "1"], check=True)
        pane = wait_pane(socket, lambda p: "tok/s" in p, 150)  # shown once the answer is complete
        lines = pane.splitlines()
        question = next(i for i, line in enumerate(lines) if "› Please provide a comprehensive summary" in line)
        taskbar = next(i for i, line in enumerate(lines) if "Root cause" in line and "Compare halves" in line)
        answer = " ".join(line.strip() for line in lines[question + 1:taskbar]).strip()
        assert len(answer.split()) >= 3, pane
        assert "Model error" not in pane
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], check=False)
