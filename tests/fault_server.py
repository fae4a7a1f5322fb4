"""A tiny OpenAI-compatible HTTP server that fails on purpose.

Only for faults a real llama_cpp.server cannot be made to produce on demand: rate limiting
(429 with Retry-After), server errors (500/503), a stream cut mid-answer, a server too slow to
answer, a rejected key (401) and an unknown model (404; llama_cpp.server serves any name).
It records every request body so tests can check what would have left the machine.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANSWER_WORDS = ["The ", "pool ", "was ", "exhausted ", "by ", "the ", "export ", "job."]


@dataclass
class Fault:
    mode: str = "ok"  # ok | 429 | 500 | 503 | drop | slow | 401 | 404
    times: int = 10**9  # how many requests fail before it answers normally
    retry_after: str | None = "1"
    drop_after: int = 3  # chunks sent before a "drop"
    delay_s: float = 5.0  # "slow": silence before the first byte
    key: str = "sk-test-right-key-000000"
    model: str = "fault-model"
    requests: list[dict] = field(default_factory=list)
    attempts: list[float] = field(default_factory=list)  # monotonic time of each completion request


class _Handler(BaseHTTPRequestHandler):
    server: "FaultServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _json(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        fault = self.server.fault
        if fault.mode != "401":
            return True
        if self.headers.get("Authorization") == f"Bearer {fault.key}":
            return True
        self._json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
        return False

    def do_GET(self) -> None:
        if not self._authorized():
            return
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": self.server.fault.model, "object": "model", "owned_by": "fault"}]})
        else:
            self._json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        fault = self.server.fault
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if not self._authorized():
            return
        fault.requests.append(body)
        fault.attempts.append(time.monotonic())
        failing = len(fault.attempts) <= fault.times
        if failing and fault.mode == "429":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._json(429, {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}, headers)
            return
        if failing and fault.mode in ("500", "503"):
            self._json(int(fault.mode), {"error": {"message": "internal error"}})
            return
        if fault.mode == "404" and body.get("model") != fault.model:
            self._json(404, {"error": {"message": f"The model `{body.get('model')}` does not exist", "code": "model_not_found"}})
            return
        if fault.mode == "slow":
            time.sleep(fault.delay_s)
        self._stream(body, drop=fault.mode == "drop" and failing)

    def _stream(self, body: dict, *, drop: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        words = ANSWER_WORDS[: self.server.fault.drop_after] if drop else ANSWER_WORDS
        for word in words:
            self._chunk({"choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}]}, body)
        if drop:
            # Cut the connection mid-answer: no finish reason, no [DONE], no terminating chunk.
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._chunk({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}, body)
        self._chunk(
            {"choices": [], "usage": {"prompt_tokens": 42, "completion_tokens": len(words), "total_tokens": 42 + len(words)}},
            body,
        )
        self._raw(b"data: [DONE]\n\n")
        self._raw(b"")

    def _chunk(self, payload: dict, body: dict) -> None:
        payload = {"id": "chatcmpl-fault", "object": "chat.completion.chunk", "created": 0, "model": body.get("model"), **payload}
        self._raw(f"data: {json.dumps(payload)}\n\n".encode())

    def _raw(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fault: Fault) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fault = fault
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (a cancel, a timeout) is expected here, not a failure."""
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self) -> "FaultServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
