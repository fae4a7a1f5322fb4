"""Grounded metrics: what lexical overlap cannot see.

A fluent answer citing "line 412" of a 150-line log, or a block id that is not in the log,
scores well on ROUGE. These metrics check an answer against the sample's log instead of
against the reference answer.

Definitions:
- citations: line citations ("line 12", "lines 12-15", "lines 3, 5 and 7", "L12"), found and
  checked by models.citations, the checker the app and the CLI use; quotes (backticked, double-
  or single-quoted) and named entities (ids, addresses, paths, key=value, ExceptionNames), found
  by the same module. A line citation is valid when its lines lie within the log's numbered
  lines and contain what its sentence quotes or names (a range counts as its two ends); any
  other citation when it occurs in the log or in the digest the model was shown instead
  (case-insensitive, whitespace collapsed; `<*>` in a quoted template matches any one token).
- citation_validity: valid citations / all citations, over every answer (micro average).
- fabricated: share of answers with at least one invalid citation.
- alert_coverage (labelled logs such as BGL): per answer, the share of the log's alert
  categories the answer names or cites a line of; averaged over answers.
- alert_line_recall: alert lines cited (ranges of up to 50 lines count in full) / alert lines.
- risk_precision / risk_recall (the risk-JSON task, labelled logs): lines flagged in
  `messages.critical` + `messages.warning` that are alert lines / flagged lines, and / alert lines.
- risk_json_valid: share of risk answers that parse as a JSON object.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from models.citations import contains_claim, find_claims
from models.citations import check_citations as check_line_citations

_NUMBERED = re.compile(r"(\d+) \| ?(.*)")
_RANGE_EXPAND_LIMIT = 50


@dataclass
class Citations:
    lines: list[tuple[int, int]] = field(default_factory=list)  # inclusive ranges
    strings: list[str] = field(default_factory=list)  # quotes and entities
    valid: int = 0
    invalid: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.valid + len(self.invalid)


def check_citations(answer: str, log: str, first_line: int, shown: str | None = None) -> Citations:
    """Citations of `answer` with each marked valid or not against the numbered `log`.

    `shown` is the digest the model read instead of the raw log, if any: quoting it is grounded
    too. A `<*>` in a quote (a template copied from the digest) matches any text.
    """
    texts = _numbered_lines(log, first_line)
    last_line = first_line + log.count("\n")
    sources = [log] if shown is None else [log, shown]
    seen = "\n".join(sources)
    citations = Citations()
    for prose in _prose(answer):
        for cited in check_line_citations(prose, texts.get, first_line=first_line, last_line=last_line, shown=seen):
            citations.lines.append((cited.start, cited.end))
            ends = 1 if cited.start == cited.end else 2
            if cited.valid:
                citations.valid += ends
            else:
                citations.invalid.extend([cited.text] * ends)
        for claim in find_claims(prose, shown=seen):
            citations.strings.append(claim.text)
            if any(contains_claim(text, claim) for text in sources):
                citations.valid += 1
            else:
                citations.invalid.append(claim.text)
    return citations


def _prose(answer: str) -> list[str]:
    """The texts of an answer that make claims: a JSON answer's string values (its keys quote
    nothing from the log), any other answer whole."""
    try:
        data = json.loads(answer)
    except ValueError:
        return [answer]
    return list(_strings(data)) if isinstance(data, dict | list) else [answer]


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _numbered_lines(log: str, first_line: int) -> dict[int, str]:
    """Line number -> text of a log numbered as models.prompts.number_lines does."""
    texts: dict[int, str] = {}
    for i, row in enumerate(log.split("\n")):
        match = _NUMBERED.fullmatch(row)
        texts[int(match.group(1)) if match else first_line + i] = match.group(2) if match else row
    return texts


def cited_lines(citations: Citations) -> set[int]:
    lines: set[int] = set()
    for start, end in citations.lines:
        if 0 <= end - start <= _RANGE_EXPAND_LIMIT:
            lines.update(range(start, end + 1))
        else:
            lines.update((start, end))
    return lines


@dataclass
class AlertCoverage:
    categories: int
    categories_covered: int
    lines: int
    lines_covered: int


def alert_coverage(answer: str, citations: Citations, labels: dict[int, str]) -> AlertCoverage:
    categories = set(labels.values())
    cited = cited_lines(citations)
    lowered = answer.lower()
    covered = {c for c in categories if c.lower() in lowered}
    covered |= {labels[n] for n in cited if n in labels}
    return AlertCoverage(len(categories), len(covered), len(labels), len(cited & labels.keys()))


@dataclass
class RiskOutcome:
    valid_json: bool
    flagged: int = 0
    true_positive: int = 0
    alerts: int = 0


def risk_outcome(answer: str, labels: dict[int, str]) -> RiskOutcome:
    """Flagged lines of a risk-JSON answer against the alert lines."""
    data = _first_json_object(answer)
    if data is None:
        return RiskOutcome(False, alerts=len(labels))
    messages = data.get("messages") if isinstance(data.get("messages"), dict) else {}
    flagged: set[int] = set()
    for level in ("critical", "warning"):
        for item in messages.get(level) or []:
            if isinstance(item, int) or (isinstance(item, str) and item.strip().isdigit()):
                flagged.add(int(item))
    return RiskOutcome(True, len(flagged), len(flagged & labels.keys()), len(labels))


def _first_json_object(text: str) -> dict | None:
    start = text.find("{")
    while start >= 0:
        try:
            value, _ = json.JSONDecoder().raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        return value if isinstance(value, dict) else None
    return None
