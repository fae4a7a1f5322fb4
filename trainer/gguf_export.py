"""A merged Hugging Face llama-family model -> a GGUF file that llama.cpp loads.

Follows llama.cpp's `convert_hf_to_gguf.py` for `LlamaForCausalLM`: the same tensor names, the
q/k rows permuted from HF's rotate-half layout to llama.cpp's interleaved RoPE layout, the
GPT-2 style BPE vocabulary with merges, and `rope_freqs` for Llama-3.1's RoPE scaling.
Tensors are streamed one at a time, so an 8B export needs one tensor's worth of extra memory.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from logcore.errors import ModelError
from trainer.base_model import LLAMA3_SPLIT, ModelSource

WRITER_TYPES = ("f32", "f16", "bf16")


@dataclass
class LlamaShape:
    n_layer: int
    hidden: int
    n_head: int
    n_head_kv: int
    head_dim: int
    ffn: int
    vocab_size: int
    context_length: int
    rms_eps: float
    rope_theta: float
    rope_scaling: dict[str, Any] | None
    tied: bool

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "LlamaShape":
        if config.get("model_type") not in ("llama", "mistral"):
            raise ModelError(f"GGUF export supports llama-family models, this one is {config.get('model_type')!r}")
        rope = config.get("rope_parameters") or {}
        scaling = config.get("rope_scaling") or (rope if rope.get("rope_type", "default") != "default" else None)
        n_head = config["num_attention_heads"]
        return cls(
            n_layer=config["num_hidden_layers"],
            hidden=config["hidden_size"],
            n_head=n_head,
            n_head_kv=config.get("num_key_value_heads") or n_head,
            head_dim=config.get("head_dim") or config["hidden_size"] // n_head,
            ffn=config["intermediate_size"],
            vocab_size=config["vocab_size"],
            context_length=config.get("max_position_embeddings", 4096),
            rms_eps=config.get("rms_norm_eps", 1e-5),
            rope_theta=config.get("rope_theta") or rope.get("rope_theta", 10000.0),
            rope_scaling=scaling,
            tied=bool(config.get("tie_word_embeddings", False)),
        )


def permute_qk(weights: np.ndarray, n_head: int) -> np.ndarray:
    """HF stores q/k rows as [first halves | second halves] per head; llama.cpp pairs them."""
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2)
            .reshape(weights.shape))


def llama3_rope_factors(shape: LlamaShape) -> np.ndarray | None:
    scaling = shape.rope_scaling
    if not scaling or str(scaling.get("rope_type", scaling.get("type", ""))).lower() != "llama3":
        return None
    dim = shape.head_dim
    freqs = 1.0 / (shape.rope_theta ** (np.arange(0, dim, 2, dtype=np.float32) / dim))
    factor = scaling.get("factor", 8.0)
    low = scaling.get("low_freq_factor", 1.0)
    high = scaling.get("high_freq_factor", 4.0)
    old_context = scaling.get("original_max_position_embeddings", 8192)
    low_wavelen, high_wavelen = old_context / low, old_context / high
    factors = []
    for freq in freqs:
        wavelen = 2 * math.pi / freq
        if wavelen < high_wavelen:
            factors.append(1.0)
        elif wavelen > low_wavelen:
            factors.append(factor)
        else:
            smooth = (old_context / wavelen - low) / (high - low)
            factors.append(1 / ((1 - smooth) / factor + smooth))
    return np.asarray(factors, dtype=np.float32)


_LAYER_NAMES = {
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}
_GLOBAL_NAMES = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
}


def gguf_name(hf_name: str) -> str:
    if hf_name in _GLOBAL_NAMES:
        return _GLOBAL_NAMES[hf_name]
    parts = hf_name.split(".")
    if parts[:2] == ["model", "layers"] and ".".join(parts[3:]) in _LAYER_NAMES:
        return f"blk.{parts[2]}.{_LAYER_NAMES['.'.join(parts[3:])]}"
    raise ModelError(f"tensor {hf_name!r} has no GGUF name: the model is not a plain llama architecture")


def _hf_tensors(model_dir: Path) -> Iterator[tuple[str, Callable[[], np.ndarray], tuple[int, ...]]]:
    """(name, loader, shape) for every tensor in the safetensors shards, loaded lazily as float32."""
    from safetensors import safe_open

    files = sorted(model_dir.glob("*.safetensors"))
    if not files:
        raise ModelError(f"{model_dir} has no *.safetensors: merge the adapter first (`logchat export merge`)")
    for file in files:
        handle = safe_open(str(file), framework="pt")
        for name in handle.keys():
            shape = tuple(handle.get_slice(name).get_shape())
            yield name, (lambda h=handle, n=name: h.get_tensor(n).float().numpy()), shape


def _pre_tokenizer(model_dir: Path, source: ModelSource | None, tokenizer_json: dict[str, Any]) -> str:
    """llama.cpp's pre-tokenizer name: the GGUF the base came from, else recognised from tokenizer.json."""
    if source is not None and source.gguf_pre:
        return source.gguf_pre
    text = json.dumps(tokenizer_json.get("pre_tokenizer"))
    if json.dumps(LLAMA3_SPLIT)[1:-1] in text:
        return "llama-bpe"
    if '"Digits"' in text and '"individual_digits": true' in text:
        return "smollm"
    raise ModelError(f"unknown pre-tokenizer in {model_dir / 'tokenizer.json'}: "
                     "only Llama-3 and SmolLM style BPE tokenizers are supported")


