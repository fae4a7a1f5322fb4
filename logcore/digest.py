"""A compact, faithful stand-in for a log that is too big for the model's context.

Raw log lines are token-hungry (a BGL line costs about 105 SmolLM2 tokens), so past a few dozen
lines the model reads this digest instead: the time span and volume, counts by level, the
templates ranked by what matters (flagged trouble, then errors too common to flag, then the bulk
of the log by count)
with their counts and one real example line each, the flagged lines verbatim, and a note of what
was left out. Every line it quotes carries its 1-based line number so answers can cite it.

The budget is filled greedily in the order a reader needs: examples of the flagged templates,
one line per other template, up to two more flagged lines per template (one per template in
turn, so a 60-line burst cannot crowd out a single panic), examples for the other templates,
then the remaining flagged lines. The whole text is
one fenced block: it is data copied from a log, never instructions.

Over several merged files (`build_merged_digest`) each file keeps its own templates
(`logcore.merge_analysis`) and every line is named by its file and own line, `b.log:412`, as
the model is shown the lines of a merged log.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from logcore.anomaly import Analysis, TemplateSignal, analyze, format_duration
from logcore.errors import LogchatError
from logcore.levels import LEVELS
from logcore.merge_analysis import analyze_merged
from logcore.printable import printable

if TYPE_CHECKING:
    from logcore.merge import MergedText

_EXAMPLE_CHARS = 300  # an example line longer than this is cut (a 50 MB line must not eat the budget)
_TEMPLATE_CHARS = 200
_FOLDED_CHARS = 160
# The longest omission note the digest writes, priced up front so the note always fits.
_WORST_OMITTED = ("Omitted: 9,999 of 9,999 templates not listed (999,999 records); 9,999 listed templates "
                  "shown without an example line; 9,999 of 9,999 flagged lines not quoted.")
_FLAGGED_SHARE = 0.6  # examples of flagged templates may use this much of the content budget
_LISTING_SHARE = 0.85  # ... and with one line per other template, this much
_SHOWN_SILENCES = 3
_MAX_MISSES = 50  # consecutive items that do not fit before a filling phase gives up
_FIRST_ROUNDS = 2  # flagged lines per template quoted before examples of unflagged templates
_TROUBLED = 0.2  # a template whose best line scores this much is trouble even when not flagged
_NAIVE_EPOCH = datetime(1970, 1, 1)


T = TypeVar("T")


@dataclass
class Digest:
    text: str
    tokens: int
    omitted: list[str]  # human-readable notes about what was left out


@dataclass
class _Entry:
    signal: TemplateSignal
    with_example: bool = False


@dataclass
class _Plan:
    entries: dict[int, _Entry] = field(default_factory=dict)  # template id -> entry
    flagged_lines: list[int] = field(default_factory=list)  # 0-based lines shown verbatim
    spent: int = 0


def build_digest(lines: Sequence[str], budget_tokens: int, count_tokens: Callable[[str], int],
                 *, first_line: int = 1, source: str = "") -> Digest:
    """Digest `lines` (the file's lines from 1-based `first_line` on) in at most `budget_tokens`."""
    if not lines:
        raise LogchatError(f"{source or 'the log'} has no lines to digest; pass a non-empty log or range")
    analysis = analyze(lines, first_line=first_line - 1)
    return render_digest(analysis, lines, budget_tokens, count_tokens, source=source)


def build_merged_digest(merged: MergedText, budget_tokens: int, count_tokens: Callable[[str], int]) -> Digest:
    """Digest the files of `merged` (`logcore.merge.merge_texts`) as one log, lines named `b.log:412`."""
    if not merged.lines:
        raise LogchatError("the merged logs have no lines to digest; pass files that are not empty")
    analysis = analyze_merged(merged)
    source = " + ".join(source.name for source in merged.sources)
    return render_digest(analysis, merged.lines, budget_tokens, count_tokens, source=source, label=analysis.label)


def render_digest(analysis: Analysis, lines: Sequence[str], budget_tokens: int,
                  count_tokens: Callable[[str], int], *, source: str = "",
                  label: Callable[[int], str] | None = None) -> Digest:
    """The digest of an existing analysis of `lines` (so a caller that has one can reuse it).
    `label` (optional): how a 0-based line is named, e.g. "b.log:412" over merged files;
    by default "line 412"."""
    writer = _Writer(analysis, lines, count_tokens, source, label)
    header = writer.header()
    fixed = count_tokens(writer.wrap(header, [_WORST_OMITTED]))
    if fixed > budget_tokens:
        raise LogchatError(
            f"a budget of {budget_tokens:,} tokens is too small for a digest of {writer.source}; "
            f"give at least {fixed:,}"
        )
    plan = _plan(writer, budget_tokens - fixed)
    while True:
        body, omitted = writer.body(plan)
        text = writer.wrap(header, body)
        tokens = count_tokens(text)
        if tokens <= budget_tokens or not _shrink(plan):
            return Digest(text=text, tokens=tokens, omitted=omitted)


def _plan(writer: _Writer, budget: int) -> _Plan:
    plan = _Plan()
    ranked = writer.ranked()
    flagged = [s for s in ranked if s.flagged]

    def fill(items: Iterable[T], cost: Callable[[T], int], cap: float, accept: Callable[[T], None]) -> None:
        """Take items in order while they fit under `cap`; a long run of misfits ends the phase,
        so a log of 100,000 templates costs a few hundred token counts, not 100,000."""
        misses = 0
        for item in items:
            price = cost(item)
            if plan.spent + price <= cap:
                plan.spent += price
                accept(item)
                misses = 0
            else:
                misses += 1
                if misses >= _MAX_MISSES:
                    return

    def with_example(signal: TemplateSignal) -> None:
        plan.entries[signal.template_id] = _Entry(signal, with_example=True)

    def listed(signal: TemplateSignal) -> None:
        plan.entries[signal.template_id] = _Entry(signal)

    def upgraded(signal: TemplateSignal) -> None:
        plan.entries[signal.template_id].with_example = True

    fill(flagged, lambda s: writer.entry_cost(s, True), budget * _FLAGGED_SHARE, with_example)
    fill((s for s in ranked if s.template_id not in plan.entries), lambda s: writer.entry_cost(s, False),
         budget * _LISTING_SHARE, listed)
    shown = {writer.example_line(e.signal) for e in plan.entries.values() if e.with_example}
    queued = [(depth, line) for depth, line in writer.flagged_round_robin(flagged) if line not in shown]
    fill((line for depth, line in queued if depth < _FIRST_ROUNDS), writer.line_cost, budget,
         plan.flagged_lines.append)
    fill((s for s in ranked if s.template_id in plan.entries and not plan.entries[s.template_id].with_example),
         lambda s: writer.entry_cost(s, True) - writer.entry_cost(s, False), budget, upgraded)
    fill((line for depth, line in queued if depth >= _FIRST_ROUNDS), writer.line_cost, budget,
         plan.flagged_lines.append)
    return plan


def _shrink(plan: _Plan) -> bool:
    """Drop the least important shown item; False when nothing is left to drop."""
    if plan.flagged_lines:
        plan.flagged_lines.pop()
        return True
    for template_id in reversed(list(plan.entries)):
        entry = plan.entries[template_id]
        if entry.with_example and not entry.signal.flagged:
            entry.with_example = False
            return True
    if plan.entries:
        plan.entries.popitem()
        return True
    return False


class _Writer:
    """Formats each piece of the digest and prices it with the caller's token counter."""

    def __init__(self, analysis: Analysis, lines: Sequence[str], count_tokens: Callable[[str], int],
                 source: str, label: Callable[[int], str] | None = None) -> None:
        self.analysis = analysis
        self.label = label
        self.lines = lines
        self.count_tokens = count_tokens
        self.source = source or "the log"
        self._costs: dict[tuple[int, bool], int] = {}
        self._ranked = sorted(
            self.analysis.signals.values(),
            key=lambda s: (s.flagged > 0, _importance(s) if s.flagged else 0.0, s.top_score >= _TROUBLED, s.count),
            reverse=True,
        )

    def ref(self, line: int) -> str:
        """A 0-based line as the digest names it: "line 413", or its label ("b.log:412")."""
        return f"line {line + 1}" if self.label is None else self.label(line)

    def refs(self, first: int, last: int) -> str:
        """Lines of one template (so of one file): "lines 3-40", or "b.log:3-40"."""
        if self.label is None:
            return f"lines {first + 1}-{last + 1}"
        return f"{self.label(first)}-{self.label(last).rpartition(':')[2]}"

    def ranked(self) -> list[TemplateSignal]:
        """Flagged trouble by importance, then common trouble (errors too frequent to flag) and
        the bulk of the log, each by count."""
        return self._ranked

    def header(self) -> list[str]:
        a = self.analysis
        first, last = a.first_line + 1, a.first_line + a.line_count
        lines = f"lines {first}-{last}" if self.label is None else "merged by time, lines named file:line"
        out = [
            f"Digest of {self.source}: {lines} ({a.line_count:,} lines, "
            f"{len(a.columns.templates):,} records, format {a.format_name}).",
        ]
        span = a.time_span
        if span is not None:
            out.append(f"Time: {_clock(span[0])} to {_clock(span[1])} ({format_duration(span[1] - span[0])}).")
        levels = a.level_counts
        if any(name != "none" for name in levels):
            out.append("Levels: " + ", ".join(f"{name} {n:,}" for name, n in levels.items()) + ".")
        flagged_templates = sum(1 for s in a.signals.values() if s.flagged)
        out.append(
            f"Templates: {len(a.signals):,} distinct; {len(a.anomalies):,} records flagged as anomalous "
            f"in {flagged_templates:,} templates."
        )
        if a.silences:
            longest = sorted(a.silences, key=lambda s: -s.seconds)[:_SHOWN_SILENCES]
            more = len(a.silences) - len(longest)
            gaps = ", ".join(f"{format_duration(s.seconds)} before {self.ref(s.after_line)}" for s in longest)
            out.append(f"Silences: {gaps}" + (f" (+{more} shorter)." if more else "."))
        return out

    def wrap(self, header: list[str], body: list[str]) -> str:
        inner = "\n".join([*header, *body])
        fence = "```"
        while fence in inner:
            fence += "`"
        return f"{fence}log-digest\n{inner}\n{fence}"

    def entry(self, signal: TemplateSignal, with_example: bool) -> str:
        levels = ", ".join(
            f"{name} ×{signal.level_counts[name]:,}" for name in reversed(LEVELS) if name in signal.level_counts
        )
        facts = [levels or f"×{signal.count:,}"]
        if signal.count > 1:
            facts.append(self.refs(signal.first_line, signal.last_line))
        else:
            facts.append(self.ref(signal.first_line))
        if signal.flagged:
            facts.append(f"{signal.flagged:,} flagged")
        if signal.new:
            facts.append("new")
        if signal.burst_lines:
            facts.append("burst")
        text = f"[T{signal.template_id}] {', '.join(facts)}: {printable(signal.text, _TEMPLATE_CHARS)}"
        if with_example:
            text += f"\n  e.g. {self.quote(self.example_line(signal))}"
        return text

    def example_line(self, signal: TemplateSignal) -> int:
        """A flagged template is shown by its first flagged line: a reader looking for the cause
        starts where the trouble began, not at a later repeat that merely scored higher."""
        return signal.top_line if signal.onset_line is None else signal.onset_line

    def quote(self, line: int) -> str:
        """The line verbatim; for a multi-line record, also the first line folded under it
        (a stack trace's exception is often the news)."""
        a = self.analysis
        raw = self.lines[line - a.first_line]
        text = f"{self.ref(line)}: {printable(raw, _EXAMPLE_CHARS)}"
        record = bisect_left(a.columns.lines, line)
        end = a.columns.lines[record + 1] if record + 1 < len(a.columns.lines) else a.first_line + a.line_count
        folded = end - line - 1
        if folded > 0:
            first = printable(self.lines[line + 1 - a.first_line].strip(), _FOLDED_CHARS)
            text += f"\n    (+{folded} folded line{'s' if folded > 1 else ''}: {first})"
        return text

    def entry_cost(self, signal: TemplateSignal, with_example: bool) -> int:
        key = (signal.template_id, with_example)
        cost = self._costs.get(key)
        if cost is None:
            cost = self._costs[key] = self.count_tokens(self.entry(signal, with_example) + "\n")
        return cost

    def line_cost(self, line: int) -> int:
        return self.count_tokens(self.quote(line) + "\n")

    def flagged_round_robin(self, flagged: list[TemplateSignal]) -> list[tuple[int, int]]:
        """(round, line) of the flagged lines, best first within each template, one per template per round."""
        by_template: dict[int, list[tuple[float, int]]] = {}
        tids = self.analysis.columns.templates
        for anomaly in self.analysis.anomalies:
            tid = tids[self._record_of(anomaly.line)]
            by_template.setdefault(tid, []).append((-anomaly.score, anomaly.line))
        queues = [sorted(by_template.get(s.template_id, [])) for s in flagged]
        out: list[tuple[int, int]] = []
        depth = 0
        while any(depth < len(q) for q in queues):
            out.extend((depth, q[depth][1]) for q in queues if depth < len(q))
            depth += 1
        return out

    def _record_of(self, line: int) -> int:
        return bisect_left(self.analysis.columns.lines, line)

    def body(self, plan: _Plan) -> tuple[list[str], list[str]]:
        a = self.analysis
        out: list[str] = []
        rank = {s.template_id: i for i, s in enumerate(self.ranked())}
        shown = sorted(plan.entries.values(), key=lambda e: rank[e.signal.template_id])
        if shown:
            out.append("Templates, most important first ([id] levels ×count, line range, flags: template; <*> = variable):")
            out.extend(self.entry(e.signal, e.with_example) for e in shown)
        examples = {self.example_line(e.signal) for e in shown if e.with_example}
        quoted = sorted(line for line in plan.flagged_lines if line not in examples)
        if quoted:
            out.append("More flagged lines:")
            out.extend(self.quote(line) for line in quoted)
        omitted = self._omitted(plan)
        if omitted:
            out.append("Omitted: " + "; ".join(omitted) + ".")
        elif a.line_count:
            out.append("Omitted: only the raw lines of templates already shown.")
        return out, omitted

    def _omitted(self, plan: _Plan) -> list[str]:
        a = self.analysis
        notes: list[str] = []
        missing = [s for s in a.signals.values() if s.template_id not in plan.entries]
        if missing:
            notes.append(
                f"{len(missing):,} of {len(a.signals):,} templates not listed "
                f"({sum(s.count for s in missing):,} records)"
            )
        bare = sum(1 for e in plan.entries.values() if not e.with_example)
        if bare:
            notes.append(f"{bare:,} listed templates shown without an example line")
        quoted = len(plan.flagged_lines) + sum(
            1 for e in plan.entries.values() if e.with_example and e.signal.flagged
        )
        if len(a.anomalies) > quoted:
            notes.append(f"{len(a.anomalies) - quoted:,} of {len(a.anomalies):,} flagged lines not quoted")
        return notes


def _importance(signal: TemplateSignal) -> float:
    """Its best line score, raised by volume: sixty flagged lines outrank one at a similar score."""
    return signal.top_score + 0.3 * math.log10(max(signal.flagged, 1))


def _clock(seconds: float) -> str:
    return (_NAIVE_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")
