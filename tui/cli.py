"""The `logchat` command: a click group whose subcommands live in the package that owns them.

Subcommands are imported only when invoked, so `logchat --help` and the TUI start without
loading torch, datasets or the model runtime. `logchat FILE...` (no subcommand) opens the app.
"""

from __future__ import annotations

import importlib
import sys
from typing import NoReturn

import click

from logcore.errors import Interrupted, LogchatError
from logcore.printable import printable

# name -> "module:attribute" of a click command; each package owns its own commands.
LAZY_COMMANDS: dict[str, str] = {
    "open": "tui.open_command:open_command",
    "summarize": "models.cli:summarize",
    "rootcause": "models.cli:rootcause",
    "patterns": "models.cli:patterns",
    "compare": "models.cli:compare",
    "ask": "models.cli:ask",
    "models": "models.cli:models_command",
    "config": "models.cli:config_command",
    "templates": "logcore.cli:templates",
    "anomalies": "logcore.cli:anomalies",
    "digest": "logcore.cli:digest",
    "findings": "logcore.cli:findings",
    "synth": "synth.cli:synth",
    "train": "trainer.cli:train",
    "export": "trainer.cli:export",
    "eval": "evalkit.cli:eval_group",
}

HELP_SUMMARIES: dict[str, str] = {
    "open": "Open log files in the interactive viewer (the default).",
    "summarize": "Stream a summary of a log.",
    "rootcause": "Stream a root-cause analysis of a log.",
    "patterns": "Stream the patterns found in a log.",
    "compare": "Compare error patterns between the two halves of a log.",
    "ask": "Ask a free question about a log.",
    "models": "List the models logchat can use.",
    "config": "Show the effective settings (keys masked).",
    "templates": "Print the log's templates with counts.",
    "anomalies": "Print the lines flagged as anomalous.",
    "digest": "Print the compact digest the model reads.",
    "findings": "Find the incident and rank its likely causes (no model).",
    "synth": "Build a training dataset from logs with a teacher model.",
    "train": "LoRA fine-tune a model on a synth dataset.",
    "export": "Merge an adapter and export GGUF.",
    "eval": "Score models on a test set.",
}


def exit_with(error: LogchatError) -> NoReturn:
    """The one error printer: `logchat: error: <one sanitised line>` (an interrupt: `logchat:
    <what was kept>`), then the error's exit code."""
    label = "" if isinstance(error, Interrupted) else "error: "
    click.echo(f"logchat: {label}{printable(str(error))}", err=True)
    sys.exit(int(error.exit_code))


class LazyGroup(click.Group):
    """Resolves subcommands on demand; unknown first arguments are files to open."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listing help must not import every subcommand (and with it torch).
        with formatter.section("Commands"):
            formatter.write_dl(list(HELP_SUMMARIES.items()))

    def invoke(self, ctx: click.Context) -> object:
        """Every subcommand reports a user's problem as one `logchat: error:` line and its exit
        code, never a traceback; Ctrl-C and a closed pipe end quietly."""
        try:
            return super().invoke(ctx)
        except LogchatError as error:
            exit_with(error)
        except KeyboardInterrupt:
            exit_with(Interrupted("interrupted; what was finished is kept"))
        except BrokenPipeError:  # `logchat templates big.log --assign | head`
            sys.stderr.close()
            sys.exit(0)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in LAZY_COMMANDS and args[0] not in ("-h", "--help", "--version")):
            args = ["open", *args]
        return super().parse_args(ctx, args)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="logchat")
def cli() -> None:
    """logchat: a terminal log analyzer that talks.

    Run `logchat FILE` to open a log, or `logchat summarize FILE` for a one-shot answer.
    """


def main() -> None:
    cli(prog_name="logchat")


if __name__ == "__main__":
    main()
