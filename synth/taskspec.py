"""Loads the teacher tasks from the data files in `synth/tasks/`.

The question the *student* sees for the four one-shot tasks comes from `models.prompts`, never
from here, so training data and inference cannot drift apart.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from logcore.errors import ExitCode, LogchatError
from models.prompts import RISK_QUESTION, TASK_QUESTIONS, Task

TaskKind = Literal["markdown", "json", "conversation"]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    kind: TaskKind
    instructions: str
    max_tokens: int
    temperature: float
    sections: tuple[str, ...] = ()
    schema: dict[str, Any] | None = None
    turns: int = 0
    question: str | None = None
    line_lists: tuple[str, ...] = ()  # dotted paths of JSON arrays holding cited line numbers
    alert_scores: tuple[int, int] | None = None  # (min score to alert, score that must alert)
    min_user_words: int = 0
    min_answer_words: int = 0
    teacher_system: str = field(default="", repr=False)

    @property
    def student_question(self) -> str | None:
        """The first user question of the training sample (None: it comes from the answer)."""
        if self.name in {t.value for t in Task}:
            return TASK_QUESTIONS[Task(self.name)]
        if self.name == "risk":
            return RISK_QUESTION  # the live watch asks exactly this at inference
        return self.question

    @property
    def prompt_hash(self) -> str:
        """Identifies the prompt version: a record made with other instructions is stale."""
        blob = json.dumps(
            [self.teacher_system, self.instructions, self.schema, self.sections, self.turns, self.line_lists],
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _read(name: str) -> str:
    return resources.files("synth.tasks").joinpath(name).read_text(encoding="utf-8")


def load_tasks() -> dict[str, TaskSpec]:
    """Every task defined in the package, by name, in a stable order."""
    teacher_system = _read("_teacher.md").strip()
    specs: dict[str, TaskSpec] = {}
    for entry in sorted(resources.files("synth.tasks").iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        schema = json.loads(_read(data["schema"])) if "schema" in data else None
        spec = TaskSpec(
            name=data["name"],
            kind=data["kind"],
            instructions=data["instructions"].strip(),
            max_tokens=int(data["max_tokens"]),
            temperature=float(data["temperature"]),
            sections=tuple(data.get("sections", ())),
            schema=schema,
            turns=int(data.get("turns", 0)),
            question=data.get("question"),
            line_lists=tuple(data.get("line_lists", ())),
            min_user_words=int(data.get("min_user_words", 0)),
            min_answer_words=int(data.get("min_answer_words", 0)),
            alert_scores=(
                (int(data["alert_min_score"]), int(data["alert_required_score"]))
                if "alert_min_score" in data else None
            ),
            teacher_system=teacher_system,
        )
        if spec.kind != "conversation" and spec.student_question is None:
            raise LogchatError(f"task file {entry.name} has no question: add `question = ...`")
        specs[spec.name] = spec
    return specs


def select_tasks(names: list[str] | None) -> list[TaskSpec]:
    """The named tasks (all when None); an unknown name is a usage error naming the choices."""
    specs = load_tasks()
    if not names:
        return list(specs.values())
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise LogchatError(
            f"unknown task {', '.join(unknown)}: choose from {', '.join(specs)}", ExitCode.USAGE
        )
    return [specs[n] for n in names]
