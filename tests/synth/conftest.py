"""Fixtures for synth tests: real loghub chunks and a scripted fault server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from synth.chunk import Chunk, make_chunks
from synthstub import FaultServer


@pytest.fixture
def openssh_chunk(loghub: Path) -> Chunk:
    """A real 12-line OpenSSH chunk (IPs, users, pids, times) to plant hallucinations into."""
    return next(make_chunks([loghub / "OpenSSH"], per_system=1, min_lines=12, max_lines=12, seed=5))


@pytest.fixture
def hdfs_chunk(loghub: Path) -> Chunk:
    return next(make_chunks([loghub / "HDFS"], per_system=1, min_lines=12, max_lines=12, seed=5))


@pytest.fixture
def fault_server() -> Iterator[Callable[[list[tuple[int, dict[str, str], bytes]]], FaultServer]]:
    servers: list[FaultServer] = []

    def start(script: list[tuple[int, dict[str, str], bytes]]) -> FaultServer:
        server = FaultServer(script)
        server.thread.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.httpd.shutdown()
        server.httpd.server_close()
