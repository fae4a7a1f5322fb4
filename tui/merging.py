"""Opening a merged view: from the command line (`logchat --merge`) or over the open tabs.

The merge itself is `logcore.merge.MergedLog`; this module only decides which `LogFile`
objects it reads. A merge over open tabs reads its own copies of the files: a `LogFile`
remembers what it last reported to its follower's poll, so a tab and the merged view polling
one object would each see only part of the new lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from logcore.errors import LogchatError
from logcore.reader import LogFile

if TYPE_CHECKING:
    from logcore.merge import MergedLog


def merge_logs(logs: Sequence[LogFile]) -> MergedLog:
    """One merged view over `logs` (which it then owns: closing it closes them)."""
    from logcore.merge import MergedLog

    if len(logs) < 2:
        raise LogchatError("--merge needs two or more files, e.g. logchat --merge a.log b.log")
    return MergedLog(list(logs))


def reopen(log: LogFile) -> LogFile:
    """A fresh `LogFile` on the same file for a merged view; a stream (stdin, a pipe) cannot be
    read twice, so its one object is shared (a stream is never followed, so nothing is lost)."""
    if log.path.is_file():
        return LogFile.open(log.path)
    return log


def same_file(log: LogFile, paths: set[Path]) -> bool:
    """Whether `log` reads one of `paths` (resolved), so a file never joins a merge twice."""
    return _resolved(log.path) in paths


def resolved_paths(logs: Sequence[LogFile]) -> set[Path]:
    return {_resolved(log.path) for log in logs}


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path


def tab_title(merged: MergedLog) -> str:
    """The merged tab's label: the files' short names, bounded so the tab row stays readable."""
    names = [source.name for source in merged.sources]
    title = " + ".join(names)
    return title if len(title) <= 40 else f"{len(names)} files merged"
