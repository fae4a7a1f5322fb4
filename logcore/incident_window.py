"""Where a log's trouble is unusually dense: the incident windows, found as a scan statistic.

Every log has some trouble all the time (404s, a retried transient error, a slow request), so
"an error happened" marks no incident; a stretch where trouble lines come far faster than the
log's own background rate does. Each trouble record earns 1 and every record costs `p`, a rate
well above the background; the stretch with the largest total (a maximum-sum segment, one pass
over the trouble records only) is the densest burst, and it starts and ends on trouble lines.
It counts as an incident only when its trouble count is improbable at the background rate
(a Chernoff bound on the Poisson tail), so a log without an incident ranks nothing. Further
windows are searched for on either side of the first.

Positions are record indexes, not times: many logs have no timestamps, and a record's position
needs no parsing.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from logcore.line_signals import read_wording
from logcore.record_scan import Columns

TROUBLE = 0.35  # badness from which a record is trouble: a WARN, an ERROR, or strong error words
_MIN_TROUBLE = 5  # fewer trouble records than this are never an incident
_MIN_SURPRISE = 12.0  # -ln P(this many at the background rate): about 1 in 160,000
_MAX_WINDOWS = 4
_BINS = 100


@dataclass(frozen=True)
class Window:
    """One incident window, in record indexes (inclusive)."""

    start: int  # first trouble record: the onset
    end: int  # last trouble record
    trouble: int  # trouble records inside
    surprise: float  # -ln P of that many at the background rate; higher = clearer incident
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
    r"|backlog|refus\w*|full|lagging|behind by|out of \w+|exceed(?:ed|s)?|limit reached|unhealthy"
    r"|mismatch|down|crash\w*|hung|stuck|leak(?:s|ed|ing|age)?)\b", re.IGNORECASE)
_QUIET = frozenset({"TRACE", "DEBUG"})
_LEVEL_WORD = re.compile(r"\b(?:TRACE|DEBUG|INFO|NOTICE)\b")


def _troubled(line: str) -> bool:
    if _LEVEL_WORD.search(line):  # a level the parser missed says the writer thought it routine
        return False
    wording = read_wording(line)
    return not wording.resolved and (wording.strong is not None or _MORE_TROUBLE.search(line) is not None)


class Trouble:
    """How much trouble each record reports: the anomaly badness, or failing that, trouble
    wording (`_MORE_TROUBLE`, or error words the layout parser left outside the message) in the
    first whole line of its template and level."""

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
            if value < TROUBLE and level not in _QUIET and not columns.wordings[tid].field \
                    and _troubled(self.raw_line(i)[:1000]):
                value = TROUBLE + 0.05
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
    background = _background_rate(trouble, records)
    cost = max(2.5 * background, background + 0.03, 0.05)
    windows: list[Window] = []
    pending = [(0, len(trouble))]
    while pending and len(windows) < _MAX_WINDOWS:
        lo, hi = pending.pop()
        found = _densest(trouble, lo, hi, cost)
        if found is None:
            continue
        a, b = _trim(trouble, *found)
        k = b - a + 1
        length = trouble[b] - trouble[a] + 1
        outside_records = max(records - length, 1)
        rate_out = max((len(trouble) - k) / outside_records, 0.5 / records)
        surprise = _poisson_surprise(k, rate_out * length)
        if k >= _MIN_TROUBLE and surprise >= _MIN_SURPRISE:
            peak = _peak(trouble, a, b)
            windows.append(Window(trouble[a], trouble[b], k, round(surprise, 1), rate_out, peak))
            pending.extend(((lo, a), (b + 1, hi)))
    windows.sort(key=lambda w: -w.surprise)
    return windows


def _background_rate(trouble: Sequence[int], records: int) -> float:
    """The median share of trouble records over a hundred equal slices of the log."""
    size = max(10, records // _BINS)
    slices = max(1, math.ceil(records / size))
    counts = Counter(i // size for i in trouble)
    rates = sorted(counts.get(b, 0) / size for b in range(slices))
    return rates[len(rates) // 2]


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


def _poisson_surprise(k: int, expected: float) -> float:
    """-ln of the Chernoff bound on P(X >= k) for X ~ Poisson(expected)."""
    if k <= expected:
        return 0.0
    return k * math.log(k / expected) - k + expected


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
