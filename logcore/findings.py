"""The incident in a log and its likely cause, found without a model.

An anomaly ranking finds symptoms: the flood of errors. A cause is something else: usually an
event that came *before* the flood, is rare, reads like a change (a deploy, a job start, a
config reload, a failover), and names the same thing the errors then talk about. So:

1. the incident window is the densest burst of trouble (`logcore.incident_window`); its first
   trouble line is the onset;
2. the consequences are the trouble templates that surge inside the window; they are never
   ranked as causes (only the very first error of the cascade may be, as a weak candidate);
3. cause candidates are the lines of templates that are rare in the stretch before the onset
   (plus the first errors of the cascade), each scored on: change wording
   (`logcore.change_events`), novelty, rarity, nearness to the onset, names shared with the
   errors that follow (`logcore.entities`, weighted by how rare the name is in normal traffic),
   being trouble itself, and whether its activity stops when the trouble stops.

Everything works from the analysis columns; only the few hundred lines it looks at closely are
read back from `lines`, so a million-line log costs little more than its analysis.

Several files (`find_merged_incidents`) are read as one log in their merged order
(`logcore.merge_analysis`): each file keeps its own layout, templates and anomaly scores, the
incident window and the causes are found over all of them, and every line the findings name
carries its file and the file's own line (`b.log:412`). One file reads exactly as before.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from logcore.anomaly import Analysis, analyze, format_duration
from logcore.change_events import STRENGTH, change_kind
from logcore.entities import entities
from logcore.format_catalog import Fields
from logcore.formats import FORMATS
from logcore.incident_window import TROUBLE, Trouble, Window, background_templates, find_windows, refine_edges
from logcore.merge_analysis import MergedAnalysis, analyze_merged
from logcore.printable import printable
from logcore.record_scan import parse_view
from logcore.unknown_lines import unknown_fields

if TYPE_CHECKING:
    from logcore.merge import MergedText

_TEXT_CHARS = 300
_TEMPLATE_CHARS = 160
_LOOKBACK_RECORDS = 3000
_LOOKBACK_SECONDS = 1800.0
_LOCAL_RARE = 5  # a template seen more often than this before the onset is routine there
_MAX_CANDIDATES = 150  # candidates looked at closely (entities, change wording), by pre-score
_FOLLOWER_SAMPLE = 200  # trouble lines before the onset, and in the window, whose names are read
_BACKGROUND_SAMPLE = 200  # normal lines that tell a common name from a specific one
_COMMON_SHARE = 0.1  # a name in this share of normal lines says nothing about a cause
_CONTEXT_SHARE = 0.6  # a name in this share of the window's trouble lines is its context ...
_CONTEXT_WEIGHT = 0.3  # ... and links a cause this much
_ENRICHED = 2.0  # a subject is this many times commoner in the window's trouble than in the trouble before
_MIN_BEFORE = 2  # ... judged once there are this many trouble lines before the window
_MAX_CAUSES = 8
_MAX_CONSEQUENCES = 8
_PRECEDENT_FACTOR = 0.5  # score kept by an event that already happened harmlessly
_SEPARATE_RECORDS = 10  # occurrences this far apart (on average) are separate events, not one burst,
_SEPARATE_SECONDS = 60.0  # ... when they are also this far apart in time
_BUSY_SCAN = 5000  # records of the window scanned to tell whether a template ran during it
_LATE_FACTOR = 0.8  # score kept by a change logged after the first trouble line
_AFTER_ONSET_CREDIT = 0.5  # nearness and novelty granted to a first error of the cascade
_SAME_SCORE = 0.03  # lines of one template this close in score ...
_ALIKE_RUN = 5  # ... and this close together are one event written as several lines: its first stands
_END_ZONE = 150  # records after the last trouble line read for what stops with it
_RECORD_LINES = 6  # lines of a record (its head and folded continuation) read for names
_NAIVE_EPOCH = datetime(1970, 1, 1)
_RECOVERY = re.compile(
    r"\b(?:recover(?:ed|y)|resolved|restored|back to normal|healthy|ready again|reconnected|cleared"
    r"|succeeded|is (?:back )?up|ok)\b", re.IGNORECASE)

# Weights of the cause signals (each 0..1); the score is their weighted mean.
_W_CHANGE = 0.30
_W_NEW = 0.14
_W_RARE = 0.08
_W_NEAR = 0.14
_W_LINK = 0.26
_W_STOPS = 0.12
_W_TROUBLE = 0.10
_W_FIRST = 0.12
_W_ALL = _W_CHANGE + _W_NEW + _W_RARE + _W_NEAR + _W_LINK + _W_STOPS + _W_TROUBLE + _W_FIRST


# In findings over several files, `file` names the file a line is in (its short display name) and
# every line number is that file's own 1-based line; times are that file's own clock. Over one
# file `file` is None and left out of the JSON, which stays as it always was.

@dataclass(frozen=True)
class Cause:
    line: int  # 1-based line number in the file
    time: str | None  # ISO 8601, None when the line has no timestamp
    score: float  # 0..1, higher = more likely the cause
    why: list[str]
    text: str  # the line, printable and cut
    file: str | None = None


@dataclass(frozen=True)
class Onset:
    line: int
    time: str | None
    peak_line: int
    peak_time: str | None
    end_line: int | None  # last trouble line, or the recovery line
    recovered: bool
    file: str | None = None  # file of `line`; the peak and the end may be in other files
    peak_file: str | None = None
    end_file: str | None = None


@dataclass(frozen=True)
class Consequence:
    template: str  # "<*>" marks variables
    count: int
    first_line: int  # 1-based
    last_line: int
    example: str
    components: list[str]
    file: str | None = None  # one template is one file's


@dataclass(frozen=True)
class TimelineEvent:
    line: int
    time: str | None
    what: str
    file: str | None = None


@dataclass(frozen=True)
class FileSpan:
    """One file of findings over several: its display name and the lines of it analysed."""

    name: str
    first_line: int
    last_line: int


@dataclass
class Findings:
    source: str
    first_line: int  # 1-based range analysed
    last_line: int
    incident: bool
    onset: Onset | None
    causes: list[Cause] = field(default_factory=list)
    consequences: list[Consequence] = field(default_factory=list)
    timeline: list[TimelineEvent] = field(default_factory=list)
    files: list[FileSpan] = field(default_factory=list)  # several files: each one's name and lines
    alignments: list[str] = field(default_factory=list)  # how the files were put on one clock

    def to_json(self) -> dict:
        out = {
            "source": self.source,
            "lines": [self.first_line, self.last_line],
            "incident": self.incident,
            "onset": None if self.onset is None else _plain(self.onset),
            "causes": [_plain(c) for c in self.causes],
            "consequences": [_plain(c) for c in self.consequences],
            "timeline": [_plain(e) for e in self.timeline],
        }
        if self.files:
            out["files"] = [{"name": f.name, "lines": [f.first_line, f.last_line]} for f in self.files]
            out["alignments"] = list(self.alignments)
        return out

    def render_text(self) -> str:
        """The findings for people, plain text."""
        out = [f"Findings for {self.source or 'the log'} ({self._span()})"]
        out += [f"Aligned: {text}" for text in self.alignments]
        if not self.incident or self.onset is None:
            out.append("No incident found: no unusual burst of trouble, so no cause is ranked.")
            return "\n".join(out)
        out.append(f"Incident: {_onset_summary(self.onset)}")
        out.append("")
        out.append("Likely causes, best first:")
        for rank, cause in enumerate(self.causes, 1):
            out.append(f"  {rank}. {_place(cause.file, cause.line)}{_at(cause.time)}  score {cause.score:.2f}")
            out.append(f"     {cause.text}")
            out.append(f"     why: {'; '.join(cause.why)}")
        if not self.causes:
            out.append("  (none stands out)")
        out.append("")
        out.append("Consequences (what surged after the onset):")
        for c in self.consequences:
            affected = f"  affected: {', '.join(c.components)}" if c.components else ""
            out.append(f"  {c.count:,}x {_places(c.file, c.first_line, c.last_line)}: {c.template}{affected}")
            out.append(f"     e.g. {c.example}")
        out.append("")
        out.append("Timeline:")
        for event in self.timeline:
            out.append(f"  {_place(event.file, event.line)}{_at(event.time)}: {event.what}")
        return "\n".join(out)

    def _span(self) -> str:
        if not self.files:
            return f"lines {self.first_line}-{self.last_line}"
        return ", ".join(f"{f.name} lines {f.first_line}-{f.last_line}" for f in self.files)

    def brief(self, max_causes: int = 3) -> str:
        """Compact plain text for the model prompt: data only, one stable layout."""
        out = [f"Findings ({self._span()}, computed without a model):"]
        if not self.incident or self.onset is None:
            out.append("No incident found: no unusual burst of trouble.")
            return "\n".join(out)
        out.append(f"Incident: {_onset_summary(self.onset)}")
        out.append("Likely causes, best first:")
        for rank, cause in enumerate(self.causes[:max_causes], 1):
            out.append(f"{rank}. {_place(cause.file, cause.line)}{_at(cause.time)}: {cause.text} — {'; '.join(cause.why)}")
        out.append("Consequences:")
        for c in self.consequences[:5]:
            affected = f" [{', '.join(c.components)}]" if c.components else ""
            out.append(f"- {c.count:,}x {_places(c.file, c.first_line, c.last_line)}: {c.template}{affected}")
        return "\n".join(out)


def find_incidents(lines: Sequence[str], *, first_line: int = 1, source: str = "",
                   analysis: Analysis | None = None) -> Findings:
    """The incident in `lines` (the file's lines from 1-based `first_line` on) and its ranked causes."""
    if analysis is None:
        analysis = analyze(lines, first_line=first_line - 1)
    return _find(_Log(analysis, lines), Findings(source, first_line, first_line + len(lines) - 1, False, None))


def find_merged_incidents(merged: MergedText) -> Findings:
    """The incident across the files of `merged` (`logcore.merge.merge_texts`) and its ranked
    causes; each line named carries its file. One source reads as `find_incidents` of that file."""
    names = [source.name for source in merged.sources]
    if len(names) == 1:
        return find_incidents(list(merged.lines), first_line=merged.first_line(0) + 1, source=names[0])
    analysis = analyze_merged(merged)
    files = [FileSpan(name, first, last) for name, first, last in merged.spans()]  # the files' own lines
    empty = Findings(" + ".join(names), 1, len(merged.lines), False, None, files=files,
                     alignments=[a.text for a in merged.alignments])
    return _find(_Log(analysis, merged.lines), empty)


def _find(log: _Log, empty: Findings) -> Findings:
    windows = find_windows(log.trouble, log.records)
    if not windows:
        return empty
    noise = background_templates(windows[0], log.trouble, log.columns.templates)
    window = refine_edges(windows[0], log.trouble, log.columns.templates, noise)
    consequences, flood = _consequences(log, window)
    onset, end = _onset(log, window)
    causes = _rank_causes(log, window, windows, flood, noise)
    timeline = _timeline(log, window, windows, onset, end, causes, consequences)
    empty.incident, empty.onset = True, onset
    empty.causes = [c for c, _ in causes]
    empty.consequences = [c for c, _ in consequences]
    empty.timeline = timeline
    return empty


class _Log:
    """The analysis plus the few things findings read back from the lines, cached."""

    def __init__(self, analysis: Analysis, lines: Sequence[str]) -> None:
        self.analysis = analysis
        self.columns = analysis.columns
        self.lines = lines
        self.records = len(self.columns.templates)
        self.badness = Trouble(self.columns, self.raw)
        self.trouble = self.badness.records()
        self.merged = analysis if isinstance(analysis, MergedAnalysis) else None
        formats = [analysis.format_name] if self.merged is None else self.merged.formats
        self._parsers = [_field_parser(name) for name in formats]
        self._fields: dict[int, Fields] = {}
        self._times: dict[int, float] = {}
        self._names: dict[int, set[str]] = {}
        times = [t for t in (self.columns.times[0], self.columns.times[-1]) if t == t] if self.records else []
        span = times[-1] - times[0] if len(times) == 2 else 0.0
        self.mean_gap = span / max(self.records - 1, 1)

    def site(self, i: int) -> tuple[str | None, int]:
        """(file, 1-based line in that file) of record i; file None over one file."""
        return self.site_of_row(self.columns.lines[i])

    def site_of_row(self, row: int) -> tuple[str | None, int]:
        """(file, 1-based file line) of a 0-based line of the text analysed."""
        if self.merged is None:
            return None, row + 1
        return self.merged.where(row)

    def at_row(self, row: int) -> str:
        """A 0-based line of the text as the findings write it: "line 412" or "b.log:412"."""
        file, line = self.site_of_row(row)
        return _place(file, line)

    def raw(self, i: int) -> str:
        return self.lines[self.columns.lines[i] - self.analysis.first_line]

    def text(self, i: int) -> str:
        return printable(self.raw(i), _TEXT_CHARS)

    def time(self, i: int) -> float:
        """Epoch seconds of record i (NaN when it has none), parsed on demand."""
        t = self.columns.times[i]
        if t == t:
            return t
        cached = self._times.get(i)
        if cached is None:
            stamp = self.fields(i).timestamp
            if stamp is not None:
                stamp = stamp.replace(tzinfo=None)
            shift = 0.0 if self.merged is None else self.merged.offset(i)
            cached = self._times[i] = math.nan if stamp is None else (stamp - _NAIVE_EPOCH).total_seconds() + shift
        return cached

    def iso(self, i: int) -> str | None:
        """Record i's time as its own file's clock prints it (over several files the columns carry
        the merge's shared clock, which is for comparing)."""
        t = self.time(i)
        if t != t:
            return None
        if self.merged is not None:
            t -= self.merged.offset(i)
        stamp = _NAIVE_EPOCH + timedelta(seconds=t)
        return stamp.isoformat(timespec="milliseconds" if stamp.microsecond else "seconds")

    def fields(self, i: int) -> Fields:
        """Record i's line parsed by the log's layout: its timestamp, level, component, message."""
        cached = self._fields.get(i)
        if cached is None:
            parse = self._parsers[0 if self.merged is None else self.merged.record_source[i]]
            cached = self._fields[i] = parse(self.raw(i))
        return cached

    def message(self, i: int) -> str:
        return self.fields(i).message

    def names(self, i: int) -> set[str]:
        """The names record i mentions in its component, message and folded continuation lines
        (not in the line's header: a timestamp or host is shared by every line)."""
        cached = self._names.get(i)
        if cached is None:
            fields = self.fields(i)
            start = self.columns.lines[i] - self.analysis.first_line
            stop = self.columns.lines[i + 1] - self.analysis.first_line if i + 1 < self.records else len(self.lines)
            parts = [fields.component or "", fields.message, *self.lines[start + 1:min(stop, start + _RECORD_LINES)]]
            cached = self._names[i] = entities("\n".join(parts))
        return cached

    def seconds_between(self, a: int, b: int) -> float | None:
        ta, tb = self.time(a), self.time(b)
        return tb - ta if ta == ta and tb == tb else None


def _field_parser(format_name: str) -> Callable[[str], Fields]:
    """The log's own layout parser, for the few lines findings read closely."""
    matcher = next((f.matcher for f in FORMATS if f.name == format_name and f.matcher is not None), None)

    def parse(line: str) -> Fields:
        view = parse_view(line)
        fields = matcher(view) if matcher is not None else None
        return fields or unknown_fields(view) or Fields(None, None, None, line)

    return parse


# --- the window: onset, peak, end ---------------------------------------------------------------

def _onset(log: _Log, window: Window) -> tuple[Onset, int]:
    """The onset, and the record that ends the incident (the recovery line, or the last trouble)."""
    recovery = _recovery_record(log, window)
    recovered = recovery is not None or _quiet_after(log, window)
    end = recovery if recovery is not None else window.end
    (file, line), (peak_file, peak), (end_file, end_line) = log.site(window.start), log.site(window.peak), log.site(end)
    return Onset(line, log.iso(window.start), peak, log.iso(window.peak), end_line, recovered,
                 file, peak_file, end_file), end


def _quiet_after(log: _Log, window: Window) -> bool:
    """Whether the log goes on long enough after the last trouble line, at its background rate."""
    after = log.records - 1 - window.end
    if after < max(5, window.length // 10):
        return False
    later = len(log.trouble) - bisect_right(log.trouble, window.end)
    return later / after <= max(3 * window.background, 0.05)


def _recovery_record(log: _Log, window: Window) -> int | None:
    """A record soon after the last trouble line that says things are fine again."""
    stop = min(log.records, window.end + 1 + max(20, window.length // 4))
    for i in range(window.end + 1, stop):
        if log.badness(i) < TROUBLE and _RECOVERY.search(log.raw(i)[:_TEXT_CHARS]):
            return i
    return None


# --- consequences --------------------------------------------------------------------------------

def _consequences(log: _Log, window: Window) -> tuple[list[tuple[Consequence, int]], dict[int, float]]:
    """Trouble templates that surge inside the window, biggest first, each with its first record,
    and each template's share of the window's trouble (the flood, never ranked as a cause)."""
    lo = bisect_right(log.trouble, window.start - 1)
    hi = bisect_right(log.trouble, window.end)
    inside = log.trouble[lo:hi]
    templates = log.columns.templates
    counts = Counter(templates[i] for i in inside)
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    for i in inside:
        tid = templates[i]
        first.setdefault(tid, i)
        last[tid] = i
        bucket = members.setdefault(tid, [])
        if len(bucket) < 30:
            bucket.append(i)
    signals = log.analysis.signals
    flood: dict[int, float] = {}
    out: list[tuple[Consequence, int]] = []
    for tid, count in counts.most_common():
        total = signals[tid].count
        if count < 2 or count < 0.5 * total:
            continue
        flood[tid] = count / len(inside)
        if len(out) < _MAX_CONSEQUENCES:
            file, first_line = log.site(first[tid])
            consequence = Consequence(
                template=printable(signals[tid].text, _TEMPLATE_CHARS),
                count=count,
                first_line=first_line,
                last_line=log.site(last[tid])[1],
                example=log.text(first[tid]),
                components=_components(log, members[tid]),
                file=file,
            )
            out.append((consequence, first[tid]))
    return out, flood


def _components(log: _Log, records: list[int]) -> list[str]:
    """The names most of a template's lines mention: what the errors are about."""
    counts = Counter(name for i in records for name in log.names(i))
    need = max(2, math.ceil(0.3 * len(records)))
    common = [name for name, k in counts.most_common() if k >= need]
    kept: list[str] = []
    for name in common:  # "order-export-3" adds nothing next to "order-export"
        if not any(name != other and (name.startswith(other) or other.startswith(name)) for other in kept):
            kept.append(name)
        if len(kept) == 4:
            break
    return [printable(name, 80) for name in kept]


# --- causes --------------------------------------------------------------------------------------

@dataclass
class _Candidate:
    record: int
    template: int
    prescore: float
    after_onset: bool = False
    score: float = 0.0
    why: list[str] = field(default_factory=list)
    similar: list[int] = field(default_factory=list)


def _rank_causes(log: _Log, window: Window, windows: list[Window], flood: dict[int, float],
                 noise: set[int]) -> list[tuple[Cause, int]]:
    start = _lookback_start(log, window, windows)
    candidates = _candidates(log, window, start, flood)
    if not candidates:
        return []
    context = _Evidence(log, window, start, flood)
    context.noise = noise
    for candidate in candidates:
        if not candidate.after_onset:
            first, last, count = context.before.get(candidate.template, (candidate.record, candidate.record, 0))
            context.before[candidate.template] = (min(first, candidate.record), max(last, candidate.record), count + 1)
    for candidate in candidates:
        _score(log, window, context, candidate, flood)
    best: dict[int, _Candidate] = {}
    for candidate in sorted(candidates, key=lambda c: (-c.score, c.record)):
        kept = best.get(candidate.template)
        if kept is None:
            best[candidate.template] = candidate
        elif 0 < kept.record - candidate.record <= _ALIKE_RUN and candidate.score >= kept.score - _SAME_SCORE:
            # lines of one template scoring alike: the first says when it began
            candidate.similar, kept.similar = kept.similar + [kept.record], []
            best[candidate.template] = candidate
        else:
            kept.similar.append(candidate.record)
    ranked = sorted(best.values(), key=lambda c: (-c.score, c.record))[:_MAX_CAUSES]
    return [(_cause(log, c), c.record) for c in ranked if c.score > 0.0]


def _lookback_start(log: _Log, window: Window, windows: list[Window]) -> int:
    """Where the search for causes begins: a while before the onset, after any earlier window."""
    start = max(0, window.start - _LOOKBACK_RECORDS)
    for other in windows:
        if other.end < window.start:
            start = max(start, other.end + 1)
    onset_time = log.time(window.start)
    if onset_time == onset_time:
        for i in range(window.start - 1, start - 1, -1):
            t = log.columns.times[i]
            if t == t and onset_time - t > _LOOKBACK_SECONDS:
                return i + 1
    return start


def _candidates(log: _Log, window: Window, start: int, flood: dict[int, float]) -> list[_Candidate]:
    """Records of locally rare templates before the onset, and the first errors of the cascade."""
    templates = log.columns.templates
    local = Counter(templates[start:window.start])
    out: list[_Candidate] = []
    for i in range(start, window.start):
        tid = templates[i]
        if local[tid] > _LOCAL_RARE and log.badness(i) < TROUBLE:
            continue
        if local[tid] > 4 * _LOCAL_RARE:
            continue
        out.append(_Candidate(i, tid, _prescore(log, window, i)))
    early_stop = window.start + max(5, min(50, window.length // 10))
    lo = bisect_right(log.trouble, window.start - 1)
    seen: set[int] = set()
    for i in log.trouble[lo:]:
        if i >= early_stop:
            break
        tid = templates[i]
        if tid in seen or local[tid] > 0 or (tid in flood and i != window.start):
            continue
        seen.add(tid)
        out.append(_Candidate(i, tid, _prescore(log, window, i), after_onset=True))
    # A change logged just after the first trouble line (a slow request may lead the flood by
    # chance, or the writer logged the change late) is a candidate too, judged like one before.
    early = Counter(templates[window.start:early_stop])
    for i in range(window.start, min(early_stop, log.records)):
        tid = templates[i]
        if local[tid] == 0 and early[tid] <= 2 and log.badness(i) < TROUBLE and change_kind(log.message(i)):
            out.append(_Candidate(i, tid, _prescore(log, window, i)))
    out.sort(key=lambda c: -c.prescore)
    return out[:_MAX_CANDIDATES]


def _prescore(log: _Log, window: Window, i: int) -> float:
    """The cheap part of the score, to choose which candidates deserve a close look."""
    signal = log.analysis.signals[log.columns.templates[i]]
    return (_W_NEW * _nearness(log, signal.first_record, window.start) + _W_RARE * signal.rarity
            + _W_NEAR * _nearness(log, i, window.start) + _W_TROUBLE * min(1.0, log.badness(i)))


def _nearness(log: _Log, i: int, onset: int) -> float:
    """1 at the onset, 1/2 a 'short while' before it (a minute or so, or 30 records: whichever
    says nearer). Time that runs backwards (a clock step) leaves only the records to go by."""
    by_records = 1.0 / (1.0 + abs(onset - i) / 30.0)
    seconds = log.seconds_between(i, onset)
    if seconds is None or (seconds < 0) != (onset < i):
        return by_records
    scale = max(60.0, 30.0 * log.mean_gap)
    return max(by_records, 1.0 / (1.0 + abs(seconds) / scale))


class _Evidence:
    """Names of the trouble before and after the onset, of normal traffic, and of the end."""

    def __init__(self, log: _Log, window: Window, start: int, flood: dict[int, float]) -> None:
        self.start = start
        self.noise: set[int] = set()  # trouble templates of everyday noise
        self.before: dict[int, tuple[int, int, int]] = {}  # template -> first, last record, count before onset
        lo = bisect_right(log.trouble, window.start - 1)
        hi = bisect_right(log.trouble, window.end)
        inside = _spread(log.trouble[lo:hi], _FOLLOWER_SAMPLE)
        before = _spread(log.trouble[:lo], _FOLLOWER_SAMPLE)
        troubled = before + inside
        self.window_sampled = len(inside)
        self.window_mentions = Counter(name for i in inside for name in log.names(i))
        self.before_sampled = len(before)
        self.before_mentions = Counter(name for i in before for name in log.names(i))
        self.trouble_names: dict[str, list[int]] = {}
        for i in troubled:
            for name in log.names(i):
                self.trouble_names.setdefault(name, []).append(i)
        templates = log.columns.templates
        local = Counter(templates[start:window.start])
        normal = [i for i in _spread(range(window.start), 4 * _BACKGROUND_SAMPLE)
                  if local[templates[i]] > _LOCAL_RARE and log.badness(i) < TROUBLE][:_BACKGROUND_SAMPLE]
        if len(normal) < 20:  # a short log: every non-trouble line outside the window is normal traffic
            normal = [i for i in range(log.records) if not window.start <= i <= window.end
                      and log.badness(i) < TROUBLE][:_BACKGROUND_SAMPLE]
        self.normal_count = max(len(normal), 1)
        self.normal_names = Counter(name for i in normal for name in log.names(i))
        self.end_names: set[str] = set()
        self.end_zone = (window.end, window.end)
        if _quiet_after(log, window) or _recovery_record(log, window) is not None:
            zone_start = max(window.start, window.end - max(3, window.length // 10))
            zone_stop = min(log.records, window.end + 1 + max(10, window.length // 5), window.end + _END_ZONE)
            self.end_zone = (zone_start, zone_stop)
            for i in range(zone_start, zone_stop):
                if templates[i] not in flood:
                    self.end_names |= log.names(i)

    def subject_weight(self, name: str) -> float:
        """1 for a name some of the window's trouble is about; less for one nearly all of it
        carries (a server, host or service name every error line repeats: context, not subject);
        0 for one the everyday trouble before the window mentions as often (a 404's path)."""
        share = self.window_mentions.get(name, 0) / max(self.window_sampled, 1)
        if self.before_sampled >= _MIN_BEFORE:  # trouble before the window: the name must stand out now
            share_before = self.before_mentions.get(name, 0) / self.before_sampled
            if share <= _ENRICHED * share_before:
                return 0.0
        return _CONTEXT_WEIGHT if share >= _CONTEXT_SHARE else 1.0

    def specificity(self, name: str) -> float:
        """1 for a name normal traffic never mentions, 0 for one in a tenth of it or more."""
        return max(0.0, 1.0 - self.normal_names.get(name, 0) / self.normal_count / _COMMON_SHARE)


def _spread(items: Sequence[int], limit: int) -> list[int]:
    if len(items) <= limit:
        return list(items)
    step = len(items) / limit
    return [items[int(k * step)] for k in range(limit)]


def _score(log: _Log, window: Window, evidence: _Evidence, c: _Candidate, flood: dict[int, float]) -> None:
    signal = log.analysis.signals[c.template]
    consequence = c.template in flood  # the first line of the flood: only its earliness counts
    why: list[str] = []
    kind = None if consequence else change_kind(log.message(c.record))
    change = STRENGTH[kind] if kind else 0.0
    # The first errors of the cascade are near and new by construction; only their earliness counts.
    near = _AFTER_ONSET_CREDIT if c.after_onset else _nearness(log, c.record, window.start)
    gap = _gap_text(log, c.record, window.start)
    if kind:
        why.append(f"change event ({kind}) {gap}")
    elif not c.after_onset:
        why.append(gap)
    first_seen = signal.first_record
    new = _nearness(log, first_seen, window.start) if first_seen >= evidence.start else 0.0
    if c.after_onset:
        new = min(new, _AFTER_ONSET_CREDIT)
    if new >= 0.3:
        why.append(f"new template (first seen at {log.at_row(signal.first_line)})")
    if signal.count <= 3:
        why.append(f"rare: {signal.count} of {log.records:,} records")
    link, link_why = (0.0, "") if consequence else _link(log, evidence, c)
    if link_why:
        why.append(link_why)
    stops, stops_why = _stops(log, window, evidence, c)
    if stops_why:
        why.append(stops_why)
    bad = log.badness(c.record)
    trouble = min(1.0, bad) if bad >= TROUBLE else 0.0
    if trouble and not c.after_onset:
        why.append("trouble before the onset")
    first = 0.0
    if c.after_onset:
        first = (1.0 if c.record == window.start else 0.6) * (1.0 - flood.get(c.template, 0.0))
        why.append("first error of the cascade" if c.record == window.start else "early error of the cascade")
    score = (_W_CHANGE * change + _W_NEW * new + _W_RARE * signal.rarity + _W_NEAR * near + _W_LINK * link
             + _W_STOPS * stops + _W_TROUBLE * trouble + _W_FIRST * first) / _W_ALL
    if c.record > window.start and not c.after_onset:
        score *= _LATE_FACTOR
    before = evidence.before.get(c.template)
    if c.template in evidence.noise:
        score *= _PRECEDENT_FACTOR
        why.append("everyday noise: as frequent outside the incident")
    elif before is not None and _recurring(log, window, *before):
        score *= _PRECEDENT_FACTOR
        why.append(f"recurs before the onset without trouble following (first at {log.at_row(log.columns.lines[before[0]])})")
    c.score = round(score, 3)
    c.why = why


def _recurring(log: _Log, window: Window, first: int, last: int, count: int) -> bool:
    """Whether an event recurred as separate occurrences before the onset without the last one
    standing out by nearness (it came no sooner than half its usual spacing before the onset):
    an error that recurs harmlessly (a retried call, a 404) is background, not the cause.
    Occurrences seconds apart are one episode, not a precedent."""
    if count < 2:
        return False
    spacing = (last - first) / (count - 1)
    seconds = log.seconds_between(first, last)
    if seconds is not None and seconds / (count - 1) < _SEPARATE_SECONDS:
        return False
    return spacing >= _SEPARATE_RECORDS and window.start - last >= spacing / 2


def _link(log: _Log, evidence: _Evidence, c: _Candidate) -> tuple[float, str]:
    """How strongly the candidate's names recur in the trouble after it (and not before it)."""
    best, best_name, best_count = 0.0, "", 0
    templates = log.columns.templates
    for name in log.names(c.record):
        spec = evidence.specificity(name)
        if spec <= 0.0:
            continue
        mentions = [i for i in evidence.trouble_names.get(name, ()) if templates[i] != c.template]
        if any(i < c.record for i in mentions):  # errors named it before this line: not its doing
            continue
        later = len(mentions)
        if not later:
            continue
        value = spec * min(1.0, later / 3.0) * evidence.subject_weight(name)
        if value <= 0.0:
            continue
        if value > best or (value == best and len(name) < len(best_name)):
            best, best_name, best_count = value, name, later
    if not best_name:
        return 0.0, ""
    plural = "s" if best_count != 1 else ""
    return best, f"shares '{best_name}' with {best_count} later trouble line{plural}"


def _stops(log: _Log, window: Window, evidence: _Evidence, c: _Candidate) -> tuple[float, str]:
    """Whether the candidate's activity (its own lines, or its names) ends as the trouble ends."""
    if c.after_onset or evidence.end_zone[0] == evidence.end_zone[1]:
        return 0.0, ""
    lo, hi = evidence.end_zone
    signal = log.analysis.signals[c.template]
    last = _record_at_line(log, signal.last_line)
    if lo <= last < hi and _busy_during(log, window, c.template):
        return 1.0, "its lines stop when the trouble stops"
    for name in sorted(log.names(c.record), key=len):  # named in the trouble, and again at its end
        if name in evidence.end_names and name in evidence.trouble_names and evidence.specificity(name) >= 0.5 \
                and evidence.subject_weight(name) == 1.0:
            return 1.0, f"'{name}' is named again as the trouble ends"
    return 0.0, ""


def _busy_during(log: _Log, window: Window, template: int) -> bool:
    """Whether a template runs during the window at twice its rate before it, at least twice."""
    templates = log.columns.templates
    stop = min(window.end + 1, window.start + _BUSY_SCAN)
    inside = sum(1 for i in range(window.start, stop) if templates[i] == template)
    before = log.analysis.signals[template].count - inside  # an upper bound: later lines count too
    return inside >= 2 and inside / max(stop - window.start, 1) > 2 * before / max(window.start, 1)


def _record_at_line(log: _Log, line: int) -> int:
    return max(0, bisect_right(log.columns.lines, line) - 1)


def _gap_text(log: _Log, i: int, onset: int) -> str:
    seconds = log.seconds_between(i, onset)
    if seconds is not None:
        return f"{format_duration(abs(seconds))} before onset" if seconds >= 0 else \
            f"{format_duration(-seconds)} after onset"
    records = onset - i
    return f"{records} records before onset" if records >= 0 else f"{-records} records after onset"


def _cause(log: _Log, c: _Candidate) -> Cause:
    why = list(c.why)
    file, line = log.site(c.record)
    if c.similar:  # one template: one file
        lines = sorted(log.site(i)[1] for i in c.similar)
        why.append(f"{len(lines)} similar line{'s' if len(lines) > 1 else ''}: {_line_list(lines, file)}")
    # Reasons quote names taken from the log: they are log text too.
    why = [printable(reason, _TEXT_CHARS) for reason in why]
    return Cause(line, log.iso(c.record), c.score, why, log.text(c.record), file)


def _line_list(lines: list[int], file: str | None = None) -> str:
    head = "lines" if file is None else f"{file} lines"
    if len(lines) > 1 and lines[-1] - lines[0] == len(lines) - 1:
        return f"{head} {lines[0]}-{lines[-1]}"
    shown = ", ".join(str(n) for n in lines[:5])
    return f"{head} {shown}" + (", ..." if len(lines) > 5 else "")


# --- timeline ------------------------------------------------------------------------------------

def _timeline(log: _Log, window: Window, windows: list[Window], onset: Onset, end: int,
              causes: list[tuple[Cause, int]], consequences: list[tuple[Consequence, int]]) -> list[TimelineEvent]:
    events: dict[int, str] = {}  # by record, so the events of several files keep the merged order
    for rank, (cause, record) in enumerate(causes[:2], 1):
        events[record] = f"likely cause #{rank}: {cause.why[0] if cause.why else 'candidate'}"
    events.setdefault(window.start, f"onset: first of {window.trouble:,} trouble lines in a burst")
    for consequence, first in consequences[:3]:
        events.setdefault(first, f"{consequence.count:,}x {_short(consequence.template)} begins")
    events.setdefault(window.peak, "peak of the trouble")
    events.setdefault(window.end, "last trouble line of the burst")
    if end != window.end:
        events.setdefault(end, "recovery: " + _short(log.text(end)))
    elif onset.recovered:
        events[window.end] += "; the log goes on without it"
    for other in windows[1:]:
        events.setdefault(other.start, f"another burst of trouble ({other.trouble:,} lines)")
    out = []
    for record, what in sorted(events.items()):
        file, line = log.site(record)
        out.append(TimelineEvent(line, log.iso(record), what, file))
    return out


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _at(time: str | None) -> str:
    return f" ({time})" if time else ""


def _onset_summary(onset: Onset) -> str:
    end = ""
    if onset.end_line is not None:
        end = f", {'recovered by' if onset.recovered else 'still going at'} {_place(onset.end_file, onset.end_line)}"
    return (f"onset {_place(onset.file, onset.line)}{_at(onset.time)}, "
            f"peak {_place(onset.peak_file, onset.peak_line)}{_at(onset.peak_time)}{end}")


def _place(file: str | None, line: int) -> str:
    """A line as findings write it: "line 412" in one file, "b.log:412" across several."""
    return f"line {line}" if file is None else f"{file}:{line}"


def _places(file: str | None, first: int, last: int) -> str:
    return f"lines {first}-{last}" if file is None else f"{file}:{first}-{last}"


def _plain(item: object) -> dict:
    """A finding as JSON: the file keys only where a file is named (one file's JSON is unchanged)."""
    out = vars(item).copy()
    for key in ("file", "peak_file", "end_file"):
        if out.get(key, "") is None:
            del out[key]
    return out
