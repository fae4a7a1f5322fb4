"""One analysis as the user had it: what the model read and the questions asked about it.

Kept in `models` (not in the viewer) because it is the unit the analysis pipeline, the history
store and exports share; nothing here knows about a screen or a database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from models.prompts import Turn


@dataclass
class Conversation:
    """One analysis: the log text (and findings) the model read and the questions asked about it."""

    source: str
    scope: str
    model: str
    title: str
    log_text: str = ""
    turns: list[Turn] = field(default_factory=list)
    id: int | None = None
    created: float = field(default_factory=time.time)
    findings_text: str = ""  # the findings block sent with the log, so follow-ups keep it


def to_markdown(conversation: Conversation) -> str:
    """A conversation as a Markdown document a person can keep or share."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(conversation.created))
    parts = [
        f"# {conversation.title}: {conversation.source}",
        "",
        f"- Scope: {conversation.scope}",
        f"- Model: {conversation.model}",
        f"- Date: {when}",
    ]
    for turn in conversation.turns:
        parts += ["", f"## {turn.question}", "", (turn.answer or "*(no answer)*").strip()]
    return "\n".join(parts) + "\n"
