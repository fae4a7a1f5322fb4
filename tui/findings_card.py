"""The findings as a card above the answer: evidence first, every line number a link.

The card is Markdown so its `line:N` links jump the log view like an answer's citations. What
it quotes comes from the log (lines, entity names), so it is made printable and every Markdown
character in it is escaped: a log line can neither fake a link nor restyle the card.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tui.citations import CitedLine, href
from tui.literal import literal

if TYPE_CHECKING:
    from logcore.findings import Findings

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=:])")
MAX_CAUSES = 3
MAX_CONSEQUENCES = 3
QUOTE_CHARS = 140


def escape_markdown(text: str) -> str:
    """Log text that Markdown shows as written (no link, emphasis, heading or HTML)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", literal(text))


def line_link(number: int, label: str | None = None, file: str | None = None) -> str:
    """A jump to a line: `line N` of the view, or over merged files `b.log:N`, that file's own
    line (the same hrefs as an answer's citations, tui.citations)."""
    if file is None:
        return f"[{label or f'line {number}'}](line:{number})"
    return f"[{label or escape_markdown(f'{file}:{number}')}]({href(CitedLine(number, file))})"


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1] + "…"
    return escape_markdown(text)


def _when(time: str | None) -> str:
    return f" ({escape_markdown(time)})" if time else ""


def findings_markdown(findings: Findings) -> str:
    """The card's text: the incident window, the likely causes, what followed."""
    if findings.files:
        span = ", ".join(f"{escape_markdown(f.name)} lines {f.first_line:,}-{f.last_line:,}" for f in findings.files)
    else:
        span = f"lines {findings.first_line:,}-{findings.last_line:,}"
    head = f"**Findings** for {span} (computed without a model)"
    aligned = [f"Aligned: {escape_markdown(text)}" for text in findings.alignments]
    if not findings.incident or findings.onset is None:
        return "\n\n".join([head, *aligned, "No incident found: no unusual burst of trouble, so no cause is ranked."])
    onset = findings.onset
    window = (f"Incident from {line_link(onset.line, file=onset.file)}{_when(onset.time)}, "
              f"peak {line_link(onset.peak_line, file=onset.peak_file)}")
    if onset.end_line is not None:
        window += (f", {'recovered by' if onset.recovered else 'until'} "
                   f"{line_link(onset.end_line, file=onset.end_file)}")
    parts = [head, *(["", *aligned] if aligned else []), "", window]
    if findings.causes:
        parts += ["", "Likely causes, best first:"]
        for rank, cause in enumerate(findings.causes[:MAX_CAUSES], 1):
            why = "; ".join(escape_markdown(reason) for reason in cause.why[:3])
            parts.append(f"{rank}. {line_link(cause.line, file=cause.file)}: {_quote(cause.text)}"
                         + (f" — {why}" if why else ""))
    if findings.consequences:
        parts += ["", "Then:"]
        for item in findings.consequences[:MAX_CONSEQUENCES]:
            if item.first_line == item.last_line:
                span = line_link(item.first_line, file=item.file)
            else:
                first = f"lines {item.first_line}" if item.file is None else escape_markdown(f"{item.file}:{item.first_line}")
                span = (f"{line_link(item.first_line, first, item.file)}-"
                        f"{line_link(item.last_line, str(item.last_line), item.file)}")
            parts.append(f"- {item.count:,}× {span}: {_quote(item.template)}")
    return "\n".join(parts)
