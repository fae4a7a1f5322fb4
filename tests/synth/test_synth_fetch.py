"""fetch's resume and checksum logic against a local HTTP server (no network in tests)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from logcore.errors import LogchatError
from synth.fetch import RemoteFile, download, fetch


class FileServer:
    """Serves one payload with HTTP Range support (or without), optionally dropping mid-body."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.honour_range = True
        self.drop_after: int | None = None  # bytes sent before the connection is cut, once
        self.ranges: list[str | None] = []
        self.bytes_sent = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                if self.path.startswith("/api/records/"):
                    return self._json(owner.record())
                header = self.headers.get("Range")
                owner.ranges.append(header)
                start = 0
                m = re.fullmatch(r"bytes=(\d+)-", header or "")
                if m and owner.honour_range:
                    start = int(m.group(1))
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(owner.payload) - 1}/{len(owner.payload)}")
                else:
                    self.send_response(200)
                body = owner.payload[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if owner.drop_after is not None:
                    body, owner.drop_after = body[: owner.drop_after], None
                self.wfile.write(body)
                owner.bytes_sent += len(body)
                self.close_connection = True

            def _json(self, data: dict) -> None:
                raw = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def record(self) -> dict:
        return {"files": [{"key": "HDFS.zip", "size": len(self.payload),
                           "checksum": "md5:" + hashlib.md5(self.payload).hexdigest(),
                           "links": {"self": f"{self.url}/files/HDFS.zip/content"}}]}


def zip_payload() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("HDFS/HDFS_full.log", "".join(f"081109 2036{i % 60:02d} INFO line {i}\r\n" for i in range(20000)))
    return buf.getvalue()


@pytest.fixture
def server() -> Iterator[FileServer]:
    srv = FileServer(zip_payload())
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def remote(srv: FileServer, md5: str | None = None) -> RemoteFile:
    return RemoteFile("HDFS.zip", f"{srv.url}/files/HDFS.zip/content", len(srv.payload),
                      md5 or hashlib.md5(srv.payload).hexdigest())


def test_fetch_lists_the_record_downloads_verifies_and_unpacks(server: FileServer, tmp_path: Path) -> None:
    [path] = fetch(tmp_path, record="8275861", api=f"{server.url}/api/records", progress=False)
    assert path.read_bytes() == server.payload
    assert (tmp_path / "HDFS" / "HDFS_full.log").stat().st_size > 100_000
    assert not (tmp_path / "HDFS.zip.part").exists()
    server.ranges.clear()
    fetch(tmp_path, record="8275861", api=f"{server.url}/api/records", progress=False)
    assert server.ranges == []  # verified file present: nothing downloaded again


def test_a_partial_download_resumes_with_a_range_request(server: FileServer, tmp_path: Path) -> None:
    half = len(server.payload) // 2
    (tmp_path / "HDFS.zip.part").write_bytes(server.payload[:half])
    with httpx.Client() as client:
        path = download(remote(server), tmp_path / "HDFS.zip", client=client, progress=False)
    assert path.read_bytes() == server.payload
    assert server.ranges == [f"bytes={half}-"]
    assert server.bytes_sent == len(server.payload) - half


def test_a_dropped_connection_is_resumed_not_restarted(server: FileServer, tmp_path: Path) -> None:
    server.drop_after = 5000
    with httpx.Client() as client:
        path = download(remote(server), tmp_path / "HDFS.zip", client=client, progress=False, sleep=lambda s: None)
    assert path.read_bytes() == server.payload
    assert server.ranges == [None, "bytes=5000-"]


def test_a_server_that_ignores_range_still_gives_a_correct_file(server: FileServer, tmp_path: Path) -> None:
    server.honour_range = False
    (tmp_path / "HDFS.zip.part").write_bytes(server.payload[:1000])
    with httpx.Client() as client:
        path = download(remote(server), tmp_path / "HDFS.zip", client=client, progress=False)
    assert path.read_bytes() == server.payload  # restarted from zero, not appended


def test_a_checksum_mismatch_removes_the_file_and_says_so(server: FileServer, tmp_path: Path) -> None:
    with httpx.Client() as client, pytest.raises(LogchatError, match="MD5 check"):
        download(remote(server, md5="0" * 32), tmp_path / "HDFS.zip", client=client, progress=False)
    assert not (tmp_path / "HDFS.zip").exists() and not (tmp_path / "HDFS.zip.part").exists()
