"""Cheap variable masking and tokenization of log messages for template mining.

Masking runs as one compiled-regex pass over the whole message (no per-token Python code), so
the miner's common case is a single `re.sub` plus a dict lookup. The rules are generic to logs,
never to one system: anything carrying a digit (numbers, ids, IPs, hex, versions, times,
block ids) and the names of weekdays and months (timestamps spelled out) are variables, and
a run of variables separated only by spaces or commas becomes one, so lists of any length fold.
"""

from __future__ import annotations

import re

WILDCARD = "<*>"

# Characters that end a token. Kept small on purpose: splitting "user=root" lets the value vary
# on its own, while dots and slashes stay inside tokens so a path or host name is one token.
_DELIMS = r"\s,;=()\[\]{}\"'|:"
_WORD = rf"[^{_DELIMS}]"
_DATE_WORDS = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_EMPTY = r"(?:\(\)|\[\]|\"\"|'')"
# A variable starts a token (after a space or "key="), and is: a token with a digit (the
# possessive run keeps the scan linear), a weekday or month name, an empty bracket pair, an
# absolute path or a URL.
_VARIABLE = rf"(?<![^\s=])(?:[^\s=\d]*+\d\S*|{_DATE_WORDS}(?!\S)|{_EMPTY}(?!\S)|/\w\S*|\w+://\S*)"
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
