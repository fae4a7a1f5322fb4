"""One-GPU LoRA step loop at the recipe's scale: tokens/s/GPU, peak memory and MFU, with and
without padding-free packing and Liger kernels.

Run (one command, on a CUDA machine with `logchat[train,gpu]` and flash-attn installed):
    python bench/train_gpu.py                       # Llama-3.1-8B-Instruct if its weights are local
    python bench/train_gpu.py --model Qwen/...      # any llama-family HF id or folder
Each variant runs in its own process (Liger patches model classes globally; memory peaks stay
separate). Without CUDA it exits at once with a one-line error.

MFU counts the FLOPs of a LoRA step with activation checkpointing: forward (2N), recomputed
forward (2N), backward to the activations only (2N; frozen weights need no weight gradient) = 6N per
token, plus causal attention: 2 * layers * hidden * seq_len^2 per sequence forward, x4 for recompute
and backward. This is the convention of the field notes' anchor (about 54 GFLOP/token for 8B at
4k tokens: 5.5k tok/s = 30% MFU), against the GPU's dense bf16 peak (H100 SXM 989 TFLOP/s; set
--peak-tflops for another card).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# Run as a script, bench/ comes first on sys.path and bench/logcore.py would shadow the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]

DEFAULT_MODEL = "meta-llama/Llama-3.1-8B-Instruct"
FALLBACK_MODEL = "HuggingFaceTB/SmolLM2-1.7B-Instruct"
VARIANTS = {
    "padded": {"packing": False, "liger": False},
    "packed": {"packing": True, "liger": False},
    "packed+liger": {"packing": True, "liger": True},
}


def synth_like_lengths(n: int, max_len: int, seed: int) -> list[int]:
    """Log-normal, long-tailed lengths like synth's chunks (median about 0.3 x max), clipped."""
    rng = random.Random(seed)
    return [max(max_len // 16, min(max_len, int(rng.lognormvariate(0, 0.6) * max_len * 0.3))) for _ in range(n)]


def weights_available(model: str) -> bool:
    if Path(model).is_dir():
        return True
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(model, "config.json"), str)
    except Exception:  # noqa: BLE001 - any hub trouble means "not local"
        return False


def run_variant(args: argparse.Namespace) -> dict:
    import torch

    from trainer.collate import make_collator
    from trainer.config import load_config
    from trainer.train import add_lora

    variant = VARIANTS[args.variant]
    if variant["liger"]:
        from liger_kernel.transformers import apply_liger_kernel_to_llama

        apply_liger_kernel_to_llama()
    from transformers import AutoModelForCausalLM

    attention = "flash_attention_2" if importlib.util.find_spec("flash_attn") else "sdpa"
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.bfloat16, attn_implementation=attention,
                                                 device_map="cuda")
    model = add_lora(model, load_config())
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.enable_input_require_grads()
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-5)
    collate = make_collator(variant["packing"], attention == "flash_attention_2", 0)

    n = (args.steps + args.warmup) * args.batch_size
    lengths = synth_like_lengths(n, args.max_len, seed=1309)
    rng = random.Random(1309)
    vocab = model.config.vocab_size
    cfg = model.config
    torch.cuda.reset_peak_memory_stats()
    tokens = 0
    attn_flops = 0.0
    elapsed = 0.0
    for step in range(args.steps + args.warmup):
        batch = []
        for length in lengths[step * args.batch_size:(step + 1) * args.batch_size]:
            ids = [rng.randrange(100, vocab) for _ in range(length)]
            batch.append({"input_ids": ids, "labels": [-100] * (length // 2) + ids[length // 2:]})
        inputs = {k: (v.cuda() if hasattr(v, "cuda") else v) for k, v in collate(batch).items()}
        torch.cuda.synchronize()
        start = time.perf_counter()
        loss = model(**inputs, use_cache=False).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        if step >= args.warmup:
            elapsed += time.perf_counter() - start
            step_tokens = sum(len(s["input_ids"]) for s in batch)
            tokens += step_tokens
            attn_flops += sum(8 * cfg.num_hidden_layers * cfg.hidden_size * len(s["input_ids"]) ** 2
                              for s in batch)
    params = sum(p.numel() for p in model.parameters())
    flops = 6 * params * tokens + attn_flops
    return {
        "variant": args.variant, "attention": attention, "tokens": tokens, "seconds": elapsed,
        "tokens_per_s": tokens / elapsed, "peak_gib": torch.cuda.max_memory_allocated() / 2**30,
        "mfu": flops / elapsed / (args.peak_tflops * 1e12), "gpu": torch.cuda.get_device_name(0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="LoRA step loop on one GPU: tokens/s, peak memory, MFU")
    parser.add_argument("--model", default=None, help=f"default {DEFAULT_MODEL}, else {FALLBACK_MODEL}")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8, help="the recipe's per-device batch")
    parser.add_argument("--max-len", type=int, default=8192)
    parser.add_argument("--peak-tflops", type=float, default=989.0, help="dense bf16 peak of the GPU")
    parser.add_argument("--variant", choices=list(VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args()

    import torch

    if not torch.cuda.is_available():
        sys.exit("bench/train_gpu.py: error: no CUDA device: run it on a GPU machine (CPU figures: bench/train.py)")
    if args.variant:
        try:
            print(json.dumps(run_variant(args)))
        except torch.cuda.OutOfMemoryError:
            print(json.dumps({"variant": args.variant, "oom": True}))
        return
    if args.model is None:
        args.model = DEFAULT_MODEL if weights_available(DEFAULT_MODEL) else FALLBACK_MODEL
    print(f"model {args.model}, batch {args.batch_size}, lengths <= {args.max_len}, {args.steps} timed steps")
    rows = []
    for name in VARIANTS:
        if VARIANTS[name]["liger"] and importlib.util.find_spec("liger_kernel") is None:
            print(f"{name}: skipped (pip install liger-kernel)")
            continue
        cmd = [sys.executable, __file__, "--variant", name, "--model", args.model, "--steps", str(args.steps),
               "--warmup", str(args.warmup), "--batch-size", str(args.batch_size), "--max-len", str(args.max_len),
               "--peak-tflops", str(args.peak_tflops)]
        out = subprocess.run(cmd, capture_output=True, text=True)
        lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        if out.returncode != 0 or not lines:
            print(f"{name}: failed: {(out.stderr.strip().splitlines() or ['no output'])[-1]}")
            continue
        rows.append(json.loads(lines[-1]))
    print(f"{'variant':14} {'tok/s/GPU':>10} {'peak GiB':>9} {'MFU':>6}  attention")
    for r in rows:
        if r.get("oom"):
            print(f"{r['variant']:14} {'OOM':>10}")
            continue
        print(f"{r['variant']:14} {r['tokens_per_s']:>10.0f} {r['peak_gib']:>9.1f} {r['mfu']:>6.1%}  {r['attention']}")
    base = next((r for r in rows if r["variant"] == "padded" and not r.get("oom")), None)
    for r in rows:
        if base and r is not base and not r.get("oom"):
            print(f"{r['variant']} / padded: {r['tokens_per_s'] / base['tokens_per_s']:.2f}x tok/s")


if __name__ == "__main__":
    main()