def _vocab(tokenizer_json: dict[str, Any], vocab_size: int) -> tuple[list[str], list[int]]:
    import gguf

    model = tokenizer_json["model"]
    if model.get("type") != "BPE" or model.get("byte_fallback"):
        raise ModelError("GGUF export needs a byte-level BPE tokenizer (Llama-3 / GPT-2 style)")
    reverse = {idx: tok for tok, idx in model["vocab"].items()}
    added = {item["id"]: item for item in tokenizer_json.get("added_tokens", [])}
    reverse.update({idx: item["content"] for idx, item in added.items()})
    tokens, types = [], []
    for idx in range(vocab_size):
        if idx not in reverse:
            tokens.append(f"[PAD{idx}]")
            types.append(gguf.TokenType.UNUSED)
        elif idx in added:
            tokens.append(reverse[idx])
            types.append(gguf.TokenType.CONTROL if added[idx].get("special") else gguf.TokenType.USER_DEFINED)
        else:
            tokens.append(reverse[idx])
            types.append(gguf.TokenType.NORMAL)
    return tokens, types


def _write_metadata(writer: Any, model_dir: Path, shape: LlamaShape, file_type: int, name: str) -> None:
    import gguf

    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name(name)
    writer.add_context_length(shape.context_length)
    writer.add_embedding_length(shape.hidden)
    writer.add_block_count(shape.n_layer)
    writer.add_feed_forward_length(shape.ffn)
    writer.add_head_count(shape.n_head)
    writer.add_head_count_kv(shape.n_head_kv)
    writer.add_layer_norm_rms_eps(shape.rms_eps)
    writer.add_rope_freq_base(shape.rope_theta)
    writer.add_rope_dimension_count(shape.head_dim)
    if shape.head_dim != shape.hidden // shape.n_head:
        writer.add_key_length(shape.head_dim)
        writer.add_value_length(shape.head_dim)
    writer.add_vocab_size(shape.vocab_size)
    writer.add_file_type(file_type)

    tokenizer_json = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    source = ModelSource.load(model_dir)
    tokens, types = _vocab(tokenizer_json, shape.vocab_size)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(_pre_tokenizer(model_dir, source, tokenizer_json))
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    special = gguf.SpecialVocab(model_dir, load_merges=True, n_vocab=len(tokens))
    if not special.merges:
        raise ModelError(f"{model_dir / 'tokenizer.json'} has no BPE merges: the tokenizer cannot be exported")
    if "<|eot_id|>" in tokens:
        special.special_token_ids["eos"] = tokens.index("<|eot_id|>")  # chat turns end here, not at <|end_of_text|>
    if source is not None and source.add_bos_token is not None:
        special.add_special_token["bos"] = source.add_bos_token
    if special.chat_template is None:
        raise ModelError(f"{model_dir} has no chat template: merge from an instruct model")
    special.add_to_gguf(writer, quiet=True)


def export_gguf(model_dir: str | Path, out_path: str | Path, outtype: str = "f16",
                progress: Callable[[int, int, str], None] | None = None) -> Path:
    """Writes `out_path` from a merged HF folder; `outtype` is f32, f16 or bf16 (quantize afterwards)."""
    import gguf

    if outtype not in WRITER_TYPES:
        raise ModelError(f"GGUF writer type must be one of {', '.join(WRITER_TYPES)}; quantize with `--quant`")
    model_dir = Path(model_dir)
    config_path = model_dir / "config.json"
    if not config_path.exists():
        raise ModelError(f"{model_dir} is not a Hugging Face model folder (no config.json): merge the adapter first")
    shape = LlamaShape.from_config(json.loads(config_path.read_text(encoding="utf-8")))
    file_type = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
                 "bf16": gguf.LlamaFileType.MOSTLY_BF16}[outtype]
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(out_path, "llama")
    _write_metadata(writer, model_dir, shape, int(file_type), model_dir.name)

    plan: list[tuple[str, Callable[[], np.ndarray], tuple[int, ...]]] = []
    rope_factors = llama3_rope_factors(shape)
    if rope_factors is not None:
        plan.append(("rope_freqs.weight", lambda: rope_factors, rope_factors.shape))
    for hf_name, load, tensor_shape in _hf_tensors(model_dir):
        if hf_name == "lm_head.weight" and shape.tied:
            continue
        name = gguf_name(hf_name)
        if name.endswith("attn_q.weight"):
            plan.append((name, lambda f=load: permute_qk(f(), shape.n_head), tensor_shape))
        elif name.endswith("attn_k.weight"):
            plan.append((name, lambda f=load: permute_qk(f(), shape.n_head_kv), tensor_shape))
        else:
            plan.append((name, load, tensor_shape))

    def stored_type(tensor_shape: tuple[int, ...]) -> Any:
        if len(tensor_shape) == 1 or outtype == "f32":
            return gguf.GGMLQuantizationType.F32
        return gguf.GGMLQuantizationType.F16 if outtype == "f16" else gguf.GGMLQuantizationType.BF16

    def convert(data: np.ndarray, kind: Any) -> np.ndarray:
        if kind == gguf.GGMLQuantizationType.F32:
            return data.astype(np.float32)
        if kind == gguf.GGMLQuantizationType.F16:
            return data.astype(np.float16)
        return gguf.quants.quantize(data, kind)

    # Tensor infos (with sizes) precede all data in a GGUF: declare them from the shapes, then stream.
    for name, _load, tensor_shape in plan:
        kind = stored_type(tensor_shape)
        nbytes = int(np.prod(tensor_shape)) * (4 if kind == gguf.GGMLQuantizationType.F32 else 2)
        writer.add_tensor_info(name, tensor_shape, np.dtype(np.float32), nbytes, raw_dtype=kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for i, (name, load, tensor_shape) in enumerate(plan, 1):
        writer.write_tensor_data(convert(load(), stored_type(tensor_shape)))
        if progress is not None:
            progress(i, len(plan), name)
    writer.close()
    return out_path
