"""Streaming template mining: group the log messages one event printed with different variables.

Why this shape: most lines repeat a message shape seen before, so the common case costs one
byte translation (every ASCII digit made "0": five times cheaper than folding digit runs with a
regex, at the price of a few more distinct keys, which only cost a masking each) and one dict
lookup. Masking treats any token with a digit alike, whatever its digits, so the coarser key
could never give a line another template.
Only a shape never seen before pays for variable masking (`tokens.mask`), and only a masked
signature never seen before pays for a similarity search among the templates that share its
token count, punctuation and first tokens, in the spirit of Drain. A template's id is fixed when
it is created and every cache entry keeps pointing at it, so ids keep their meaning while a file
grows and a live view can count them; later lines may only widen a template's text with "<*>".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from logcore.tokens import DEFAULT_MASKING, WILDCARD, Masking, masker, split

# Caches stop growing past this many entries (lookups still work; new shapes are then masked and
# matched every time), and past this many templates new shapes share one catch-all "<*>"
# template, so a log of unique free text cannot exhaust memory (about 2 kB per template).
_CACHE_LIMIT = 200_000
_MAX_TEMPLATES = 20_000
# Only a message's head decides its template, so a multi-megabyte line costs no more than a long one.
_MAX_MESSAGE_CHARS = 4096
# Matching across token counts: how many tokens one wildcard may stand for, and the longest
# messages tried (the alignment is quadratic).
_MAX_RUN = 3
_MAX_ALIGN_TOKENS = 64


@dataclass(frozen=True)
class MinerSettings:
    """The miner's tunable choices, one value for every log (none is tuned per system).

    `bench/logcore_templates.py` scores every setting of its grid leave-one-system-out on the
    loghub samples and prints what each held-out system gets. The defaults stay the earlier
    similarity 0.6 with wildcards "differ" (plus the new masks), second best on all ten (0.9615):
    the best on all ten, 0.8 with "agree" (0.9636, chosen for 9 of 10 held-out systems), also
    merges "User <*> logged in from <*>" with "... logged out ..." (one differing word among
    many variables), and splits BGL's FATAL "ciod: Error creating node map" lines so finely that
    the 2,000-token BGL digest no longer quotes its alert line (tests/logcore/test_digest.py).
    """

    # Share of a template's tokens a new signature must repeat exactly to join it.
    similarity: float = 0.6
    # Leading tokens that must be equal to compare at all: messages start with the words that
    # name the event ("Failed password" vs "Accepted password"), while variables sit later on.
    prefix_tokens: int = 2
    # Distinct words a leading position may show in otherwise alike templates before it counts
    # as a variable.
    max_siblings: int = 8
    # How a template's wildcards count in the similarity: "differ" (in the share's denominator
    # only), "agree" (as matches, like Drain's parameter count: "(root) CMD <*> b)" joins
    # "... a)") or "ignored" (left out: the share is over the template's constants only, so a
    # line's variable density does not move it).
    wildcards: Literal["differ", "agree", "ignored"] = "differ"
    # Share of constants a template must keep when a line of another token count joins it
    # (one variable split differently): below it the two are different events. Not in the
    # benchmark's grid: 0.4 to 0.8 left every loghub sample's GA unchanged.
    align_constants: float = 0.6
    masking: Masking = DEFAULT_MASKING


DEFAULT_SETTINGS = MinerSettings()

_ZERO_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_NAME_PUNCTUATION = re.compile(r"\w[.\-_]\w")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass
class Template:
    """One event's message shape and where it occurs; updated in place as lines are added."""

    id: int
    text: str  # "<*>" marks variables
    count: int
    first_line: int  # 0-based line indexes
    last_line: int
    level_counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Shape:
    """The tokens of a template as compared with new signatures; wildcards where lines differed."""

    template: Template
    tokens: list[str]
    seps: list[str]


