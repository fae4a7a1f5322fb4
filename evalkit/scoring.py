"""`logchat eval score`: lexical, grounded and speed figures per task and overall.

Any JSONL whose lines carry `prediction`, `reference` and `task` strings can be scored; the
grounded metrics need the fields `eval run` adds (`log`, `first_line`, `labels`) and are
reported as null where they are missing; speed needs `ttft_s`, `tokens_per_s`, `latency_s`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from logcore.errors import LogInputError
from evalkit.grounded import alert_coverage, check_citations, risk_outcome
from evalkit.lexical import LEXICAL, lexical_scores
from logcore.append_log import iter_records

GROUNDED = (
    "citation_validity", "fabricated", "alert_coverage", "alert_line_recall",
    "risk_precision", "risk_recall", "risk_json_valid",
)
SPEED = ("ttft_s", "tokens_per_s", "latency_s")
METRICS = (*LEXICAL, *GROUNDED, *SPEED)
RISK_TASK = "risk"
OVERALL = "overall"


@dataclass
class GroupScore:
    n: int
    metrics: dict[str, float | None]
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"n": self.n}
        data.update({name: _round(value) for name, value in self.metrics.items()})
        data["ci95"] = {name: [_round(lo), _round(hi)] for name, (lo, hi) in self.ci.items()}
        return data


def _round(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 4)


def load_predictions(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise LogInputError(f"predictions file {path} not found; run `logchat eval run` first or check the path")
    records = list(iter_records(path))
    for number, record in enumerate(records, start=1):
        for key in ("prediction", "reference", "task"):
            if not isinstance(record.get(key), str):
                raise LogInputError(
                    f"{path} record {number} has no string `{key}`; each line needs prediction, reference and task"
                )
    if not records:
        raise LogInputError(f"{path} holds no predictions; run `logchat eval run` first")
    return records


@dataclass
class _Grounded:
    """Per-answer grounded facts; None where the record lacks what the metric needs."""

    cite_valid: np.ndarray
    cite_total: np.ndarray
    has_log: np.ndarray
    alert_cats: list[float | None]
    alert_lines: np.ndarray  # (covered, total)
    risk: list[tuple[bool, int, int, int] | None]  # valid json, flagged, tp, alerts


def _grounded(records: list[dict[str, Any]]) -> _Grounded:
    n = len(records)
    cite_valid, cite_total, has_log = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
    alert_cats: list[float | None] = [None] * n
    alert_lines = np.zeros((n, 2))
    risk: list[tuple[bool, int, int, int] | None] = [None] * n
    for i, record in enumerate(records):
        log = record.get("log")
        if not isinstance(log, str):
            continue
        has_log[i] = True
        answer = record["prediction"]
        shown = record.get("context_text")
        citations = check_citations(answer, log, int(record.get("first_line") or 1),
                                    shown if isinstance(shown, str) else None)
        cite_valid[i], cite_total[i] = citations.valid, citations.total
        raw_labels = record.get("labels")
        if not isinstance(raw_labels, dict) or not (record.get("labelled") or raw_labels):
            continue
        labels = {int(k): str(v) for k, v in raw_labels.items()}
        if record["task"] == RISK_TASK:
            outcome = risk_outcome(answer, labels)
            risk[i] = (outcome.valid_json, outcome.flagged, outcome.true_positive, outcome.alerts)
        elif labels:
            coverage = alert_coverage(answer, citations, labels)
            alert_cats[i] = coverage.categories_covered / coverage.categories
            alert_lines[i] = (coverage.lines_covered, coverage.lines)
    return _Grounded(cite_valid, cite_total, has_log, alert_cats, alert_lines, risk)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _grounded_metrics(g: _Grounded, idx: np.ndarray) -> dict[str, float | None]:
    with_log = idx[g.has_log[idx]]
    cats = [g.alert_cats[i] for i in idx if g.alert_cats[i] is not None]
    risks = [g.risk[i] for i in idx if g.risk[i] is not None]
    lines = g.alert_lines[idx].sum(axis=0)
    return {
        "citation_validity": _ratio(g.cite_valid[with_log].sum(), g.cite_total[with_log].sum()),
        "fabricated": float((g.cite_valid[with_log] < g.cite_total[with_log]).mean()) if len(with_log) else None,
        "alert_coverage": float(np.mean(cats)) if cats else None,
        "alert_line_recall": _ratio(lines[0], lines[1]),
        "risk_precision": _ratio(sum(r[2] for r in risks), sum(r[1] for r in risks)),
        "risk_recall": _ratio(sum(r[2] for r in risks), sum(r[3] for r in risks)),
        "risk_json_valid": float(np.mean([r[0] for r in risks])) if risks else None,
    }


def _speed(records: list[dict[str, Any]], idx: np.ndarray) -> dict[str, float | None]:
    """Median per answer: one slow cold start must not dominate the figure."""
    out: dict[str, float | None] = {}
    for name in SPEED:
        values = [records[i].get(name) for i in idx]
        numbers = [float(v) for v in values if isinstance(v, (int, float))]
        out[name] = float(np.median(numbers)) if numbers else None
    return out


def score_records(records: list[dict[str, Any]], *, resamples: int = 1000, seed: int = 0) -> dict[str, GroupScore]:
    """`overall` first, then one entry per task in first-seen order."""
    lexical = lexical_scores([r["prediction"] for r in records], [r["reference"] for r in records])
    grounded = _grounded(records)
    rng = np.random.default_rng(seed)
    tasks = list(dict.fromkeys(r["task"] for r in records))
    groups = {OVERALL: np.arange(len(records))}
    for task in tasks:
        groups[task] = np.array([i for i, r in enumerate(records) if r["task"] == task])
    result: dict[str, GroupScore] = {}
    for name, idx in groups.items():
        metrics: dict[str, float | None] = dict(lexical.aggregate(idx))
        metrics.update(_grounded_metrics(grounded, idx))
        metrics.update(_speed(records, idx))
        ci = lexical.bootstrap(idx, resamples, rng) if resamples else {}
        if resamples and metrics["citation_validity"] is not None:
            ci["citation_validity"] = _ratio_ci(grounded, idx, resamples, rng)
        result[name] = GroupScore(len(idx), metrics, ci)
    return result


def _ratio_ci(g: _Grounded, idx: np.ndarray, resamples: int, rng: np.random.Generator) -> tuple[float, float]:
    with_log = idx[g.has_log[idx]]
    chosen = with_log[rng.integers(0, len(with_log), size=(resamples, len(with_log)))]
    valid, total = g.cite_valid[chosen].sum(axis=1), g.cite_total[chosen].sum(axis=1)
    values = np.divide(valid, total, out=np.full(resamples, np.nan), where=total > 0)
    values = values[~np.isnan(values)]
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def report_json(scores: dict[str, GroupScore]) -> dict[str, Any]:
    return {name: score.as_dict() for name, score in scores.items()}
