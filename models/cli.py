"""One-shot analysis from the command line: `logchat summarize app.log` over SSH.

The answer streams to stdout and nothing else goes there, so it pipes cleanly; progress and
diagnostics (tokens in, what was left out, redaction counts, speed) go to stderr. The model
runs in a worker thread so Ctrl-C is seen at once and cancels even a long prompt evaluation.

Several files (`logchat rootcause db.log app.log proxy.log`) are merged by time into one log
(`logcore.merge`): the findings are found across them, the model reads each line as
`b.log:412 | ...`, and citations name and are checked against the file (`"file"` in `--json`).
"""

from __future__ import annotations

import json
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import click

from logcore.errors import LogchatError
from logcore.line_range import parse_line_range
from logcore.printable import printable
from models.prompts import EVIDENCE_TASKS, TASK_QUESTIONS, Task, Turn
from models.session import Piece

def note(message: str) -> None:
    click.echo(f"logchat: {printable(message)}", err=True)


@dataclass
class Options:
    file: str  # the first file
    lines: tuple[int | None, int | None] | None
    tail: int | None
    model: str | None
    endpoint: str | None
    as_json: bool
    no_redact: bool
    max_tokens: int | None
    log_tokens: int | None
    files: tuple[str, ...] = ()  # every file given; more than one are merged by time


@dataclass
class Outcome:
    answer: list[str] = field(default_factory=list)
    citations: list[Any] = field(default_factory=list)  # models.citations.Citation, in answer order
    error: LogchatError | None = None
    interrupted: bool = False


