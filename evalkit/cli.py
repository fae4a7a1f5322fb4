"""`logchat eval run | score | compare`."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import click

from logcore.errors import ExitCode, Interrupted, LogchatError, LogInputError


@click.group("eval")
def eval_group() -> None:
    """Score models on a test set: run answers, score them, compare models side by side."""


@eval_group.command("run")
@click.argument("test_set", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--model", "-m", "spec", default=None,
              help="gguf:PATH, hf:REPO/FILE.gguf, openai:URL[#model]; default: the bundled model.")
@click.option("--out", "-o", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Predictions JSONL (appended to; an interrupted run resumes from it).")
@click.option("--context", type=click.Choice(["raw", "digest"]), default="raw", show_default=True,
              help="raw: the sample's log as trained; digest: logchat's compact digest of it.")
@click.option("--log-tokens", type=click.IntRange(min=128), default=None,
              help="Token budget of the digest (default: models.context's budget for the model).")
@click.option("--max-tokens", type=click.IntRange(min=1), default=512, show_default=True)
@click.option("--temperature", type=click.FloatRange(min=0.0), default=0.0, show_default=True)
@click.option("--concurrency", "-j", type=click.IntRange(min=1), default=4, show_default=True,
              help="Answers in flight at once (endpoints only; a local model answers one at a time).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N samples.")
@click.option("--task", "tasks", multiple=True, help="Only these tasks (repeatable).")
@click.option("--no-redact", is_flag=True, help="Send logs to a remote endpoint without masking secrets.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def run_command(test_set: Path, spec: str | None, out: Path, context: str, log_tokens: int | None,
                max_tokens: int, temperature: float, concurrency: int, limit: int | None,
                tasks: tuple[str, ...], no_redact: bool, no_progress: bool) -> None:
    """Answer every turn of TEST_SET (synth's JSONL) with one model."""
    from tqdm import tqdm

    from evalkit.runner import RunConfig, run_eval, units
    from evalkit.testset import load_test_set
    from models.resolve import resolve_backend
    from models.settings import load_settings

    samples = load_test_set(test_set)
    if tasks:
        samples = [s for s in samples if s.task in tasks]
        if not samples:
            raise LogInputError(f"no sample of {test_set} has task {', '.join(tasks)}; check --task")
    samples = samples[:limit] if limit else samples
    settings = load_settings(redact=False if no_redact else None)
    config = RunConfig(context=context, max_tokens=max_tokens, temperature=temperature,  # type: ignore[arg-type]
                       concurrency=concurrency, log_tokens=log_tokens)
    total = sum(1 for _ in units(samples))
    bar = tqdm(total=total, unit="answer", desc="eval run", file=sys.stderr, disable=no_progress, dynamic_ncols=True)
    cancel = threading.Event()
    try:
        summary = run_eval(
            samples, out, lambda: resolve_backend(spec, settings), config, spec=spec or "",
            progress=bar.update, on_total=lambda todo: bar.update(total - todo), cancel=cancel,
        )
    except KeyboardInterrupt:
        bar.close()
        raise Interrupted(f"interrupted; finished answers are in {out}; rerun the same command to resume") from None
    finally:
        bar.close()
    for line in summary.notes:
        click.echo(f"logchat: note: {line}", err=True)
    click.echo(f"logchat: {summary.answered} answered, {summary.skipped} already in {out}", err=True)
    if summary.failed:
        for line in summary.failed[:5]:
            click.echo(f"logchat: failed {line}", err=True)
        raise LogchatError(
            f"{len(summary.failed)} answers failed (shown above); rerun the same command to retry them",
            summary.first_error.exit_code if summary.first_error else ExitCode.FAILURE,
        )


@eval_group.command("score")
@click.argument("predictions", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@click.option("--bootstrap", "resamples", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Bootstrap resamples for the 95% intervals (0: none).")
@click.option("--seed", type=int, default=0, show_default=True)
def score_command(predictions: Path, as_json: bool, resamples: int, seed: int) -> None:
    """Score a predictions JSONL (any file with prediction, reference and task per line)."""
    from evalkit.compare import Column
    from evalkit.scoring import load_predictions, report_json, score_records

    scores = score_records(load_predictions(predictions), resamples=resamples, seed=seed)
    if as_json:
        click.echo(json.dumps(report_json(scores)))
        return
    _print_tables([Column(predictions.stem, scores)], with_ci=resamples > 0)


@eval_group.command("compare")
@click.argument("predictions", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--label", "labels", multiple=True, help="Column name per file, in order (default: file name).")
@click.option("--markdown", "markdown_path", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.option("--csv", "csv_path", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.option("--chart", "chart_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Bar chart image (PNG) of the overall scores.")
@click.option("--per-task", is_flag=True, help="Also print one table per task.")
@click.option("--bootstrap", "resamples", type=click.IntRange(min=0), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def compare_command(predictions: tuple[Path, ...], labels: tuple[str, ...], markdown_path: Path | None,
                    csv_path: Path | None, json_path: Path | None, chart_path: Path | None,
                    per_task: bool, resamples: int, seed: int) -> None:
    """Several prediction files side by side: one column per model, one row per metric."""
    from evalkit.compare import Column, write_outputs
    from evalkit.scoring import load_predictions, score_records

    if labels and len(labels) != len(predictions):
        raise LogchatError(f"{len(labels)} --label for {len(predictions)} files; give one per file or none",
                           ExitCode.USAGE)
    names = list(labels) or _unique_names(predictions)
    columns = [
        Column(name, score_records(load_predictions(path), resamples=resamples, seed=seed))
        for name, path in zip(names, predictions, strict=True)
    ]
    _print_tables(columns, with_ci=False, per_task=per_task)
    for path in write_outputs(columns, markdown_path=markdown_path, csv_path=csv_path,
                              json_path=json_path, chart_path=chart_path):
        click.echo(f"logchat: wrote {path}", err=True)


def _unique_names(paths: tuple[Path, ...]) -> list[str]:
    stems = [p.stem for p in paths]
    return stems if len(set(stems)) == len(stems) else [str(p) for p in paths]


def _print_tables(columns: list[Any], *, with_ci: bool, per_task: bool = True) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from evalkit.compare import groups, header, table_rows
    from evalkit.scoring import OVERALL

    console = Console()
    for group in groups(columns) if per_task else [OVERALL]:
        counts = " / ".join(str(c.scores[group].n) if group in c.scores else "0" for c in columns)
        table = Table(title=Text(f"{group} (answers: {counts})"), title_justify="left")
        names = header(columns)
        table.add_column(names[0])
        for name in names[1:]:  # labels come from file names: never read them as markup
            table.add_column(Text(name), justify="right", overflow="fold")
        for row in table_rows(columns, group, with_ci=with_ci):
            table.add_row(*(Text(cell) for cell in row))
        console.print(table)
