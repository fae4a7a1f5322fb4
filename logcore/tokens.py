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
_VARIABLE = rf"(?:(?<!\S)\S*?\d\S*|(?<!\S){_DATE_WORDS}(?!\S)|(?<!\S){_EMPTY}(?!\S))"
_VARIABLE_RUN = re.compile(rf"{_VARIABLE}(?:\s+{_VARIABLE})*")
_TOKEN = re.compile(rf"{_WORD}+")


def mask(message: str) -> str:
    """The message with every variable-looking run replaced by the wildcard."""
    return _VARIABLE_RUN.sub(WILDCARD, message)


def split(masked: str) -> tuple[list[str], list[str]]:
    """Tokens and the separators around them: seps[i] precedes tokens[i], seps[-1] ends the line.

    `"".join(s + t for s, t in zip(seps, tokens)) + seps[-1]` rebuilds the text exactly, which
    lets a template print with the message's own punctuation and spacing.
    """
    tokens: list[str] = []
    seps: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(masked):
        seps.append(masked[pos:m.start()])
        tokens.append(m.group())
        pos = m.end()
    seps.append(masked[pos:])
    return tokens, seps
