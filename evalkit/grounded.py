"""Grounded metrics: what lexical overlap cannot see.

A fluent answer citing "line 412" of a 150-line log, or a block id that is not in the log,
scores well on ROUGE. These metrics check an answer against the sample's log instead of
against the reference answer.

Definitions:
- citations: line numbers ("line 12", "lines 12-15", "lines 3, 5 and 7", "L12"), backticked
  spans, double-quoted strings of 8+ characters, and bare identifiers (block/job/container ids,
  IPv4 addresses, UUIDs, 0x hex, paths, and tokens that start with a letter or `/`, contain a
  digit and one of `_-.:/`).
  A line number is valid when it lies within the log's numbered lines; any other citation when
  it occurs in the log or in the digest the model was shown instead (case-insensitive,
  whitespace collapsed; `<*>` in a quoted template matches any one token).
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
from dataclasses import dataclass, field

_LINE_REF = re.compile(
    r"(?i)\b(?:lines?|L)\s*#?(\d+)(?:\s*(?:-|–|to|through)\s*#?(\d+))?"
    r"((?:\s*(?:,|and|&|or)\s*#?\d+(?:\s*(?:-|–)\s*\d+)?)*)"
)
_MORE_REFS = re.compile(r"#?(\d+)(?:\s*(?:-|–)\s*(\d+))?")
_BACKTICKED = re.compile(r"`([^`\n]{3,200})`")
_QUOTED = re.compile(r"[\"“]([^\"”\n]{8,200})[\"”]")
_IDENTIFIER = re.compile(
    r"(?<![\w./:@-])(?:"
    r"(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?"  # IPv4[:port]
    r"|(?=[\w./:-]*\d)[A-Za-z/][\w./:-]*[_\-./:][\w./:-]*[A-Za-z0-9]"  # blk_-1, R02-M1-N0, /var/x1
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # UUID
    r"|0x[0-9a-fA-F]{4,}"
    r")(?![\w@-])"
)
_RANGE_EXPAND_LIMIT = 50


@dataclass
class Citations:
    lines: list[tuple[int, int]] = field(default_factory=list)  # inclusive ranges
    strings: list[str] = field(default_factory=list)  # identifiers and quoted strings
    valid: int = 0
    invalid: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.valid + len(self.invalid)


def _normalize(text: str) -> str:
    return " ".join(text.split()).lower()


def extract_citations(answer: str) -> Citations:
    citations = Citations()
    line_spans: list[tuple[int, int]] = []
    for m in _LINE_REF.finditer(answer):
        first = int(m.group(1))
        citations.lines.append((first, int(m.group(2)) if m.group(2) else first))
        for more in _MORE_REFS.finditer(m.group(3) or ""):
            start = int(more.group(1))
            citations.lines.append((start, int(more.group(2)) if more.group(2) else start))
        line_spans.append(m.span())
    seen: set[str] = set()
    for pattern in (_BACKTICKED, _QUOTED):
        for m in pattern.finditer(answer):
            value = m.group(1).strip()
            if value and value not in seen and not _LINE_REF.fullmatch(value):
                seen.add(value)
                citations.strings.append(value)
    for m in _IDENTIFIER.finditer(answer):
        value = m.group(0).rstrip(".:")
        inside_line_ref = any(a <= m.start() < b for a, b in line_spans)
        if not inside_line_ref and not any(value in s for s in seen):
            seen.add(value)
            citations.strings.append(value)
    return citations


def check_citations(answer: str, log: str, first_line: int, shown: str | None = None) -> Citations:
    """Citations of `answer` with each marked valid or not against the numbered `log`.

    `shown` is the digest the model read instead of the raw log, if any: quoting it is grounded
    too. A `<*>` in a quote (a template copied from the digest) matches any text.
    """
    citations = extract_citations(answer)
    last_line = first_line + log.count("\n")
    sources = [log] if shown is None else [log, shown]
    normalized = [_normalize(text) for text in sources]
    for start, end in citations.lines:
        for n in {start, end}:
            if first_line <= n <= last_line:
                citations.valid += 1
            else:
                citations.invalid.append(f"line {n}")
    for value in citations.strings:
        if any(_occurs(value, text, norm) for text, norm in zip(sources, normalized, strict=True)):
            citations.valid += 1
        else:
            citations.invalid.append(value)
    return citations


def _occurs(value: str, text: str, normalized_text: str) -> bool:
    if value in text or _normalize(value) in normalized_text:
        return True
    if "<*>" not in value:
        return False
    parts = [re.escape(part) for part in _normalize(value).split("<*>")]
    return re.search(r"\S*".join(parts), normalized_text) is not None


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
