"""Rate limits and server errors from a scripted stub: the faults a real server won't make on cue."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from logcore.errors import EndpointError
from models.endpoint import Endpoint
from synth.chunk import Chunk
from synth.generate import generate
from logcore.append_log import iter_records
from synth.taskspec import select_tasks
from synth.teacher import RequestRejected, Teacher, TeacherConfig

from synthstub import completion_body

ERROR = json.dumps({"error": {"message": "boom", "type": "server_error"}}).encode()


def config(url: str, **kw: object) -> TeacherConfig:
    base = dict(endpoint=Endpoint(base_url=url), model="stub", server="openai",
                concurrency=1, backoff_s=0.05, max_attempts=3)
    return TeacherConfig(**{**base, **kw})  # type: ignore[arg-type]


def ask(cfg: TeacherConfig) -> tuple[object, Teacher]:
    async def run() -> tuple[object, Teacher]:
        teacher = Teacher(cfg)
        try:
            return await teacher.complete([{"role": "user", "content": "hi"}], max_tokens=5, temperature=0), teacher
        finally:
            await teacher.close()
    return asyncio.run(run())


def test_429_waits_as_long_as_retry_after_says(fault_server) -> None:
    server = fault_server([(429, {"retry-after": "1"}, ERROR), (200, {}, completion_body("fine"))])
    done, teacher = ask(config(server.base_url))
    assert done.content == "fine" and done.attempts == 2
    assert teacher.requests == 2 and teacher.retries == 1
    assert server.arrivals[1] - server.arrivals[0] >= 0.95


def test_5xx_is_retried_with_backoff_then_gives_up_with_one_line(fault_server) -> None:
    server = fault_server([(500, {}, ERROR), (503, {}, ERROR), (200, {}, completion_body("third time"))])
    done, _ = ask(config(server.base_url))
    assert done.content == "third time" and done.attempts == 3

    server = fault_server([(502, {}, ERROR)] * 3)
    with pytest.raises(EndpointError, match="server error"):
        ask(config(server.base_url))
    assert len(server.arrivals) == 3


def test_auth_failure_is_not_retried(fault_server) -> None:
    server = fault_server([(401, {}, ERROR)])
    with pytest.raises(EndpointError, match="API key|OPENAI_API_KEY") as info:
        ask(config(server.base_url))
    assert not isinstance(info.value, RequestRejected)
    assert len(server.arrivals) == 1


def test_generate_skips_a_refused_request_and_keeps_the_rest(fault_server, openssh_chunk: Chunk, tmp_path: Path) -> None:
    risk_ok = json.dumps({"risk_score": 10, "should_alert_user": False,
                          "messages": {"critical": [], "warning": []}, "summary": ["routine"]})
    server = fault_server([
        (400, {}, json.dumps({"error": {"message": "context window exceeded"}}).encode()),
        (429, {"retry-after": "0"}, ERROR),
        (200, {}, completion_body(risk_ok)),
    ])
    specs = select_tasks(["summarize", "risk"])
    out = tmp_path / "g.jsonl"
    stats, teacher = asyncio.run(generate([openssh_chunk], specs, out, config(server.base_url), progress=False))
    assert stats.rejected_by_server == 1 and "context window exceeded" in stats.errors[0]
    assert stats.written == 1 and teacher.retries == 1
    [record] = list(iter_records(out))
    assert record["task"] == "risk" and record["content"] == risk_ok
    assert record["prompt_tokens"] == 11 and record["completion_tokens"] == 3
    # JSON tasks ask for schema-constrained output; the log is numbered and fenced as data.
    risk_request = server.requests[-1]
    assert risk_request["response_format"]["type"] == "json_schema"
    user = risk_request["messages"][-1]["content"]
    assert "BEGIN LOG DATA" in user and f"{openssh_chunk.start_line} | " in user
    line_enum = risk_request["response_format"]["json_schema"]["schema"]["properties"]["messages"]["properties"]["critical"]["items"]["enum"]
    assert line_enum == list(range(openssh_chunk.start_line, openssh_chunk.end_line + 1))
