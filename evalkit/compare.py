"""`logchat eval compare`: prediction files side by side, in the original table's layout.

The original report was one table, a row per metric and a column per model (base vs
fine-tuned). The same rows come first here, then the grounded and speed rows that table lacked.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.lexical import LEXICAL
from evalkit.scoring import GROUNDED, OVERALL, SPEED, GroupScore

LABELS: dict[str, str] = {
    "fuzzy": "Fuzzy Match",
    "bleu": "BLEU",
    "rouge1": "ROUGE-1",
    "rouge2": "ROUGE-2",
    "rougeL": "ROUGE-L",
    "rougeLsum": "ROUGE-Lsum",
    "citation_validity": "Citation validity",
    "fabricated": "Answers with a fabricated citation",
    "alert_coverage": "Alert coverage (categories)",
    "alert_line_recall": "Alert line recall",
    "risk_precision": "Risk JSON precision",
    "risk_recall": "Risk JSON recall",
    "risk_json_valid": "Risk JSON valid",
    "ttft_s": "TTFT, s (median)",
    "tokens_per_s": "Tokens/s (median)",
    "latency_s": "Latency, s (median)",
}
ROWS = (*LEXICAL, *GROUNDED, *SPEED)


@dataclass
class Column:
    label: str
    scores: dict[str, GroupScore]


def _cell(score: GroupScore | None, metric: str, with_ci: bool) -> str:
    if score is None or score.metrics.get(metric) is None:
        return "–"
    value = score.metrics[metric]
    digits = 2 if metric in SPEED else 3
    text = f"{value:.{digits}f}"
    if with_ci and metric in score.ci:
        lo, hi = score.ci[metric]
        text += f" [{lo:.{digits}f}, {hi:.{digits}f}]"
    return text


def table_rows(columns: list[Column], group: str = OVERALL, *, with_ci: bool = False) -> list[list[str]]:
    """Metric name, one cell per column and, for two columns, the change from the first to the
    second (the original table's "base -> fine-tuned"); rows no column can fill are left out."""
    rows = []
    for metric in ROWS:
        cells = [_cell(c.scores.get(group), metric, with_ci) for c in columns]
        if all(cell == "–" for cell in cells):
            continue
        row = [LABELS[metric], *cells]
        if len(columns) == 2:
            row.append(_delta(*(c.scores.get(group) for c in columns), metric))
        rows.append(row)
    return rows


def header(columns: list[Column]) -> list[str]:
    return ["Metric", *[c.label for c in columns], *(["Δ"] if len(columns) == 2 else [])]


def _delta(first: GroupScore | None, second: GroupScore | None, metric: str) -> str:
    if first is None or second is None:
        return "–"
    a, b = first.metrics.get(metric), second.metrics.get(metric)
    if a is None or b is None:
        return "–"
    return f"{b - a:+.{2 if metric in SPEED else 3}f}"


def groups(columns: list[Column]) -> list[str]:
    names = [OVERALL]
    for column in columns:
        names += [g for g in column.scores if g not in names]
    return names


def markdown(columns: list[Column], *, with_ci: bool = True) -> str:
    out = io.StringIO()
    for group in groups(columns):
        n = " / ".join(str(c.scores[group].n) if group in c.scores else "0" for c in columns)
        out.write(f"### {group} (answers: {n})\n\n")
        names = header(columns)
        out.write("| " + " | ".join(_md(h) for h in names) + " |\n")
        out.write("|---|" + "---:|" * (len(names) - 1) + "\n")
        for row in table_rows(columns, group, with_ci=with_ci):
            out.write("| " + " | ".join(_md(cell) for cell in row) + " |\n")
        out.write("\n")
    return out.getvalue()


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def csv_text(columns: list[Column]) -> str:
    """Long format: one row per (group, metric, model) with the interval bounds."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group", "metric", "model", "value", "ci_low", "ci_high", "n"])
    for group in groups(columns):
        for metric in ROWS:
            for column in columns:
                score = column.scores.get(group)
                if score is None or score.metrics.get(metric) is None:
                    continue
                lo, hi = score.ci.get(metric, (None, None))
                writer.writerow([group, metric, column.label, score.metrics[metric], lo, hi, score.n])
    return out.getvalue()


def json_report(columns: list[Column]) -> dict[str, Any]:
    return {c.label: {g: s.as_dict() for g, s in c.scores.items()} for c in columns}


def bar_chart(columns: list[Column], path: Path) -> None:
    """Grouped bars of the lexical and grounded 0-1 metrics (overall), one colour per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    metrics = [m for m in (*LEXICAL, *GROUNDED) if any(c.scores[OVERALL].metrics.get(m) is not None for c in columns)]
    x = np.arange(len(metrics))
    width = 0.8 / len(columns)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(metrics) + 2), 4.5))
    for k, column in enumerate(columns):
        overall = column.scores[OVERALL]
        values = [overall.metrics.get(m) or 0.0 for m in metrics]
        errors = np.array([
            [v - overall.ci[m][0], overall.ci[m][1] - v] if m in overall.ci else [0.0, 0.0]
            for m, v in zip(metrics, values, strict=True)
        ]).T
        ax.bar(x + (k - (len(columns) - 1) / 2) * width, values, width, yerr=errors, capsize=2, label=column.label)
    ax.set_xticks(x, [LABELS[m] for m in metrics], rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("score (0-1)")
    ax.set_title("logchat eval: overall")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_outputs(columns: list[Column], *, markdown_path: Path | None, csv_path: Path | None,
                  json_path: Path | None, chart_path: Path | None) -> list[Path]:
    written = []
    if markdown_path:
        markdown_path.write_text(markdown(columns), encoding="utf-8")
        written.append(markdown_path)
    if csv_path:
        csv_path.write_text(csv_text(columns), encoding="utf-8")
        written.append(csv_path)
    if json_path:
        json_path.write_text(json.dumps(json_report(columns), indent=2), encoding="utf-8")
        written.append(json_path)
    if chart_path:
        bar_chart(columns, chart_path)
        written.append(chart_path)
    return written
