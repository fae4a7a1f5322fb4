"""Accepts or rejects each teacher record, with every reason, and repairs nothing.

A record whose JSON does not parse is rejected, not patched: a silently fixed answer is an
answer the teacher never gave. Rejected records are kept, with their reasons, so a reviewer can
see what the teacher gets wrong and change the prompt.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from logcore.errors import LogInputError

from synth.chunk import Chunk
from synth.generate import teacher_messages
from synth.grounding import ChunkFacts, Finding, check_text
from logcore.append_log import iter_records
from synth.taskspec import TaskSpec



@dataclass
class Verdict:
    record: dict[str, Any]
    reasons: list[Finding]
    answer: Any  # str for Markdown tasks, the parsed object for JSON tasks

    @property
    def accepted(self) -> bool:
        return not self.reasons


def missing_sections(content: str, sections: tuple[str, ...]) -> list[str]:
    """The required headings missing or out of order (empty when the report is well formed)."""
    headings = [h.strip().lower() for h in re.findall(r"^#{1,4}\s*(.+?)\s*#*\s*$", content, re.M)]
    missing, position = [], 0
    for section in sections:
        try:
            position = headings.index(section.lower(), position) + 1
        except ValueError:
            missing.append(section)
    return missing


def parse_json(content: str) -> tuple[Any, str | None]:
    try:
        return json.loads(content), None
    except json.JSONDecodeError as exc:
        return None, f"not JSON: {exc.msg} at char {exc.pos}"


def grounded_texts(spec: TaskSpec, answer: Any) -> list[str]:
    """The parts of an answer that make claims about the log (user questions do not)."""
    if spec.kind == "markdown":
        return [answer]
    if spec.kind == "conversation":
        return [turn["assistant"] for turn in answer["turns"]]
    return list(json_strings(answer))


def asked(spec: TaskSpec, answer: Any) -> list[str]:
    """A conversation's questions: what they name is no claim the answer makes about a line."""
    return [turn["user"] for turn in answer["turns"]] if spec.kind == "conversation" else []


def json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def dotted(answer: Any, path: str) -> Any:
    for part in path.split("."):
        answer = answer[part]
    return answer


def line_list_findings(spec: TaskSpec, answer: Any, facts: ChunkFacts) -> list[Finding]:
    """Cited line numbers must exist, and a line belongs to one list only (critical or warning)."""
    findings = []
    seen: dict[int, str] = {}
    for path in spec.line_lists:
        name = path.rsplit(".", 1)[-1]
        for number in dotted(answer, path):
            if not facts.has_line(number):
                findings.append(Finding(
                    "risk_lines",
                    f"{name} line {number} is outside {facts.chunk.start_line}-{facts.chunk.end_line}",
                ))
            elif seen.setdefault(number, name) != name:
                findings.append(Finding("risk_lines", f"line {number} is both {seen[number]} and {name}"))
    return findings


def turn_findings(spec: TaskSpec, turns: list[dict[str, str]]) -> list[Finding]:
    findings = []
    if len(turns) != spec.turns:
        findings.append(Finding("turns", f"{len(turns)} turns, expected {spec.turns}"))
    short = [
        i + 1 for i, t in enumerate(turns)
        if len(t["user"].split()) < spec.min_user_words or len(t["assistant"].split()) < spec.min_answer_words
    ]
    if short:
        findings.append(Finding(
            "turns",
            f"turns {short} are too short to be a question ({spec.min_user_words}+ words) "
            f"and an answer ({spec.min_answer_words}+ words)",
        ))
    return findings


def alert_findings(spec: TaskSpec, answer: Any) -> list[Finding]:
    """`should_alert_user` contradicting `risk_score` (e.g. score 0 yet alert) is noise."""
    if spec.alert_scores is None:
        return []
    lowest, required = spec.alert_scores
    score, alert = answer["risk_score"], answer["should_alert_user"]
    if alert and score < lowest:
        return [Finding("risk_consistency", f"alerts at risk_score {score} (alerting needs {lowest}+)")]
    if not alert and score >= required:
        return [Finding("risk_consistency", f"no alert at risk_score {score} (>= {required} must alert)")]
    return []


def prompt_scaffold(spec: TaskSpec, chunk: Chunk) -> str:
    """The teacher prompt without the log: text an answer must not parrot back."""
    system, user = teacher_messages(spec, chunk)
    return system["content"] + "\n" + user["content"].split("BEGIN LOG DATA", 1)[0]


def echo_findings(text: str, scaffold_flat: str) -> list[Finding]:
    """Sentences of six words or more copied from the instructions: a model repeating its
    prompt passes the structure check while saying nothing about the log."""
    findings = []
    for sentence in re.split(r"(?<=[.?!:])\s+|\n", text):
        flat = " ".join(sentence.strip(" #*-").split())
        if len(flat.split()) >= 6 and flat in scaffold_flat:
            findings.append(Finding("echo", f"repeats the instructions: {flat[:80]!r}"))
    return findings


