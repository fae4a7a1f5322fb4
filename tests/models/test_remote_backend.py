"""The remote backend against a real llama_cpp.server, and against injected faults."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import jsonschema
import pytest
from fault_server import ANSWER_WORDS, FaultServer

from logcore.errors import EndpointError, ExitCode
from models.endpoint import Endpoint, resolve_endpoint
from models.prompts import task_messages
from models.remote import RemoteBackend
from models.resolve import resolve_backend
from models.settings import Settings, load_settings

SECRET_LOG = (
    "2026-03-14 10:00:01 INFO login ok user=alice blk_-1608999687919862906\n"
    "2026-03-14 10:00:02 ERROR auth failed password=hunter2-Secret!\n"
    "2026-03-14 10:00:03 DEBUG Authorization: Bearer sk-proj-AbCdEf0123456789AbCdEf0123456789\n"
    "2026-03-14 10:00:04 ERROR retry with password=hunter2-Secret!"
)


def remote(url: str, **settings: object) -> RemoteBackend:
    return resolve_backend(f"openai:{url}", Settings(**{"retries": 2, "timeout_s": 120.0, **settings}))


def test_streams_from_a_real_llama_cpp_server(llama_server: str) -> None:
    backend = remote(llama_server)
    assert backend.endpoint.model == "smollm2"  # first id of /v1/models
    assert backend.server == "llama_cpp.server"
    deltas = list(backend.stream(task_messages("summarize", "ERROR disk full on /var"), max_tokens=12))
    usage = backend.last_usage
    assert len(deltas) >= 2 and "".join(deltas).strip()
    assert usage.ttft_s is not None and usage.completion_tokens == len(deltas)
    assert usage.estimated and usage.prompt_tokens > 50  # this server reports no usage while streaming


def test_full_chat_completions_url_is_accepted(llama_server: str) -> None:
    backend = resolve_backend(settings=load_settings(endpoint=f"{llama_server}/chat/completions"))
    assert backend.endpoint.base_url == llama_server
    assert "".join(backend.stream(task_messages("summarize", "ok"), max_tokens=3))


def test_json_schema_output_from_llama_cpp_server(llama_server: str) -> None:
    schema = {
        "type": "object",
        "properties": {
            "problem": {"type": "string", "maxLength": 120},
            "lines": {"type": "array", "items": {"type": "integer"}, "maxItems": 5},
        },
        "required": ["problem", "lines"],
    }
    backend = remote(llama_server)
    # Bounded lengths in the schema let the grammar close the object well within max_tokens.
    text = "".join(backend.stream(task_messages("rootcause", "ERROR disk full"), max_tokens=256,
                                  temperature=0.0, json_schema=schema))
    jsonschema.validate(json.loads(text), schema)


def test_openai_style_servers_get_json_schema_format(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server()
    backend = remote(server.base_url)
    list(backend.stream(task_messages("summarize", "x"), json_schema={"type": "object"}))
    sent = server.fault.requests[-1]["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["schema"] == {"type": "object"}


def test_secrets_are_masked_before_sending_and_consistently(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server()
    backend = remote(server.base_url)
    list(backend.stream(task_messages("summarize", SECRET_LOG)))
    sent = server.fault.requests[-1]["messages"][1]["content"]
    assert "hunter2" not in sent and "sk-proj-AbCdEf" not in sent
    assert "blk_-1608999687919862906" in sent and "user=alice" in sent
    placeholders = [line.split("password=")[1] for line in sent.splitlines() if "password=" in line]
    assert len(placeholders) == 2 and placeholders[0] == placeholders[1]
    assert sum(backend.last_redaction.values()) == 3
    assert "masked" in backend.last_redaction_summary


def test_no_redact_sends_the_log_as_is(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server()
    backend = remote(server.base_url, redact=False)
    list(backend.stream(task_messages("summarize", SECRET_LOG)))
    assert "hunter2-Secret!" in server.fault.requests[-1]["messages"][1]["content"]


def test_usage_reported_by_the_server_replaces_the_estimate(fault_server: Callable[..., FaultServer]) -> None:
    backend = remote(fault_server().base_url)
    assert "".join(backend.stream(task_messages("summarize", "x"))) == "".join(ANSWER_WORDS)
    assert backend.last_usage.prompt_tokens == 42 and not backend.last_usage.estimated


def test_429_is_retried_honouring_retry_after(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(mode="429", times=1, retry_after="1")
    notices: list[str] = []
    backend = remote(server.base_url)
    backend.on_notice = notices.append
    assert "".join(backend.stream(task_messages("summarize", "x"))) == "".join(ANSWER_WORDS)
    first, second = server.fault.attempts
    assert second - first >= 0.95
    assert notices and "429" in notices[0] and "1.0 s" in notices[0]


def test_429_gives_up_after_the_retries(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(mode="429", retry_after="0")
    with pytest.raises(EndpointError, match="rate limiting") as info:
        list(remote(server.base_url, retries=2).stream(task_messages("summarize", "x")))
    assert len(server.fault.attempts) == 3
    assert info.value.exit_code == ExitCode.ENDPOINT


def test_503_is_retried_then_answers(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(mode="503", times=1, retry_after=None)
    assert "".join(remote(server.base_url).stream(task_messages("summarize", "x")))


def test_500_fails_with_one_line(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(mode="500")
    with pytest.raises(EndpointError, match=r"server error \(500\)"):
        list(remote(server.base_url, retries=0).stream(task_messages("summarize", "x")))


def test_dropped_stream_keeps_the_partial_answer(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(mode="drop", drop_after=3)
    received: list[str] = []
    with pytest.raises(EndpointError, match="stopped after 3 chunks") as info:
        for delta in remote(server.base_url).stream(task_messages("summarize", "x")):
            received.append(delta)
    assert received == ANSWER_WORDS[:3]
    assert info.value.exit_code == ExitCode.PARTIAL


def test_slow_server_times_out(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(mode="slow", delay_s=3.0)
    started = time.monotonic()
    with pytest.raises(EndpointError, match="timed out"):
        list(remote(server.base_url, timeout_s=1.0).stream(task_messages("summarize", "x")))
    assert time.monotonic() - started < 2.9


def test_cancel_closes_a_stalled_stream(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(mode="slow", delay_s=3.0)
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    assert list(remote(server.base_url, timeout_s=30.0).stream(task_messages("summarize", "x"), cancel=cancel)) == []
    assert time.monotonic() - started < 2.9


def test_wrong_key_is_401_and_the_key_is_never_shown(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(mode="401")
    key = "sk-wrong-key-that-must-not-leak-123456"
    with pytest.raises(EndpointError, match="API key was rejected") as info:
        remote(server.base_url, api_key=key)
    assert key not in str(info.value)
    backend = remote(server.base_url, api_key=server.fault.key)
    assert key not in repr(backend.endpoint) and server.fault.key not in repr(backend.settings)
    assert "".join(backend.stream(task_messages("summarize", "x")))


def test_missing_key_is_named(fault_server: Callable[..., FaultServer]) -> None:
    with pytest.raises(EndpointError, match="needs an API key"):
        remote(fault_server(mode="401").base_url)


def test_unknown_model_is_404_with_the_name(fault_server: Callable[..., FaultServer]) -> None:
    server = fault_server(mode="404")
    backend = resolve_backend(f"openai:{server.base_url}#no-such-model", Settings())
    with pytest.raises(EndpointError, match="'no-such-model' not found"):
        list(backend.stream(task_messages("summarize", "x")))


def test_refused_connection(unused_port: int) -> None:
    with pytest.raises(EndpointError, match="cannot connect"):
        remote(f"http://127.0.0.1:{unused_port}/v1")


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_resolve_endpoint_ignores_local_specs_as_model_names() -> None:
    endpoint = resolve_endpoint("http://h:1", Settings(model="gguf:/x.gguf", api_key="k"))
    assert endpoint == Endpoint("http://h:1/v1", "k", None)
