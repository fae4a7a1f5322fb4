"""Loading the base model and tokenizer from a Hugging Face repo/folder or from a GGUF file.

A GGUF base is dequantized by transformers. Its tokenizer comes back with a generic byte-level
pre-tokenizer, which splits digits differently from llama.cpp (SmolLM splits every digit); logs
are full of digits, so the known pre-tokenizers are restored here, and the GGUF's tokenizer
metadata is remembered (`logchat_source.json`) so the export writes the same tokenizer back.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from logcore.errors import ModelError

SOURCE_FILE = "logchat_source.json"

# The Llama-3 pre-tokenizer regex (tokenizer.json of meta-llama/Llama-3.1-8B-Instruct).
LLAMA3_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)


@dataclass
class ModelSource:
    """Where the base weights come from, and the GGUF tokenizer facts an export must keep."""

    spec: str
    model_dir: str
    gguf_file: str | None = None
    gguf_pre: str | None = None
    add_bos_token: bool | None = None

    def save(self, directory: str | Path) -> None:
        Path(directory, SOURCE_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> "ModelSource | None":
        path = Path(directory, SOURCE_FILE)
        if not path.exists():
            return None
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def gguf_fields(path: str | Path, names: tuple[str, ...]) -> dict[str, Any]:
    """A few metadata values of a GGUF file (memory-mapped, so cheap even for big files)."""
    import gguf

    reader = gguf.GGUFReader(str(path))
    out = {}
    for name in names:
        field = reader.fields.get(name)
        if field is not None:
            out[name] = field.contents()
    return out


def resolve_source(spec: str) -> ModelSource:
    path = Path(spec).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise ModelError(f"GGUF file {path} not found: check the model path")
        meta = gguf_fields(path, ("general.architecture", "tokenizer.ggml.pre", "tokenizer.ggml.add_bos_token"))
        if meta.get("general.architecture") != "llama":
            raise ModelError(f"{path.name} is a {meta.get('general.architecture')!r} model: "
                             "only llama-family GGUF files can be fine-tuned here")
        return ModelSource(spec=spec, model_dir=str(path.parent), gguf_file=path.name,
                           gguf_pre=meta.get("tokenizer.ggml.pre"),
                           add_bos_token=meta.get("tokenizer.ggml.add_bos_token"))
    return ModelSource(spec=spec, model_dir=str(path) if path.exists() else spec)


def _restore_pre_tokenizer(tokenizer: Any, pre: str | None) -> None:
    from tokenizers import Regex, pre_tokenizers

    if pre == "smollm":
        tokenizer.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ])
    elif pre == "llama-bpe":
        tokenizer.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(LLAMA3_SPLIT), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])


def load_tokenizer(source: ModelSource) -> Any:
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(source.model_dir, gguf_file=source.gguf_file)
    except OSError as exc:
        raise ModelError(f"cannot load the tokenizer of {source.spec} ({exc}): "
                         "check the model id/path, or log in with `hf auth login` for gated models") from None
    if source.gguf_file:
        _restore_pre_tokenizer(tokenizer, source.gguf_pre)
    if tokenizer.chat_template is None:
        raise ModelError(f"{source.spec} has no chat template: use an instruct/chat model")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(source: ModelSource, *, dtype: Any, attention: str, device_map: Any = None) -> Any:
    """The base model, dense (a GGUF is dequantized so it can be trained and saved)."""
    from transformers import AutoModelForCausalLM, GgufConfig

    kwargs: dict[str, Any] = {"dtype": dtype, "attn_implementation": attention}
    if device_map is not None:
        kwargs["device_map"] = device_map
    if source.gguf_file:
        kwargs["gguf_file"] = source.gguf_file
        kwargs["quantization_config"] = GgufConfig(gguf_file=source.gguf_file, dequantize=True)
    try:
        model = AutoModelForCausalLM.from_pretrained(source.model_dir, **kwargs)
    except OSError as exc:
        raise ModelError(f"cannot load {source.spec} ({exc}): check the model id/path, "
                         "or log in with `hf auth login` for gated models") from None
    if getattr(model, "hf_quantizer", None) is not None:
        raise ModelError(f"{source.spec} loaded with packed GGUF weights: it must be dequantized to be trained")
    return model
