"""Read a test set in synth's chat format and turn each sample back into log + questions.

A sample is one JSONL line: `messages` (OpenAI chat format; the log sits on the first user
turn after models.prompts' separator), plus `task`, `system`, `chunk_id` and optionally `id`,
`log`, `first_line` and `labels`. Rebuilding the prompt with `models.prompts.build_messages`
from the parts found here yields the sample's own bytes, which lets evalkit swap the log for
another context (the digest) while keeping every other byte of the training format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from logcore.errors import LogInputError
from models.prompts import DETAIL_SUFFIX, LOG_SEPARATOR, Message, Turn, build_messages, split_findings, system_prompt

_NUMBERED = re.compile(r"^(\d+) \| ")
# BGL / Thunderbird: the first column is "-" (no alert) or the alert category.
_ALERT_TAG = re.compile(r"^(-|[A-Z][A-Z0-9_]*) \d{9,10} ")
ALERT_SYSTEMS = ("BGL", "Thunderbird")


@dataclass
class EvalSample:
    id: str
    task: str
    system: str
    chunk_id: str
    log: str  # the log exactly as the model is shown it (synth numbers its lines "N | text")
    turns: list[Turn]  # questions with their reference answers
    with_system_prompt: bool = True
    first_line: int = 1
    labels: dict[int, str] = field(default_factory=dict)  # 1-based alert line -> category
    labelled: bool = False  # alert labels are known (an empty `labels` then means "no alerts")
    findings: str = ""  # the findings block the sample's first turn carried (models.prompts)

    def messages(self, turn: int, log: str | None = None) -> list[Message]:
        """The prompt for `turn`: earlier turns carry their reference answers."""
        history = self.turns[:turn] + [Turn(self.turns[turn].question)]
        return build_messages(self.log if log is None else log, history, system=self.with_system_prompt,
                              findings_text=self.findings)

    def raw_lines(self) -> list[str]:
        """The log lines without synth's "N | " prefixes (what the digest expects)."""
        lines = self.log.split("\n")
        if all(_NUMBERED.match(line) for line in lines if line):
            return [_NUMBERED.sub("", line, count=1) for line in lines]
        return lines


def load_test_set(path: Path) -> list[EvalSample]:
    if not path.is_file():
        raise LogInputError(f"test set {path} not found; pass the test.jsonl that `logchat synth build` wrote")
    samples: list[EvalSample] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise LogInputError(f"{path} line {number} is not JSON ({exc.msg}); fix or remove that line") from None
            sample = parse_sample(data, where=f"{path} line {number}")
            if sample.id in seen:  # the same chunk and task twice: keep both, distinctly
                seen[sample.id] += 1
                sample.id = f"{sample.id}~{seen[sample.id]}"
            else:
                seen[sample.id] = 0
            samples.append(sample)
    if not samples:
        raise LogInputError(f"test set {path} is empty; pass a JSONL file with one chat sample per line")
    return samples


def parse_sample(data: dict, *, where: str) -> EvalSample:
    messages = data.get("messages")
    if not isinstance(messages, list) or not messages:
        raise LogInputError(f"{where} has no `messages` list; expected synth's chat format")
    with_system = messages[0].get("role") == "system"
    turns: list[Turn] = []
    log: str | None = None
    findings = ""
    pending: str | None = None
    for message in messages[1 if with_system else 0 :]:
        role, content = message.get("role"), message.get("content")
        if not isinstance(content, str):
            raise LogInputError(f"{where}: a {role} message has no text content")
        if role == "user":
            if pending is not None:
                raise LogInputError(f"{where}: two user turns in a row; every question but the last needs an answer")
            if log is None:
                findings, content = split_findings(content)
                question, sep, log = content.partition(LOG_SEPARATOR)
                if not sep:
                    raise LogInputError(f"{where}: the first user turn has no 'Log content:' marker")
                pending = question.removesuffix(DETAIL_SUFFIX)
            else:
                pending = content
        elif role == "assistant" and pending is not None:
            turns.append(Turn(pending, content))
            pending = None
        else:
            raise LogInputError(f"{where}: unexpected {role!r} message; expected user/assistant turns")
    if not turns or log is None:
        raise LogInputError(f"{where} has no answered question; a test sample needs reference answers")
    log = data.get("log", log)
    task = data.get("task")
    if not isinstance(task, str):
        raise LogInputError(f"{where} has no `task`; expected synth's metadata (task, system, chunk_id)")
    chunk_id = str(data.get("chunk_id", ""))
    sample = EvalSample(
        id=str(data.get("id") or (f"{chunk_id}:{task}" if chunk_id else "sample-" + where.rsplit(" ", 1)[-1])),
        task=task,
        system=str(data.get("system", "")),
        chunk_id=chunk_id,
        log=log,
        turns=turns,
        with_system_prompt=with_system and messages[0].get("content") == system_prompt(bool(findings)),
        first_line=int(data.get("first_line") or data.get("start_line") or _first_number(log)),
        findings=findings,
    )
    if with_system and not sample.with_system_prompt:
        raise LogInputError(f"{where}: its system prompt differs from models.prompts.SYSTEM_PROMPT; rebuild the set")
    sample.labels = _labels(data.get("labels"), sample)
    sample.labelled = isinstance(data.get("labels"), dict) or sample.system in ALERT_SYSTEMS
    return sample


def _first_number(log: str) -> int:
    match = _NUMBERED.match(log)
    return int(match.group(1)) if match else 1


def _labels(given: object, sample: EvalSample) -> dict[int, str]:
    """Alert lines: the sample's own `labels` ({line: category}) or, for BGL/Thunderbird, the
    alert tag every line of those logs starts with."""
    if isinstance(given, dict):
        return {int(line): str(category) for line, category in given.items()}
    if sample.system not in ALERT_SYSTEMS:
        return {}
    labels: dict[int, str] = {}
    for i, line in enumerate(sample.raw_lines()):
        match = _ALERT_TAG.match(line)
        if match and match.group(1) != "-":
            labels[sample.first_line + i] = match.group(1)
    return labels
