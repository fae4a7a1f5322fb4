"""Hostile text for the screen: logcore's one sanitiser, with tabs expanded for column layout.

Rich markup needs no escaping here because the viewer never parses markup: lines are always
wrapped in `rich.text.Text` as plain strings (or Markdown source, for answers).
"""

from __future__ import annotations

from logcore.printable import printable


def literal(text: str, tab_size: int = 4) -> str:
    """`text` with tabs expanded and every control character shown as an escape."""
    if "\t" in text:
        text = text.expandtabs(tab_size)
    return printable(text)


def literal_lines(text: str) -> str:
    """Like `literal` but keeps line breaks: for model answers, which may quote log lines."""
    if "\t" in text:
        text = "\n".join(line.expandtabs(4) for line in text.split("\n"))
    return printable(text, keep_newlines=True)
