"""synth records -> tokens: the loss sees the assistant's words and nothing else; long samples are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from trainer_samples import synth_records, write_jsonl

from logcore.errors import LogchatError
from trainer.data import IGNORE_INDEX, load_conversations, prepare, tokenize_conversation


@pytest.fixture(scope="module")
def tokenizer(smollm2_path: Path):
    from trainer.base_model import load_tokenizer, resolve_source

    return load_tokenizer(resolve_source(str(smollm2_path)))


def trained_text(tokenizer, sample) -> str:
    return tokenizer.decode([t for t, label in zip(sample.input_ids, sample.labels) if label != IGNORE_INDEX])


def test_loss_covers_every_assistant_turn_and_nothing_else(tokenizer) -> None:
    record = next(r for r in synth_records() if len(r["messages"]) == 5)  # system, user, assistant, user, assistant
    sample = tokenize_conversation(tokenizer, record["messages"])
    answers = [m["content"] for m in record["messages"] if m["role"] == "assistant"]
    text = trained_text(tokenizer, sample)
    assert text == "".join(f"{a}<|im_end|>\n" for a in answers)
    assert "Log content" not in text and "careful log analyst" not in text
    assert tokenizer.decode(sample.input_ids) == tokenizer.apply_chat_template(record["messages"], tokenize=False)


def test_over_length_samples_are_counted_then_dropped_or_truncated(tokenizer, synth_jsonl: Path) -> None:
    conversations = load_conversations(synth_jsonl)
    lengths = sorted(len(tokenize_conversation(tokenizer, c.messages).input_ids) for c in conversations)
    limit = lengths[len(lengths) // 2]
    longer = sum(1 for n in lengths if n > limit)

    dropped = prepare(conversations, tokenizer, limit, "drop")
    assert dropped.report.over_length == longer and dropped.report.longest == lengths[-1]
    assert all(len(s.input_ids) <= limit for s in dropped.train + dropped.eval)
    assert f"{longer} samples exceed {limit} tokens (longest {lengths[-1]}): dropped" in "\n".join(
        dropped.report.lines(limit))

    truncated = prepare(conversations, tokenizer, limit, "truncate")
    kept = len(truncated.train) + len(truncated.eval) + truncated.report.dropped_no_target
    assert kept == len(conversations)
    assert "truncated to" in "\n".join(truncated.report.lines(limit))


def test_splits_route_train_and_val_and_report_the_rest(tokenizer, tmp_path: Path) -> None:
    records = synth_records()
    records[0]["split"] = "test"
    data = prepare(load_conversations(write_jsonl(tmp_path / "d.jsonl", records)), tokenizer, 4096)
    assert data.report.skipped_splits == {"test": 1}
    assert len(data.eval) == sum(1 for r in records if r["split"] == "val")
    assert len(data.train) == len(records) - 1 - len(data.eval)


def test_saved_datasets_folder_and_jsonl_folder_load_alike(tmp_path: Path) -> None:
    from datasets import Dataset, DatasetDict

    records = synth_records()
    by_split = {s: [r for r in records if r["split"] == s] for s in ("train", "val")}
    DatasetDict({s: Dataset.from_list(rs) for s, rs in by_split.items()}).save_to_disk(tmp_path / "saved")
    folder = tmp_path / "jsonl"
    folder.mkdir()
    for split, rs in by_split.items():
        write_jsonl(folder / f"{split}.jsonl", rs)
    for source in (tmp_path / "saved", folder):
        loaded = load_conversations(source)
        assert sorted(c.split for c in loaded) == sorted(r["split"] for r in records)
        assert {json.dumps(c.messages) for c in loaded} == {json.dumps(r["messages"]) for r in records}


def test_unreadable_datasets_fail_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "x"}]}\nnot json\n')
    with pytest.raises(LogchatError, match=r"bad.jsonl:2 is not valid JSON"):
        load_conversations(bad)
    with pytest.raises(LogchatError, match="not found"):
        load_conversations(tmp_path / "missing.jsonl")
