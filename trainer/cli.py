"""`logchat train` and `logchat export`: the recipe, the merge, the GGUF files and their checks.

Heavy imports (torch, transformers, peft) happen inside the commands, so `logchat --help` and
`logchat train --help` stay instant and the TUI never loads torch.
"""

from __future__ import annotations

import json

import click


def _set_threads(threads: int | None) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)


@click.command("train")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="TOML file overriding the recipe.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override one recipe key (repeatable).")
@click.option("--dataset", help="synth's output: JSONL file, folder of JSONL, or a saved datasets folder.")
@click.option("--model", help="Base model: HF repo id, HF folder, or a llama-family .gguf file.")
@click.option("--output-dir", help="Where checkpoints, the adapter, the merged model and the loss curve go.")
@click.option("--resume", is_flag=True, help="Resume from the newest checkpoint in the output folder.")
@click.option("--resume-from", type=click.Path(exists=True, file_okay=False), help="Resume from this checkpoint folder.")
@click.option("--threads", type=int, help="CPU threads for torch (CPU runs).")
@click.option("--show-config", is_flag=True, help="Print the effective configuration as JSON and exit.")
def train(config_file: str | None, sets: tuple[str, ...], dataset: str | None, model: str | None,
          output_dir: str | None, resume: bool, resume_from: str | None, threads: int | None,
          show_config: bool) -> None:
    """LoRA fine-tune a model on a synth dataset (recipe: trainer/recipe.toml).

    Multi-GPU: `accelerate launch --num_processes 4 $(which logchat) train ...` or
    `torchrun --nproc_per_node 4 $(which logchat) train ...` (see the README).
    """
    from trainer.config import load_config, parse_set

    overrides = parse_set(sets)
    for key, value in (("dataset", dataset), ("model", model), ("output_dir", output_dir)):
        if value is not None:
            overrides[key] = value
    cfg = load_config(config_file, overrides)
    if show_config:
        from trainer.runtime import resolve_runtime

        click.echo(json.dumps({**cfg.to_dict(), "runtime": resolve_runtime(cfg).to_dict()}, indent=2))
        return
    _set_threads(threads)
    from trainer.train import run_training

    result = run_training(cfg, resume=resume_from or (True if resume else None), echo=click.echo)
    losses = result.train_losses
    if losses:
        click.echo(f"done: {result.steps} steps, train loss {losses[0]:.3f} -> {losses[-1]:.3f}"
                   + (f", eval loss {result.eval_losses[-1]:.3f}" if result.eval_losses else ""))


@click.group("export")
def export() -> None:
    """Merge a LoRA adapter, write GGUF files, and verify them against the HF model."""


@export.command("merge")
@click.argument("adapter_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the merged model.")
@click.option("--base", help="Base model (default: the one the adapter was trained on).")
@click.option("--dtype", type=click.Choice(["bf16", "fp16", "fp32"]), default="bf16", show_default=True)
@click.option("--threads", type=int, help="CPU threads for torch.")
def merge_command(adapter_dir: str, out_dir: str, base: str | None, dtype: str, threads: int | None) -> None:
    """Fold ADAPTER_DIR into its base weights (safetensors + tokenizer + chat template)."""
    _set_threads(threads)
    from trainer.merge import merge_adapter

    click.echo(f"merged model: {merge_adapter(adapter_dir, out_dir, base=base, dtype=dtype)}")


@export.command("gguf")
@click.argument("model_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the GGUF files.")
@click.option("--outtype", type=click.Choice(["f16", "bf16", "f32"]), default="f16", show_default=True)
@click.option("--quant", "quants", multiple=True, default=("q8_0", "q4_k_m"), show_default=True,
              help="Quantized types to make from the f16 file (repeatable).")
@click.option("--no-verify", is_flag=True, help="Skip comparing each file with the HF model.")
@click.option("--threads", type=int, default=1, show_default=True, help="CPU threads (torch and llama.cpp).")
def gguf_command(model_dir: str, out_dir: str, outtype: str, quants: tuple[str, ...], no_verify: bool,
                 threads: int) -> None:
    """Write MODEL_DIR (a merged HF llama-family model) as GGUF, quantize, and verify each file."""
    from trainer.export import export_model

    export_model(model_dir, out_dir, outtype=outtype, quants=quants, verify=not no_verify,
                 threads=threads, echo=click.echo)


@export.command("verify")
@click.argument("model_dir", type=click.Path(exists=True, file_okay=False))
@click.argument("gguf_files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--threads", type=int, default=1, show_default=True)
def verify_command(model_dir: str, gguf_files: tuple[str, ...], threads: int) -> None:
    """Compare GGUF_FILES' next-token logits with the HF model in MODEL_DIR and chat once with each."""
    from trainer.export import reference_for
    from trainer.verify import verify_gguf

    references = reference_for(model_dir, threads=threads)
    for path in gguf_files:
        click.echo(f"verify {verify_gguf(path, references, n_threads=threads).line()}")
