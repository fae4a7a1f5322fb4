"""The GGUF writer on a Llama-3.1-shaped model: llama3 RoPE scaling (rope_freqs), GQA, an untied
output head, rope_theta 500k. Random tiny weights, the bundled tokenizer; llama.cpp must compute
what transformers computes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from logcore.errors import ModelError
from trainer.gguf_export import LlamaShape, export_gguf, llama3_rope_factors, permute_qk


@pytest.fixture(scope="module")
def llama31_like(smol_loaded, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(1309)
    config = LlamaConfig(
        vocab_size=smol_loaded.model.config.vocab_size, hidden_size=128, intermediate_size=256,
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
        rms_norm_eps=1e-5, tie_word_embeddings=False,
        rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
                         "high_freq_factor": 4.0, "original_max_position_embeddings": 512},
        bos_token_id=1, eos_token_id=2,
    )
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.08)
    out = tmp_path_factory.mktemp("llama31_like")
    model.save_pretrained(out)
    smol_loaded.tokenizer.save_pretrained(out)
    smol_loaded.source.save(out)
    return out


def test_llama31_shaped_export_matches_transformers(llama31_like: Path, tmp_path: Path) -> None:
    from trainer.export import reference_for
    from trainer.verify import verify_gguf

    gguf_path = export_gguf(llama31_like, tmp_path / "tiny-f16.gguf", "f16")
    import gguf

    reader = gguf.GGUFReader(str(gguf_path))
    names = {t.name for t in reader.tensors}
    assert "rope_freqs.weight" in names and "output.weight" in names
    assert reader.fields["tokenizer.ggml.pre"].contents() == "smollm"
    assert reader.fields["llama.rope.freq_base"].contents() == 500000.0

    report = verify_gguf(gguf_path, reference_for(llama31_like, threads=1), chat=False)
    assert report.top1_agree == report.positions and report.max_logit_diff < 0.05, report.line()


def test_rope_factors_follow_llama31_and_default_rope_has_none() -> None:
    config = json.loads(json.dumps({
        "model_type": "llama", "num_hidden_layers": 32, "hidden_size": 4096, "num_attention_heads": 32,
        "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256,
        "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                 "high_freq_factor": 4.0, "original_max_position_embeddings": 8192},
    }))
    factors = llama3_rope_factors(LlamaShape.from_config(config))
    assert factors.shape == (64,) and factors[0] == 1.0 and factors[-1] == 8.0
    assert np.all(np.diff(factors) >= 0)
    del config["rope_scaling"]
    assert llama3_rope_factors(LlamaShape.from_config(config)) is None


def test_qk_permutation_interleaves_the_rotary_halves() -> None:
    w = np.arange(8, dtype=np.float32)[:, None]  # one head of dim 8: rows 0-3 first half, 4-7 second
    assert permute_qk(w, 1)[:, 0].tolist() == [0, 4, 1, 5, 2, 6, 3, 7]


def test_non_llama_models_are_refused_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    with pytest.raises(ModelError, match="llama-family"):
        export_gguf(tmp_path, tmp_path / "x.gguf")
