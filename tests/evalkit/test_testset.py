"""Reading synth's format back: the rebuilt prompts are the sample's own bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.testset import load_test_set
from logcore.errors import LogInputError
from models.prompts import Turn, build_messages


def test_rebuilt_messages_equal_the_samples_bytes_turn_by_turn(tiny_test_set: Path) -> None:
    originals = [json.loads(line) for line in tiny_test_set.read_text(encoding="utf-8").splitlines()]
    samples = load_test_set(tiny_test_set)
    assert [s.task for s in samples] == ["summarize", "rootcause", "risk", "conversation"]
    for original, sample in zip(originals, samples, strict=True):
        for turn in range(len(sample.turns)):
            prompt = sample.messages(turn)
            assert prompt == original["messages"][: len(prompt)]
            assert original["messages"][len(prompt)]["content"] == sample.turns[turn].answer
    conversation = samples[3]
    assert len(conversation.turns) == 2 and conversation.turns[1] == Turn(
        "Which host opened connections?", "10.10.34.11, on port 3888 (line 2)."
    )
    assert "Log content" not in conversation.messages(1)[-1]["content"]  # log on the first turn only


def test_a_sample_with_findings_is_read_back_byte_for_byte(tmp_path: Path) -> None:
    findings = "Findings (lines 1-2):\nLikely causes, best first:\n1. line 2: ERROR pool exhausted"
    messages = build_messages("1 | start\n2 | ERROR pool exhausted", [Turn("What failed?", "line 2.")],
                              findings_text=findings)
    path = tmp_path / "test.jsonl"
    path.write_text(json.dumps({"messages": messages, "task": "rootcause", "chunk_id": "c"}) + "\n")
    sample = load_test_set(path)[0]
    assert sample.findings == findings and sample.with_system_prompt and sample.turns[0].question == "What failed?"
    assert sample.messages(0) == messages[:2]


def test_numbering_and_labels_come_back_from_the_log(tiny_test_set: Path) -> None:
    samples = load_test_set(tiny_test_set)
    hdfs, bgl = samples[0], samples[1]
    assert hdfs.first_line == 1 and hdfs.raw_lines()[0].startswith("081109 203615 148 INFO")
    assert hdfs.labels == {} and not hdfs.labelled
    assert bgl.labelled and bgl.labels and set(bgl.labels.values()) <= {"APPREAD", "KERNDTLB", "APPSEV"} | set(bgl.labels.values())
    assert all(bgl.raw_lines()[n - bgl.first_line].startswith(category + " ") for n, category in bgl.labels.items())


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json\n", "line 1 is not JSON"),
        (json.dumps({"task": "summarize"}) + "\n", "has no `messages` list"),
        (json.dumps({"messages": [{"role": "user", "content": "no marker"}], "task": "t"}) + "\n", "no 'Log content:' marker"),
        ("", "is empty"),
    ],
)
def test_bad_test_sets_get_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LogInputError, match=message):
        load_test_set(path)
