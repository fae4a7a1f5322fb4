"""The anomaly score's formula in one place: the scan uses its upper bound, the scorer its value.

    score = badness x surprise,  surprise = 0.4 + 0.6 rarity + 0.15 new + 0.1 burst + 0.05 silence

Rarity is a template's self-information, -log(share), reaching 1 at one line in a thousand
(in a log shorter than that, at one line).

The flag threshold is what the transfer protocol of `bench/logcore.py` chooses from either side:
best F1 on BGL's alert labels gives 0.634, flagging at most 1 % of Thunderbird's all-normal
sample gives 0.646. At the earlier 0.5, 3.3 % of Thunderbird's normal lines were flagged (words
like "failed" in lines without a level), and BGL's alerts all score at least 0.81.
"""

from __future__ import annotations

import math

FLAG_SCORE = 0.63
_RARE_AT = 1000


def rarity(count: int, total: int) -> float:
    """1 for one line in a thousand (or the rarest possible share of a shorter log), 0 for all."""
    if not 0 < count < total:
        return 0.0
    return min(1.0, math.log(total / count) / math.log(min(total, _RARE_AT)))


def surprise(rarity_: float, new: bool, burst: bool, after_silence: bool) -> float:
    return 0.4 + 0.6 * rarity_ + 0.15 * new + 0.1 * burst + 0.05 * after_silence


def could_flag(badness: float, count_so_far: int, total: int) -> bool:
    """Whether a line of this badness can still reach FLAG_SCORE, its template having at least
    `count_so_far` of `total` lines (rarity can only fall as the count grows)."""
    return badness * surprise(rarity(count_so_far, total), True, True, True) >= FLAG_SCORE