class TemplateMiner:
    """Assign each message a template id; ids are stable as messages are added."""

    def __init__(self, settings: MinerSettings = DEFAULT_SETTINGS) -> None:
        self._settings = settings
        self._mask = masker(settings.masking)
        self._templates: list[Template] = []
        self._by_folded: dict[bytes, int] = {}  # message with its digits zeroed -> id
        self._by_signature: dict[str, int] = {}  # masked message -> id
        self._buckets: dict[tuple, list[_Shape]] = {}  # same length, punctuation, first tokens
        self._by_prefix: dict[tuple, list[_Shape]] = {}  # same first tokens, any length
        self._siblings: dict[tuple, int] = {}  # templates alike but for one leading word
        self._overflow_id: int | None = None
        self._next_line = 0

    def add(self, message: str, line: int = -1, level: str | None = None) -> int:
        """The id of the message's template; `line` < 0 means the line after the previous one."""
        if len(message) > _MAX_MESSAGE_CHARS:
            message = message[:_MAX_MESSAGE_CHARS]
        folded = message.encode("utf-8", "surrogatepass").translate(_ZERO_DIGITS)
        template_id = self._by_folded.get(folded)
        if template_id is None:
            template_id = self._assign(message)
            if len(self._by_folded) < _CACHE_LIMIT:
                self._by_folded[folded] = template_id
        if line < 0:
            line = self._next_line
        self._next_line = line + 1
        template = self._templates[template_id]
        if template.count == 0:
            template.first_line = line
        template.count += 1
        template.last_line = line
        if level is not None:
            template.level_counts[level] = template.level_counts.get(level, 0) + 1
        return template_id

    def templates(self) -> list[Template]:
        """Every template so far, in id order (ids are 0, 1, 2, ... in order of first appearance)."""
        return list(self._templates)

    def template(self, template_id: int) -> Template:
        """The live template behind an id `add` returned (IndexError for an id it never returned)."""
        return self._templates[template_id]

    def _assign(self, message: str) -> int:
        signature = self._mask(message)
        template_id = self._by_signature.get(signature)
        if template_id is None:
            template_id = self._match_or_create(signature)
            if len(self._by_signature) < _CACHE_LIMIT:
                self._by_signature[signature] = template_id
        return template_id

    def _match_or_create(self, signature: str) -> int:
        tokens, seps = split(signature)
        settings = self._settings
        shape = _most_similar(tokens, self._buckets.get(self._key(tokens, seps), ()), settings)
        if shape is not None:
            _widen(shape, tokens)
            return shape.template.id
        shape = self._match_other_length(tokens)
        if shape is not None:
            return shape.template.id
        if len(self._templates) >= _MAX_TEMPLATES:
            return self._overflow()
        widened = self._widen_crowded_leading_words(tokens, seps)
        if widened is not tokens:
            tokens = widened
            shape = _covering(tokens, self._buckets.get(self._key(tokens, seps), ()))
            if shape is not None:
                return shape.template.id
        template = Template(len(self._templates), _render(tokens, seps), 0, -1, -1)
        shape = _Shape(template, tokens, seps)
        self._templates.append(template)
        self._file(shape)
        for key in _sibling_keys(tokens, seps):
            self._siblings[key] = self._siblings.get(key, 0) + 1
        return template.id

    def _overflow(self) -> int:
        """The one catch-all template for lines that would exceed `_MAX_TEMPLATES`."""
        if self._overflow_id is None:
            self._overflow_id = len(self._templates)
            self._templates.append(Template(self._overflow_id, WILDCARD, 0, -1, -1))
        return self._overflow_id

    def _widen_crowded_leading_words(self, tokens: list[str], seps: list[str]) -> list[str]:
        """Tokens with a leading word made a wildcard once it has named too many templates.

        The leading tokens are compared only for equality, so a word that varies there ("alice
        logged in", "bob logged in") would otherwise make one template per value forever. Past
        `MinerSettings.max_siblings` values the position is taken for a variable; the templates made until
        then keep their ids.
        """
        for key in _sibling_keys(tokens, seps):
            if self._siblings.get(key, 0) >= self._settings.max_siblings:
                position = key[0]
                tokens = tokens[:position] + [WILDCARD] + tokens[position + 1:]
        return tokens

    def _match_other_length(self, tokens: list[str]) -> _Shape | None:
        """A template of another length whose variables only split differently ("host <*>" vs "<*>")."""
        if not 3 <= len(tokens) <= _MAX_ALIGN_TOKENS:
            return None
        for shape in self._by_prefix.get(tuple(tokens[:self._settings.prefix_tokens]), ()):
            if not 0 < abs(len(shape.tokens) - len(tokens)) < _MAX_RUN:
                continue
            merged = _align(shape.tokens, tokens, self._settings.align_constants)
            if merged is None:
                continue
            self._unfile(shape)
            shape.seps = [shape.seps[start] for _, start, _ in merged] + [shape.seps[-1]]
            shape.tokens = [token for token, _, _ in merged]
            shape.template.text = _render(shape.tokens, shape.seps)
            self._file(shape)
            return shape
        return None

    def _key(self, tokens: list[str], seps: list[str]) -> tuple:
        """Token count, punctuation (spacing ignored) and the leading tokens, which all must match.

        A one-token message has no prefix key so it can still meet its variants; longer ones keep
        at least their last token free for the same reason.
        """
        prefix = tokens[: min(self._settings.prefix_tokens, len(tokens) - 1)]
        return (len(tokens), tuple(map(str.strip, seps)), *prefix)

    def _file(self, shape: _Shape) -> None:
        self._buckets.setdefault(self._key(shape.tokens, shape.seps), []).append(shape)
        if len(shape.tokens) >= 3:
            self._by_prefix.setdefault(tuple(shape.tokens[:self._settings.prefix_tokens]), []).append(shape)

    def _unfile(self, shape: _Shape) -> None:
        self._buckets[self._key(shape.tokens, shape.seps)].remove(shape)
        if len(shape.tokens) >= 3:
            self._by_prefix[tuple(shape.tokens[:self._settings.prefix_tokens])].remove(shape)


