"""`logchat synth`: logs -> chunks -> teacher answers -> validated -> chat dataset.

Every step reads and writes files in one work folder (default `synth-data/`), so each can be
rerun on its own; generate resumes where it stopped.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from logcore.errors import LogchatError


CHUNKS = "chunks.jsonl"
GENERATIONS = "generations.jsonl"
ACCEPTED = "accepted.jsonl"
REJECTS = "rejects.jsonl"
DATASET = "dataset"


workdir_option = click.option(
    "-w", "--workdir", type=click.Path(file_okay=False, path_type=Path), default=Path("synth-data"),
    show_default=True, help="Folder holding every step's input and output files.",
)
tasks_option = click.option(
    "--tasks", default=None, help="Comma-separated task names (default: all defined tasks).",
)


def _task_names(tasks: str | None) -> list[str] | None:
    return [t.strip() for t in tasks.split(",") if t.strip()] if tasks else None


@click.group()
def synth() -> None:
    """Build a training dataset from logs with a teacher model.

    Steps: fetch (optional) -> chunk -> generate -> validate -> build.
    """


@synth.command()
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), default=Path("data/loghub-2.0"),
              show_default=True, help="Folder to download into.")
@click.option("--record", default=None, help="Zenodo record id (default: loghub-2.0, 8275861).")
@click.option("--only", multiple=True, help="Download only these systems/files, e.g. --only HDFS.")
@click.option("--no-extract", is_flag=True, help="Keep the zip archives packed.")
def fetch(dest: Path, record: str | None, only: tuple[str, ...], no_extract: bool) -> None:
    """Download loghub-2.0 from Zenodo (resumable, MD5-checked)."""
    from synth.fetch import LOGHUB2_RECORD, fetch as run_fetch

    paths = run_fetch(dest, record=record or LOGHUB2_RECORD, only=list(only) or None, unpack=not no_extract)
    click.echo(f"{len(paths)} files verified in {dest}")


@synth.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@workdir_option
@click.option("--per-system", default=300, show_default=True, help="Most chunks per system.")
@click.option("--min-lines", default=50, show_default=True)
@click.option("--max-lines", default=150, show_default=True)
@click.option("--seed", default=0, show_default=True)
def chunk(inputs: tuple[Path, ...], workdir: Path, per_system: int, min_lines: int, max_lines: int, seed: int) -> None:
    """Cut log files (or folders of them) into seeded chunks spread over each file."""
    from collections import Counter

    from synth.chunk import make_chunks

    workdir.mkdir(parents=True, exist_ok=True)
    out = workdir / CHUNKS
    per: Counter[str] = Counter()
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for c in make_chunks(inputs, per_system=per_system, min_lines=min_lines, max_lines=max_lines, seed=seed):
            f.write(c.to_json() + "\n")
            per[c.system] += 1
    tmp.replace(out)
    listing = ", ".join(f"{s} {n}" for s, n in sorted(per.items()))
    click.echo(f"{sum(per.values())} chunks -> {out} ({listing})")


@synth.command()
@workdir_option
@tasks_option
@click.option("--endpoint", default=None, help="Teacher base URL (OpenAI-compatible); default from config/OPENAI_BASE_URL.")
@click.option("--api-key", default=None, help="API key; default from config/OPENAI_API_KEY.")
@click.option("--model", default=None, help="Teacher model name; default: the endpoint's first model.")
@click.option("--server", type=click.Choice(["auto", "llama_cpp.server", "openai"]), default="auto",
              show_default=True, help="JSON-schema request style.")
@click.option("--concurrency", default=4, show_default=True, help="Requests in flight at once.")
@click.option("--timeout", "timeout_s", default=600.0, show_default=True, help="Seconds per request.")
@click.option("--max-tokens", default=None, type=int, help="Cap on each task's answer length.")
@click.option("--limit", default=None, type=int, help="Use only the first N chunks.")
@click.option("--seed", default=None, type=int, help="Sampling seed sent to the teacher (reproducible runs).")
@click.option("--temperature", default=None, type=float, help="Override every task's sampling temperature.")
@click.option("--no-progress", is_flag=True, help="No progress bar (for logs and CI).")
def generate(
    workdir: Path, tasks: str | None, endpoint: str | None, api_key: str | None, model: str | None,
    server: str, concurrency: int, timeout_s: float, max_tokens: int | None, limit: int | None,
    seed: int | None, temperature: float | None, no_progress: bool,
) -> None:
    """Ask the teacher for every chunk and task; resumable, nothing asked twice."""
    from models.endpoint import list_models, resolve_endpoint, server_kind
    from models.settings import load_settings
    from synth.chunk import read_chunks
    from synth.generate import generate as run_generate
    from synth.taskspec import select_tasks
    from synth.teacher import TeacherConfig

    specs = select_tasks(_task_names(tasks))
    chunks = read_chunks(workdir / CHUNKS)[:limit]
    target = resolve_endpoint(endpoint, load_settings(endpoint=endpoint, api_key=api_key, model=model))
    # A busy single-slot server (llama_cpp.server) answers /models only between requests.
    available = list_models(target, timeout_s=timeout_s) if server == "auto" or not target.model else []
    name = target.model or (available[0].id if available else None)
    if not name:
        raise LogchatError(f"{target.base_url} lists no models: pass --model NAME")
    config = TeacherConfig(
        endpoint=target, model=name,
        server=server_kind(available) if server == "auto" else server,
        concurrency=max(1, concurrency), timeout_s=timeout_s,
    )
    click.echo(f"teacher {name} at {target.base_url} ({config.server}); "
               f"{len(chunks)} chunks x {len(specs)} tasks", err=True)
    stats, teacher = asyncio.run(run_generate(
        chunks, specs, workdir / GENERATIONS, config, max_tokens=max_tokens, seed=seed, temperature=temperature,
        progress=not no_progress,
    ))
    click.echo(stats.summary(teacher.requests, teacher.retries))
    for error in stats.errors[:5]:
        click.echo(f"  refused: {error}", err=True)


@synth.command()
@workdir_option
def validate(workdir: Path) -> None:
    """Schema- and grounding-check the teacher's answers; rejects keep their reasons."""
    from synth.chunk import read_chunks
    from synth.taskspec import load_tasks
    from synth.validate import validate as run_validate

    report = run_validate(
        workdir / GENERATIONS, read_chunks(workdir / CHUNKS), load_tasks(),
        workdir / ACCEPTED, workdir / REJECTS,
    )
    click.echo(report.table())
    click.echo(f"\naccepted -> {workdir / ACCEPTED}\nrejects  -> {workdir / REJECTS}")


