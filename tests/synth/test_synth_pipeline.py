"""chunk -> generate -> validate -> build against a real teacher (llama_cpp.server + SmolLM2).

Greedy decoding (temperature 0, fixed seed) keeps the tiny teacher's answers reproducible;
the chunks are 4 short lines so each request stays within seconds on a CPU.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from datasets import load_from_disk

from tui.cli import cli
from logcore.append_log import iter_records

pytestmark = pytest.mark.slow

SYSTEMS = ("Apache", "HPC", "OpenSSH")
TEACHER_FLAGS = ["--temperature", "0", "--seed", "1", "--concurrency", "1", "--no-progress"]


def generate_cmd(workdir: Path, url: str, *extra: str) -> list[str]:
    return [sys.executable, "-c", "from tui.cli import main; main()", "synth", "generate",
            "-w", str(workdir), "--endpoint", url, *TEACHER_FLAGS, *extra]


@pytest.fixture(scope="module")
def workdir(llama_server: str, loghub: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("synth_pipeline")
    result = CliRunner().invoke(cli, ["synth", "chunk", *(str(loghub / s) for s in SYSTEMS), "-w", str(work),
                                        "--per-system", "1", "--min-lines", "4", "--max-lines", "4", "--seed", "3"])
    assert result.exit_code == 0, result.output
    return work


def test_generate_killed_mid_run_resumes_without_loss_or_duplicates(workdir: Path, llama_server: str) -> None:
    out = workdir / "generations.jsonl"
    cmd = generate_cmd(workdir, llama_server, "--tasks", "risk", "--max-tokens", "160")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=os.environ.copy())
    deadline = time.monotonic() + 240
    while not (out.exists() and out.read_bytes().count(b"\n") >= 1):
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        assert time.monotonic() < deadline, "no record written within 240 s"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = out.read_bytes()
    kept = before[: before.rfind(b"\n") + 1]
    done_before = [r["key"] for r in iter_records(out)]
    assert 1 <= len(done_before) < 3, "the run must be killed mid-way to test resume"

    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=400)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"({len(done_before)} already done" in rerun.stdout
    after = out.read_bytes()
    assert after.startswith(kept)  # finished records untouched
    records = list(iter_records(out))
    keys = [r["key"] for r in records]
    assert len(keys) == len(set(keys)) == 3  # 3 chunks x risk: nothing lost, nothing twice
    chunk_ids = {json.loads(l)["id"] for l in (workdir / "chunks.jsonl").read_text().splitlines()}
    assert {r["chunk_id"] for r in records} == chunk_ids
    assert all(r["prompt_tokens"] > 0 and r["completion_tokens"] > 0 for r in records)


def test_validate_and_build_on_the_real_teacher_output(workdir: Path, llama_server: str) -> None:
    runner = CliRunner()
    # One Markdown answer too, cut short on purpose: validate must reject it as truncated.
    result = runner.invoke(cli, ["synth", "generate", "-w", str(workdir), "--endpoint", llama_server, *TEACHER_FLAGS,
                                   "--tasks", "summarize", "--limit", "1", "--max-tokens", "16"])
    assert result.exit_code == 0, result.output

    result = runner.invoke(cli, ["synth", "validate", "-w", str(workdir)])
    assert result.exit_code == 0, result.output
    generated = {r["key"] for r in iter_records(workdir / "generations.jsonl")}
    accepted = list(iter_records(workdir / "accepted.jsonl"))
    rejects = list(iter_records(workdir / "rejects.jsonl"))
    assert {r["key"] for r in accepted} | {r["key"] for r in rejects} == generated
    assert not {r["key"] for r in accepted} & {r["key"] for r in rejects}
    assert all(r["reasons"] for r in rejects)
    summary = next(r for r in rejects if r["task"] == "summarize")
    assert {x["check"] for x in summary["reasons"]} == {"truncated"}
    assert "summarize" in result.output and "truncated" in result.output
    assert accepted, f"the greedy teacher produced no grounded risk answer: {[r['reasons'] for r in rejects]}"

    result = runner.invoke(cli, ["synth", "build", "-w", str(workdir), "--val", "0.34", "--test", "0.33"])
    assert result.exit_code == 0, result.output
    dataset = load_from_disk(str(workdir / "dataset" / "hf"))
    assert sum(len(split) for split in dataset.values()) == len(accepted)
    sample = next(s for split in dataset.values() for s in split)
    assert sample["messages"][-1]["role"] == "assistant"
    assert json.loads(sample["messages"][-1]["content"])["risk_score"] >= 0
    assert "Log content:" in sample["messages"][1]["content"]
    assert (workdir / "dataset" / "DATACARD.md").read_text().count("| risk |") == 1
