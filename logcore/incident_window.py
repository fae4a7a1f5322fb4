"""Where a log's trouble is unusually dense: the incident windows, found as a scan statistic.

Every log has some trouble all the time (404s, a retried transient error, a slow request), so
"an error happened" marks no incident; a stretch where trouble lines come far faster than the
log's own background rate does. Each trouble record earns 1 and every record costs `p`, a rate
between the background and the incident's; the stretch with the largest total (a maximum-sum
segment, one pass over the trouble records only) is the densest burst, and it starts and ends
on trouble lines. Neither rate is known in advance, so a grid of costs proposes segments and
Kulldorff's scan statistic (the Poisson log-likelihood ratio of "this stretch has its own rate")
chooses among them. A window counts only when that ratio is high, so a log without an incident
ranks nothing. Further windows are searched for on either side of the first.

Positions are record indexes, not times: many logs have no timestamps, and a record's position
needs no parsing.
"""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from logcore.line_signals import read_wording
from logcore.record_scan import Columns

TROUBLE = 0.35  # badness from which a record is trouble: a WARN, an ERROR, or strong error words
_MIN_TROUBLE = 5  # fewer trouble records than this are never an incident
_MIN_RATIO = 12.0  # the scan statistic (log-likelihood ratio) a window needs
_MAX_WINDOWS = 4
_COSTS = (0.02, 0.035, 0.06, 0.1, 0.16, 0.25, 0.4, 0.6)  # trouble per record, calm to stormy


@dataclass(frozen=True)
class Window:
    """One incident window, in record indexes (inclusive)."""

    start: int  # first trouble record: the onset
    end: int  # last trouble record
    trouble: int  # trouble records inside
    surprise: float  # the scan statistic: higher = clearer incident
    background: float  # trouble records per record outside the windows
    peak: int  # record where the densest part of the window begins

    @property
    def length(self) -> int:
        return self.end - self.start + 1


# Trouble said without an error word: resources run out, things stall or are not there. The
# anomaly score's vocabulary is tuned against false flags; for finding the edges of an incident,
# a line like "could not extend file: No space left on device" must count.
_MORE_TROUBLE = re.compile(
    r"\b(?:could ?n[o']t|no space|not (?:available|ready|responding|reachable)|exhausted|overload(?:ed)?"
    r"|stall(?:ed|ing)?|no (?:ready|healthy|available|route|response)|too many|throttl\w*|saturat\w*"
    r"|backlog|refus\w*|(?:is|are|disk|volume|queue|buffer|partition|filesystem|table) (?:\w+ )?full"
    r"|lagging|behind by|out of \w+|exceed(?:ed|s)?|limit reached|unhealthy"
    r"|mismatch|(?:is|went|are) (?:down|offline)|crash\w*|hung|stuck|leak(?:s|ed|ing|age)?)\b", re.IGNORECASE)
_QUIET = frozenset({"TRACE", "DEBUG"})
_SEVERE = frozenset({"WARN", "ERROR", "FATAL"})
_ZERO_COUNT = re.compile(r"\b(?:0|no|zero|none)\s+[\w-]+", re.IGNORECASE)
_UNLEVELLED_TROUBLE = 0.3  # without a level, warning words ("rejected", "unavailable") are trouble too
_LEVEL_WORD = re.compile(r"\b(?:TRACE|DEBUG|INFO|NOTICE)\b")


def _all_counted_zero(message: str) -> bool:
    """Whether every trouble word of a message is counted as none ("0 failed", "no errors")."""
    head = message[:1000]
    if not _ZERO_COUNT.search(head):
        return False
    rest = read_wording(_ZERO_COUNT.sub(" ", head))
    return rest.strong is None and rest.weak is None


def _troubled(line: str) -> bool:
    if _LEVEL_WORD.search(line):  # a level the parser missed says the writer thought it routine
        return False
    wording = read_wording(line)
    return not wording.resolved and (wording.strong is not None or _MORE_TROUBLE.search(line) is not None)


class Trouble:
    """How much trouble each record reports: the anomaly badness, or failing that, trouble
    wording (`_MORE_TROUBLE`, or error words the layout parser left outside the message) in the
    first whole line of its template and level; in a line without a level, warning words. A
    routine-level line whose trouble words are all counted as zero is no trouble."""

    def __init__(self, columns: Columns, raw_line: Callable[[int], str]) -> None:
        self.columns = columns
        self.raw_line = raw_line
        self._by_key: dict[tuple[int, int], float] = {}

    def __call__(self, i: int) -> float:
        columns = self.columns
        tid, code = columns.templates[i], columns.levels[i]
        value = self._by_key.get((tid, code))
        if value is None:
            level = columns.level(i)
            value = columns.line_badness(tid, level)
            if value < TROUBLE and level not in _QUIET and not columns.wordings[tid].field and (
                    (level is None and value >= _UNLEVELLED_TROUBLE) or _troubled(self.raw_line(i)[:1000])):
                value = TROUBLE + 0.05
            elif value >= TROUBLE and level not in _SEVERE and _all_counted_zero(columns.examples.get(tid, "")):
                value = 0.1  # "scan: 0 missing, 0 corrupt" reports that nothing is wrong
            self._by_key[(tid, code)] = value
        return value

    def records(self) -> array:
        """Indexes of the records that report trouble, in order."""
        out = array("q")
        add, known = out.append, self._by_key
        for i, key in enumerate(zip(self.columns.templates, self.columns.levels)):
            value = known.get(key)
            if value is None:
                value = self(i)
            if value >= TROUBLE:
                add(i)
        return out


