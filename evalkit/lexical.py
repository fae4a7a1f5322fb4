"""The original project's six lexical metrics, computed by the reference libraries.

Definitions (all reported 0-1):
- fuzzy: mean over answers of rapidfuzz `fuzz.ratio(prediction, reference) / 100`
  (normalized Indel similarity of the raw strings).
- bleu: sacrebleu corpus BLEU (default 13a tokenizer, exponential smoothing, one reference per
  answer) / 100.
- rouge1, rouge2, rougeL, rougeLsum: mean over answers of rouge-score F1 with
  `use_stemmer=True`; rougeLsum splits both texts into sentences on newlines.
Confidence intervals: percentile bootstrap (95 %) over answers; BLEU is recomputed from the
resampled answers' summed n-gram statistics, exactly as corpus BLEU would be.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

LEXICAL = ("fuzzy", "bleu", "rouge1", "rouge2", "rougeL", "rougeLsum")
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


@dataclass
class LexicalScores:
    """Per-answer scores, kept so that any subset (a task, a bootstrap resample) can be scored."""

    per_answer: dict[str, np.ndarray]  # fuzzy and the ROUGE F1s, one value per answer
    bleu_stats: np.ndarray  # (answers, 2 + 2 * 4) sacrebleu sufficient statistics

    def __len__(self) -> int:
        return len(self.bleu_stats)

    def aggregate(self, idx: np.ndarray | None = None) -> dict[str, float]:
        idx = np.arange(len(self)) if idx is None else idx
        out = {name: float(values[idx].mean()) for name, values in self.per_answer.items()}
        out["bleu"] = bleu_from_stats(self.bleu_stats[idx].sum(axis=0))
        return {name: out[name] for name in LEXICAL}

    def bootstrap(self, idx: np.ndarray, resamples: int, rng: np.random.Generator) -> dict[str, tuple[float, float]]:
        """95 % percentile intervals for each metric over `idx`'s answers."""
        draws = rng.integers(0, len(idx), size=(resamples, len(idx)))
        chosen = idx[draws]
        values: dict[str, np.ndarray] = {name: per[chosen].mean(axis=1) for name, per in self.per_answer.items()}
        summed = self.bleu_stats[chosen].sum(axis=1)
        values["bleu"] = np.array([bleu_from_stats(row) for row in summed])
        return {name: (float(np.percentile(values[name], 2.5)), float(np.percentile(values[name], 97.5))) for name in LEXICAL}


@cache
def _bleu():
    from sacrebleu.metrics import BLEU

    return BLEU()


def bleu_from_stats(stats: np.ndarray) -> float:
    return float(_bleu()._compute_score_from_stats([int(x) for x in stats]).score) / 100


def corpus_bleu(predictions: list[str], references: list[str]) -> float:
    """sacrebleu's own corpus BLEU, 0-1 (what `bleu_from_stats` must agree with)."""
    return float(_bleu().corpus_score(predictions, [references]).score) / 100


class _CachedStemmer:
    """Porter stemming memoized: log answers repeat words, and stemming is most of ROUGE's cost."""

    def __init__(self) -> None:
        from nltk.stem import porter

        self.stem = lru_cache(maxsize=65536)(porter.PorterStemmer().stem)


def _rouge_scorer():
    """rouge-score's scorer with `use_stemmer=True` semantics: its own tokenizer function, fed a
    memoized copy of the same Porter stemmer (identical tokens, checked by the tests)."""
    from rouge_score import rouge_scorer, tokenize, tokenizers

    class StemmingTokenizer(tokenizers.Tokenizer):
        def __init__(self) -> None:
            self.stemmer = _CachedStemmer()

        def tokenize(self, text: str) -> list[str]:
            return tokenize.tokenize(text, self.stemmer)

    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), tokenizer=StemmingTokenizer())


def lexical_scores(predictions: list[str], references: list[str]) -> LexicalScores:
    from rapidfuzz import fuzz

    scorer = _rouge_scorer()
    per: dict[str, list[float]] = {name: [] for name in ("fuzzy", *ROUGE_TYPES)}
    for prediction, reference in zip(predictions, references, strict=True):
        per["fuzzy"].append(fuzz.ratio(prediction, reference) / 100)
        rouge = scorer.score(reference, prediction)
        for name in ROUGE_TYPES:
            per[name].append(rouge[name].fmeasure)
    stats = _bleu()._extract_corpus_statistics(predictions, [references]) if predictions else []
    return LexicalScores(
        per_answer={name: np.array(values, dtype=float) for name, values in per.items()},
        bleu_stats=np.array(stats, dtype=np.int64).reshape(len(predictions), -1),
    )
