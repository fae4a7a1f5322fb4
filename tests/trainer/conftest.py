"""The bundled SmolLM2 loaded from its GGUF once per session (about 15-30 s), copied per test."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from trainer_samples import synth_records, write_jsonl


@pytest.fixture(scope="session")
def torch_threads() -> int:
    """One thread: on a busy 2-core box two threads spin against other work and run 4-5x slower."""
    import torch

    torch.set_num_threads(1)
    return 1


@pytest.fixture(scope="session")
def smol_loaded(smollm2_path: Path, torch_threads: int):
    import torch

    from trainer.base_model import load_model, load_tokenizer, resolve_source
    from trainer.train import LoadedBase

    source = resolve_source(str(smollm2_path))
    model = load_model(source, dtype=torch.float32, attention="sdpa")
    return LoadedBase(model=model, tokenizer=load_tokenizer(source), source=source)


@pytest.fixture
def smol_base(smol_loaded):
    """A private copy: LoRA injection and merging change the model in place."""
    from trainer.train import LoadedBase

    return LoadedBase(model=copy.deepcopy(smol_loaded.model), tokenizer=smol_loaded.tokenizer,
                      source=smol_loaded.source)


@pytest.fixture
def synth_jsonl(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "dataset.jsonl", synth_records())
