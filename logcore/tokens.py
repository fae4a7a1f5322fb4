"""Cheap variable masking and tokenization of log messages for template mining.

Masking is one compiled-regex pass over the whole message (no per-token Python code), because
it runs for every message shape the miner has not seen. The rules are generic to logs, never to
one system. A variable is a whitespace-delimited token (or the value after "key=") that carries
a digit (numbers, ids, IPs, hex, versions, times, block ids), a weekday, month or time-zone
name (timestamps spelled out), an empty "()" / "[]" / quotes (a value left empty), an absolute
path or a URL. A run of variables separated only by whitespace becomes one wildcard, so lists
and timestamps of any length fold into the same template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Callable
from functools import lru_cache, partial

WILDCARD = "<*>"

# Characters that end a token when templates are compared: splitting "user=root" lets the value
# vary on its own, while dots and slashes stay inside tokens so a host name is one token.
_DELIMS = r"\s,;=()\[\]{}\"'|:"
_WORD = rf"[^{_DELIMS}]"
_DATE_WORDS = (
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
    r"|UTC|GMT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|CET|CEST)"
)
_EMPTY = r"(?:\(\)|\[\]|\"\"|'')"


@dataclass(frozen=True)
class Masking:
    """Which generic variable shapes are masked beyond the always-on ones.

    Each is a choice the leave-one-system-out benchmark (`bench/logcore_templates.py`) selects:
    none names a system, each is a shape values take in logs of every kind.
    """

    after_colon: bool = True  # "onExtend:1514038530000" keeps its key: only the value varies
    relative_paths: bool = True  # "./runtime_malloc", "../lib/x.so", "C:\\Windows\\x" vary like absolute ones
    kv_values: bool = False  # "user=root", "ws=null": a value after "key=" varies even without digits


def _variable(m: Masking) -> str:
    """A variable starts after a space or "=" (or ":" when chosen): a token with a digit (the
    possessive run keeps the scan linear), a date word, an empty pair, a path or a URL."""
    stops = r"\s=:" if m.after_colon else r"\s="
    paths = r"[(\[<\"']?(?:\.{1,2}/|/|[A-Za-z]:\\)\w\S*" if m.relative_paths else r"[(\[<\"']?/\w\S*"
    # A dotted host before ":port" is one value ("www.example.com:443"), not a key and its value.
    # (Tried after the digit branch: a token either branch matches, they match whole.)
    host_port = r"|[\w-]++(?:\.[\w-]++)++:\d\S*" if m.after_colon else ""
    variable = (rf"(?<![^{stops}])(?:[^{stops}\d]*+\d\S*{host_port}|{_DATE_WORDS}(?!\S)|{_EMPTY}(?!\S)"
                rf"|{paths}|\w+://\S*)")
    if m.kv_values:
        variable = rf"(?:{variable}|(?<=\w=)(?:\"[^\"]*\"|[^\s,;\"'()\[\]{{}}|]+))"
    return variable


@lru_cache(maxsize=None)
def _variable_run(m: Masking) -> re.Pattern[str]:
    """A run of variables separated only by whitespace: lists and timestamps fold into one."""
    variable = _variable(m)
    return re.compile(rf"{variable}(?:\s+{variable})*")


DEFAULT_MASKING = Masking()
_SPLIT = re.compile(rf"([^{_DELIMS}]+)")


def mask(message: str, masking: Masking = DEFAULT_MASKING) -> str:
    """The message with every variable-looking run replaced by the wildcard."""
    return _variable_run(masking).sub(WILDCARD, message)


def masker(masking: Masking = DEFAULT_MASKING) -> Callable[[str], str]:
    """`mask` with its rules bound once, for a caller that masks many messages."""
    return partial(_variable_run(masking).sub, WILDCARD)


def split(masked: str) -> tuple[list[str], list[str]]:
    """Tokens and the separators around them: seps[i] precedes tokens[i], seps[-1] ends the line.

    `"".join(s + t for s, t in zip(seps, tokens)) + seps[-1]` rebuilds the text exactly, which
    lets a template print with the message's own punctuation and spacing.
    """
    parts = _SPLIT.split(masked)
    return parts[1::2], parts[0::2]