def _sibling_keys(tokens: list[str], seps: list[str]) -> list[tuple]:
    """For each of the first two positions: the message with that token left out.

    Messages that still have a constant once the position is left out are eligible: a lone
    word ("normal", "warning") or a word beside variables only names the event by itself.
    """
    keys = []
    for position in range(min(2, len(tokens))):
        rest = tokens[:position] + tokens[position + 1:]
        if rest.count(WILDCARD) < len(rest):
            keys.append((position, *map(str.strip, seps), *rest))
    return keys


def _covering(tokens: list[str], bucket: Sequence[_Shape]) -> _Shape | None:
    """A template equal to `tokens` but where it has wildcards."""
    for shape in bucket:
        if all(a == b or a == WILDCARD for a, b in zip(shape.tokens, tokens)):
            return shape
    return None


def _most_similar(tokens: list[str], bucket: Sequence[_Shape], settings: MinerSettings) -> _Shape | None:
    best: _Shape | None = None
    best_share = -1.0
    wildcards = settings.wildcards
    n = len(tokens)
    for shape in bucket:
        same = variables = 0
        for a, b in zip(shape.tokens, tokens):
            if a == WILDCARD or (b == WILDCARD and wildcards == "agree"):
                variables += 1
            elif a == b:
                same += 1
        if n == 0 or (wildcards == "ignored" and n == variables):
            share = 1.0  # nothing left to disagree on
        elif wildcards == "agree":
            # Wildcards agree only beside an agreeing constant: "<*>" is no template for "ready".
            share = (same + variables) / n if same or all(t == WILDCARD for t in tokens) else 0.0
        elif wildcards == "ignored":
            share = same / (n - variables)
        else:
            share = same / n
        if share > best_share:
            best, best_share = shape, share
    if best is None or best_share < settings.similarity:
        return None
    return best


def _widen(shape: _Shape, tokens: list[str]) -> None:
    changed = False
    for i, (a, b) in enumerate(zip(shape.tokens, tokens)):
        if a != b and a != WILDCARD:
            shape.tokens[i] = WILDCARD
            changed = True
    if changed:
        shape.template.text = _render(shape.tokens, shape.seps)


def _align(template: list[str], tokens: list[str], constants: float) -> list[tuple[str, int, int]] | None:
    """Template tokens widened to also cover `tokens`, or None when they are different events.

    Constants must be equal; a wildcard on either side may stand for up to `_MAX_RUN` tokens of
    the other side when those include a wildcard too (one variable split differently, such as a
    host name with or without digits before an address). Each result entry is (token, first,
    last): the range of template tokens it replaces, so the template's separators can follow.
    Enough constants must still agree, as for same-length matches.
    """
    n, m = len(template), len(tokens)
    failed: set[tuple[int, int]] = set()

    def walk(i: int, j: int) -> list[tuple[str, int, int]] | None:
        if i == n or j == m:
            return [] if i == n and j == m else None
        if (i, j) in failed:
            return None
        a, b = template[i], tokens[j]
        options: list[tuple[str, int, int]] = []  # (token, template tokens used, tokens used)
        if a == b or a == WILDCARD or b == WILDCARD:
            options.append((a if a == b else WILDCARD, 1, 1))
        if a == WILDCARD:
            runs = range(2, min(_MAX_RUN, m - j) + 1)
            options += [(WILDCARD, 1, k) for k in runs if _absorbable(tokens[j:j + k])]
        if b == WILDCARD:
            runs = range(2, min(_MAX_RUN, n - i) + 1)
            options += [(WILDCARD, k, 1) for k in runs if _absorbable(template[i:i + k])]
        for token, used_a, used_b in options:
            rest = walk(i + used_a, j + used_b)
            if rest is not None:
                return [(token, i, i + used_a - 1), *rest]
        failed.add((i, j))
        return None

    merged = walk(0, 0)
    if merged is None:
        return None
    same = sum(1 for token, _, _ in merged if token != WILDCARD)
    return merged if same >= constants * len(merged) else None


def _absorbable(run: list[str]) -> bool:
    """A run one wildcard may stand for: variables plus names such as "ns.example.com" or "eth-a".

    Plain words and punctuation ("field", "****") are left out: they name events, not values.
    """
    if WILDCARD not in run:
        return False
    return all(t == WILDCARD or (_NAME_PUNCTUATION.search(t) and _LETTER.search(t)) for t in run)


def _render(tokens: list[str], seps: list[str]) -> str:
    return "".join(s + t for s, t in zip(seps, tokens)) + seps[-1]
