"""Append-only JSONL that survives SIGKILL at any instant: synth's teacher records and evalkit's
predictions both resume from one.

Each record is one `os.write` of a complete line followed by `fsync`, so after a crash the
file holds every finished record plus at most one torn line at the end. Opening the log cuts
that torn tail off before appending, and the keys already present are skipped on rerun:
nothing is lost and nothing is written twice.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from logcore.errors import LogchatError, LogInputError


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """Complete records in file order; a torn final line (a killed writer) is ignored."""
    if not path.exists():
        return
    data = path.read_bytes()
    complete, _, _torn = data.rpartition(b"\n")
    for number, raw in enumerate(complete.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise LogInputError(
                f"{path} line {number} is not JSON ({exc.msg}): the file was edited or "
                "corrupted; remove that line and rerun"
            ) from None
        if not isinstance(record, dict):
            raise LogInputError(f"{path} line {number} is not a JSON object; expected one record per line")
        yield record


class AppendLog:
    """Keyed append-only log: `add` writes a record durably unless its key is present.

    `records` holds what was in the file when it was opened plus what was added since.
    """

    def __init__(self, path: Path, key_field: str = "key") -> None:
        self.path = path
        self.key_field = key_field
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            # Two writers would both miss the same keys and write them twice. The kernel drops
            # the lock when its holder dies, so a SIGKILLed run never leaves the file locked.
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise LogchatError(f"{path} is being written by another run: wait for it or stop it") from None
        self._drop_torn_tail()
        self.records: list[dict[str, Any]] = list(iter_records(path))
        self.keys: set[str] = {r[key_field] for r in self.records if key_field in r}

    def _drop_torn_tail(self) -> None:
        data = self.path.read_bytes()
        keep = data.rfind(b"\n") + 1
        if keep != len(data):
            with self.path.open("r+b") as f:
                f.truncate(keep)
                f.flush()
                os.fsync(f.fileno())

    def __contains__(self, key: str) -> bool:
        return key in self.keys

    def add(self, record: dict[str, Any]) -> bool:
        key = record[self.key_field]
        if key in self.keys:
            return False
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        view = memoryview(line)
        while view:
            view = view[os.write(self._fd, view):]
        os.fsync(self._fd)
        self.keys.add(key)
        self.records.append(record)
        return True

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> "AppendLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
