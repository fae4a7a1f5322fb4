"""Fixtures for the TUI tests: small real log files, isolated history, anyio on asyncio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from logcore.reader import LogFile

from tui_helpers import CHECKOUT


@pytest.fixture
def checkout_log() -> Iterator[LogFile]:
    log = LogFile.open(CHECKOUT)
    log.index(background=False)
    yield log
    log.close()


@pytest.fixture
def make_log(tmp_path: Path):
    """Write lines to a file and open it as a fully indexed LogFile."""
    opened: list[LogFile] = []

    def make(lines: list[str], name: str = "app.log") -> LogFile:
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        log = LogFile.open(path)
        log.index(background=False)
        opened.append(log)
        return log

    yield make
    for log in opened:
        log.close()


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGCHAT_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests run on asyncio through anyio's pytest plugin (no extra plugin needed)."""
    return "asyncio"
