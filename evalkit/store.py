"""The predictions file: append-only JSONL that an interrupted run resumes without loss.

Every answer is one complete line written with a single `write` and `fsync`ed, so a run killed
at any instant leaves every finished answer plus at most one torn line; reopening cuts the torn
line and the keys already present are not asked again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from logcore.errors import LogInputError


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Complete JSON lines in order; a torn last line (a killed writer) is ignored."""
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    for number, raw in enumerate(complete.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise LogInputError(f"{path} line {number} is not JSON ({exc.msg}); fix or remove that line") from None
        if not isinstance(record, dict):
            raise LogInputError(f"{path} line {number} is not a JSON object; expected one record per line")
        yield record


class PredictionLog:
    """Keyed by `key`; `add` is durable once it returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.records: list[dict[str, Any]] = []
        if path.exists():
            self._cut_torn_tail()
            self.records = list(read_records(path))
        self.keys = {r["key"] for r in self.records if "key" in r}
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def _cut_torn_tail(self) -> None:
        data = self.path.read_bytes()
        keep = data.rfind(b"\n") + 1
        if keep != len(data):
            with self.path.open("r+b") as f:
                f.truncate(keep)
                os.fsync(f.fileno())

    def add(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        view = memoryview(line)
        while view:
            view = view[os.write(self._fd, view) :]
        os.fsync(self._fd)
        self.keys.add(record["key"])
        self.records.append(record)

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> "PredictionLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
