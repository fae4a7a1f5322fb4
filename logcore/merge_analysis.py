"""One analysis over several merged logs, built from each file's own analysis.

Analysing the merged text as one log would be wrong twice: format detection picks one layout,
so the other files' lines are read as continuations or as unknown text, and every template's
rarity and novelty would be judged against traffic of other programs. So each file is analysed
alone (its own layout, templates, anomaly scores), then the per-record columns are interleaved
in the merged order: a record's line index becomes its merged row, template ids of file k are
shifted past those of the files before it, and signals keep their per-file judgement. Findings
and the digest then read the merged analysis like a single log's and map rows back to
`b.log:412` through `MergedText.origin`.

Times: each file's parser reads its own wall clock (no zone, an assumed year). The merge put the
files on one clock and says by how much it moved each (`MergedText.shifts`). A MergedText built
without them has its offsets read from its order instead: where a file's timed records fall
between the timed records of the files already placed, rounded to a quarter hour (zones and
years differ by whole quarter hours). Columns carry the shared clock, so nearness across files
is right; `offset(record)` gives the file's own clock back for display.
"""

from __future__ import annotations

import heapq
import math
import statistics
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from logcore.anomaly import Analysis, LineAnomaly, Silence, TemplateSignal, analyze
from logcore.record_scan import Columns

if TYPE_CHECKING:
    from logcore.merge import MergedText

_QUARTER_HOUR = 900.0


@dataclass
class MergedAnalysis(Analysis):
    """An Analysis whose record lines are 0-based merged rows, plus where each record came from."""

    names: list[str] = field(default_factory=list)  # display name per source
    formats: list[str] = field(default_factory=list)  # layout per source
    record_source: array = field(default_factory=lambda: array("i"))  # per record: source index
    offsets: list[float] = field(default_factory=list)  # per source: seconds added to its clock
    origin: Sequence[tuple[int, int]] = ()  # per merged row: (source, 0-based file line)

    def offset(self, record: int) -> float:
        return self.offsets[self.record_source[record]]

    def where(self, row: int) -> tuple[str, int]:
        """(file name, 1-based line in that file) of a 0-based merged row: `origin` names the
        file's real lines, also when the merged text starts part way into it."""
        source, line = self.origin[row]
        return self.names[source], line + 1

    def label(self, row: int) -> str:
        name, line = self.where(row)
        return f"{name}:{line}"


def analyze_merged(merged: MergedText) -> MergedAnalysis:
    """The merged analysis of `merged` (see the module docstring)."""
    per_file = [analyze(lines) for lines in merged.file_texts()]  # each file from its `first_line`
    rows = _row_maps(merged)
    bases, base = [], 0
    for analysis in per_file:
        bases.append(base)
        base += max(analysis.signals, default=-1) + 1
    # Records of all files in merged order: (merged row, source, record index in its file).
    order = sorted((rows[s][a.columns.lines[r]], s, r) for s, a in enumerate(per_file)
                   for r in range(len(a.columns.lines)))
    columns = Columns()
    record_source = array("i")
    position: list[dict[int, int]] = [{} for _ in per_file]  # per file: record -> merged record
    for k, (row, s, r) in enumerate(order):
        src = per_file[s].columns
        columns.lines.append(row)
        columns.templates.append(src.templates[r] + bases[s])
        columns.levels.append(src.levels[r])
        columns.times.append(src.times[r])
        record_source.append(s)
        position[s][r] = k
    for s, analysis in enumerate(per_file):
        src, shift = analysis.columns, bases[s]
        columns.examples.update({tid + shift: text for tid, text in src.examples.items()})
        columns.wordings.update({tid + shift: w for tid, w in src.wordings.items()})
        columns.badness_by_key.update({(tid + shift, level): v for (tid, level), v in src.badness_by_key.items()})
    columns.suspects.extend(sorted(position[s][r] for s, a in enumerate(per_file) for r in a.columns.suspects))
    shifts = list(merged.shifts)
    offsets = shifts if len(shifts) == len(per_file) else _offsets(columns, record_source, len(per_file))
    for k in range(len(columns.times)):
        columns.times[k] += offsets[record_source[k]]
    signals: dict[int, TemplateSignal] = {}
    anomalies: list[LineAnomaly] = []
    silences: list[Silence] = []
    for s, analysis in enumerate(per_file):
        row = rows[s]
        for tid, sig in analysis.signals.items():
            signals[tid + bases[s]] = TemplateSignal(
                template_id=tid + bases[s], count=sig.count, first_record=position[s][sig.first_record],
                badness=sig.badness, rarity=sig.rarity, new=sig.new, burst_lines=sig.burst_lines,
                flagged=sig.flagged, top_score=sig.top_score, top_line=row[sig.top_line],
                onset_line=None if sig.onset_line is None else row[sig.onset_line], wording=sig.wording,
                text=sig.text, first_line=row[sig.first_line], last_line=row[sig.last_line],
                level_counts=dict(sig.level_counts))
        anomalies += [LineAnomaly(row[a.line], a.score, a.reasons) for a in analysis.anomalies]
        silences += [Silence(row[x.after_line], x.seconds) for x in analysis.silences]
    anomalies.sort(key=lambda a: a.line)
    silences.sort(key=lambda x: x.after_line)
    formats = [a.format_name for a in per_file]
    return MergedAnalysis(
        format_name=" + ".join(dict.fromkeys(formats)), first_line=0, line_count=len(merged.lines),
        columns=columns, miner=per_file[0].miner if per_file else None,  # type: ignore[arg-type]
        anomalies=anomalies, signals=signals, silences=silences,
        names=[source.name for source in merged.sources], formats=formats, record_source=record_source,
        offsets=offsets, origin=merged.origin)


