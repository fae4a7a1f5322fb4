"""One error type for everything a user can cause or fix, with the exit code it maps to.

Every package raises `LogchatError` with a single line that names the problem and the fix; the
CLI prints that line (never a traceback) and exits with `exit_code`.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # anything not covered below
    USAGE = 2  # bad flags or arguments (click's own code)
    INPUT = 3  # the log: missing, unreadable, binary, empty
    MODEL = 4  # model spec, GGUF file, context size
    ENDPOINT = 5  # remote endpoint: refused, auth, not found, rate limit, 5xx, timeout
    PARTIAL = 6  # the answer stopped midway; what arrived was printed
    INTERRUPTED = 130  # Ctrl-C


class LogchatError(Exception):
    """A problem the user can act on: `str(error)` is one line naming the problem and the fix."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class Interrupted(LogchatError):
    """Ctrl-C: not a fault, so printed without "error:"; the message says what was kept."""

    exit_code = ExitCode.INTERRUPTED


class LogInputError(LogchatError):
    """The log cannot be read as text: missing, unreadable, binary or empty."""

    exit_code = ExitCode.INPUT


class ModelError(LogchatError):
    """The model cannot be used: unknown spec, missing or corrupt GGUF, context too small."""

    exit_code = ExitCode.MODEL


class EndpointError(LogchatError):
    """The remote endpoint failed: refused, 401, 404 model, 429, 5xx, timeout."""

    exit_code = ExitCode.ENDPOINT
