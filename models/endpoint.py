"""Where a remote model lives and how to talk to it, and how its failures read to a user.

Users paste whatever URL they have: a base (`http://host:8000`), an OpenAI base
(`.../v1`), or the original demo's full `.../v1/chat/completions`; all mean the same endpoint.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx

from logcore.errors import EndpointError
from models.settings import Settings

OPERATION_SUFFIXES = ("/chat/completions", "/completions", "/models")
LLAMA_CPP_PYTHON = "llama_cpp.server"
OPENAI_COMPATIBLE = "openai"


@dataclass
class Endpoint:
    base_url: str
    api_key: str | None = field(default=None, repr=False)
    model: str | None = None


@dataclass
class RemoteModel:
    id: str
    owned_by: str | None = None
    context: int | None = None  # vLLM reports max_model_len; most servers say nothing


def normalize_url(url: str) -> str:
    """The OpenAI-client base URL for anything a user may paste."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EndpointError(f"endpoint {url!r} is not an http(s) URL; use e.g. http://127.0.0.1:8000/v1")
    path = parts.path.rstrip("/")
    for suffix in OPERATION_SUFFIXES:
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    if not path:
        path = "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def resolve_endpoint(url: str | None, settings: Settings) -> Endpoint:
    url = url or settings.endpoint
    if not url:
        raise EndpointError("no endpoint given; pass --endpoint URL or set OPENAI_BASE_URL")
    model = settings.model
    if model and (model.startswith(("gguf:", "hf:", "openai:")) or model == "bundled"):
        model = None
    return Endpoint(base_url=normalize_url(url), api_key=settings.api_key or None, model=model)


def server_kind(models: list[RemoteModel]) -> str:
    """llama-cpp-python's server answers `owned_by: "me"`; it wants its own JSON-mode shape."""
    if models and models[0].owned_by == "me":
        return LLAMA_CPP_PYTHON
    return OPENAI_COMPATIBLE


def response_format(schema: dict, server: str) -> dict:
    """The structured-output request each server family understands.

    OpenAI's strict mode rejects schemas that allow extra properties, so strict is asked for
    only when the schema closes them itself (vLLM enforces the schema either way).
    """
    if server == LLAMA_CPP_PYTHON:
        return {"type": "json_object", "schema": schema}
    strict = schema.get("additionalProperties") is False
    return {
        "type": "json_schema",
        "json_schema": {"name": str(schema.get("title", "answer")), "schema": schema, "strict": strict},
    }


def list_models(endpoint: Endpoint, timeout_s: float = 10.0) -> list[RemoteModel]:
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    try:
        response = httpx.get(f"{endpoint.base_url}/models", headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise transport_error(exc, endpoint) from None
    if response.status_code != 200:
        raise status_error(response.status_code, endpoint, response.text)
    try:
        data = response.json()["data"]
        return [
            RemoteModel(id=item["id"], owned_by=item.get("owned_by"), context=item.get("max_model_len"))
            for item in data
        ]
    except (ValueError, KeyError, TypeError):
        raise EndpointError(
            f"{endpoint.base_url}/models did not return an OpenAI model list; is this an OpenAI-compatible endpoint?"
        ) from None


def transport_error(exc: Exception, endpoint: Endpoint) -> EndpointError:
    """One line for a failure below HTTP: the fix differs for refused, timeout and DNS."""
    name = type(exc).__name__
    if "Timeout" in name:
        return EndpointError(f"{endpoint.base_url} timed out; the server is overloaded or unreachable, retry or raise timeout_s")
    if "Connect" in name:
        return EndpointError(f"cannot connect to {endpoint.base_url} (connection refused or host unreachable); is the server running?")
    return EndpointError(f"network error talking to {endpoint.base_url}: {name}; check the URL and the network")


def status_error(status: int, endpoint: Endpoint, body: str = "") -> EndpointError:
    if status in (401, 403):
        hint = "the API key was rejected" if endpoint.api_key else "the endpoint needs an API key"
        return EndpointError(f"{endpoint.base_url} answered {status}: {hint}; set OPENAI_API_KEY (or TOKEN)")
    if status == 404:
        if endpoint.model:
            return EndpointError(
                f"model {endpoint.model!r} not found at {endpoint.base_url} (404); see `logchat models --endpoint URL`"
            )
        return EndpointError(f"{endpoint.base_url} answered 404; check that the URL ends in /v1")
    if status == 429:
        return EndpointError(f"{endpoint.base_url} is rate limiting (429) and retries ran out; wait and retry")
    if status >= 500:
        return EndpointError(f"{endpoint.base_url} failed with a server error ({status}); retry later or check the server's log")
    detail = " ".join(body.split())[:160]
    return EndpointError(f"{endpoint.base_url} rejected the request ({status}): {detail}")


def retry_after_s(headers: httpx.Headers | dict[str, str] | None, attempt: int, cap_s: float = 60.0) -> float:
    """The server's Retry-After (seconds or an HTTP date) if given, else exponential backoff."""
    value = (headers or {}).get("retry-after") if headers is not None else None
    if value:
        try:
            return min(max(float(value), 0.0), cap_s)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value).timestamp()
            except (TypeError, ValueError):
                when = None
            if when is not None:
                return min(max(when - time.time(), 0.0), cap_s)
    return min(2.0**attempt, cap_s)
