"""Building the chat dataset: the exact models.prompts format, splits by chunk, the data card."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from datasets import load_from_disk

from logcore.findings import find_incidents
from models.prompts import TASK_QUESTIONS, Task, Turn, build_messages, evidence_text, system_prompt
from synth.build import assign_splits
from synth.chunk import make_chunks
from tui.cli import cli
from synth.generate import record_key
from logcore.append_log import AppendLog
from synth.taskspec import load_tasks

SPECS = load_tasks()


def accepted_record(chunk_id: str, system: str, task: str, answer: object) -> dict:
    spec = SPECS[task]
    return {"key": record_key(chunk_id, task, spec.prompt_hash), "chunk_id": chunk_id, "task": task,
            "prompt_hash": spec.prompt_hash, "system": system, "model": "planted-teacher",
            "content": answer if isinstance(answer, str) else json.dumps(answer), "finish_reason": "stop",
            "answer": answer}


@pytest.fixture
def workdir(loghub: Path, tmp_path: Path) -> Path:
    """40 real chunks over 4 systems, each with accepted answers for 2-3 tasks."""
    chunks = list(make_chunks([loghub / s for s in ("HDFS", "OpenSSH", "Apache", "Linux")],
                              per_system=10, min_lines=5, max_lines=8, seed=2))
    (tmp_path / "chunks.jsonl").write_text("".join(c.to_json() + "\n" for c in chunks))
    with AppendLog(tmp_path / "accepted.jsonl") as store:
        for i, c in enumerate(chunks):
            store.add(accepted_record(c.id, c.system, "summarize", f"## Overview\nLines {c.start_line}-{c.end_line}."))
            store.add(accepted_record(c.id, c.system, "risk", {
                "risk_score": 5, "should_alert_user": False,
                "messages": {"critical": [], "warning": [c.start_line]}, "summary": ["routine"]}))
            if i % 2:
                store.add(accepted_record(c.id, c.system, "conversation", {"turns": [
                    {"user": f"Q{k}?", "assistant": f"A{k} (line {c.start_line})."} for k in range(10)]}))
    return tmp_path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_build_writes_every_format_with_no_chunk_in_two_splits(workdir: Path) -> None:
    result = CliRunner().invoke(cli, ["synth", "build", "-w", str(workdir), "--val", "0.2", "--test", "0.2", "--seed", "1"])
    assert result.exit_code == 0, result.output
    out = workdir / "dataset"
    rows = {split: read_jsonl(out / f"{split}.jsonl") for split in ("train", "val", "test")}
    assert sum(len(r) for r in rows.values()) == 100
    chunk_splits: dict[str, set[str]] = {}
    for split, samples in rows.items():
        for s in samples:
            assert s["split"] == split
            assert set(s) >= {"messages", "task", "system", "chunk_id", "split"}
            chunk_splits.setdefault(s["chunk_id"], set()).add(split)
    assert all(len(splits) == 1 for splits in chunk_splits.values())  # no leakage
    # Stratified: every system has chunks in all three splits (10 chunks, 20% / 20%).
    for system in ("HDFS", "OpenSSH", "Apache", "Linux"):
        per_split = Counter(s["split"] for r in rows.values() for s in r if s["system"] == system and s["task"] == "risk")
        assert per_split == {"train": 6, "val": 2, "test": 2}, (system, per_split)

    saved = load_from_disk(str(out / "hf"))
    assert {k: len(v) for k, v in saved.items()} == {k: len(v) for k, v in rows.items()}
    assert saved["test"][0]["messages"] == rows["test"][0]["messages"]
    assert pq.read_table(out / "parquet" / "train.parquet").num_rows == len(rows["train"])
    share = read_jsonl(out / "sharegpt" / "val.jsonl")
    assert [t["from"] for t in share[0]["conversations"]][:3] == ["system", "human", "gpt"]

    card = (out / "DATACARD.md").read_text()
    assert "| conversation | " in card and "| HDFS | " in card
    assert "exceed\n8192 tokens" in card or "exceed 8192" in card.replace("\n", " ")
    assert (out / "token_lengths.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "exceed 8192 tokens" in result.output


def test_samples_use_the_models_prompt_format_and_log_only_on_the_first_turn(workdir: Path) -> None:
    CliRunner().invoke(cli, ["synth", "build", "-w", str(workdir)], catch_exceptions=False)
    samples = [s for split in ("train", "val", "test") for s in read_jsonl(workdir / "dataset" / f"{split}.jsonl")]
    chunks = {json.loads(l)["id"]: json.loads(l) for l in (workdir / "chunks.jsonl").read_text().splitlines()}
    summary = next(s for s in samples if s["task"] == "summarize")
    chunk = chunks[summary["chunk_id"]]
    numbered = "\n".join(f"{chunk['start_line'] + i} | {line}" for i, line in enumerate(chunk["lines"]))
    findings = evidence_text(find_incidents(chunk["lines"], first_line=chunk["start_line"]))
    expected = build_messages(numbered, [Turn(TASK_QUESTIONS[Task.SUMMARIZE], summary["messages"][-1]["content"])],
                              findings_text=findings)
    assert summary["messages"] == expected  # with the findings block inference sends, if any
    assert summary["messages"][0] == {"role": "system", "content": system_prompt(with_findings=bool(findings))}

    convo = next(s for s in samples if s["task"] == "conversation")
    roles = [m["role"] for m in convo["messages"]]
    assert roles == ["system"] + ["user", "assistant"] * 10
    users = [m["content"] for m in convo["messages"] if m["role"] == "user"]
    assert "Log content:" in users[0] and all("Log content:" not in u for u in users[1:])
    assert users[1] == "Q1?"

    risk = next(s for s in samples if s["task"] == "risk")
    assert json.loads(risk["messages"][-1]["content"])["messages"]["warning"] == [risk["start_line"]]
    assert risk["messages"][1]["content"].startswith(SPECS["risk"].student_question)  # risk: never findings


def test_split_assignment_is_seeded_and_never_splits_a_chunk() -> None:
    chunk_tasks = {f"c{i}": (f"sys{i % 3}", frozenset({"risk", "summarize"} if i % 2 else {"risk"})) for i in range(90)}
    fractions = {"train": 0.8, "val": 0.1, "test": 0.1}
    first = assign_splits(chunk_tasks, fractions, seed=4)
    assert first == assign_splits(chunk_tasks, fractions, seed=4)
    assert first != assign_splits(chunk_tasks, fractions, seed=5)
    assert set(first) == set(chunk_tasks)
    assert Counter(first.values()) == {"train": 72, "val": 9, "test": 9}


def test_build_without_accepted_records_says_what_to_run(tmp_path: Path, workdir: Path) -> None:
    (workdir / "accepted.jsonl").write_text("")
    result = CliRunner().invoke(cli, ["synth", "build", "-w", str(workdir)])
    assert result.exit_code == 3
    assert "no accepted records" in result.output and "Traceback" not in result.output