def _row_maps(merged: MergedText) -> list[array]:
    """Per source: its k-th line in `merged` (0-based line k of its own analysis, file line
    `merged.first_line(source) + k`) -> 0-based merged row."""
    return [array("q", rows) for rows in merged.rows_by_source()]


def _offsets(columns: Columns, record_source: array, sources: int) -> list[float]:
    """Seconds to add to each file's clock to put it on the merge's shared clock (see module doc)."""
    timed: list[list[int]] = [[] for _ in range(sources)]
    for k, t in enumerate(columns.times):
        if t == t:
            timed[record_source[k]].append(k)
    offsets = [0.0] * sources
    if not any(timed):
        return offsets
    placed: list[tuple[int, float]] = []  # (merged record, shared-clock time) of placed files, in order
    for s in sorted(range(sources), key=lambda s: -len(timed[s])):
        if placed:
            offsets[s] = _offset_between(columns, timed[s], [k for k, _ in placed], [t for _, t in placed])
        placed = list(heapq.merge(placed, [(k, columns.times[k] + offsets[s]) for k in timed[s]]))
    return offsets


def _offset_between(columns: Columns, records: list[int], rows: list[int], times: list[float]) -> float:
    """The offset that puts `records` between their placed neighbours in merged order: the quarter
    hour inside the interval every record allows (0 when 0 is allowed), else the quarter hour
    nearest the median record's (a clock step inside one file breaks the common interval)."""
    low: list[float] = []
    high: list[float] = []
    for k in records:
        at = bisect_left(rows, k)
        t = columns.times[k]
        if at > 0:
            low.append(times[at - 1] - t)
        if at < len(rows):
            high.append(times[at] - t)
    if not low and not high:
        return 0.0
    lo = max(low) if low else -math.inf
    hi = min(high) if high else math.inf
    if lo <= hi:
        if lo <= 0.0 <= hi:
            return 0.0
        first, last = math.ceil(lo / _QUARTER_HOUR), math.floor(hi / _QUARTER_HOUR)
        if first <= last:
            return (first if lo > 0 else last) * _QUARTER_HOUR  # the one nearest 0
    if low and high:
        guess = (statistics.median(low) + statistics.median(high)) / 2
    else:
        guess = statistics.median(low or high)
    return round(guess / _QUARTER_HOUR) * _QUARTER_HOUR


def read_merged(paths: Sequence[str]) -> tuple[MergedText, list[str]]:
    """Read whole files (as `logcore.reader.read_text` reads one) and merge them by time, for
    the one-shot CLI, with the readers' notes (the merge's assumptions are its `alignments`).
    A file given twice, or stdin among several, is a user's mistake."""
    from logcore.errors import LogInputError
    from logcore.merge import merge_texts, short_names
    from logcore.reader import read_text

    if "-" in paths:
        raise LogInputError("stdin (-) cannot be merged with other files; save it to a file first")
    names = short_names(paths)
    if len(names) != len(paths):
        raise LogInputError("a file is named twice; give each log once")
    notes: list[str] = []
    named: list[tuple[str, list[str]]] = []
    for name, path in zip(names, paths):
        loaded = read_text(path)
        notes += [f"{name}: {note}" for note in loaded.notes]
        # split("\n"), not splitlines(): a stray \x0b or \u2028 inside a line must not shift numbering.
        named.append((name, loaded.text.split("\n")))
    return merge_texts(named), notes
