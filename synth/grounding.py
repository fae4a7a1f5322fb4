"""Checks that what an answer quotes from the log is really in the log.

A fluent answer that cites line 812 of a 100-line chunk, or an IP address that never appears,
teaches the student to invent evidence. Every checkable token an answer quotes (times, dates,
IPs, ids, paths, backticked or quoted strings) must occur in the chunk, and every line it cites
must be in the chunk and hold what its sentence quotes or names (models.citations, the checker
inference uses).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from models.citations import check_citations, is_citation
from synth.chunk import Chunk

TIME = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2}):(\d{2})(?![\d:])")
DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d])")
IP = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d])(?!\.\d)")
ID_PATTERNS = [
    re.compile(r"\bblk_-?\d+"),
    re.compile(r"\b(?:application|appattempt|container|attempt|job|task)_\d\w*"),
    re.compile(r"\b0x[0-9a-fA-F]{4,}\b"),
    re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    re.compile(r"\bR\d{2}-M\d-N[0-9A-F](?:-[A-Z]:J\d{2}-U\d{2}|-I:J\d{2}-U\d{2})?\b"),
]
PATH = re.compile(r"(?<![\w.:/~\\-])/(?:[\w.@-]+/)+[\w.@-]+")
BACKTICK = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
DOUBLE_QUOTED = re.compile(r"\"([^\"\n]{12,})\"")
CODE_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n(.*?)^\1", re.M | re.S)
NUMBER_PREFIX = re.compile(r"^\s*\d+\s*\|\s?")
ELLIPSIS = re.compile(r"\.\.\.|…")
WILDCARD = "<*>"


@dataclass(frozen=True)
class Finding:
    check: str  # line_numbers, timestamps, ips, ids, paths, quotes
    detail: str


class ChunkFacts:
    """The chunk's text in the shapes the checks need, computed once per chunk."""

    def __init__(self, chunk: Chunk) -> None:
        self.chunk = chunk
        self.text = "\n".join(chunk.lines)

    @cached_property
    def flat(self) -> str:
        return " ".join(self.text.split())

    def has_line(self, number: int) -> bool:
        return self.chunk.start_line <= number <= self.chunk.end_line

    def line_text(self, number: int) -> str | None:
        return self.chunk.lines[number - self.chunk.start_line] if self.has_line(number) else None

    def has_token(self, token: str) -> bool:
        """Occurs as a whole token: `blk_12` must not pass because `blk_123` is in the log."""
        return re.search(rf"(?<![\w.]){re.escape(token)}(?![\w])", self.text) is not None

    def has_time(self, h: str, m: str, s: str) -> bool:
        forms = {f"{int(h):02d}:{m}:{s}", f"{int(h)}:{m}:{s}", f"{int(h):02d}.{m}.{s}", f"{int(h):02d}{m}{s}"}
        return any(form in self.text for form in forms)

    def has_date(self, y: str, m: str, d: str) -> bool:
        forms = {f"{y}-{m}-{d}", f"{y}.{m}.{d}", f"{y}/{m}/{d}", f"{y[2:]}/{m}/{d}", f"{y[2:]}{m}{d}"}
        return any(form in self.text for form in forms)

    def has_quote(self, quote: str) -> bool:
        """Whitespace-insensitive; `...` elides text and `<*>` stands for a template variable."""
        quote = NUMBER_PREFIX.sub("", quote).strip()
        parts = [" ".join(p.split()) for p in ELLIPSIS.split(quote)]
        parts = [p for p in parts if p]
        if not parts:
            return True
        if any(WILDCARD in p for p in parts):
            pattern = ".*?".join(
                ".+?".join(re.escape(piece.strip()) for piece in p.split(WILDCARD)) for p in parts
            )
            return re.search(pattern, self.flat) is not None
        return all(p in self.flat for p in parts)


def _checkable_quote(quote: str) -> bool:
    stripped = quote.strip()
    if len(stripped) < 3 or stripped.isdigit() or is_citation(stripped):
        return False
    return stripped.strip("<*> ") != ""


def quotes(text: str) -> list[str]:
    found: list[str] = []
    for match in CODE_FENCE.finditer(text):
        found.extend(line for line in match.group(2).splitlines() if line.strip())
    prose = CODE_FENCE.sub(" ", text)
    found.extend(m.group(1) for m in BACKTICK.finditer(prose))
    found.extend(m.group(1) for m in DOUBLE_QUOTED.finditer(prose))
    return [q for q in found if _checkable_quote(q)]


def check_text(text: str, facts: ChunkFacts, *, exempt: str = "") -> list[Finding]:
    """Every quoted fact in `text` that the chunk does not contain, one finding each.

    Quotes found in `exempt` (the task's instructions, which prescribe phrases such as
    "None in this log.", and a conversation's questions) are not claims about the log.
    """
    exempt_flat = " ".join(exempt.split())
    findings: list[Finding] = []
    names = f"{facts.chunk.system} {Path(facts.chunk.source).name}"  # "of a OpenSSH log" cites no line
    citations = check_citations(text, facts.line_text, first_line=facts.chunk.start_line,
                                last_line=facts.chunk.end_line, exempt=f"{exempt}\n{names}", shown=facts.text)
    findings.extend(Finding("line_numbers", c.reason) for c in citations if not c.valid)
    for m in TIME.finditer(text):
        if not facts.has_time(*m.groups()):
            findings.append(Finding("timestamps", f"time {m.group(0)} not in the log"))
    for m in DATE.finditer(text):
        if not facts.has_date(*m.groups()):
            findings.append(Finding("timestamps", f"date {m.group(0)} not in the log"))
    for m in IP.finditer(text):
        if not facts.has_token(m.group(0)):
            findings.append(Finding("ips", f"IP {m.group(0)} not in the log"))
    for pattern in ID_PATTERNS:
        for m in pattern.finditer(text):
            if not facts.has_token(m.group(0)):
                findings.append(Finding("ids", f"id {m.group(0)} not in the log"))
    for m in PATH.finditer(text):
        if m.group(0) not in facts.text:
            findings.append(Finding("paths", f"path {m.group(0)} not in the log"))
    for quote in quotes(text):
        if " ".join(quote.split()) in exempt_flat:
            continue
        if not facts.has_quote(quote):
            findings.append(Finding("quotes", f"quote {quote.strip()[:80]!r} not in the log"))
    return findings