def judge(record: dict[str, Any], spec: TaskSpec, chunk: Chunk | None) -> Verdict:
    content = record.get("content") or ""
    if chunk is None:
        return Verdict(record, [Finding("unknown_chunk", f"chunk {record['chunk_id']} is not in the chunk file")], None)
    if record.get("finish_reason") == "length":
        return Verdict(record, [Finding("truncated", "the teacher hit max_tokens before finishing")], None)
    if not content.strip():
        return Verdict(record, [Finding("empty", "the answer is empty")], None)
    answer: Any = content
    if spec.schema is not None:
        answer, error = parse_json(content)
        if error:
            return Verdict(record, [Finding("json", error)], None)
        try:
            jsonschema.validate(answer, spec.schema)
        except jsonschema.ValidationError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
            return Verdict(record, [Finding("schema", f"{where}: {exc.message[:160]}")], None)
    facts = ChunkFacts(chunk)
    reasons: list[Finding] = []
    if spec.kind == "markdown":
        missing = missing_sections(content, spec.sections)
        if missing:
            reasons.append(Finding("structure", f"missing or misplaced sections: {', '.join(missing)}"))
    if spec.kind == "conversation":
        reasons.extend(turn_findings(spec, answer["turns"]))
    reasons.extend(line_list_findings(spec, answer, facts))
    reasons.extend(alert_findings(spec, answer))
    scaffold_flat = " ".join(prompt_scaffold(spec, chunk).split())
    exempt = "\n".join([spec.instructions, *asked(spec, answer)])
    for text in grounded_texts(spec, answer):
        reasons.extend(echo_findings(text, scaffold_flat))
        reasons.extend(check_text(text, facts, exempt=exempt))
    return Verdict(record, reasons, answer)


@dataclass
class ValidateReport:
    total: Counter[str] = field(default_factory=Counter)  # per task
    rejected: Counter[str] = field(default_factory=Counter)  # per task
    by_check: Counter[str] = field(default_factory=Counter)  # records failing each check
    stale: int = 0
    unknown_task: int = 0

    def rate(self, task: str | None = None) -> float:
        total = self.total[task] if task else sum(self.total.values())
        rejected = self.rejected[task] if task else sum(self.rejected.values())
        return rejected / total if total else 0.0

    def table(self) -> str:
        lines = [f"{'task':<14}{'records':>9}{'rejected':>10}{'rate':>8}"]
        for task in sorted(self.total):
            lines.append(f"{task:<14}{self.total[task]:>9}{self.rejected[task]:>10}{self.rate(task):>8.1%}")
        lines.append(f"{'all':<14}{sum(self.total.values()):>9}{sum(self.rejected.values()):>10}{self.rate():>8.1%}")
        lines.append("")
        all_records = sum(self.total.values()) or 1
        lines.append(f"{'check':<18}{'failed':>9}{'share':>10}")
        for check, n in self.by_check.most_common():
            lines.append(f"{check:<18}{n:>9}{n / all_records:>10.1%}")
        if self.stale:
            lines.append(f"\n{self.stale} records made with an older prompt version were skipped")
        if self.unknown_task:
            lines.append(f"{self.unknown_task} records of tasks no longer defined were skipped")
        return "\n".join(lines)


def _write_atomic(path: Path, rows: list[dict[str, Any]]) -> None:
    """Whole-file replace: a killed validate leaves the previous output, never half of one."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def validate(
    records_path: Path,
    chunks: list[Chunk],
    specs: dict[str, TaskSpec],
    accepted_path: Path,
    rejects_path: Path,
) -> ValidateReport:
    if not records_path.is_file():
        raise LogInputError(f"{records_path} not found: run `logchat synth generate` first")
    by_id = {c.id: c for c in chunks}
    report = ValidateReport()
    accepted: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    for record in iter_records(records_path):
        spec = specs.get(record["task"])
        if spec is None:
            report.unknown_task += 1
            continue
        if record["prompt_hash"] != spec.prompt_hash:
            report.stale += 1
            continue
        verdict = judge(record, spec, by_id.get(record["chunk_id"]))
        report.total[spec.name] += 1
        if verdict.accepted:
            accepted.append({**record, "answer": verdict.answer})
            continue
        report.rejected[spec.name] += 1
        for check in {r.check for r in verdict.reasons}:
            report.by_check[check] += 1
        rejects.append({
            **record,
            "reasons": [{"check": r.check, "detail": r.detail} for r in verdict.reasons],
        })
    accepted_path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(accepted_path, accepted)
    _write_atomic(rejects_path, rejects)
    return report
