"""Fixtures for the models tests: one loaded bundled model, and the fault-injecting server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fault_server import Fault, FaultServer

from models.local import LocalBackend


@pytest.fixture(scope="session")
def local_backend(smollm2_path: Path) -> Iterator[LocalBackend]:
    """The bundled GGUF, loaded once; 4k context is plenty for the test prompts."""
    backend = LocalBackend(smollm2_path, n_ctx_cap=4096, n_threads=1)
    yield backend
    backend.close()


@pytest.fixture
def fault_server() -> Iterator[Callable[..., FaultServer]]:
    """Start a FaultServer with the given Fault fields; stopped after the test."""
    with ExitStack() as stack:

        def start(**fields: object) -> FaultServer:
            return stack.enter_context(FaultServer(Fault(**fields)))

        yield start


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer config or env leaks into a models test."""
    monkeypatch.setenv("LOGCHAT_CONFIG", str(tmp_path / "no-config.toml"))
    for name in ("OPENAI_BASE_URL", "ENDPOINT_URL", "OPENAI_API_KEY", "TOKEN", "MODEL"):
        monkeypatch.delenv(name, raising=False)
