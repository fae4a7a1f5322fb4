"""Incident benchmark: how often logchat finds an incident's cause, alone and through the model.

Run from the repository root (every part prints its table as soon as it is done):

    .venv/bin/python -m bench.incidents [--no-model] [--max-tokens 200] [--limit N] [--seed 0]
                                        [--results FILE] [--skip-large] [--more-seeds 4] [--short-log 512]

The corpus is `bench/incident_corpus.py` (seeded; 19 incidents in 17 layouts, each with its
truth; incidents 15-19 were added after the finder was written and are also scored apart). Parts:

- findings: `logcore.findings.find_incidents` per incident; **hit@k** = a truth trigger line
  among the first k ranked causes. Also where the onset was put, what the top cause is (its role
  in the corpus: trigger, consequence, noise, ...), and whether the quiet part of each log (the
  lines before its trigger: background, noise, harmless change events) is reported as an incident.
  The same figures for `--more-seeds` other seeds (new names, wordings and timings of the same
  scenarios) show whether the finder learnt mechanisms or one seed's lines.
- multi-file findings: the corpus's multi-file incidents (the cause in one program's log, the
  flood in the others', one file in local time with an offset, three without a year), merged by
  `logcore.merge.merge_texts` and ranked by `logcore.findings.find_merged_incidents`. A hit
  needs the right file AND a trigger line: **hit@k** = some (file, line) among the first k
  causes is a truth trigger. Same target as one file (hit@3 >= 90 %). The quiet part is every
  file cut where its trigger time comes, merged again.
- baseline: today's anomaly ranking, `logcore.anomaly.analyze(lines).anomalies`, read the two ways
  a person would: the 3 highest scores, and the first 3 flagged lines in file order. A hit is a
  trigger line among those 3. The ratio is findings hit@3 over the baseline's.
- model (skipped with `--no-model`): the bundled SmolLM2 (1 thread, greedy, `--max-tokens`)
  answers Root cause for every incident twice, without and with the findings in the prompt
  (`models.prompts.task_messages(Task.ROOT_CAUSE, log, findings_text=findings.brief())`). The log
  is fitted as the CLI does (`models.context.fit_log`, the local 2,048-token log budget); with
  findings, the findings block's tokens come out of that budget. A third condition
  (`--short-log`, 512 tokens by default, 0 skips it) asks with the findings and the log cut to a
  small budget: whether the evidence reaches a small model better when less log competes with it.
  Scored per answer:
  * **cites a trigger**: one of the citations found by `models.citations.check_citations`
    ("line N", "lines N-M", "L N") covers a trigger line with a range at most 10 lines wide
    (a wide range such as "lines 1-800" points at nothing), valid or not;
  * **explains**: `Truth.explained_by(answer)`: for every group of the truth's explanation
    words the answer contains one of them (case-insensitive substring), e.g. the job's name and
    "pool"/"connection"; the answer need not cite anything for this, and copying the findings'
    top cause counts (that is what the findings are for);
  * **invalid citations**: those the checker marks invalid (outside the log, or the cited line
    does not contain what the sentence quotes or names): each is one the app must mark.
  The multi-file incidents are asked the same way over their merged text (the model reads
  `db.log:297 | ...` rows, `models.context.fit_lines(merged=...)`); there a citation cites a
  trigger only when it names the trigger's file (`db.log:297`), a bare `line 297` does not.
  Answers are saved to `--results` (JSON lines) keyed by a hash of the exact messages, so an
  interrupted run resumes where it stopped and a changed prompt or findings is asked again.
- timing: findings on a 10k-line log in this process (median of 5, next to `analyze` alone as
  the baseline), and on a generated 1M-line log in a fresh subprocess each for findings and for
  `analyze`, read as `logchat findings` reads (`logcore.reader.read_text`), with peak RSS.
Timings are wall-clock and CPU seconds on a shared machine: CPU time is the fairer figure when
other work competes for the cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
# Run as a script, this folder would come first on sys.path and bench/logcore.py would shadow
# the `logcore` package: put the repository root there instead.
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != BENCH]

from bench.incident_corpus import (  # noqa: E402
    FIRST_ROUND,
    Incident,
    MultiIncident,
    generate_corpus,
    generate_multi_corpus,
    write_large_log,
)
from logcore.anomaly import analyze  # noqa: E402
from logcore.findings import Findings, find_incidents, find_merged_incidents  # noqa: E402
from logcore.merge import merge_texts  # noqa: E402

MAX_CITED_RANGE = 10
LARGE_LINES = 1_000_000
Row = tuple[str, ...]


# ------------------------------------------------------------------------------ tables
def print_table(header: Row, rows: Sequence[Row], title: str = "") -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    if title:
        print(title)
    print("  ".join(f"{h:<{w}}" for h, w in zip(header, widths)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(f"{str(c):<{w}}" for c, w in zip(row, widths)).rstrip())
    print(flush=True)


def pct(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.0f} %)" if n else "0/0"


def ratio(a: int, b: int) -> str:
    return f"{a / b:.1f}x" if b else ("n/a (both 0)" if not a else f"{a} vs 0")


# ------------------------------------------------------------------------------ findings
@dataclass
class FindingsResult:
    incident: Incident
    findings: Findings
    rank: int | None  # 1-based rank of the first trigger line among the causes
    seconds: float
    quiet_flagged: bool  # the lines before the trigger were reported as an incident
    baseline_top3: bool
    baseline_first3: bool


def trigger_rank(causes: Sequence[int], triggers: Sequence[int]) -> int | None:
    return next((i for i, line in enumerate(causes, 1) if line in triggers), None)


def score_findings(incidents: list[Incident]) -> list[FindingsResult]:
    results = []
    for inc in incidents:
        started = time.perf_counter()
        found = find_incidents(inc.lines, source=inc.file_name)
        seconds = time.perf_counter() - started
        triggers = inc.truth.trigger_lines
        quiet = find_incidents(inc.lines[: triggers[0] - 1], source=inc.file_name)
        anomalies = analyze(inc.lines).anomalies
        top3 = [a.line + 1 for a in sorted(anomalies, key=lambda a: (-a.score, a.line))[:3]]
        first3 = sorted(a.line + 1 for a in anomalies)[:3]
        results.append(FindingsResult(
            inc, found, trigger_rank([c.line for c in found.causes], triggers), seconds,
            quiet.incident, any(n in triggers for n in top3), any(n in triggers for n in first3)))
    return results


def findings_tables(results: list[FindingsResult]) -> None:
    rows = []
    for r in results:
        inc, f = r.incident, r.findings
        top = f.causes[0].line if f.causes else None
        role = inc.roles[top - 1] if top else "-"
        onset = f.onset.line if f.onset else None
        rows.append((inc.name, inc.layout, f"{len(inc.lines):,}", ",".join(map(str, inc.truth.trigger_lines)),
                     str(r.rank or "-"), f"{top or '-'} ({role})", f"{onset or '-'} / {inc.truth.onset_line}",
                     "yes" if r.quiet_flagged else "no", "hit" if r.baseline_top3 else "-",
                     "hit" if r.baseline_first3 else "-", f"{1000 * r.seconds:.0f}"))
    print_table(("incident", "layout", "lines", "trigger lines", "rank", "top cause (role)",
                 "onset found / truth", "quiet part flagged", "base top3", "base first3", "ms"),
                rows, "Findings per incident (rank: of the first trigger line among the causes)")
    n = len(results)
    hit1 = sum(r.rank == 1 for r in results)
    hit3 = sum(r.rank is not None and r.rank <= 3 for r in results)
    top3 = sum(r.baseline_top3 for r in results)
    first3 = sum(r.baseline_first3 for r in results)
    consequence_first = sum(bool(r.findings.causes) and r.incident.roles[r.findings.causes[0].line - 1] == "consequence"
                            for r in results)
    print_table(("metric", "value", "note"), [
        ("findings hit@1", pct(hit1, n), "target >= 70 %"),
        ("findings hit@3", pct(hit3, n), "target >= 90 %"),
        ("baseline: anomaly top 3 by score", pct(top3, n), f"findings hit@3 vs this: {ratio(hit3, top3)}"),
        ("baseline: first 3 flagged lines", pct(first3, n), f"findings hit@3 vs this: {ratio(hit3, first3)}"),
        *later_rows(results),
        ("top cause is a consequence", pct(consequence_first, n), "a symptom ranked as the cause"),
        ("incident found", pct(sum(r.findings.incident for r in results), n), ""),
        ("quiet part reported as incident", pct(sum(r.quiet_flagged for r in results), n),
         "lines before the trigger: traffic, noise, harmless changes; want 0"),
    ], "Findings overall")


def seeds_table(seed: int, more: int, limit: int | None) -> None:
    """The same scenarios drawn again (other names, wordings, timings): tuned to one seed's lines,
    a finder would show it here."""
    rows, totals, multi_totals = [], [0, 0, 0, 0, 0], [0, 0, 0]
    for s in range(seed + 1, seed + 1 + more):
        results = score_findings(generate_corpus(seed=s)[:limit])
        counts = [sum(r.rank == 1 for r in results), sum(r.rank is not None and r.rank <= 3 for r in results),
                  sum(r.baseline_top3 for r in results), sum(r.quiet_flagged for r in results), len(results)]
        totals = [a + b for a, b in zip(totals, counts)]
        multi = score_multi(generate_multi_corpus(seed=s))
        multi_counts = [sum(r.rank == 1 for r in multi), sum(r.rank is not None and r.rank <= 3 for r in multi),
                        len(multi)]
        multi_totals = [a + b for a, b in zip(multi_totals, multi_counts)]
        rows.append((str(s), *(pct(c, counts[4]) for c in counts[:4]),
                     *(pct(c, multi_counts[2]) for c in multi_counts[:2])))
    rows.append((f"all {more}", *(pct(c, totals[4]) for c in totals[:4]),
                 *(pct(c, multi_totals[2]) for c in multi_totals[:2])))
    print_table(("seed", "findings hit@1", "findings hit@3", "baseline top 3", "quiet part flagged",
                 "multi-file hit@1", "multi-file hit@3"), rows,
                f"Findings on {more} other seeds of the corpus")


def later_rows(results: list[FindingsResult]) -> list[Row]:
    """hit@k apart for the incidents added after the finder was written (new layouts, a trigger
    that is an error, one log without timestamps): the nearest thing here to unseen logs."""
    later = [r for r in results if r.incident.number > FIRST_ROUND]
    if not later:
        return []
    numbers = f"incidents {FIRST_ROUND + 1}-{FIRST_ROUND + len(later)}, added later"
    return [("  hit@1 " + numbers, pct(sum(r.rank == 1 for r in later), len(later)), ""),
            ("  hit@3 " + numbers, pct(sum(r.rank is not None and r.rank <= 3 for r in later), len(later)), "")]


# ------------------------------------------------------------------------------ multi-file findings
@dataclass
class MultiResult:
    incident: MultiIncident
    findings: Findings
    rank: int | None  # 1-based rank of the first cause that is a trigger (right file and line)
    file_rank: int | None  # ... of the first cause in the trigger's file, whatever its line
    seconds: float
    quiet_flagged: bool


def multi_trigger_rank(causes: Sequence[tuple[str | None, int]], triggers: Sequence[tuple[str, int]]) -> int | None:
    """A hit is the right file and a trigger line of it."""
    wanted = set(triggers)
    return next((i for i, site in enumerate(causes, 1) if site in wanted), None)


def score_multi(incidents: list[MultiIncident]) -> list[MultiResult]:
    results = []
    for inc in incidents:
        started = time.perf_counter()
        found = find_merged_incidents(merge_texts(inc.files))
        seconds = time.perf_counter() - started
        sites = [(c.file, c.line) for c in found.causes]
        trigger_files = {f for f, _ in inc.truth.triggers}
        file_rank = next((i for i, (f, _) in enumerate(sites, 1) if f in trigger_files), None)
        quiet = find_merged_incidents(merge_texts([(f, lines[:inc.quiet[f]]) for f, lines in inc.files]))
        results.append(MultiResult(inc, found, multi_trigger_rank(sites, inc.truth.triggers), file_rank, seconds,
                                   quiet.incident))
    return results


def multi_tables(results: list[MultiResult]) -> None:
    rows = []
    for r in results:
        inc, f = r.incident, r.findings
        top = f.causes[0] if f.causes else None
        role = dict(inc.roles)[top.file][top.line - 1] if top and top.file in inc.roles else "-"
        onset = f"{f.onset.file}:{f.onset.line}" if f.onset else "-"
        files = ", ".join(f"{name} {len(lines):,}" for name, lines in inc.files)
        triggers = ",".join(f"{file}:{line}" for file, line in inc.truth.triggers[:2]) + (
            ", ..." if len(inc.truth.triggers) > 2 else "")
        rows.append((inc.name, inc.layout, files, triggers, str(r.rank or "-"),
                     f"{top.file}:{top.line} ({role})" if top else "-",
                     f"{onset} / {inc.truth.onset[0]}:{inc.truth.onset[1]}", "yes" if r.quiet_flagged else "no",
                     f"{1000 * r.seconds:.0f}"))
    print_table(("incident", "layouts", "files (lines)", "trigger lines", "rank", "top cause (role)",
                 "onset found / truth", "quiet part flagged", "ms"), rows,
                "Multi-file findings per incident (rank: of the first cause that is a trigger line of its file)")
    n = len(results)
    print_table(("metric", "value", "note"), [
        ("multi-file hit@1", pct(sum(r.rank == 1 for r in results), n), ""),
        ("multi-file hit@3", pct(sum(r.rank is not None and r.rank <= 3 for r in results), n),
         "target >= 90 %; right file and a trigger line"),
        ("  top cause in the trigger's file", pct(sum(r.file_rank == 1 for r in results), n), "any line of it"),
        ("quiet part reported as incident", pct(sum(r.quiet_flagged for r in results), n), "want 0"),
    ], "Multi-file findings overall")


# ------------------------------------------------------------------------------ model
@dataclass(frozen=True)
class Condition:
    label: str
    findings: bool
    log_tokens: int | None  # the log's budget; None: the CLI's local budget less the findings block


@dataclass
class Answer:
    incident: Incident
    condition: Condition
    text: str
    prompt_tokens: int
    seconds: float
    cites_trigger: bool
    explains: bool
    citations: int
    invalid: int
    invalid_reasons: list[str]


def conditions(short_log: int) -> list[Condition]:
    out = [Condition("without findings", False, None), Condition("with findings", True, None)]
    if short_log:
        out.append(Condition(f"findings, {short_log}-token log", True, short_log))
    return out


def load_results(path: Path) -> dict[str, dict]:
    done: dict[str, dict] = {}
    if path.exists():
        for raw in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(raw)
            except json.JSONDecodeError:  # a line cut by an interrupted run
                continue
            done[record["key"]] = record
    return done


def ask(store: TextIO, done: dict[str, dict], backend, model: str, incident: str, condition: Condition,
        messages: list[dict], max_tokens: int) -> dict:
    """One greedy answer, or the one an earlier run kept for the same model and prompt, so an
    interrupted run resumes where it stopped."""
    key = hashlib.sha256(json.dumps([model, max_tokens, messages]).encode()).hexdigest()
    record = done.get(key)
    if record is None:
        started = time.perf_counter()
        reply = "".join(backend.stream(messages, max_tokens=max_tokens, temperature=0.0))
        record = {"key": key, "incident": incident, "condition": condition.label, "answer": reply,
                  "prompt_tokens": backend.last_usage.prompt_tokens, "seconds": time.perf_counter() - started}
        store.write(json.dumps(record) + "\n")
        store.flush()
    return record


def model_part(results: list[FindingsResult], max_tokens: int, results_path: Path, short_log: int) -> list[Answer]:
    from models.citations import check_citations
    from models.context import LOCAL_LOG_TOKENS, fit_log
    from models.local import LocalBackend
    from models.prompts import Task, findings_block, task_messages, task_question
    from models.resolve import bundled_model_path

    path = bundled_model_path()
    backend = LocalBackend(path, n_threads=1, label=path.stem)
    question = task_question(Task.ROOT_CAUSE)
    done = load_results(results_path)
    answers: list[Answer] = []
    asked = conditions(short_log)
    total = len(asked) * len(results)
    print(f"model {path.name}, 1 thread, greedy, answers up to {max_tokens} tokens; answers kept in {results_path}",
          flush=True)
    try:
        with results_path.open("a", encoding="utf-8") as store:
            for r in results:
                inc = r.incident
                text = "\n".join(inc.lines)
                for condition in asked:
                    brief = r.findings.brief() if condition.findings else ""
                    budget = condition.log_tokens or (
                        LOCAL_LOG_TOKENS - (backend.count_tokens(findings_block(brief)) if brief else 0))
                    fitted = fit_log(text, question, backend, reserve_tokens=max_tokens,
                                     budget_tokens=budget, source=inc.file_name)
                    messages = task_messages(Task.ROOT_CAUSE, fitted.text, findings_text=brief)
                    record = ask(store, done, backend, path.name, inc.name, condition, messages, max_tokens)
                    answer = score_answer(inc, condition, record, check_citations, question, fitted.text + "\n" + brief)
                    answers.append(answer)
                    print(f"[{len(answers)}/{total}] {inc.name} {condition.label}: "
                          f"{answer.prompt_tokens:,} prompt tokens ({fitted.policy}), {answer.seconds:.1f} s; "
                          f"cites trigger {'yes' if answer.cites_trigger else 'no'}, "
                          f"explains {'yes' if answer.explains else 'no'}, "
                          f"{answer.citations} citations ({answer.invalid} invalid)", flush=True)
    finally:
        backend.close()
    return answers


def score_answer(inc: Incident, condition: Condition, record: dict, check: Callable, question: str,
                 shown: str) -> Answer:
    lines = inc.lines
    citations = check(record["answer"], _line_getter(lines), first_line=1, last_line=len(lines),
                      exempt=f"{question} {inc.file_name}", shown=shown)
    cites = any(c.end - c.start < MAX_CITED_RANGE and any(c.start <= t <= c.end for t in inc.truth.trigger_lines)
                for c in citations)
    return _answer(inc, condition, record, citations, cites)


def _line_getter(lines: Sequence[str]) -> Callable[[int], str | None]:
    """A 1-based line of `lines`, None outside them (what the citation checker reads)."""
    return lambda n: lines[n - 1] if 1 <= n <= len(lines) else None


def _answer(inc: Incident | MultiIncident, condition: Condition, record: dict, citations: list,
            cites: bool) -> Answer:
    text = record["answer"]
    invalid = [c for c in citations if not c.valid]
    return Answer(inc, condition, text, record["prompt_tokens"], record["seconds"], cites,  # type: ignore[arg-type]
                  inc.truth.explained_by(text), len(citations), len(invalid), [c.reason for c in invalid])


def multi_model_part(results: list[MultiResult], max_tokens: int, results_path: Path,
                     short_log: int) -> list[Answer]:
    """The model part over the multi-file incidents (see the module docstring)."""
    from models.citations import check_citations
    from models.context import LOCAL_LOG_TOKENS, fit_lines
    from models.local import LocalBackend
    from models.prompts import Task, findings_block, task_messages, task_question
    from models.resolve import bundled_model_path

    path = bundled_model_path()
    backend = LocalBackend(path, n_threads=1, label=path.stem)
    question = task_question(Task.ROOT_CAUSE)
    done = load_results(results_path)
    answers: list[Answer] = []
    try:
        with results_path.open("a", encoding="utf-8") as store:
            for r in results:
                inc = r.incident
                merged = merge_texts(inc.files)
                for condition in conditions(short_log):
                    brief = r.findings.brief() if condition.findings else ""
                    budget = condition.log_tokens or (
                        LOCAL_LOG_TOKENS - (backend.count_tokens(findings_block(brief)) if brief else 0))
                    fitted = fit_lines(merged.lines, question, backend, reserve_tokens=max_tokens,
                                       budget_tokens=budget, merged=merged)
                    messages = task_messages(Task.ROOT_CAUSE, fitted.text, findings_text=brief, merged=True)
                    record = ask(store, done, backend, path.name, inc.name, condition, messages, max_tokens)
                    answer = score_multi_answer(inc, condition, record, check_citations, question,
                                                fitted.text + "\n" + brief)
                    answers.append(answer)
                    print(f"[multi {len(answers)}] {inc.name} {condition.label}: {answer.prompt_tokens:,} prompt "
                          f"tokens ({fitted.policy}); cites trigger {'yes' if answer.cites_trigger else 'no'}, "
                          f"explains {'yes' if answer.explains else 'no'}, "
                          f"{answer.citations} citations ({answer.invalid} invalid)", flush=True)
    finally:
        backend.close()
    return answers


def score_multi_answer(inc: MultiIncident, condition: Condition, record: dict, check: Callable, question: str,
                       shown: str) -> Answer:
    """An answer over merged files: a trigger is cited only as its file's line (`db.log:297`)."""
    from models.citations import FileLines

    merged = merge_texts(inc.files)
    rows = merged.lines
    files = {name: FileLines(_line_getter(lines), 1, len(lines)) for name, lines in inc.files}
    citations = check(record["answer"], _line_getter(rows), first_line=1, last_line=len(rows), exempt=question,
                      shown=shown, files=files)
    cites = any(c.file is not None and c.end - c.start < MAX_CITED_RANGE
                and any(c.file == f and c.start <= t <= c.end for f, t in inc.truth.triggers) for c in citations)
    return _answer(inc, condition, record, citations, cites)


