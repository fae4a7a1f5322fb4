"""The metric code agrees with the reference libraries and their documented values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tui.cli import cli
from evalkit.lexical import bleu_from_stats, corpus_bleu, lexical_scores
from evalkit.scoring import score_records


def test_documented_values_of_rapidfuzz_and_rouge_score() -> None:
    # rapidfuzz README: fuzz.ratio("this is a test", "this is a test!") == 96.55
    fuzzy = lexical_scores(["this is a test!"], ["this is a test"]).aggregate()["fuzzy"]
    assert fuzzy == pytest.approx(0.9655, abs=1e-4)
    # rouge-score README: prediction "The quick brown dog jumps on the log." against target
    # "The quick brown fox jumps over the lazy dog": rouge1 F 0.70588, rougeL F 0.58824.
    scores = lexical_scores(["The quick brown dog jumps on the log."], ["The quick brown fox jumps over the lazy dog"])
    assert scores.aggregate()["rouge1"] == pytest.approx(0.70588, abs=1e-5)
    assert scores.aggregate()["rougeL"] == pytest.approx(0.58824, abs=1e-5)


def test_rouge_lsum_splits_on_newlines() -> None:
    scores = lexical_scores(["d e f\na b c"], ["a b c\nd e f"]).aggregate()
    assert scores["rougeLsum"] == 1.0 and scores["rougeL"] == 0.5


def test_bleu_is_sacrebleu_corpus_bleu_on_a_0_to_1_scale() -> None:
    predictions = ["the cat sat on the mat", "hello there"]
    references = ["the cat sat on a mat", "hello here"]
    # By hand: matches 6/8, 3/6, 2/4, 1/3; geometric mean 0.5; lengths equal so no penalty.
    assert corpus_bleu(predictions, references) == pytest.approx(0.5)
    assert lexical_scores(predictions, references).aggregate()["bleu"] == pytest.approx(0.5)


def test_bleu_from_summed_statistics_equals_corpus_bleu_on_real_text(loghub: Path) -> None:
    lines = (loghub / "Hadoop" / "Hadoop_2k.log").read_text(encoding="utf-8").splitlines()[:60]
    predictions, references = lines[0::2], lines[1::2]
    scores = lexical_scores(predictions, references)
    assert scores.aggregate()["bleu"] == pytest.approx(corpus_bleu(predictions, references), abs=1e-12)
    subset = np.array([0, 3, 5, 7])
    assert bleu_from_stats(scores.bleu_stats[subset].sum(axis=0)) == pytest.approx(
        corpus_bleu([predictions[i] for i in subset], [references[i] for i in subset]), abs=1e-12
    )


def test_bootstrap_interval_brackets_the_estimate_and_is_seeded() -> None:
    records = [
        {"prediction": f"disk {i} failed on node {i % 3}", "reference": f"disk {i} failed on node {i % 2}", "task": "t"}
        for i in range(30)
    ]
    first = score_records(records, resamples=300, seed=1)["overall"]
    again = score_records(records, resamples=300, seed=1)["overall"]
    assert first.ci == again.ci
    for name in ("fuzzy", "bleu", "rouge1", "rougeLsum"):
        lo, hi = first.ci[name]
        assert lo <= first.metrics[name] <= hi


def test_score_json_accepts_any_jsonl_with_prediction_reference_task(tmp_path: Path) -> None:
    path = tmp_path / "any.jsonl"
    rows = [
        {"prediction": "The NameNode lost block blk_1.", "reference": "Block blk_1 was lost by the NameNode.", "task": "summarize"},
        {"prediction": "Root cause: disk full.", "reference": "The disk was full.", "task": "rootcause"},
        {"prediction": "Disk full on node-3.", "reference": "node-3 ran out of disk.", "task": "rootcause"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    result = CliRunner().invoke(cli, ["eval", "score", str(path), "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"overall", "summarize", "rootcause"}
    for entry in report.values():
        for key in ("fuzzy", "bleu", "rouge1", "rouge2", "rougeL", "rougeLsum"):
            assert 0.0 <= entry[key] <= 1.0
        assert entry["citation_validity"] is None  # no log in these records
    assert report["rootcause"]["n"] == 2 and report["overall"]["n"] == 3


def test_score_rejects_a_record_without_a_reference(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"prediction": "x", "task": "t"}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "score", str(path)])
    assert result.exit_code == 3
    assert result.output.strip().splitlines() == [
        f"logchat: error: {path} record 1 has no string `reference`; each line needs prediction, reference and task"
    ]


def test_rouge_equals_rouge_score_with_use_stemmer_on_real_text(loghub: Path) -> None:
    from rouge_score import rouge_scorer

    lines = (loghub / "OpenSSH" / "OpenSSH_2k.log").read_text(encoding="utf-8").splitlines()
    predictions = ["\n".join(lines[i : i + 3]) + " failures happening repeatedly" for i in range(0, 60, 6)]
    references = ["\n".join(lines[i + 1 : i + 5]) + " failed attempts repeated" for i in range(0, 60, 6)]
    reference_scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
    expected = [reference_scorer.score(r, p) for p, r in zip(predictions, references, strict=True)]
    ours = lexical_scores(predictions, references)
    for name in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
        assert list(ours.per_answer[name]) == [e[name].fmeasure for e in expected]
