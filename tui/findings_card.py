"""The findings as a card above the answer: evidence first, every line number a link.

The card is Markdown so its `line:N` links jump the log view like an answer's citations. What
it quotes comes from the log (lines, entity names), so it is made printable and every Markdown
character in it is escaped: a log line can neither fake a link nor restyle the card.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

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


def line_link(number: int, label: str | None = None) -> str:
    return f"[{label or f'line {number}'}](line:{number})"


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1] + "…"
    return escape_markdown(text)


def _when(time: str | None) -> str:
    return f" ({escape_markdown(time)})" if time else ""


def findings_markdown(findings: Findings) -> str:
    """The card's text: the incident window, the likely causes, what followed."""
    head = f"**Findings** for lines {findings.first_line:,}-{findings.last_line:,} (computed without a model)"
    if not findings.incident or findings.onset is None:
        return f"{head}\n\nNo incident found: no unusual burst of trouble, so no cause is ranked."
    onset = findings.onset
    window = f"Incident from {line_link(onset.line)}{_when(onset.time)}, peak {line_link(onset.peak_line)}"
    if onset.end_line is not None:
        window += f", {'recovered by' if onset.recovered else 'until'} {line_link(onset.end_line)}"
    parts = [head, "", window]
    if findings.causes:
        parts += ["", "Likely causes, best first:"]
        for rank, cause in enumerate(findings.causes[:MAX_CAUSES], 1):
            why = "; ".join(escape_markdown(reason) for reason in cause.why[:3])
            parts.append(f"{rank}. {line_link(cause.line)}: {_quote(cause.text)}"
                         + (f" — {why}" if why else ""))
    if findings.consequences:
        parts += ["", "Then:"]
        for item in findings.consequences[:MAX_CONSEQUENCES]:
            span = (line_link(item.first_line) if item.first_line == item.last_line else
                    f"{line_link(item.first_line, f'lines {item.first_line}')}-"
                    f"{line_link(item.last_line, str(item.last_line))}")
            parts.append(f"- {item.count:,}× {span}: {_quote(item.template)}")
    return "\n".join(parts)