def analysis_options(func: Callable) -> Callable:
    options = [
        click.argument("files", nargs=-1, required=True, type=str, metavar="FILE..."),
        click.option("--lines", "lines", metavar="A:B",
                     help="Only lines A to B (1-based, inclusive); also A:, :B or one line N. One file only."),
        click.option("--tail", type=click.IntRange(min=1), metavar="N", help="Only the last N lines. One file only."),
        click.option("--model", "model", metavar="SPEC",
                     help="gguf:PATH, hf:REPO/FILE.gguf, openai:URL[#model]; with --endpoint, the remote model name."),
        click.option("--endpoint", metavar="URL", help="OpenAI-compatible endpoint (e.g. http://127.0.0.1:8000/v1)."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of streaming."),
        click.option("--no-redact", is_flag=True, help="Send the log to a remote endpoint without masking secrets."),
        click.option("--max-tokens", type=click.IntRange(min=1), metavar="N", help="Longest answer, in tokens."),
        click.option("--log-tokens", type=click.IntRange(min=1), metavar="N",
                     help="Token budget for the log (default: 2048 local, the context for remote)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _options(**kwargs: Any) -> Options:
    kwargs["lines"] = parse_line_range(kwargs.get("lines"))
    files = tuple(kwargs.pop("files"))
    if len(files) > 1 and (kwargs["lines"] is not None or kwargs["tail"] is not None):
        raise LogchatError("--lines and --tail take one file; several files are merged whole "
                           "(cut them first, or analyse one file)")
    return Options(file=files[0], files=files, **kwargs)


def _task_command(task: Task, help_text: str) -> click.Command:
    @click.command(name=task.value, help=help_text)
    @analysis_options
    def command(**kwargs: Any) -> None:
        run_analysis(_options(**kwargs), TASK_QUESTIONS[task], with_findings=task in EVIDENCE_TASKS)

    return command


_SEVERAL = " Several FILEs are merged by time and analysed as one log (citations name file:line)."
summarize = _task_command(Task.SUMMARIZE, "Stream a summary of a log. FILE may be - (stdin) or compressed."
                          + _SEVERAL)
rootcause = _task_command(Task.ROOT_CAUSE, "Stream a root-cause analysis of a log." + _SEVERAL)
patterns = _task_command(Task.PATTERNS, "Stream the patterns found in a log." + _SEVERAL)
compare = _task_command(Task.COMPARE, "Compare error patterns between the two halves of a log.")


@click.command(name="ask")
@analysis_options
@click.argument("question", type=str)
def ask(question: str, **kwargs: Any) -> None:
    """Ask a free QUESTION about a log (several FILEs: merged by time, cited as file:line)."""
    if not question.strip():
        raise click.BadParameter("the question is empty", param_hint="QUESTION")
    run_analysis(_options(**kwargs), question.strip())


def run_analysis(opts: Options, question: str, *, with_findings: bool = False) -> None:
    """Errors and Ctrl-C go to the `logchat` group's one handler (tui/cli.py), which prints
    one line and exits with the error's code; the answer that arrived is already printed."""
    outcome = _analyse(opts, question, with_findings)
    if outcome.interrupted:
        raise KeyboardInterrupt
    if outcome.error is not None:
        raise outcome.error


def _analyse(opts: Options, question: str, with_findings: bool) -> Outcome:
    from models.resolve import resolve_backend
    from models.session import citation_checker, find_evidence, prepare, stream_answer
    from models.settings import load_settings

    settings = load_settings(
        endpoint=opts.endpoint,
        model=opts.model,
        max_tokens=opts.max_tokens,
        log_tokens=opts.log_tokens,
        redact=False if opts.no_redact else None,
    )
    log, scope = _read_scope(opts)
    for message in scope.notes:
        note(message)
    findings = find_evidence(scope) if with_findings else None
    if findings is not None:
        note(_findings_note(findings))
    backend = resolve_backend(settings=settings)
    if hasattr(backend, "on_notice"):
        backend.on_notice = note
    outcome: Outcome | None = None
    try:
        note(f"model {backend.name}, context {backend.context_size:,} tokens")
        prepared = prepare(backend, scope, question, settings, findings=findings)
        fitted = prepared.fitted
        note(f"{_scope_text(scope)}; {fitted.describe()}")
        if not fitted.exact:
            note(f"token counts are {backend.token_estimate_note}")
        for message in fitted.omitted:
            note(f"left out: {message}")
        messages = prepared.messages([Turn(question)])
        checker = citation_checker(scope.line_text(), scope.first_line, scope.last_line,
                                   question=question, source=scope.source, shown=prepared.shown,
                                   files=scope.file_lines())
        outcome = _stream_to_terminal(
            lambda cancel: stream_answer(backend, messages, settings, cancel=cancel, checker=checker),
            echo=not opts.as_json,
            on_first=lambda: _report_redaction(backend),
        )
        if not outcome.answer:
            _report_redaction(backend)
        _report_usage(backend, outcome)
        _report_citations(outcome)
        if opts.as_json:
            _print_json(backend, log, scope, prepared, findings, outcome)
        return outcome
    finally:
        if outcome is None or not outcome.interrupted:  # an interrupted worker may still be in the model
            backend.close()


@dataclass(frozen=True)
class _Read:
    """What `--json` reports of the input: the source name and the readers' notes."""

    source: str
    notes: list[str]


def _read_scope(opts: Options) -> tuple[_Read, Any]:
    """The LogSlice to analyse: one file's selected lines, or several files merged by time."""
    from logcore.reader import read_text
    from models.session import LogSlice

    if len(opts.files) > 1:
        from logcore.merge_analysis import read_merged

        merged, notes = read_merged(opts.files)
        scope = LogSlice.of_merged(merged, notes)
        return _Read(scope.source, list(scope.notes)), scope
    log = read_text(opts.file, lines=opts.lines, tail=opts.tail)
    # split("\n"), not splitlines(): a stray \x0b or \u2028 inside a line must not shift numbering.
    scope = LogSlice(log.text.split("\n"), log.first_line, log.source, notes=tuple(log.notes))
    return _Read(log.source, list(log.notes)), scope


def _scope_text(scope: Any) -> str:
    if scope.merged is None:
        return f"{scope.source}: lines {scope.first_line:,}-{scope.last_line:,}"
    counts = [0] * len(scope.merged.sources)
    for source, _ in scope.merged.origin:
        counts[source] += 1
    return "merged by time: " + ", ".join(f"{s.name} {n:,} lines" for s, n in zip(scope.merged.sources, counts))


def _findings_note(findings: Any) -> str:
    """One stderr line: where the incident starts and which line most likely caused it."""
    if not findings.incident or findings.onset is None:
        if findings.files:
            return "findings: no incident found in " + ", ".join(f.name for f in findings.files)
        return f"findings: no incident found in lines {findings.first_line:,}-{findings.last_line:,}"
    onset = findings.onset
    start = f"line {onset.line:,}" if onset.file is None else f"{onset.file}:{onset.line}"
    text = f"findings: incident from {start}"
    if findings.causes:
        if findings.files:
            text += ", likely cause " + ", ".join(f"{c.file}:{c.line}" for c in findings.causes[:3])
        else:
            text += ", likely cause line " + ", ".join(f"{c.line:,}" for c in findings.causes[:3])
    return text + " (in the prompt)"


def _report_citations(outcome: Outcome) -> None:
    from models.citations import summary_line

    note(summary_line(outcome.citations))


def _report_redaction(backend: Any) -> None:
    summary = getattr(backend, "last_redaction_summary", None)
    if summary:
        note(f"redaction: {summary}")


def _report_usage(backend: Any, outcome: Outcome) -> None:
    usage = backend.last_usage
    parts = [f"prompt {usage.prompt_tokens:,} tokens" + (" (estimated)" if usage.estimated else "")]
    if usage.prompt_tokens_evaluated is not None and usage.prompt_tokens_evaluated != usage.prompt_tokens:
        parts.append(f"{usage.prompt_tokens_evaluated:,} evaluated (rest reused from cache)")
    parts.append(f"answer {usage.completion_tokens:,} tokens")
    if usage.ttft_s is not None:
        parts.append(f"first token after {usage.ttft_s:.2f} s")
    if usage.tokens_per_s is not None:
        parts.append(f"{usage.tokens_per_s:.1f} tokens/s")
    note(", ".join(parts))


def _print_json(backend: Any, log: Any, scope: Any, prepared: Any, findings: Any, outcome: Outcome) -> None:
    fitted = prepared.fitted
    payload = {
        "answer": "".join(outcome.answer),
        "complete": outcome.error is None and not outcome.interrupted,
        "error": str(outcome.error) if outcome.error else None,
        "model": backend.name,
        "source": log.source,
        "lines": [scope.first_line, scope.last_line],
        **_files_json(scope),
        "usage": backend.last_usage.as_dict(),
        "log": {
            "tokens": fitted.tokens,
            "tokens_exact": fitted.exact,
            "budget": fitted.budget,
            "policy": fitted.policy,
            "omitted": fitted.omitted,
            "notes": log.notes,
        },
        "findings": findings.to_json() if findings is not None else None,
        "citations": [c.to_json() for c in outcome.citations],
        "redaction": getattr(backend, "last_redaction", {}),
    }
    click.echo(json.dumps(payload, ensure_ascii=False))


def _files_json(scope: Any) -> dict:
    """Over merged files: each file's name and lines, and the merge's assumptions; else nothing,
    so one file's JSON is what it always was."""
    if scope.merged is None:
        return {}
    lines = scope.file_lines()
    return {"files": [{"name": name, "lines": [f.first_line, f.last_line]} for name, f in lines.items()],
            "alignments": [a.text for a in scope.merged.alignments]}


def _stream_to_terminal(
    start: Callable[[threading.Event], Iterator[Piece]], *, echo: bool, on_first: Callable[[], None]
) -> Outcome:
    """Run the stream in a worker; the main thread prints and stays responsive to Ctrl-C."""
    cancel = threading.Event()
    deltas: queue.Queue[tuple[str, Any]] = queue.Queue()

    def work() -> None:
        try:
            for piece in start(cancel):
                deltas.put(("text", piece))
            deltas.put(("done", None))
        except LogchatError as error:
            deltas.put(("error", error))
        except BaseException as error:  # a bug: re-raised in the main thread with its traceback
            deltas.put(("bug", error))

    worker = threading.Thread(target=work, name="logchat-model", daemon=True)
    worker.start()
    outcome = Outcome()
    try:
        while True:
            try:
                kind, value = deltas.get(timeout=0.1)
            except queue.Empty:
                continue
            if kind == "text":
                outcome.citations.extend(value.citations)
                if not value.text:
                    continue
                if not outcome.answer:
                    on_first()
                outcome.answer.append(value.text)
                if echo:
                    sys.stdout.write(printable(value.text, keep_newlines=True))
                    sys.stdout.flush()
                continue
            if kind == "error":
                outcome.error = value
            elif kind == "bug":
                raise value
            break
    except KeyboardInterrupt:
        cancel.set()
        outcome.interrupted = True
        worker.join(timeout=10)
    if echo and outcome.answer:
        sys.stdout.write("\n")
        sys.stdout.flush()
    return outcome


@click.command(name="models")
@click.option("--endpoint", metavar="URL", help="Also list the models this endpoint serves.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def models_command(endpoint: str | None, as_json: bool) -> None:
    """List the models logchat can use: bundled, in the Hugging Face cache, and remote."""
    from models.catalog import list_available
    from models.settings import load_settings

    settings = load_settings(endpoint=endpoint)
    available, problems = list_available(settings)
    if as_json:
        click.echo(json.dumps({"models": [a.as_dict() for a in available], "errors": [str(p) for p in problems]}))
    else:
        for item in available:
            click.echo(f"{item.spec}\t{item.detail}")
    for problem in problems[1:]:
        note(f"error: {problem}")
    if problems:
        raise problems[0]


@click.command(name="config")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def config_command(as_json: bool) -> None:
    """Show the effective settings (API key masked) and where each came from."""
    from models.settings import config_path, load_settings

    settings = load_settings()
    shown = settings.masked()
    path = config_path()
    if as_json:
        click.echo(json.dumps({"config_file": str(path), "settings": shown, "sources": settings.sources}))
        return
    click.echo(f"# config file: {path}{'' if path.is_file() else ' (not present)'}")
    click.echo("# precedence: defaults < config file < environment (OPENAI_BASE_URL/ENDPOINT_URL, "
               "OPENAI_API_KEY/TOKEN, MODEL) < flags")
    unset = _unset_notes()
    for name, value in shown.items():
        source = settings.sources.get(name, "default")
        if value is None:
            click.echo(f"# {name} is unset{unset.get(name, '')}")
        else:
            click.echo(f"{name} = {_toml_value(value)}  # {source}")


def _unset_notes() -> dict[str, str]:
    """What an unset setting means in practice, so `logchat config` shows the effective value."""
    from models.context import LOCAL_LOG_TOKENS
    from models.local import default_threads

    return {
        "model": " (the bundled model, or the endpoint's first model when an endpoint is set)",
        "n_threads": f" (auto: {default_threads()} on this machine)",
        "log_tokens": f" (auto: {LOCAL_LOG_TOKENS} for a local model, the context for a remote one)",
    }


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))