@synth.command()
@workdir_option
@click.option("--val", "val_fraction", default=0.05, show_default=True, help="Share of chunks for validation.")
@click.option("--test", "test_fraction", default=0.05, show_default=True, help="Share of chunks for test.")
@click.option("--seed", default=0, show_default=True)
@click.option("--tokenizer", type=click.Path(exists=True, path_type=Path), default=None,
              help="GGUF file or HF tokenizer folder for the length histogram (default: bundled SmolLM2).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=f"Dataset folder (default: WORKDIR/{DATASET}).")
def build(workdir: Path, val_fraction: float, test_fraction: float, seed: int, tokenizer: Path | None, out: Path | None) -> None:
    """Turn accepted answers into a split chat dataset with a data card."""
    from synth.build import load_samples, write_dataset
    from synth.chunk import read_chunks
    from synth.datacard import measure, write_card
    from logcore.append_log import iter_records
    from synth.taskspec import load_tasks
    from synth.tokens import token_length

    out = out or workdir / DATASET
    samples = load_samples(
        workdir / ACCEPTED, read_chunks(workdir / CHUNKS), load_tasks(),
        val_fraction=val_fraction, test_fraction=test_fraction, seed=seed,
    )
    write_dataset(samples, out)
    teachers = sorted({r["model"] for r in iter_records(workdir / ACCEPTED)})
    stats = measure(samples, token_length(tokenizer))
    card = write_card(samples, stats, out, teacher=", ".join(teachers), seed=seed)
    counts = {s: sum(1 for x in samples if x.split == s) for s in ("train", "val", "test")}
    click.echo(f"{len(samples)} samples (train {counts['train']}, val {counts['val']}, test {counts['test']}) -> {out}")
    click.echo(f"{stats.share_over():.1%} of samples exceed 8192 tokens; data card: {card}")
