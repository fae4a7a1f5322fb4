"""Folding a LoRA adapter into its base weights: a plain HF model llama.cpp's converter can read."""

from __future__ import annotations

import json
from pathlib import Path

from logcore.errors import ModelError
from trainer.base_model import ModelSource, load_model, load_tokenizer, resolve_source

DTYPES = ("fp32", "bf16", "fp16")


def adapter_source(adapter_dir: Path, base: str | None) -> ModelSource:
    """The base the adapter was trained on: --base, else what training recorded."""
    if base:
        return resolve_source(base)
    recorded = ModelSource.load(adapter_dir)
    if recorded is not None:
        return resolve_source(recorded.spec)
    config = adapter_dir / "adapter_config.json"
    if not config.exists():
        raise ModelError(f"{adapter_dir} is not a LoRA adapter folder (no adapter_config.json): "
                         "pass the training run's adapter/ folder")
    return resolve_source(json.loads(config.read_text(encoding="utf-8"))["base_model_name_or_path"])


def merge_adapter(adapter_dir: str | Path, out_dir: str | Path, *, base: str | None = None,
                  dtype: str = "bf16") -> Path:
    import torch
    from peft import PeftModel

    if dtype not in DTYPES:
        raise ModelError(f"merge dtype must be one of {', '.join(DTYPES)}")
    adapter_dir, out_dir = Path(adapter_dir), Path(out_dir)
    source = adapter_source(adapter_dir, base)
    torch_dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[dtype]
    model = load_model(source, dtype=torch_dtype, attention="sdpa")
    merged = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
    out_dir.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(out_dir)
    load_tokenizer(source).save_pretrained(out_dir)
    source.save(out_dir)
    return out_dir
