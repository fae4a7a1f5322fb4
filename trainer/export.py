"""Merged HF model -> f16 GGUF -> quantized GGUFs, each one verified against the HF model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from logcore.errors import ModelError
from trainer.gguf_export import export_gguf
from trainer.quantize import quantize_gguf
from trainer.verify import Reference, VerifyReport, hf_reference, verify_gguf, verify_prompts

Echo = Callable[[str], None]
EXACT_TYPES = ("f32", "f16")  # must match the HF model's top-1 everywhere


@dataclass
class ExportResult:
    files: list[Path] = field(default_factory=list)
    reports: list[VerifyReport] = field(default_factory=list)


def reference_for(model_dir: str | Path, *, threads: int | None = None) -> list[Reference]:
    """The HF model's next-token logits on the verification prompts (fp32 on CPU, bf16 on CUDA)."""
    import torch
    from transformers import AutoModelForCausalLM

    from trainer.base_model import ModelSource, load_tokenizer
    model_dir = Path(model_dir)
    if threads:
        torch.set_num_threads(threads)
    cuda = torch.cuda.is_available()
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16 if cuda else torch.float32,
                                                 device_map="cuda" if cuda else None)
    tokenizer = load_tokenizer(ModelSource(spec=str(model_dir), model_dir=str(model_dir)))
    references = hf_reference(model, tokenizer, verify_prompts())
    del model
    return references


def check(report: VerifyReport, kind: str) -> None:
    if kind in EXACT_TYPES and report.top1_agree != report.positions:
        raise ModelError(f"{Path(report.gguf).name} disagrees with the HF model on "
                         f"{report.positions - report.top1_agree} of {report.positions} next tokens: the export is wrong")
    if not report.chat_reply.strip():
        raise ModelError(f"{Path(report.gguf).name} produced no text for a chat turn: the export is unusable")


def export_model(model_dir: str | Path, out_dir: str | Path, *, outtype: str = "f16",
                 quants: Sequence[str] = ("q8_0", "q4_k_m"), verify: bool = True,
                 threads: int = 1, echo: Echo = print) -> ExportResult:
    model_dir, out_dir = Path(model_dir), Path(out_dir)
    stem = model_dir.resolve().name if model_dir.name not in ("merged", ".") else model_dir.resolve().parent.name
    result = ExportResult()
    from tqdm import tqdm

    with tqdm(desc=f"writing {outtype} GGUF", unit="tensor", leave=False) as bar:
        def advance(done: int, total: int, name: str) -> None:
            bar.total = total
            bar.set_postfix_str(name, refresh=False)
            bar.update(done - bar.n)

        base_file = export_gguf(model_dir, out_dir / f"{stem}-{outtype}.gguf", outtype, progress=advance)
    echo(f"wrote {base_file}")
    result.files.append(base_file)
    for quant in quants:
        path = quantize_gguf(base_file, out_dir / f"{stem}-{quant.lower()}.gguf", quant, threads=threads)
        echo(f"wrote {path}")
        result.files.append(path)
    if verify:
        references = reference_for(model_dir, threads=threads)
        for path, kind in zip(result.files, [outtype, *[q.lower() for q in quants]]):
            report = verify_gguf(path, references, n_threads=threads)
            echo(f"verify {report.line()}")
            result.reports.append(report)
            check(report, kind)
    return result
