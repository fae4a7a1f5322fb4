"""The live watch's structured risk check.

New lines are judged by the model under a JSON schema (grammar-constrained on llama.cpp,
`response_format` on OpenAI-compatible servers); the reply is validated before anything is
shown, because a small model can still produce a well-formed but meaningless object (say, line
numbers that are not in the batch) and an alert must never come from an unchecked reply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from models.prompts import RISK_QUESTION

# One schema for the risk task: synth's teacher replies are checked against it (the training
# data), and the watch constrains and validates the model's replies with it. Its bounds (10 line
# numbers per list, 3 summaries of 120 characters) keep a reply within WatchSettings.max_tokens.
RISK_SCHEMA: dict = json.loads(resources.files("synth.tasks").joinpath("risk.schema.json").read_text(encoding="utf-8"))

WATCH_QUESTION = RISK_QUESTION  # the question the model is trained on for this task


@dataclass(frozen=True)
class RiskReport:
    risk_score: int
    should_alert_user: bool
    critical: tuple[int, ...]
    warning: tuple[int, ...]
    summary: tuple[str, ...]
    first_line: int  # 1-based range the report covers
    last_line: int

    @property
    def headline(self) -> str:
        head = self.summary[0] if self.summary else "no summary given"
        return f"risk {self.risk_score}/100, lines {self.first_line:,}-{self.last_line:,}: {head}"


class RiskReplyError(ValueError):
    """The model's reply was not valid JSON for the risk schema."""


def parse_risk(reply: str, first_line: int, last_line: int) -> RiskReport:
    """Validate a reply; line numbers outside the assessed batch are dropped, not trusted."""
    import jsonschema  # imported on first use: it costs a tenth of the app's start-up

    try:
        data = json.loads(reply)
        jsonschema.validate(data, RISK_SCHEMA)
    except (json.JSONDecodeError, jsonschema.ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise RiskReplyError(f"the model's risk reply was not valid: {first}") from None

    def in_batch(numbers: list[int]) -> tuple[int, ...]:
        return tuple(n for n in numbers if first_line <= n <= last_line)

    return RiskReport(
        risk_score=data["risk_score"],
        should_alert_user=data["should_alert_user"],
        critical=in_batch(data["messages"]["critical"]),
        warning=in_batch(data["messages"]["warning"]),
        summary=tuple(s.strip() for s in data["summary"] if s.strip()),
        first_line=first_line,
        last_line=last_line,
    )