def find_windows(trouble: Sequence[int], records: int) -> list[Window]:
    """Significant incident windows, the clearest first."""
    if len(trouble) < _MIN_TROUBLE or records <= 0:
        return []
    windows: list[Window] = []
    pending = [(0, len(trouble), 0, records)]
    while pending and len(windows) < _MAX_WINDOWS:
        lo, hi, first, stop = pending.pop()
        found = _best_segment(trouble, lo, hi, stop - first)
        if found is None:
            continue
        (a, b), score = found
        k = b - a + 1
        length = trouble[b] - trouble[a] + 1
        rate_out = max((hi - lo - k) / max(stop - first - length, 1), 0.5 / records)
        if k >= _MIN_TROUBLE and score >= _MIN_RATIO:
            windows.append(Window(trouble[a], trouble[b], k, round(score, 1), rate_out, _peak(trouble, a, b)))
            pending.extend(((lo, a, first, trouble[a]), (b + 1, hi, trouble[b] + 1, stop)))
    windows.sort(key=lambda w: -w.surprise)
    return windows


def background_templates(window: Window, trouble: Sequence[int], templates: Sequence[int]) -> set[int]:
    """Trouble templates that go on in the window no more often than around it (under three
    times their rate outside, where they show at least twice): the log's everyday noise. A
    warning seen only before the window (a countdown to expiry) is not noise."""
    lo = bisect_left(trouble, window.start)
    hi = bisect_right(trouble, window.end)
    inside = Counter(templates[i] for i in trouble[lo:hi])
    outside = Counter(templates[i] for i in trouble[:lo]) + Counter(templates[i] for i in trouble[hi:])
    rest = max(len(templates) - window.length, 1)
    return {tid for tid, k in outside.items() if k >= 2 and 0 < inside[tid] / window.length < 3 * k / rest}


def refine_edges(window: Window, trouble: Sequence[int], templates: Sequence[int], noise: set[int]) -> Window:
    """The window without everyday noise (`background_templates`) at its edges: a slow request
    that happened to come just before the flood is not the onset."""
    a = bisect_left(trouble, window.start)
    b = bisect_right(trouble, window.end) - 1
    while b - a + 1 > _MIN_TROUBLE and templates[trouble[a]] in noise:
        a += 1
    while b - a + 1 > _MIN_TROUBLE and templates[trouble[b]] in noise:
        b -= 1
    if (trouble[a], trouble[b]) == (window.start, window.end) or templates[trouble[a]] in noise:
        return window
    return Window(trouble[a], trouble[b], b - a + 1, window.surprise, window.background,
                  window.peak if trouble[a] <= window.peak <= trouble[b] else trouble[a])


def _best_segment(trouble: Sequence[int], lo: int, hi: int, records: int) -> tuple[tuple[int, int], float] | None:
    """The segment of trouble[lo:hi] (spread over `records`) with the highest scan statistic."""
    total = hi - lo
    if total < _MIN_TROUBLE:
        return None
    best: tuple[tuple[int, int], float] | None = None
    tried: set[tuple[int, int]] = set()
    for cost in _COSTS:
        found = _densest(trouble, lo, hi, cost)
        if found is None:
            continue
        span = _trim(trouble, *found)
        if span in tried:
            continue
        tried.add(span)
        a, b = span
        score = _scan_ratio(b - a + 1, trouble[b] - trouble[a] + 1, total, records)
        if best is None or score > best[1]:
            best = (span, score)
    return best


def _scan_ratio(k: int, length: int, total: int, records: int) -> float:
    """Kulldorff's Poisson log-likelihood ratio for k of `total` events in `length` of `records`."""
    expected = total * length / max(records, 1)
    if k <= expected or expected <= 0.0:
        return 0.0
    rest, rest_expected = total - k, total - expected
    outside = rest * math.log(rest / rest_expected) if rest > 0 and rest_expected > 0 else 0.0
    return k * math.log(k / expected) + outside


def _densest(trouble: Sequence[int], lo: int, hi: int, cost: float) -> tuple[int, int] | None:
    """(first, last) positions in trouble[lo:hi] of the maximum-sum segment, or None."""
    gain = 1.0 - cost
    best, best_span = 0.0, None
    current, start = -1.0, lo
    for j in range(lo, hi):
        extended = current + gain - cost * (trouble[j] - trouble[j - 1] - 1) if j > lo else -1.0
        if extended > gain:
            current = extended
        else:
            current, start = gain, j
        if current > best:
            best, best_span = current, (start, j)
    return best_span


def _trim(trouble: Sequence[int], a: int, b: int) -> tuple[int, int]:
    """Drop stray trouble lines at either edge: background noise that happened to sit next to
    the burst, farther from it than four times the burst's typical spacing."""
    if b - a < 4:
        return a, b
    gaps = sorted(trouble[j + 1] - trouble[j] for j in range(a, b))
    limit = max(4, 4 * gaps[len(gaps) // 2])
    while b - a >= 4 and trouble[a + 1] - trouble[a] > limit:
        a += 1
    while b - a >= 4 and trouble[b] - trouble[b - 1] > limit:
        b -= 1
    return a, b


def _peak(trouble: Sequence[int], a: int, b: int) -> int:
    """The trouble record that opens the densest eighth of the window."""
    width = max(3, (trouble[b] - trouble[a] + 1) // 8)
    best, best_at, right = 0, trouble[a], a
    for left in range(a, b + 1):
        while right <= b and trouble[right] < trouble[left] + width:
            right += 1
        if right - left > best:
            best, best_at = right - left, trouble[left]
    return best_at