def model_tables(answers: list[Answer], what: str = "") -> None:
    by = {(a.incident.name, a.condition.label): a for a in answers}
    names = list(dict.fromkeys(a.incident.name for a in answers))
    labels = list(dict.fromkeys(a.condition.label for a in answers))
    cell = lambda a: f"{'C' if a.cites_trigger else '-'}{'E' if a.explains else '-'} {a.invalid}/{a.citations}"  # noqa: E731
    print_table(("incident", *labels), [(n, *(cell(by[n, c]) for c in labels)) for n in names],
                f"Model answers{what} (C: cites a trigger line, E: explains, invalid/all citations)")
    rows = []
    for metric, get in (("cites a trigger line", lambda a: a.cites_trigger), ("explains the cause", lambda a: a.explains),
                        ("cites and explains", lambda a: a.cites_trigger and a.explains)):
        counts = [sum(get(by[n, c]) for n in names) for c in labels]
        rows.append((metric, *(pct(k, len(names)) for k in counts), ratio(counts[1], counts[0])))
    rows.append(("invalid citations caught", *(f"{sum(by[n, c].invalid for n in names)} of "
                                               f"{sum(by[n, c].citations for n in names)}" for c in labels), ""))
    rows.append(("median prompt tokens", *(f"{statistics.median(by[n, c].prompt_tokens for n in names):,.0f}"
                                           for c in labels), ""))
    rows.append(("median answer time", *(f"{statistics.median(by[n, c].seconds for n in names):.1f} s"
                                         for c in labels), ""))
    print_table(("metric", *labels, "with vs without"), rows,
                f"Model overall{what} (target: cites a trigger line >= 60 % with findings)")
    reasons = [f"{a.incident.name} ({a.condition.label}): {r}" for a in answers for r in a.invalid_reasons][:8]
    if reasons:
        print("Invalid citations, examples:\n  " + "\n  ".join(reasons) + "\n", flush=True)


