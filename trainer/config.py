"""The training recipe as a typed object: package defaults, then a user TOML file, then --set.

The defaults live in `recipe.toml` next to this module so the recipe is data a user can read
and copy, not constants buried in code.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from logcore.errors import LogchatError


@dataclass
class TrainConfig:
    model: str
    dataset: str
    output_dir: str
    lora_rank: int
    lora_alpha: int
    lora_dropout: float
    lora_target_modules: str
    learning_rate: float
    lr_scheduler: str
    warmup_ratio: float
    weight_decay: float
    optimizer: str
    max_grad_norm: float
    epochs: float
    max_steps: int
    batch_size: int
    gradient_accumulation_steps: int
    seed: int
    max_sequence_length: int
    overlength: str
    packing: str
    precision: str
    attention: str
    liger_kernel: bool
    gradient_checkpointing: bool
    deepspeed: str
    eval_strategy: str
    save_strategy: str
    save_total_limit: int
    logging_steps: int
    merge_at_end: bool

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_CHOICES: dict[str, tuple[str, ...]] = {
    "overlength": ("drop", "truncate"),
    "packing": ("auto", "true", "false"),
    "precision": ("bf16", "fp16", "fp32"),
    "attention": ("flash_attention_2", "sdpa", "eager"),
    "eval_strategy": ("epoch", "steps", "no"),
    "save_strategy": ("epoch", "steps", "no"),
}


def default_recipe_text() -> str:
    return Path(__file__).with_name("recipe.toml").read_text(encoding="utf-8")


def _coerce(name: str, value: Any, kind: type) -> Any:
    """Turns TOML or --set values into the field's type, with a one-line error naming the key."""
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "1", "yes", "on"):
                return True
            if text in ("false", "0", "no", "off"):
                return False
            raise ValueError(value)
        if kind is str:
            return str(value).lower() if isinstance(value, bool) else str(value)
        return kind(value)
    except (TypeError, ValueError):
        raise LogchatError(f"config key {name!r} needs a {kind.__name__}, got {value!r}: fix the value") from None


def _merge(values: dict[str, Any], updates: dict[str, Any], source: str) -> None:
    known = {f.name for f in fields(TrainConfig)}
    for key, value in updates.items():
        if key not in known:
            raise LogchatError(
                f"unknown config key {key!r} in {source}: see `logchat train --show-config` for the keys"
            )
        values[key] = value


def parse_set(items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """`key=value` pairs from the command line; values stay strings until coerced."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise LogchatError(f"--set expects key=value, got {item!r}: write it as e.g. --set lora_rank=8")
        out[key.strip()] = value.strip()
    return out


def load_config(config_file: str | Path | None = None, overrides: dict[str, Any] | None = None) -> TrainConfig:
    values: dict[str, Any] = tomllib.loads(default_recipe_text())
    if config_file is not None:
        path = Path(config_file)
        try:
            user = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise LogchatError(f"config file {path} not found: check the --config path") from None
        except tomllib.TOMLDecodeError as exc:
            raise LogchatError(f"config file {path} is not valid TOML ({exc}): fix the file") from None
        _merge(values, user, str(path))
    _merge(values, overrides or {}, "--set")
    kinds = {f.name: f.type for f in fields(TrainConfig)}
    types = {"int": int, "float": float, "str": str, "bool": bool}
    coerced = {name: _coerce(name, values[name], types[str(kind)]) for name, kind in kinds.items()}
    for name, allowed in _CHOICES.items():
        if coerced[name] not in allowed:
            raise LogchatError(f"config key {name!r} must be one of {', '.join(allowed)}, got {coerced[name]!r}")
    for name in ("lora_rank", "batch_size", "gradient_accumulation_steps", "max_sequence_length"):
        if coerced[name] < 1:
            raise LogchatError(f"config key {name!r} must be at least 1, got {coerced[name]}")
    return TrainConfig(**coerced)
