"""Effective settings: defaults, then the TOML file, then the environment, then flags.

One precedence order for every entry point (CLI, TUI, synth) so that `logchat config` shows
exactly what a run will use. The API key is read, never written: it lives in `Settings` with
`repr=False` and is shown only masked.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from logcore.errors import LogchatError

CONFIG_FILE_ENV = "LOGCHAT_CONFIG"

# Environment variables, first match wins. ENDPOINT_URL and TOKEN are the original demo's names.
ENDPOINT_ENV = ("OPENAI_BASE_URL", "ENDPOINT_URL")
API_KEY_ENV = ("OPENAI_API_KEY", "TOKEN")
MODEL_ENV = ("MODEL",)


@dataclass
class Settings:
    """Everything a run can be configured with.

    `model` is a model spec (gguf:PATH, hf:REPO/FILE.gguf, openai:URL) or, when an endpoint is
    set, the remote model name. `log_tokens` None means: about 2k tokens for a local model (keeps
    the first token within seconds on a CPU) and whatever the context allows for a remote one.
    """

    endpoint: str | None = None
    api_key: str | None = field(default=None, repr=False)
    model: str | None = None
    n_ctx: int = 8192  # cap on the local context size; the GGUF's own limit applies too
    n_threads: int | None = None  # None: physical cores - 1, at least 1, at most 8
    log_tokens: int | None = None
    max_tokens: int = 512
    temperature: float = 0.2
    remote_context: int = 8192  # used when the server does not say (vLLM reports max_model_len)
    timeout_s: float = 120.0
    retries: int = 3  # for 429 and 5xx
    redact: bool = True
    redact_emails: bool = False
    redact_ips: bool = False
    sources: dict[str, str] = field(default_factory=dict, repr=False)  # setting -> where it came from

    def masked(self) -> dict[str, Any]:
        """The settings as shown to a user: the key reduced to a hint of its last characters."""
        shown: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "sources":
                continue
            value = getattr(self, f.name)
            shown[f.name] = mask_key(value) if f.name == "api_key" else value
        return shown


def mask_key(key: str | None) -> str | None:
    if not key:
        return None
    return "****" + key[-4:] if len(key) >= 12 else "****"


def config_path() -> Path:
    override = os.environ.get(CONFIG_FILE_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir("logchat")) / "config.toml"


def load_settings(**overrides: Any) -> Settings:
    """Defaults < config file < environment < overrides (flags); None overrides are ignored."""
    settings = Settings()
    _apply(settings, _read_config_file(config_path()), str(config_path()))
    _apply(settings, _from_env(), "environment")
    _apply(settings, {k: v for k, v in overrides.items() if v is not None}, "flag")
    if settings.endpoint:
        settings.endpoint = settings.endpoint.strip()
    _let_endpoint_outrank_local_model(settings)
    return settings


LOCAL_SPEC_PREFIXES = ("gguf:", "hf:")


def _let_endpoint_outrank_local_model(settings: Settings) -> None:
    """`--endpoint URL` on the command line means "ask that server", even when the config file
    names a local GGUF as the model: a local model spec set at a lower level gives way, and the
    server's own model is used."""
    model = (settings.model or "").strip()
    local = model == "bundled" or model.startswith(LOCAL_SPEC_PREFIXES) or model.endswith(".gguf")
    if not (settings.endpoint and local):
        return
    if _rank(settings.sources.get("endpoint")) > _rank(settings.sources.get("model")):
        settings.model = None
        settings.sources["model"] = f"cleared: the endpoint from {settings.sources['endpoint']} outranks it"


def _rank(source: str | None) -> int:
    """Precedence of where a setting came from: flags > environment > config file > default."""
    return {None: 0, "environment": 2, "flag": 3}.get(source, 1)


def _apply(settings: Settings, values: dict[str, Any], source: str) -> None:
    known = {f.name: f for f in fields(settings) if f.name != "sources"}
    for name, value in values.items():
        if name not in known:
            raise LogchatError(f"unknown setting {name!r} in {source}; known: {', '.join(known)}")
        setattr(settings, name, _coerce(name, value, getattr(Settings(), name), source))
        settings.sources[name] = source


def _coerce(name: str, value: Any, default: Any, source: str) -> Any:
    """Config files and env give strings or TOML types; keep each setting's declared type."""
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(value)
            return bool(value)
        if isinstance(default, int) or name in ("n_threads", "log_tokens"):
            return int(value)
        if isinstance(default, float):
            return float(value)
    except (TypeError, ValueError):
        raise LogchatError(f"setting {name}={value!r} from {source} is not a valid value; fix it there") from None
    return value


def _read_config_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LogchatError(f"cannot read config file {path}: {exc}; fix or remove it") from None
    # Both a flat file and a [logchat] table are accepted.
    table = data.get("logchat", data)
    if not isinstance(table, dict):
        raise LogchatError(f"config file {path}: [logchat] must be a table")
    return table


def _from_env() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, names in (("endpoint", ENDPOINT_ENV), ("api_key", API_KEY_ENV), ("model", MODEL_ENV)):
        for name in names:
            if os.environ.get(name):
                values[key] = os.environ[name]
                break
    return values
