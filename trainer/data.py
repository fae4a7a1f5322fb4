"""synth's chat dataset -> token ids with labels on the assistant's tokens only.

The base model's own chat template renders each conversation; assistant spans are found by
rendering growing prefixes of the conversation, so the mask is right for any template that
renders a prefix of the messages as a prefix of the text (Llama 3, ChatML, ...). Samples
longer than the maximum length are counted and dropped or truncated, never silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from logcore.errors import LogchatError

IGNORE_INDEX = -100
TRAIN_SPLITS = ("train",)
EVAL_SPLITS = ("val", "validation", "eval", "dev")


@dataclass
class Conversation:
    messages: list[dict[str, str]]
    split: str = "train"
    task: str = ""
    chunk_id: str = ""


@dataclass
class TokenizedSample:
    input_ids: list[int]
    labels: list[int]

    @property
    def trained_tokens(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE_INDEX)


@dataclass
class DataReport:
    """What happened to the data, printed before training starts."""

    train_samples: int = 0
    eval_samples: int = 0
    skipped_splits: dict[str, int] = field(default_factory=dict)
    over_length: int = 0
    longest: int = 0
    overlength_action: str = "drop"
    dropped_no_target: int = 0
    train_tokens: int = 0
    target_tokens: int = 0

    def lines(self, max_length: int) -> list[str]:
        out = [f"data: {self.train_samples} train / {self.eval_samples} eval samples, "
               f"{self.train_tokens:,} train tokens ({self.target_tokens:,} trained on)"]
        if self.skipped_splits:
            parts = ", ".join(f"{n} {name}" for name, n in sorted(self.skipped_splits.items()))
            out.append(f"data: not used for training: {parts}")
        if self.over_length:
            done = "dropped" if self.overlength_action == "drop" else f"truncated to {max_length} tokens"
            out.append(f"data: {self.over_length} samples exceed {max_length} tokens "
                       f"(longest {self.longest}): {done}")
        if self.dropped_no_target:
            out.append(f"data: {self.dropped_no_target} samples dropped: no assistant tokens within the length limit")
        return out


class ChatTokenizer(Protocol):
    def apply_chat_template(self, conversation: list[dict[str, str]], **kwargs: Any) -> Any: ...
    def __call__(self, text: str, **kwargs: Any) -> Any: ...


def _records_from_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise LogchatError(f"{path}:{number} is not valid JSON ({exc.msg}): fix or remove the line") from None


def _records(path: Path) -> Iterator[tuple[dict[str, Any], str | None]]:
    """(record, split from the file name or dataset split) for every supported layout."""
    if path.is_file():
        for record in _records_from_jsonl(path):
            yield record, None
        return
    if (path / "dataset_dict.json").exists() or (path / "dataset_info.json").exists():
        from datasets import DatasetDict, load_from_disk

        loaded = load_from_disk(str(path))
        parts = loaded.items() if isinstance(loaded, DatasetDict) else [(None, loaded)]
        for split, ds in parts:
            for record in ds:
                yield dict(record), split
        return
    files = sorted(path.glob("*.jsonl"))
    if not files:
        raise LogchatError(f"{path} holds no *.jsonl files and no saved dataset: point --dataset at synth's output")
    for file in files:
        for record in _records_from_jsonl(file):
            yield record, file.stem


def load_conversations(path: str | Path) -> list[Conversation]:
    """Reads synth's output: a JSONL file, a folder of JSONL files, or a `save_to_disk` folder."""
    source = Path(path)
    if not source.exists():
        raise LogchatError(f"dataset {source} not found: pass synth's output with --dataset or --set dataset=PATH")
    conversations = []
    for record, split_hint in _records(source):
        messages = record.get("messages")
        if not isinstance(messages, list) or not messages:
            raise LogchatError(f"{source}: a record has no 'messages' list: expected synth's chat format")
        conversations.append(Conversation(
            messages=[{"role": m["role"], "content": m["content"]} for m in messages],
            split=str(record.get("split") or split_hint or "train"),
            task=str(record.get("task") or ""),
            chunk_id=str(record.get("chunk_id") or ""),
        ))
    if not conversations:
        raise LogchatError(f"dataset {source} is empty: run `logchat synth` first")
    return conversations


def _render(tokenizer: ChatTokenizer, messages: list[dict[str, str]], generation_prompt: bool) -> str:
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)


def assistant_spans(tokenizer: ChatTokenizer, messages: list[dict[str, str]]) -> tuple[str, list[tuple[int, int]]]:
    """The rendered text and the character spans of each assistant reply (with its end-of-turn marker)."""
    text = _render(tokenizer, messages, False)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        start = len(_render(tokenizer, messages[:i], True))
        end = len(_render(tokenizer, messages[: i + 1], False))
        if not text.startswith(_render(tokenizer, messages[: i + 1], False)) or start > end:
            raise LogchatError("the model's chat template does not render conversations prefix by prefix: "
                               "use a model with a Llama-3 or ChatML style template")
        spans.append((start, end))
    return text, spans


def tokenize_conversation(tokenizer: ChatTokenizer, messages: list[dict[str, str]]) -> TokenizedSample:
    text, spans = assistant_spans(tokenizer, messages)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    labels = []
    for token, (start, _end) in zip(encoded["input_ids"], encoded["offset_mapping"]):
        inside = any(s <= start < e for s, e in spans)
        labels.append(token if inside else IGNORE_INDEX)
    return TokenizedSample(input_ids=list(encoded["input_ids"]), labels=labels)


@dataclass
class PreparedData:
    train: list[TokenizedSample]
    eval: list[TokenizedSample]
    report: DataReport


def prepare(
    conversations: Iterable[Conversation],
    tokenizer: ChatTokenizer,
    max_length: int,
    overlength: str = "drop",
) -> PreparedData:
    report = DataReport(overlength_action=overlength)
    train: list[TokenizedSample] = []
    evaluation: list[TokenizedSample] = []
    for conv in conversations:
        split = conv.split.lower()
        if split not in TRAIN_SPLITS and split not in EVAL_SPLITS:
            report.skipped_splits[split] = report.skipped_splits.get(split, 0) + 1
            continue
        sample = tokenize_conversation(tokenizer, conv.messages)
        length = len(sample.input_ids)
        if length > max_length:
            report.over_length += 1
            report.longest = max(report.longest, length)
            if overlength == "drop":
                continue
            sample = TokenizedSample(sample.input_ids[:max_length], sample.labels[:max_length])
            if sample.trained_tokens == 0:
                report.dropped_no_target += 1
                continue
        target = train if split in TRAIN_SPLITS else evaluation
        target.append(sample)
    report.train_samples = len(train)
    report.eval_samples = len(evaluation)
    report.train_tokens = sum(len(s.input_ids) for s in train)
    report.target_tokens = sum(s.trained_tokens for s in train)
    if not train:
        raise LogchatError("no training samples left (none in split 'train', or all over max_sequence_length): "
                           "check the dataset or raise max_sequence_length")
    return PreparedData(train=train, eval=evaluation, report=report)
