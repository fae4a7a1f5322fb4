"""Turns accepted teacher answers into chat samples and splits them by chunk.

Samples are built with `models.prompts.build_messages`, the same function inference uses, with
the same findings block the teacher saw, and the log is numbered exactly as the teacher saw it
so every `line N` in an answer points at the line the student is shown. A chunk's samples (all tasks) go to one split only: otherwise the
test set would hold logs the model was trained on.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from logcore.errors import LogInputError
from models.prompts import Message, Turn, build_messages
from synth.chunk import Chunk
from logcore.append_log import iter_records
from synth.taskspec import TaskSpec

Split = Literal["train", "val", "test"]
SPLITS: tuple[Split, ...] = ("train", "val", "test")


@dataclass
class Sample:
    """One line of synth's dataset: what trainer and evalkit read."""

    messages: list[Message]
    task: str
    system: str
    chunk_id: str
    split: str
    source: str
    start_line: int
    end_line: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def answer_turns(spec: TaskSpec, answer: Any) -> list[Turn]:
    if spec.kind == "conversation":
        return [Turn(t["user"], t["assistant"]) for t in answer["turns"]]
    if spec.kind == "json":
        return [Turn(spec.student_question, json.dumps(answer, ensure_ascii=False))]
    return [Turn(spec.student_question, answer.strip())]


def make_sample(record: dict[str, Any], spec: TaskSpec, chunk: Chunk) -> Sample:
    return Sample(
        messages=build_messages(chunk.numbered_text(), answer_turns(spec, record["answer"]),
                                findings_text=chunk.findings_for(spec.name)),
        task=spec.name,
        system=chunk.system,
        chunk_id=chunk.id,
        split="",
        source=Path(chunk.source).name,
        start_line=chunk.start_line,
        end_line=chunk.end_line,
    )


def assign_splits(
    chunk_tasks: dict[str, tuple[str, frozenset[str]]],
    fractions: dict[Split, float],
    seed: int,
) -> dict[str, Split]:
    """chunk id -> split, stratified by system and by the tasks the chunk carries.

    Chunks are ordered by system, then by their task set (shuffled inside each), then dealt
    in that order to whichever split is furthest below its share so far. Every run of the
    order (a system, a task mix within it) is thus spread over the splits in proportion, and
    small systems still contribute to val and test together.
    """
    rng = random.Random(seed)
    order = sorted(chunk_tasks)
    rng.shuffle(order)
    order.sort(key=lambda cid: (chunk_tasks[cid][0], sorted(chunk_tasks[cid][1])))  # stable sort
    given: Counter[Split] = Counter()
    result: dict[str, Split] = {}
    for k, chunk_id in enumerate(order, start=1):
        split = max(SPLITS, key=lambda s: (k * fractions[s] - given[s], -SPLITS.index(s)))
        given[split] += 1
        result[chunk_id] = split
    return result


def load_samples(
    accepted_path: Path,
    chunks: list[Chunk],
    specs: dict[str, TaskSpec],
    *,
    val_fraction: float,
    test_fraction: float,
    seed: int,
) -> list[Sample]:
    if not 0 <= val_fraction < 1 or not 0 <= test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise LogInputError("bad split fractions: need 0 <= val, test and val + test < 1")
    by_id = {c.id: c for c in chunks}
    samples: list[Sample] = []
    for record in iter_records(accepted_path):
        chunk = by_id.get(record["chunk_id"])
        spec = specs.get(record["task"])
        if chunk is None or spec is None:
            raise LogInputError(
                f"accepted record {record['key']} has no chunk or task: rerun `logchat synth validate` "
                "with the same chunk file"
            )
        samples.append(make_sample(record, spec, chunk))
    if not samples:
        raise LogInputError(f"{accepted_path} holds no accepted records: run generate and validate first")
    chunk_tasks: dict[str, tuple[str, set[str]]] = {}
    for s in samples:
        chunk_tasks.setdefault(s.chunk_id, (s.system, set()))[1].add(s.task)
    fractions: dict[Split, float] = {
        "train": 1 - val_fraction - test_fraction, "val": val_fraction, "test": test_fraction,
    }
    splits = assign_splits(
        {cid: (system, frozenset(tasks)) for cid, (system, tasks) in chunk_tasks.items()},
        fractions, seed,
    )
    for s in samples:
        s.split = splits[s.chunk_id]
    samples.sort(key=lambda s: (SPLITS.index(s.split), s.system, s.chunk_id, s.task))
    return samples


def sharegpt(sample: Sample) -> dict[str, Any]:
    roles = {"system": "system", "user": "human", "assistant": "gpt"}
    return {
        "conversations": [{"from": roles[m["role"]], "value": m["content"]} for m in sample.messages],
        "task": sample.task, "system": sample.system, "chunk_id": sample.chunk_id,
    }


def write_dataset(samples: list[Sample], out: Path) -> dict[str, Path]:
    """JSONL per split (what trainer/evalkit read), a saved DatasetDict, parquet and ShareGPT."""
    from datasets import Dataset, DatasetDict, Features, List, Value, disable_progress_bars

    disable_progress_bars()

    features = Features({
        "messages": List({"role": Value("string"), "content": Value("string")}),
        "task": Value("string"), "system": Value("string"), "chunk_id": Value("string"),
        "split": Value("string"), "source": Value("string"),
        "start_line": Value("int64"), "end_line": Value("int64"),
    })
    out.mkdir(parents=True, exist_ok=True)
    (out / "parquet").mkdir(exist_ok=True)
    (out / "sharegpt").mkdir(exist_ok=True)
    per_split = {split: [s for s in samples if s.split == split] for split in SPLITS}
    parts = {}
    for split, rows in per_split.items():
        with (out / f"{split}.jsonl").open("w", encoding="utf-8") as f:
            for s in rows:
                f.write(json.dumps(s.to_dict(), ensure_ascii=False) + "\n")
        with (out / "sharegpt" / f"{split}.jsonl").open("w", encoding="utf-8") as f:
            for s in rows:
                f.write(json.dumps(sharegpt(s), ensure_ascii=False) + "\n")
        columns = {name: [getattr(s, name) for s in rows] for name in features}
        dataset = Dataset.from_dict(columns, features=features)
        dataset.to_parquet(str(out / "parquet" / f"{split}.parquet"))
        if rows:  # datasets 5 saves an empty split with no shards, then cannot iterate it
            parts[split] = dataset
    DatasetDict(parts).save_to_disk(str(out / "hf"))
    return {"jsonl": out, "hf": out / "hf", "parquet": out / "parquet", "sharegpt": out / "sharegpt"}
