"""Fixtures for evalkit's tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit_tinyset import build_tiny_test_set


@pytest.fixture
def tiny_test_set(loghub: Path, tmp_path: Path) -> Path:
    path = tmp_path / "test.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in build_tiny_test_set(loghub)), encoding="utf-8")
    return path