# ------------------------------------------------------------------------------ timing
def measure(kind: str, path: str) -> None:
    """Subprocess entry: read like `logchat findings`, run one analysis, print one JSON line."""
    from logcore.reader import read_text

    wall, cpu = time.perf_counter(), time.process_time()
    lines = read_text(path).text.split("\n")
    read_s = time.perf_counter() - wall
    read_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    compute, compute_cpu = time.perf_counter(), time.process_time()
    if kind == "findings":
        top = [c.line for c in find_incidents(lines, source=Path(path).name).causes[:10]]
    else:
        top = [a.line + 1 for a in sorted(analyze(lines).anomalies, key=lambda a: (-a.score, a.line))[:10]]
    out = {"read_s": read_s, "compute_s": time.perf_counter() - compute, "compute_cpu_s": time.process_time() - compute_cpu,
           "cpu_s": time.process_time() - cpu, "read_rss_mb": read_rss,
           "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "top": top}
    print(json.dumps(out))


def run_measure(kind: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.incidents", "--measure", kind, str(path)],
                          cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def timing_rows(seed: int, skip_large: bool) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="logchat-incidents-") as tmp:
        small = Path(tmp) / "incident-10k.log"
        truth = write_large_log(small, 10_000, seed)
        lines = small.read_text(encoding="utf-8").split("\n")[:-1]
        ours, base, cpu = [], [], []
        found = None
        for _ in range(5):
            started, started_cpu = time.perf_counter(), time.process_time()
            found = find_incidents(lines, source=small.name)
            ours.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            started = time.perf_counter()
            analyze(lines)
            base.append(time.perf_counter() - started)
        assert found is not None
        rank = trigger_rank([c.line for c in found.causes], truth.trigger_lines)
        o, b = statistics.median(ours), statistics.median(base)
        rows.append((f"findings, {len(lines):,} lines", f"{1000 * o:.0f} ms",
                     f"{1000 * statistics.median(cpu):.0f} ms CPU; target <= 100 ms; baseline analyze alone "
                     f"{1000 * b:.0f} ms ({o / b:.2f}x); trigger rank {rank or '-'}"))
        if skip_large:
            return rows
        big = Path(tmp) / "incident-1m.log"
        started = time.perf_counter()
        truth = write_large_log(big, LARGE_LINES, seed)
        gen_s = time.perf_counter() - started
        size_mb = big.stat().st_size / (1 << 20)
        f = run_measure("findings", big)
        a = run_measure("anomalies", big)
        rank = trigger_rank(f["top"], truth.trigger_lines)
        rows.append((f"findings, 1M-line log ({size_mb:,.0f} MB)", f"{f['compute_s']:.1f} s",
                     f"{f['compute_cpu_s']:.1f} s CPU; target <= 10 s; + read {f['read_s']:.1f} s; "
                     f"baseline analyze alone {a['compute_s']:.1f} s ({f['compute_s'] / a['compute_s']:.2f}x); "
                     f"trigger rank {rank or '-'} (generated in {gen_s:.0f} s)"))
        rows.append(("peak memory, 1M-line log", f"{f['maxrss_mb']:,.0f} MB",
                     f"RSS of the findings process; {f['read_rss_mb']:,.0f} MB of it once the lines are read "
                     f"as `logchat findings` reads them; analyze alone peaks at {a['maxrss_mb']:,.0f} MB"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-model", action="store_true", help="skip the model part")
    parser.add_argument("--max-tokens", type=int, default=200, help="answer length for the model part")
    parser.add_argument("--limit", type=int, default=None, help="only the first N incidents")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--results", type=Path, default=None,
                        help="JSON-lines file of model answers to resume from (default: in the temp folder)")
    parser.add_argument("--skip-large", action="store_true", help="skip the 1M-line timing")
    parser.add_argument("--short-log", type=int, default=512,
                        help="also ask with findings and a log cut to this many tokens (0: skip)")
    parser.add_argument("--more-seeds", type=int, default=4, help="findings also on this many other seeds")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    incidents = generate_corpus(seed=args.seed)[: args.limit]
    print(f"incident corpus, seed {args.seed}: {len(incidents)} incidents in "
          f"{len({i.layout for i in incidents})} layouts\n", flush=True)
    results = score_findings(incidents)
    findings_tables(results)
    multi = score_multi(generate_multi_corpus(seed=args.seed)[: args.limit])
    multi_tables(multi)
    if args.more_seeds:
        seeds_table(args.seed, args.more_seeds, args.limit)
    print_table(("metric", "value", "note"), timing_rows(args.seed, args.skip_large), "Time to findings")
    if not args.no_model:
        path = args.results or Path(tempfile.gettempdir()) / f"logchat-bench-incidents-seed{args.seed}.jsonl"
        model_tables(model_part(results, args.max_tokens, path, args.short_log))
        model_tables(multi_model_part(multi, args.max_tokens, path, args.short_log), ", multi-file incidents")


if __name__ == "__main__":
    main()
