"""Fit a log into the model's context, never silently.

A log that fits goes in whole. One that does not goes through the log core's digest
(templates, counts, anomalies, cited lines) when available, else through a stated fallback
policy: the head, the tail and every warning/error line between them. Either way the result says
what was left out and how many tokens went in, so the user can judge the answer.

Default budget for a local model: about 2k tokens of log. On a CPU the prompt is read at roughly
150-300 tokens/s, so 2k tokens keep the first token within seconds, where a full 8k context
takes minutes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from logcore.errors import LogchatError, ModelError
from models.backend import Backend
from models.prompts import findings_block, first_user_content, label_line, number_line, number_lines, system_prompt

if TYPE_CHECKING:
    from logcore.merge import MergedText

LOCAL_LOG_TOKENS = 2048
DEFAULT_RESERVE_TOKENS = 512  # room for the answer
TEMPLATE_OVERHEAD_TOKENS = 16  # role markers the chat template adds around the two messages
MIN_LOG_TOKENS = 128
MAX_CHARS_PER_TOKEN = 16  # no tokenizer packs more: a longer text surely exceeds the budget

POLICY_WHOLE = "whole log"
POLICY_DIGEST = "digest"
POLICY_EXCERPT = "head + tail + warning/error lines"

SEVERE = re.compile(
    r"\b(?:warn(?:ing)?|error|err|fatal|crit(?:ical)?|severe|panic|alert|emerg|exception|traceback|failed|failure)\b",
    re.IGNORECASE,
)


@dataclass
class FittedLog:
    text: str
    tokens: int  # exact for a local model, an estimate for a remote one
    policy: str
    omitted: list[str] = field(default_factory=list)
    budget: int = 0
    exact: bool = True

    def describe(self) -> str:
        """One line for stderr: what went in and under which policy."""
        kind = "" if self.exact else " (estimated)"
        return f"log: {self.tokens:,} tokens{kind} in, {self.policy}, budget {self.budget:,}"


def log_budget(backend: Backend, question: str, *, reserve_tokens: int, budget_tokens: int | None,
               findings_text: str = "", merged: bool = False) -> int:
    """Tokens the log may use: the context minus prompt scaffolding minus the answer's room.

    The one budget rule of the project (CLI and app alike). Findings that open the prompt are
    paid for out of the log's share, so adding evidence never pushes the answer out of the context.
    """
    scaffold = backend.count_tokens(system_prompt(bool(findings_text.strip()), merged)) + backend.count_tokens(
        first_user_content(question, "", findings_text))
    available = backend.context_size - scaffold - TEMPLATE_OVERHEAD_TOKENS - reserve_tokens
    if available < MIN_LOG_TOKENS:
        raise ModelError(
            f"{backend.name} has a {backend.context_size}-token context, too small for a log and a "
            f"{reserve_tokens}-token answer; lower --max-tokens or use a model with a larger context"
        )
    if budget_tokens is None:
        budget_tokens = LOCAL_LOG_TOKENS if backend.counts_exact else available
    if findings_text.strip():
        budget_tokens -= backend.count_tokens(findings_block(findings_text))
    return max(MIN_LOG_TOKENS, min(budget_tokens, available))


def fit_log(
    log_text: str,
    question: str,
    backend: Backend,
    *,
    reserve_tokens: int = DEFAULT_RESERVE_TOKENS,
    budget_tokens: int | None = None,
    first_line: int = 1,
    source: str = "",
    numbered: bool = False,
    findings_text: str = "",
    digest: bool = False,
) -> FittedLog:
    """The log as the model will read it: raw lines are numbered (`N | line`, the training
    layout); `numbered=True` means the caller already numbered a non-contiguous selection."""
    return fit_lines(log_text.split("\n"), question, backend, reserve_tokens=reserve_tokens,
                     budget_tokens=budget_tokens, first_line=first_line, source=source,
                     numbered=numbered, findings_text=findings_text, digest=digest)


def fit_lines(
    lines: Sequence[str],
    question: str,
    backend: Backend,
    *,
    reserve_tokens: int = DEFAULT_RESERVE_TOKENS,
    budget_tokens: int | None = None,
    first_line: int = 1,
    source: str = "",
    numbered: bool = False,
    findings_text: str = "",
    digest: bool = False,
    merged: MergedText | None = None,
) -> FittedLog:
    """`fit_log` over lines already split; `digest=True` digests even a log that would fit whole
    (the app's whole-file scope promises a digest). `merged` (optional): `lines` are the rows of
    these merged files; every line goes in labelled `b.log:412 | ...` and the digest names lines
    the same way (`logcore.digest.build_merged_digest`)."""
    budget = log_budget(backend, question, reserve_tokens=reserve_tokens, budget_tokens=budget_tokens,
                        findings_text=findings_text, merged=merged is not None)
    exact = backend.counts_exact
    if merged is not None:
        return _fit_merged(merged, backend, budget, digest)
    if not digest:
        whole = "\n".join(lines) if numbered else number_lines(lines, first_line)
        if len(whole) <= budget * MAX_CHARS_PER_TOKEN:
            tokens = backend.count_tokens(whole)
            if tokens <= budget:
                return FittedLog(whole, tokens, POLICY_WHOLE, [], budget, exact)
    builder = _digest_builder()
    why_not_digest: list[str] = []
    if builder is not None:
        try:
            result = builder(lines, budget, backend.count_tokens, first_line=first_line, source=source)
        except LogchatError as too_small:  # a digest has a floor (headers, counts): excerpt instead
            why_not_digest.append(f"no digest: {too_small}")
        else:
            return FittedLog(result.text, result.tokens, POLICY_DIGEST, list(result.omitted), budget, exact)
    text, omitted = excerpt(lines, budget, backend.count_tokens, first_line=first_line, numbered=numbered)
    return FittedLog(text, backend.count_tokens(text), POLICY_EXCERPT, why_not_digest + omitted, budget, exact)


def _fit_merged(merged: MergedText, backend: Backend, budget: int, digest: bool) -> FittedLog:
    """Merged files: whole and labelled when they fit, else their digest, else an excerpt."""
    from logcore.digest import build_merged_digest

    exact = backend.counts_exact
    labelled = [label_line(merged.label(i), line) for i, line in enumerate(merged.lines)]
    if not digest:
        whole = "\n".join(labelled)
        if len(whole) <= budget * MAX_CHARS_PER_TOKEN:
            tokens = backend.count_tokens(whole)
            if tokens <= budget:
                return FittedLog(whole, tokens, POLICY_WHOLE, [], budget, exact)
    try:
        result = build_merged_digest(merged, budget, backend.count_tokens)
    except LogchatError as too_small:
        text, omitted = excerpt(labelled, budget, backend.count_tokens, numbered=True, label=merged.label)
        return FittedLog(text, backend.count_tokens(text), POLICY_EXCERPT, [f"no digest: {too_small}", *omitted],
                         budget, exact)
    return FittedLog(result.text, result.tokens, POLICY_DIGEST, list(result.omitted), budget, exact)


def _digest_builder() -> Callable | None:
    """The log core's digest once it is installed; the excerpt policy stands in until then."""
    try:
        from logcore.digest import build_digest
    except ImportError:
        return None
    return build_digest


def excerpt(
    lines: Sequence[str], budget: int, count_tokens: Callable[[str], int], *, first_line: int = 1,
    numbered: bool = False, label: Callable[[int], str] | None = None,
) -> tuple[str, list[str]]:
    """Head (25 %), tail (35 %) and the warning/error lines between them, in file order.

    Lines are counted one by one and only until the budget is spent, so a huge log costs no
    more than the lines that go in. Gaps are marked in the text itself so the model knows.
    `label` (optional) names a 0-based line in the gap markers and notes ("b.log:412" over
    merged files) instead of its number.
    """
    if not numbered:
        lines = [number_line(first_line + i, line) for i, line in enumerate(lines)]
    usable = int(budget * 0.9)  # the rest pays for the gap markers
    cost = [-1] * len(lines)

    def tokens(i: int) -> int:
        if cost[i] < 0:
            cost[i] = count_tokens(lines[i]) + 1
        return cost[i]

    keep: set[int] = set()
    spent = 0
    i = 0
    while i < len(lines) and spent + tokens(i) <= usable * 0.25:
        spent += tokens(i)
        keep.add(i)
        i += 1
    head_end = i
    tail_budget = spent + usable * 0.35
    j = len(lines) - 1
    while j >= head_end and spent + tokens(j) <= tail_budget:
        spent += tokens(j)
        keep.add(j)
        j -= 1
    tail_start = j + 1
    severe = [k for k in range(head_end, tail_start) if SEVERE.search(lines[k])]
    severe_kept = 0
    for k in severe:
        if spent + tokens(k) > usable:
            continue
        spent += tokens(k)
        keep.add(k)
        severe_kept += 1
    # Budget the warning/error lines did not need extends the tail backwards.
    while j >= head_end and (j in keep or spent + tokens(j) <= usable):
        if j not in keep:
            spent += tokens(j)
            keep.add(j)
        j -= 1
    return _render(lines, sorted(keep), first_line, label), _omitted_notes(
        len(lines), len(keep), len(severe), severe_kept, first_line, head_end, j + 1, label
    )


def _render(lines: Sequence[str], kept: list[int], first_line: int,
            label: Callable[[int], str] | None = None) -> str:
    out: list[str] = []
    previous = -1
    for k in kept:
        if k > previous + 1:
            out.append(_gap_marker(previous + 1, k, first_line, label))
        out.append(lines[k])
        previous = k
    if previous < len(lines) - 1:
        out.append(_gap_marker(previous + 1, len(lines), first_line, label))
    return "\n".join(out)


def _span(start: int, stop: int, first_line: int, label: Callable[[int], str] | None) -> str:
    """Lines start..stop-1 (0-based) named for the reader: "lines 5-9", or "a.log:3 to b.log:7"."""
    if label is None:
        first, last = start + first_line, stop - 1 + first_line
        return f"line {first}" if stop - start == 1 else f"lines {first}-{last}"
    return label(start) if stop - start == 1 else f"{label(start)} to {label(stop - 1)}"


def _gap_marker(start: int, stop: int, first_line: int, label: Callable[[int], str] | None = None) -> str:
    n = stop - start
    where = _span(start, stop, first_line, label)
    return f"[... logchat omitted {n} line{'s' if n != 1 else ''} here ({where}) ...]"


def _omitted_notes(
    total: int, kept: int, severe: int, severe_kept: int, first_line: int, head_end: int, tail_start: int,
    label: Callable[[int], str] | None = None,
) -> list[str]:
    if label is None:
        head = f"{first_line}-{head_end + first_line - 1}"
        tail = f"{tail_start + first_line}-{total + first_line - 1}"
    else:
        head = _span(0, head_end, 0, label) if head_end > 0 else "none"
        tail = _span(tail_start, total, 0, label) if tail_start < total else "none"
    notes = [
        f"{total - kept:,} of {total:,} lines left out: kept lines {head} "
        f"(head), {tail} (tail) and "
        f"{severe_kept:,} warning/error lines between them"
    ]
    if severe_kept < severe:
        notes.append(f"{severe - severe_kept:,} warning/error lines did not fit the budget")
    return notes
