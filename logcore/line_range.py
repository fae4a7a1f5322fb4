"""The one `--lines` parser, shared by every command that reads part of a log.

Line numbers are 1-based and inclusive, as the viewer shows them and the model cites them, so
`--lines 62:168` is what a user copies from either.
"""

from __future__ import annotations

from logcore.errors import ExitCode, LogchatError

LineRange = tuple[int | None, int | None]


class LineRangeError(LogchatError):
    """A `--lines` value that is not a range: a mistake in the command line, not in the log."""

    exit_code = ExitCode.USAGE


def parse_line_range(value: str | None) -> LineRange | None:
    """`A:B`, `A:` (to the end), `:B` (from the start) or `N` (that line); `A-B` works too.

    None stays None (no range asked for). Bounds are checked against the log by the reader,
    which knows its length.
    """
    if value is None:
        return None
    text = value.strip()
    sep = ":" if ":" in text else "-"
    start, found, stop = text.partition(sep)
    try:
        first = _bound(start)
        last = _bound(stop) if found else first
    except ValueError:
        raise LineRangeError(
            f"{value!r} is not a line range; use START:END, START:, :END or N (1-based), e.g. --lines 100:250"
        ) from None
    if not found and first is None:
        raise LineRangeError("--lines is empty; use START:END, START:, :END or N (1-based)")
    if first is not None and last is not None and last < first:
        raise LineRangeError(f"--lines {value}: the end comes before the start; use START:END with START <= END")
    return first, last


def _bound(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    number = int(text)
    if number < 1:
        raise ValueError(text)
    return number
