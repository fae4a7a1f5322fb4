"""End to end with real models: run (interrupted and resumed) -> score -> compare, local and remote."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tui.cli import cli

pytestmark = pytest.mark.slow

MAX_TOKENS = "24"
LOGCHAT = [sys.executable, "-c", "from tui.cli import main; main()"]


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["eval", *args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def local_predictions(tmp_path_factory: pytest.TempPathFactory, loghub: Path) -> tuple[Path, Path, list[dict]]:
    """A local run interrupted (Ctrl-C) after its first answer, then resumed to the end.

    Returns (test set, predictions, the records that existed when the run was interrupted).
    A torn last line from a harder kill is covered in test_store.py.
    """
    from evalkit_tinyset import build_tiny_test_set

    root = tmp_path_factory.mktemp("eval_local")
    test_set = root / "test.jsonl"
    test_set.write_text("".join(json.dumps(s) + "\n" for s in build_tiny_test_set(loghub)), encoding="utf-8")
    out = root / "local.jsonl"
    proc = subprocess.Popen(
        [*LOGCHAT, "eval", "run", str(test_set), "-o", str(out), "--max-tokens", MAX_TOKENS, "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while not (out.exists() and out.read_bytes().count(b"\n") >= 1):
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "no answer within 240 s"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert f"logchat: interrupted; finished answers are in {out}; rerun the same command to resume" in stderr
    before = records(out)

    code, output = invoke("run", str(test_set), "-o", str(out), "--max-tokens", MAX_TOKENS, "--no-progress")
    assert code == 0, output
    assert f"{5 - len(before)} answered, {len(before)} already in" in output
    return test_set, out, before


def test_an_interrupted_run_resumes_without_losing_or_repeating_an_answer(local_predictions: tuple[Path, Path, list[dict]]) -> None:
    _, out, before = local_predictions
    after = records(out)
    keys = [r["key"] for r in after]
    assert len(keys) == len(set(keys)) == 5  # 4 samples, the conversation has 2 turns
    assert after[: len(before)] == before  # what the killed run wrote is untouched
    assert {r["key"] for r in after if r["task"] == "conversation"} == {
        k for k in keys if k.endswith("#1") or k.endswith("#2")
    } - {r["key"] for r in after if r["task"] != "conversation"}
    for r in after:
        assert r["model"] == "local:SmolLM2-135M-Instruct.Q4_1"
        assert r["prediction"].strip() and r["completion_tokens"] <= int(MAX_TOKENS)
        assert r["ttft_s"] > 0 and r["latency_s"] >= r["ttft_s"] and r["prompt_tokens"] > 0
        assert r["context_policy"] == "whole log"


def test_score_reports_lexical_grounded_and_speed_per_task(local_predictions: tuple[Path, Path, list[dict]]) -> None:
    _, out, _ = local_predictions
    code, output = invoke("score", str(out), "--json", "--bootstrap", "200")
    assert code == 0, output
    report = json.loads(output)
    assert list(report) == ["overall", "summarize", "rootcause", "risk", "conversation"]
    overall = report["overall"]
    assert overall["n"] == 5 and 0 <= overall["rougeLsum"] <= 1 and overall["ttft_s"] > 0
    assert report["risk"]["risk_recall"] is not None  # BGL: labels come from the log itself
    assert report["rootcause"]["alert_coverage"] is not None
    assert report["summarize"]["alert_coverage"] is None  # HDFS has no alert labels


def test_a_predictions_file_refuses_answers_from_another_setup(local_predictions: tuple[Path, Path, list[dict]]) -> None:
    test_set, out, _ = local_predictions
    code, output = invoke("run", str(test_set), "-o", str(out), "--max-tokens", "7", "--no-progress")
    assert code == 3
    assert "use another --out or the same settings" in output


def test_digest_context_is_recorded(local_predictions: tuple[Path, Path, list[dict]], tmp_path: Path) -> None:
    test_set, _, _ = local_predictions
    out = tmp_path / "digest.jsonl"
    code, output = invoke("run", str(test_set), "-o", str(out), "--max-tokens", "8", "--no-progress",
                          "--context", "digest", "--task", "rootcause", "--log-tokens", "600")
    assert code == 0, output
    (record,) = records(out)
    assert record["context"] == "digest" and record["context_policy"] == "digest"
    assert 0 < record["context_tokens"] <= 600


def test_remote_run_then_compare_writes_the_table_and_files(
    local_predictions: tuple[Path, Path, list[dict]], llama_server: str, tmp_path: Path
) -> None:
    test_set, local, _ = local_predictions
    remote = tmp_path / "remote.jsonl"
    code, output = invoke("run", str(test_set), "-o", str(remote), "--model", f"openai:{llama_server}",
                          "--max-tokens", MAX_TOKENS, "--concurrency", "2", "--no-progress",
                          "--task", "conversation")
    assert code == 0, output
    assert "using 1 answer in flight instead of 2" in output  # llama_cpp.server interrupts concurrent streams
    answers = records(remote)
    assert sorted(r["key"].rsplit("#", 1)[1] for r in answers) == ["1", "2"]  # turn by turn
    assert all(r["model"].startswith("openai:") and r["prediction"].strip() for r in answers)

    md, table_csv, table_json, chart = (tmp_path / n for n in ("t.md", "t.csv", "t.json", "t.png"))
    code, output = invoke("compare", str(local), str(remote), "--label", "bundled local", "--label", "bundled server",
                          "--markdown", str(md), "--csv", str(table_csv), "--json", str(table_json),
                          "--chart", str(chart), "--bootstrap", "100")
    assert code == 0, output
    assert "Fuzzy Match" in output and "bundled server" in output and "ROUGE-Lsum" in output
    text = md.read_text(encoding="utf-8")
    assert "| Metric | bundled local | bundled server | Δ |" in text and "| Citation validity |" in text
    rows = list(csv.DictReader(table_csv.open(encoding="utf-8")))
    assert {r["model"] for r in rows} == {"bundled local", "bundled server"}
    assert {r["metric"] for r in rows} >= {"fuzzy", "bleu", "rouge1", "rouge2", "rougeL", "rougeLsum"}
    data = json.loads(table_json.read_text(encoding="utf-8"))
    assert data["bundled server"]["overall"]["n"] == 2 and data["bundled local"]["overall"]["n"] == 5
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
