"""What a single message's wording says about trouble, without knowing which system wrote it.

Three cheap text signals feed the anomaly score:

* error words ("failed", "refused", "panic", ...) are evidence even when a log has no level;
* resolution words ("corrected", "recovered", ...) cancel that evidence: "1 ddr error detected
  and corrected" reports a problem that is already handled;
* the *field* shape — `label: value`, `label.......value`, `k:v k:v` — marks a line that is one
  field of a larger dump (registers, settings, a stack frame header) rather than an event of its
  own. Kernels and runtimes print those dumps at the severity of the event that caused them, so
  a crash is followed by dozens of FATAL field lines; scoring each of them as a separate fatal
  event would bury the event itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that say something went wrong, matched case-insensitively on word boundaries.
_STRONG = (
    r"errors?|err|fail(?:s|ed|ure|ures|ing)?|fatal|panic(?:ked)?|refused|denied|corrupt(?:ed|ion)?"
    r"|crash(?:ed|es)?|abort(?:ed|ing)?|segfault|segmentation fault|killed|out of memory|oom"
    r"|no such file|cannot|can't|can ?not|unable|deadlock|violation|unreachable"
    r"|time(?:d)? ?out|timeout|\w*exception|traceback|critical|emerg(?:ency)?|unhandled"
)
_WEAK = (
    r"warn(?:ing)?|invalid|lost|broken|unavailable|reject(?:ed)?|retry(?:ing)?|missing|expired"
    r"|overflow|unexpected|unknown|not found|disconnect(?:ed)?|dropp(?:ed|ing)|degraded|slow"
)
_STRONG_RE = re.compile(rf"\b(?:{_STRONG})\b", re.IGNORECASE)
_WEAK_RE = re.compile(rf"\b(?:{_WEAK})\b", re.IGNORECASE)
_RESOLVED_RE = re.compile(
    r"\b(?:corrected|recovered|resolved|cleared|succeeded|successful(?:ly)?|no errors?|0 errors?"
    r"|without errors?)\b",
    re.IGNORECASE,
)

# A field of a dump: a short label, then ': ' or a dotted leader, then one short value; or a
# run of k:v / k=v pairs. The label ends in a letter so "Interconnect-0T00:00:2:1" is no label.
_FIELD_RE = re.compile(
    r"""^\s*(?:
        [A-Za-z][\w .,()/+'-]{0,47}?[A-Za-z)](?:\s*:\s*|\.{3,})\S{1,24}   # label: value  label....value
      | [A-Za-z][^.]{0,60}?\.{3,}\s*\S{1,24}                             # label: sub label.....value
      | (?:[\w.-]{1,24}[:=]\S{0,24}\s+)*[\w.-]{1,24}[:=]\S{0,40}          # k:v k=v ...
    )\s*$""",
    re.VERBOSE,
)
_SEPARATOR_RE = re.compile(r"[:=]|\.{3,}")


@dataclass(frozen=True)
class Wording:
    """The text-only evidence of one message."""

    strong: str | None  # the first strong error word found, as written
    weak: str | None  # the first weak error word found, as written
    resolved: bool  # the message says the problem was handled
    field: bool  # the message is one field of a dump, not an event


def read_wording(message: str) -> Wording:
    strong = _STRONG_RE.search(message)
    weak = _WEAK_RE.search(message) if strong is None else None
    resolved = bool(strong or weak) and _RESOLVED_RE.search(message) is not None
    field = is_field_line(message, has_strong_word=strong is not None)
    return Wording(
        strong=strong.group(0) if strong else None,
        weak=weak.group(0) if weak else None,
        resolved=resolved,
        field=field,
    )


def is_field_line(message: str, *, has_strong_word: bool = False) -> bool:
    """True when the message reads like one field of a dump rather than an event.

    A bare header ending in ':' counts only when it carries no error word: "special purpose
    registers:" introduces a dump, "Unexpected Exception:" reports the event itself. A value
    that is itself an error word ("... filesystems: failed") makes it an event too.
    """
    text = message.strip()
    if not text or len(text) > 100:
        return False
    if text.endswith(":") and " " in text and not has_strong_word:
        return len(text) <= 48
    if _FIELD_RE.match(text) is None:
        return False
    # "Mounting other filesystems: failed" is a status report, not a field of a dump.
    value = _SEPARATOR_RE.split(text)[-1]
    return _STRONG_RE.search(value) is None


SEVERITY = {"NOTICE": 0.1, "WARN": 0.4, "ERROR": 0.75, "FATAL": 0.85}
_QUIET_LEVELS = frozenset({"TRACE", "DEBUG", "INFO"})
_FIELD_FACTOR = 0.3


def badness(level: str | None, wording: Wording) -> float:
    """How strongly a line of this level and wording says something went wrong (0..1).

    The level and the words each count on their own (many logs have no level; writers mislabel
    errors); when a severe level and an error word agree the evidence adds up. A dump field
    keeps 0.3 of it: the dump's event line carries the news.
    """
    words = 0.1 if wording.resolved else 0.6 if wording.strong else 0.3 if wording.weak else 0.0
    if level in _QUIET_LEVELS:
        words *= 0.75  # the writer called it routine; words alone then need rarity to flag
    severity = SEVERITY.get(level or "", 0.0)
    score = max(severity, words)
    if severity >= SEVERITY["WARN"] and wording.strong and not wording.resolved:
        score += 0.1
    if wording.field:
        score *= _FIELD_FACTOR
    return min(1.0, score)
