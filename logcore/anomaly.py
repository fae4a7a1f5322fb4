"""Which lines of a log deserve a human's (or a model's) attention, found without labels.

A line is flagged when it says something went wrong *and* that is unusual for this log:

    badness  = max(severity of its level, error words of its template)   (0..1)
               x 0.3 when the template is one field of a dump (`logcore.line_signals`)
    surprise = 0.4 + 0.6 x rarity + 0.15 if its template is new + 0.1 in a burst
               + 0.05 right after a silence
    score    = badness x surprise, flagged at >= FLAG_SCORE (0.63, see `logcore.anomaly_score`)

Rarity is the template's self-information, -log(share), reaching 1 at one line in a thousand;
"new" means the template first appears after the opening tenth of the log; a burst is a time
bucket (a hundredth of the log's span, at least a minute) holding ten times the template's
average rate; a silence is a gap ten times the average gap and at least a minute long.
Rarity, novelty, bursts and silences only *amplify* trouble: a rare INFO line is not flagged,
a FATAL line that repeats all day scores lower than a fresh one.

Wording is judged once per template, on its first message, not per line: a regex pass costs
about 10 µs, which would dominate a million-line digest. (The template text would not do: the
miner folds "alignment.....0" into one variable and the dump shape is lost.) Severities are per
line.

The records themselves are never stored: `logcore.record_scan` keeps compact per-record columns,
so a million-line log costs tens of MB here.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from logcore.anomaly_score import FLAG_SCORE, rarity, surprise
from logcore.formats import Record
from logcore.line_signals import SEVERITY, Wording, badness
from logcore.record_scan import CODE_LEVEL, Columns, scan
from logcore.templates import TemplateMiner

_WARMUP_SHARE = 0.1
_WARMUP_MIN = 20


@dataclass
class LineAnomaly:
    line: int  # 0-based index of the record's first line
    score: float
    reasons: list[str]


@dataclass
class TemplateSignal:
    """What the anomaly pass concluded about one template, for ranking it in a digest."""

    template_id: int
    count: int
    first_record: int  # index into the record columns of its first occurrence
    badness: float
    rarity: float
    new: bool
    burst_lines: int  # lines of this template that fell in a burst bucket
    flagged: int  # lines of this template that were flagged
    top_score: float  # highest line score
    top_line: int  # 0-based line of the highest-scoring (else first) occurrence
    onset_line: int | None  # 0-based line of the first flagged occurrence: where trouble began
    wording: Wording
    text: str  # the template, "<*>" marking variables
    first_line: int  # 0-based lines of its first and last occurrence
    last_line: int
    level_counts: dict[str, int]  # by level name, records without a level left out


@dataclass
class Silence:
    after_line: int  # 0-based line that ends the gap
    seconds: float


@dataclass
class Scoring:
    anomalies: list[LineAnomaly]
    signals: dict[int, TemplateSignal]
    silences: list[Silence]
    # The score of every record with any badness (the rest score 0), flagged or not, so a
    # threshold can be chosen on one log and judged on another (`bench/logcore.py`).
    scored_lines: array = field(default_factory=lambda: array("q"))  # 0-based lines
    scores: array = field(default_factory=lambda: array("d"))


@dataclass
class Analysis:
    """One pass over a log: its format, templates, per-record columns and anomalies."""

    format_name: str
    first_line: int  # 0-based index of lines[0] in the file
    line_count: int
    columns: Columns
    miner: TemplateMiner
    anomalies: list[LineAnomaly]
    signals: dict[int, TemplateSignal]
    silences: list[Silence]

    @property
    def level_counts(self) -> dict[str, int]:
        counts = Counter(self.columns.levels)
        return {CODE_LEVEL[code] or "none": n for code, n in sorted(counts.items(), key=lambda kv: -kv[0])}

    @property
    def time_span(self) -> tuple[float, float] | None:
        """(first, last) epoch seconds over the records that carry a timestamp."""
        known = [t for t in self.columns.times if t == t]
        return (min(known), max(known)) if known else None

    def line_templates(self) -> array:
        """The template id of every line, in order.

        A continuation line (a stack frame folded into the record above it) carries its
        record's template, so every line has exactly one id.
        """
        out = array("i", [0]) * self.line_count
        lines, templates = self.columns.lines, self.columns.templates
        for r in range(len(lines)):
            start = lines[r] - self.first_line
            stop = lines[r + 1] - self.first_line if r + 1 < len(lines) else self.line_count
            tid = templates[r]
            for i in range(max(start, 0), stop):
                out[i] = tid
        if lines and lines[0] > self.first_line:  # lines before the first record: its template
            for i in range(lines[0] - self.first_line):
                out[i] = templates[0]
        return out


def analyze(lines: Sequence[str], first_line: int = 0) -> Analysis:
    """Format, records, templates and anomalies of `lines` (0-based `first_line` in the file)."""
    result = scan(lines, first_line)
    scoring = score_columns(result.columns, result.miner)
    return Analysis(
        format_name=result.format_name,
        first_line=first_line,
        line_count=len(lines),
        columns=result.columns,
        miner=result.miner,
        anomalies=scoring.anomalies,
        signals=scoring.signals,
        silences=scoring.silences,
    )


def score_anomalies(records: Sequence[Record], assignments: Sequence[int],
                    miner: TemplateMiner) -> list[LineAnomaly]:
    """The flagged records, in file order; `assignments[i]` is the template id of `records[i]`."""
    columns = Columns()
    for record, template_id in zip(records, assignments, strict=True):
        columns.add(record.line, template_id, record.level, record.timestamp, record.message)
    return score_columns(columns, miner).anomalies


def score_columns(columns: Columns, miner: TemplateMiner, threshold: float = FLAG_SCORE) -> Scoring:
    """Score every record of `columns`, flag those at `threshold` or above, sum up each template."""
    n = len(columns.templates)
    if n == 0:
        return Scoring([], {}, [])
    signals = _template_signals(columns, miner)
    candidates = _candidates(columns)
    silences, after_silence = _silences(columns)
    bursts = _bursts(columns, candidates)
    anomalies: list[LineAnomaly] = []
    scored_lines, scores = array("q"), array("d")
    for i, line_badness in candidates:
        signal = signals[columns.templates[i]]
        in_burst = i in bursts
        signal.burst_lines += in_burst
        gap = after_silence.get(i)
        score = round(min(1.0, line_badness * surprise(signal.rarity, signal.new, in_burst, gap is not None)), 3)
        scored_lines.append(columns.lines[i])
        scores.append(score)
        if score > signal.top_score:
            signal.top_score, signal.top_line = score, columns.lines[i]
        if score >= threshold:
            if not signal.flagged:
                signal.onset_line = columns.lines[i]
            signal.flagged += 1
            anomalies.append(LineAnomaly(columns.lines[i], score, _reasons(columns, i, signal, n, in_burst, gap)))
    return Scoring(anomalies, signals, silences, scored_lines, scores)


def _template_signals(columns: Columns, miner: TemplateMiner) -> dict[int, TemplateSignal]:
    templates = columns.templates
    n = len(templates)
    counts = Counter(templates)
    last = {tid: i for i, tid in enumerate(templates)}
    first = {tid: i for i, tid in zip(range(n - 1, -1, -1), reversed(templates))}
    levels = Counter(zip(templates, columns.levels))
    warmup = max(_WARMUP_MIN, int(n * _WARMUP_SHARE))
    signals: dict[int, TemplateSignal] = {}
    for tid, count in counts.items():
        wording = columns.wordings[tid]
        signals[tid] = TemplateSignal(
            template_id=tid,
            count=count,
            first_record=first[tid],
            badness=badness(None, wording),
            rarity=rarity(count, n),
            new=first[tid] >= warmup and n > warmup,
            burst_lines=0,
            flagged=0,
            top_score=0.0,
            top_line=columns.lines[first[tid]],
            onset_line=None,
            wording=wording,
            text=miner.template(tid).text,
            first_line=columns.lines[first[tid]],
            last_line=columns.lines[last[tid]],
            level_counts={},
        )
    for (tid, code), k in levels.items():
        name = CODE_LEVEL[code]
        if name is not None:
            signals[tid].level_counts[name] = k
    return signals


def _candidates(columns: Columns) -> list[tuple[int, float]]:
    """(record index, badness) of every record with any badness; the rest cannot be flagged."""
    return [(i, columns.line_badness(columns.templates[i], columns.level(i))) for i in columns.suspects]


def _silences(columns: Columns) -> tuple[list[Silence], dict[int, float]]:
    """Gaps of at least a minute and ten times the average gap between timestamped records."""
    times = columns.times
    stamped = [(i, t) for i, t in enumerate(times) if t == t] if times else []
    if len(stamped) < 3:
        return [], {}
    span = stamped[-1][1] - stamped[0][1]
    threshold = max(60.0, 10.0 * span / max(stamped[-1][0] - stamped[0][0], 1))
    silences: list[Silence] = []
    after: dict[int, float] = {}
    for (_, previous), (i, t) in zip(stamped, stamped[1:]):
        if t - previous >= threshold:
            silences.append(Silence(after_line=columns.lines[i], seconds=t - previous))
            after[i] = t - previous
    return silences, after


def _bursts(columns: Columns, candidates: list[tuple[int, float]]) -> set[int]:
    """Candidate records in a time bucket holding 10x their template's average rate (and >= 5)."""
    times = columns.times
    stamped = [t for t in (times[0], times[-1]) if t == t]
    if len(stamped) < 2 or stamped[1] <= stamped[0]:
        return set()
    span = stamped[1] - stamped[0]
    bucket = max(60.0, span / 100)
    per_template: dict[int, list[int]] = {}
    for i, _ in candidates:
        per_template.setdefault(columns.templates[i], []).append(i)
    out: set[int] = set()
    for all_indexes in per_template.values():
        # The rate counts every line; only the timed ones can be placed (the scan skips the
        # timestamps of lines that cannot be flagged).
        expected = len(all_indexes) * bucket / span
        indexes = [i for i in all_indexes if times[i] == times[i]]
        buckets = Counter(int(times[i] // bucket) for i in indexes)
        busy = {b for b, c in buckets.items() if c >= 5 and c >= 10 * expected}
        out.update(i for i in indexes if int(times[i] // bucket) in busy)
    return out


def _reasons(columns: Columns, i: int, signal: TemplateSignal, n: int, in_burst: bool,
             gap: float | None) -> list[str]:
    reasons: list[str] = []
    level = columns.level(i)
    if level in SEVERITY:
        reasons.append(f"level {level}")
    if signal.wording.strong:
        reasons.append(f"error word '{signal.wording.strong}'")
    elif signal.wording.weak:
        reasons.append(f"warning word '{signal.wording.weak}'")
    if signal.rarity >= 0.5:
        reasons.append(f"rare template ({signal.count:,} of {n:,} records)")
    if signal.new:
        reasons.append(f"new template (first at line {signal.first_line + 1})")
    if in_burst:
        reasons.append("burst of this template")
    if gap is not None:
        reasons.append(f"after {format_duration(gap)} of silence")
    return reasons


def format_duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h{minutes % 60:02d}m"
    return f"{hours // 24}d{hours % 24:02d}h"
