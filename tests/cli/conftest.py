"""CLI tests share the fault server with the models tests."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "models"))

from fault_server import Fault, FaultServer  # noqa: E402


@pytest.fixture
def fault_server() -> Iterator[Callable[..., FaultServer]]:
    with ExitStack() as stack:

        def start(**fields: object) -> FaultServer:
            return stack.enter_context(FaultServer(Fault(**fields)))

        yield start


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer config or env leaks into a CLI test."""
    monkeypatch.setenv("LOGCHAT_CONFIG", str(tmp_path / "no-config.toml"))
    for name in ("OPENAI_BASE_URL", "ENDPOINT_URL", "OPENAI_API_KEY", "TOKEN", "MODEL"):
        monkeypatch.delenv(name, raising=False)
