"""Streaming template mining: group log messages that an event printed with different variables.

Why this shape: most lines of a log repeat a message shape seen before, so the common case must
cost one masking regex pass and one dict lookup (`tokens.mask` then the signature cache). Only a
signature never seen before pays for a similarity search against the templates of the same token
count, in the spirit of Drain. A template's id is fixed when it is created and a signature, once
cached, always maps to the same id, so ids keep their meaning while a file grows and a live view
can count them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from logcore.tokens import WILDCARD, mask, split

# A signature cache beyond this many entries stops growing (lookups still work, new signatures
# are then matched by similarity every time), so a log of unique lines cannot exhaust memory.
_CACHE_LIMIT = 200_000


@dataclass
class Template:
    id: int
    text: str  # "<*>" marks variables
    count: int
    first_line: int  # 0-based line indexes
    last_line: int
    level_counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Cluster:
    template: Template
    tokens: list[str]
    seps: list[str]


class TemplateMiner:
    """Assign each message a template id; ids are stable as messages are added."""

    def __init__(self) -> None:
        self._clusters: list[_Cluster] = []
        self._by_signature: dict[str, int] = {}
        self._by_length: dict[tuple, list[int]] = {}
        self._lines_seen = 0

    def add(self, message: str, line: int = -1, level: str | None = None) -> int:
        """The id of the message's template; `line` < 0 means "the next line after the last one"."""
        if line < 0:
            line = self._lines_seen
        self._lines_seen = line + 1
        signature = mask(message)
        template_id = self._by_signature.get(signature)
        if template_id is None:
            template_id = self._match_or_create(signature, line)
            if len(self._by_signature) < _CACHE_LIMIT:
                self._by_signature[signature] = template_id
        template = self._clusters[template_id].template
        template.count += 1
        template.last_line = line
        if level is not None:
            template.level_counts[level] = template.level_counts.get(level, 0) + 1
        return template_id

    def templates(self) -> list[Template]:
        return [c.template for c in self._clusters]

    def template(self, template_id: int) -> Template:
        return self._clusters[template_id].template

    def _match_or_create(self, signature: str, line: int) -> int:
        tokens, seps = split(signature)
        candidates = self._by_length.setdefault(_bucket(tokens), [])
        best = _best_match(tokens, (self._clusters[i] for i in candidates))
        if best is not None:
            _generalize(best, tokens)
            return best.template.id
        template_id = len(self._clusters)
        template = Template(template_id, _render(tokens, seps), 0, line, line)
        self._clusters.append(_Cluster(template, tokens, seps))
        candidates.append(template_id)
        return template_id


def _best_match(tokens: list[str], clusters) -> _Cluster | None:
    best: _Cluster | None = None
    best_score = -1.0
    for cluster in clusters:
        score = _similarity(cluster.tokens, tokens)
        if score > best_score:
            best, best_score = cluster, score
    return best if best is not None and best_score >= SIM else None


SIM = 0.6
PREFIX = 2


def _bucket(tokens: list[str]) -> tuple:
    k = min(PREFIX, len(tokens) - 1)
    return (len(tokens), *tokens[:max(k, 0)])


def _similarity(template: list[str], tokens: list[str]) -> float:
    same = 0
    for a, b in zip(template, tokens):
        if a == b and a != WILDCARD:
            same += 1
    return same / len(tokens) if tokens else 1.0


def _generalize(cluster: _Cluster, tokens: list[str]) -> None:
    changed = False
    for i, (a, b) in enumerate(zip(cluster.tokens, tokens)):
        if a != b and a != WILDCARD:
            cluster.tokens[i] = WILDCARD
            changed = True
    if changed:
        cluster.template.text = _render(cluster.tokens, cluster.seps)


def _render(tokens: list[str], seps: list[str]) -> str:
    return "".join(s + t for s, t in zip(seps, tokens)) + seps[-1]
