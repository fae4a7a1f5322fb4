"""`logchat [FILE ...]`: open log files in the interactive viewer."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import click

from logcore.errors import LogchatError, LogInputError
from tui.cli import exit_with

EXAMPLE_LOG = Path(__file__).resolve().parent / "examples" / "checkout-incident.log"


@click.command("open")
@click.argument("files", nargs=-1)
@click.option("-f", "--follow", is_flag=True, help="Follow the files as they grow (and watch them for risk).")
@click.option("--merge", is_flag=True,
              help="One tab with all the files' lines in time order, each row marked with its file.")
@click.option("--model", "model_spec", metavar="SPEC",
              help="gguf:PATH, hf:REPO/FILE.gguf, openai:URL[#MODEL]; default: the bundled model.")
@click.option("--endpoint", metavar="URL", help="An OpenAI-compatible endpoint (key from OPENAI_API_KEY).")
@click.option("--watch-lines", type=click.IntRange(1), default=200, show_default=True,
              help="Live watch: check after this many new lines.")
@click.option("--watch-seconds", type=click.FloatRange(1), default=30.0, show_default=True,
              help="Live watch: check at least this often while lines arrive.")
@click.option("--last", "last_n", type=click.IntRange(1), default=200, show_default=True,
              help="Size of the 'last N lines' analysis scope.")
def open_command(files: tuple[str, ...], follow: bool, merge: bool, model_spec: str | None, endpoint: str | None,
                 watch_lines: int, watch_seconds: float, last_n: int) -> None:
    """Open log files (one tab each) to read, search, follow and ask about them.

    With no FILE, opens a bundled example incident log. '-' reads standard input. With
    --merge, the files share one tab ordered by their timestamps.
    """
    try:
        if "-" in files:
            _take_piped_stdin()
        app = build_app(files, follow=follow, merge=merge, model_spec=model_spec, endpoint=endpoint,
                        watch_lines=watch_lines, watch_seconds=watch_seconds, last_n=last_n)
    except LogchatError as error:  # also when invoked without the group (tests, `textual run`)
        exit_with(error)
    app.run()
    for log in app.logs:
        log.close()


def _take_piped_stdin() -> None:
    """Keep the piped log on a duplicate of fd 0 and give fd 0 back to the terminal.

    The log core spools `sys.stdin`, and Textual reads keys from fd 0: both cannot be the pipe.
    """
    if sys.stdin is None or sys.stdin.isatty():
        return
    pipe = os.dup(0)
    try:
        terminal = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        os.close(pipe)
        raise LogInputError("reading a log from a pipe needs a terminal for the keys (/dev/tty); "
                            "save the log to a file and open that") from None
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(pipe, "rb")))
    os.dup2(terminal, 0)
    os.close(terminal)


def build_app(files: tuple[str, ...] | list[str], *, follow: bool = False, merge: bool = False,
              model_spec: str | None = None,
              endpoint: str | None = None, watch_lines: int = 200, watch_seconds: float = 30.0,
              last_n: int = 200):
    """The app for these files, with settings resolved (so `textual serve` and tests share it)."""
    from logcore.reader import LogFile
    from models.settings import load_settings
    from tui.app import LogchatApp, WatchSettings
    from tui.history import HistoryStore
    from tui.keymap import load_keymap
    from tui.merging import merge_logs

    settings = load_settings(endpoint=endpoint)
    if merge and len(files) < 2:
        raise LogchatError("--merge needs two or more files, e.g. logchat --merge a.log b.log")
    if merge and "-" in files:
        raise LogchatError("stdin (-) cannot be merged with other files; save it to a file first")
    paths = list(files) or [str(EXAMPLE_LOG)]
    logs = []
    try:
        for path in paths:
            logs.append(LogFile.open(path))
        if merge:
            logs = [merge_logs(logs)]
    except LogchatError:
        for log in logs:
            log.close()
        raise
    try:
        history: HistoryStore | None = HistoryStore()
    except OSError:
        history = None
    return LogchatApp(
        logs,
        settings=settings,
        model_spec=model_spec,
        follow=follow,
        history=history,
        watch=WatchSettings(every_lines=watch_lines, every_seconds=watch_seconds),
        last_n=last_n,
        keymap=load_keymap(),
    )
