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
# A variable starts after a space or "=": a token with a digit (the possessive run keeps the scan
# linear), a date word, an empty pair, an absolute path (maybe in brackets or quotes) or a URL.
_VARIABLE = rf"(?<![^\s=])(?:[^\s=\d]*+\d\S*|{_DATE_WORDS}(?!\S)|{_EMPTY}(?!\S)|[(\[<\"']?/\w\S*|\w+://\S*)"
_VARIABLE_RUN = re.compile(rf"{_VARIABLE}(?:\s+{_VARIABLE})*")
_SPLIT = re.compile(rf"([^{_DELIMS}]+)")


def mask(message: str) -> str:
    """The message with every variable-looking run replaced by the wildcard."""
    return _VARIABLE_RUN.sub(WILDCARD, message)


def split(masked: str) -> tuple[list[str], list[str]]:
    """Tokens and the separators around them: seps[i] precedes tokens[i], seps[-1] ends the line.

    `"".join(s + t for s, t in zip(seps, tokens)) + seps[-1]` rebuilds the text exactly, which
    lets a template print with the message's own punctuation and spacing.
    """
    parts = _SPLIT.split(masked)
    return parts[1::2], parts[0::2]
