"""Fixtures for the models tests: one loaded bundled model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from models.local import LocalBackend


@pytest.fixture(scope="session")
def local_backend(smollm2_path: Path) -> Iterator[LocalBackend]:
    """The bundled GGUF, loaded once; 4k context is plenty for the test prompts."""
    backend = LocalBackend(smollm2_path, n_ctx_cap=4096, n_threads=1)
    yield backend
    backend.close()
