"""LoRA fine-tuning with transformers' Trainer and peft: the recipe, run on whatever is here.

One code path for one CPU core and for `accelerate launch` / `torchrun` on many GPUs (the
Trainer handles DDP and DeepSpeed); the machine-dependent choices come from `runtime.py`.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from logcore.errors import LogchatError
from trainer.base_model import ModelSource, load_model, load_tokenizer, resolve_source
from trainer.collate import make_collator
from trainer.config import TrainConfig
from trainer.data import DataReport, TokenizedSample, load_conversations, prepare
from trainer.plot import loss_points, plot_loss_curve
from trainer.runtime import Runtime, resolve_runtime

Echo = Callable[[str], None]


@dataclass
class LoadedBase:
    """A base model already in memory (tests share one across runs; the CLI loads its own)."""

    model: Any
    tokenizer: Any
    source: ModelSource


@dataclass
class TrainResult:
    output_dir: Path
    adapter_dir: Path
    merged_dir: Path | None
    loss_curve: Path
    steps: int
    train_losses: list[float]
    eval_losses: list[float]
    report: DataReport
    runtime: Runtime
    notes: list[str] = field(default_factory=list)


class SampleDataset:
    """The tokenized samples in the shape the Trainer and the collators expect."""

    def __init__(self, samples: list[TokenizedSample]) -> None:
        self.samples = samples

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> dict[str, list[int]]:
        sample = self.samples[i]
        return {"input_ids": sample.input_ids, "labels": sample.labels}


def add_lora(model: Any, cfg: TrainConfig) -> Any:
    from peft import LoraConfig, get_peft_model

    targets: str | list[str] = cfg.lora_target_modules
    if targets != "all-linear":
        targets = [t.strip() for t in targets.split(",") if t.strip()]
    lora = LoraConfig(r=cfg.lora_rank, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=targets, task_type="CAUSAL_LM")
    return get_peft_model(model, lora)


def training_arguments(cfg: TrainConfig, runtime: Runtime, output_dir: Path, has_eval: bool) -> Any:
    from transformers import TrainingArguments

    deepspeed = str(Path(__file__).with_name("zero1.json")) if cfg.deepspeed == "zero1" else cfg.deepspeed
    if deepspeed and not Path(deepspeed).is_file():
        raise LogchatError(f"DeepSpeed config {deepspeed} not found: use --set deepspeed=zero1 or fix the path")
    return TrainingArguments(
        output_dir=str(output_dir),
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps,
        learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler,
        warmup_steps=cfg.warmup_ratio,  # transformers 5: a float in [0, 1) is a ratio of total steps
        weight_decay=cfg.weight_decay,
        optim=cfg.optimizer,
        max_grad_norm=cfg.max_grad_norm,
        seed=cfg.seed,
        bf16=runtime.precision == "bf16",
        fp16=runtime.precision == "fp16",
        use_cpu=runtime.device == "cpu",
        activation_checkpointing=cfg.gradient_checkpointing,
        activation_checkpointing_kwargs={"use_reentrant": False},
        use_liger_kernel=runtime.liger_kernel,
        deepspeed=deepspeed or None,
        eval_strategy=cfg.eval_strategy if has_eval else "no",
        save_strategy=cfg.save_strategy,
        save_total_limit=cfg.save_total_limit,
        logging_steps=cfg.logging_steps,
        logging_first_step=True,
        report_to="none",
        remove_unused_columns=False,
        dataloader_num_workers=0,
        ddp_find_unused_parameters=False,
    )


def _save_artifacts(directory: Path, model: Any, base: LoadedBase) -> None:
    with warnings.catch_warnings():
        # peft looks for the base's config.json beside a GGUF base; the vocabulary is never resized here
        warnings.filterwarnings("ignore", message="Could not find a config file")
        model.save_pretrained(directory)
    base.tokenizer.save_pretrained(directory)
    base.source.save(directory)


def run_training(cfg: TrainConfig, *, resume: str | bool | None = None, base: LoadedBase | None = None,
                 echo: Echo = print) -> TrainResult:
    from transformers import Trainer, set_seed

    if not cfg.dataset:
        raise LogchatError("no dataset given: pass --dataset PATH (synth's output) or --set dataset=PATH")
    runtime = resolve_runtime(cfg)
    for note in runtime.notes:
        echo(f"note: {note}")
    set_seed(cfg.seed)
    output_dir = Path(cfg.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)

    conversations = load_conversations(cfg.dataset)
    source = base.source if base is not None else resolve_source(cfg.model)
    tokenizer = base.tokenizer if base is not None else load_tokenizer(source)
    data = prepare(conversations, tokenizer, cfg.max_sequence_length, cfg.overlength)
    for line in data.report.lines(cfg.max_sequence_length):
        echo(line)
    notes = []
    if not data.eval and cfg.eval_strategy != "no":
        notes.append("no 'val' split in the dataset: evaluation is off")
        echo(f"note: {notes[-1]}")
    echo(f"runtime: {runtime.device} x{max(runtime.gpus, 1)}, attention={runtime.attention}, "
         f"packing={'on' if runtime.packing else 'off'}, liger={'on' if runtime.liger_kernel else 'off'}, "
         f"precision={runtime.precision}")

    if base is None:
        base = LoadedBase(load_model(source, dtype=runtime.torch_dtype, attention=runtime.attention), tokenizer, source)
    model = add_lora(base.model, cfg)
    if cfg.gradient_checkpointing:
        model.enable_input_require_grads()
    trainer = Trainer(
        model=model,
        args=training_arguments(cfg, runtime, output_dir, bool(data.eval)),
        train_dataset=SampleDataset(data.train),
        eval_dataset=SampleDataset(data.eval) if data.eval else None,
        data_collator=make_collator(runtime.packing, runtime.attention == "flash_attention_2",
                                    tokenizer.pad_token_id),
        processing_class=tokenizer,
    )
    if resume is True and not any(output_dir.glob("checkpoint-*")):
        raise LogchatError(f"--resume: no checkpoint-* folder in {output_dir}: start without --resume")
    with warnings.catch_warnings():
        # Library-internal deprecation and peft's GGUF-base notice, not actionable by the user.
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*is deprecated")
        warnings.filterwarnings("ignore", message="Could not find a config file")
        trainer.train(resume_from_checkpoint=resume)

    history = trainer.state.log_history
    adapter_dir = output_dir / "adapter"
    merged_dir = output_dir / "merged" if cfg.merge_at_end else None
    curve = output_dir / "loss_curve.png"
    if trainer.is_world_process_zero():
        (output_dir / "log_history.json").write_text(json.dumps(history, indent=1) + "\n", encoding="utf-8")
        plot_loss_curve(history, curve, title=f"{Path(cfg.model).name} LoRA r={cfg.lora_rank}")
        _save_artifacts(adapter_dir, model, base)
        echo(f"adapter: {adapter_dir}")
        echo(f"loss curve: {curve}")
        if merged_dir is not None:
            _save_artifacts(merged_dir, model.merge_and_unload(), base)
            echo(f"merged model: {merged_dir}")
    return TrainResult(
        output_dir=output_dir, adapter_dir=adapter_dir, merged_dir=merged_dir, loss_curve=curve,
        steps=trainer.state.global_step,
        train_losses=[v for _, v in loss_points(history, "loss")],
        eval_losses=[v for _, v in loss_points(history, "eval_loss")],
        report=data.report, runtime=runtime, notes=notes,
    )
