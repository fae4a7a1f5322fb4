"""`logchat templates`, `anomalies`, `digest`, `findings`: the log core on the command line.

Each reads FILE (a path, a compressed path, or `-` for stdin) through `logcore.reader.read_text`
and prints either for people (a Rich table, log text never read as markup and stripped of
control sequences) or for scripts (one JSON object per line). User mistakes print one line,
`logchat: error: ...`, and exit with the error's code.

`findings` and `digest` also take several files: they are merged by time (`logcore.merge`) and
analysed as one log whose lines are named by file and own line (`b.log:412`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from logcore.anomaly import Analysis, analyze
from logcore.digest import build_digest, build_merged_digest
from logcore.errors import LogchatError
from logcore.findings import find_incidents, find_merged_incidents
from logcore.levels import LEVELS
from logcore.line_range import parse_line_range
from logcore.merge import MergedText
from logcore.merge_analysis import read_merged
from logcore.printable import printable
from logcore.reader import LoadedLog, read_text
from logcore.token_estimate import estimate_tokens

_TEMPLATE_WIDTH = 160


def _load(path: str, line_range: str | None) -> tuple[LoadedLog, list[str]]:
    loaded = read_text(path, lines=parse_line_range(line_range))
    for note in loaded.notes:
        click.echo(f"logchat: note: {note}", err=True)
    # split("\n"), not splitlines(): a stray \x0b or \u2028 inside a line must not shift numbering.
    return loaded, loaded.text.split("\n")


_FILE = click.argument("file", type=str)
_FILES = click.argument("files", nargs=-1, required=True, type=str, metavar="FILE...")


def _load_merged(files: tuple[str, ...], line_range: str | None) -> MergedText:
    """Several files merged by time; their notes and the merge's assumptions go to stderr."""
    if line_range is not None:
        raise LogchatError("--lines takes one file; several files are merged whole (cut them first)")
    merged, notes = read_merged(files)
    for text in notes + [a.text for a in merged.alignments]:
        click.echo(f"logchat: note: {printable(text)}", err=True)
    return merged
_LINES = click.option("--lines", "line_range", metavar="START:END",
                      help="Only these 1-based lines (inclusive), e.g. 100:250.")


@click.command("templates")
@_FILE
@_LINES
@click.option("--assign", is_flag=True,
              help='Print {"line": N, "template": ID} for every line instead of the table.')
def templates(file: str, line_range: str | None, assign: bool) -> None:
    """Print the log's templates with counts, levels and first/last line.

    With --assign, every line of the log appears exactly once, in order; a continuation line
    (a stack-trace frame folded into the record above it) carries that record's template.
    """
    loaded, lines = _load(file, line_range)
    analysis = analyze(lines, first_line=loaded.first_line - 1)
    if assign:
        _write_lines(
            f'{{"line": {loaded.first_line + i}, "template": {tid}}}\n'
            for i, tid in enumerate(analysis.line_templates())
        )
        return
    _console().print(_templates_table(analysis, loaded.source))


@click.command("anomalies")
@_FILE
@_LINES
@click.option("--json", "as_json", is_flag=True,
              help='Print {"line": N, "score": S, "reasons": [...]} per flagged line.')
def anomalies(file: str, line_range: str | None, as_json: bool) -> None:
    """Print the lines flagged as anomalous, with their score and the reasons."""
    loaded, lines = _load(file, line_range)
    analysis = analyze(lines, first_line=loaded.first_line - 1)
    if as_json:
        _write_lines(
            json.dumps({"line": a.line + 1, "score": a.score, "reasons": a.reasons}) + "\n"
            for a in analysis.anomalies
        )
        return
    console = _console()
    if not analysis.anomalies:
        console.print(Text(f"No anomalous lines in {loaded.source} ({loaded.line_count:,} lines)."))
        return
    table = Table(title=Text(f"{len(analysis.anomalies):,} anomalous lines in {loaded.source}"))
    for name, justify in (("line", "right"), ("score", "right"), ("reasons", "left"), ("text", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    first = analysis.first_line
    for a in analysis.anomalies:
        raw = lines[a.line - first]
        table.add_row(Text(str(a.line + 1)), Text(f"{a.score:.2f}"), Text("; ".join(a.reasons)),
                      Text(printable(raw, _TEMPLATE_WIDTH)))
    console.print(table)


@click.command("digest")
@_FILES
@_LINES
@click.option("--budget", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Token budget for the digest (counted with a tokenizer-free estimate).")
def digest(files: tuple[str, ...], line_range: str | None, budget: int) -> None:
    """Print the compact digest the model reads instead of a log too big for its context.

    Several FILEs are merged by time and digested as one log, lines named file:line."""
    if len(files) > 1:
        result = build_merged_digest(_load_merged(files, line_range), budget, estimate_tokens)
    else:
        loaded, lines = _load(files[0], line_range)
        result = build_digest(lines, budget, estimate_tokens, first_line=loaded.first_line, source=loaded.source)
    click.echo(result.text)
    click.echo(f"logchat: digest is about {result.tokens:,} tokens (budget {budget:,})", err=True)


@click.command("findings")
@_FILES
@_LINES
@click.option("--json", "as_json", is_flag=True,
              help='Print one JSON object: {"causes": [{"line", "time", "score", "why", "text"}], "onset", ...}; '
                   'over several files each line also has its "file".')
def findings(files: tuple[str, ...], line_range: str | None, as_json: bool) -> None:
    """Find the incident (onset, peak, recovery), rank its likely causes, list its consequences.

    No model is involved: the causes are ranked from the log alone (change events shortly before
    the onset, new and rare lines, names shared with the errors that follow, what stops when the
    trouble stops). A log without an unusual burst of trouble says so and ranks nothing.
    Several FILEs are merged by time: the cause may be in one file and the flood in another,
    and every line is named by its file and own line (b.log:412).
    """
    if len(files) > 1:
        result = find_merged_incidents(_load_merged(files, line_range))
    else:
        loaded, lines = _load(files[0], line_range)
        result = find_incidents(lines, first_line=loaded.first_line, source=loaded.source)
    if as_json:
        click.echo(json.dumps(result.to_json()))
        return
    _console().print(Text(result.render_text()))


def _templates_table(analysis: Analysis, source: str) -> Table:
    table = Table(title=Text(f"{len(analysis.signals):,} templates in {source} ({analysis.line_count:,} lines)"))
    for name, justify in (("id", "right"), ("count", "right"), ("levels", "left"), ("first", "right"),
                          ("last", "right"), ("template", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for signal in sorted(analysis.signals.values(), key=lambda s: (-s.count, s.template_id)):
        levels = " ".join(f"{name}:{signal.level_counts[name]}"
                          for name in reversed(LEVELS) if name in signal.level_counts)
        table.add_row(Text(str(signal.template_id)), Text(f"{signal.count:,}"), Text(levels),
                      Text(str(signal.first_line + 1)), Text(str(signal.last_line + 1)),
                      Text(printable(signal.text, _TEMPLATE_WIDTH)))
    return table


def _console() -> Console:
    return Console(markup=False, emoji=False, highlight=False, soft_wrap=False)


def _write_lines(chunks: Iterable[str]) -> None:
    out = sys.stdout
    batch: list[str] = []
    for chunk in chunks:
        batch.append(chunk)
        if len(batch) >= 10_000:
            out.write("".join(batch))
            batch.clear()
    out.write("".join(batch))
    out.flush()
