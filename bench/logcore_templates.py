"""Template mining on the loghub 2k samples: grouping accuracy and speed, ours next to Drain3.

Drain3 runs with the masking rules and settings of its example `drain3.ini` (the baseline the
issue names), in the same process and on the same messages as our miner, so the ratio holds on
this machine whatever else is running. Run `python -m bench.logcore_templates` for the table;
`bench/logcore.py` imports `run()` for its combined report.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from logcore.templates import TemplateMiner

REPO = Path(__file__).resolve().parent.parent
LOGHUB = Path(os.environ.get("LOGCHAT_LOGHUB", REPO.parent / "shared" / "loghub"))
SYSTEMS = ("Apache", "BGL", "HDFS", "HPC", "Hadoop", "Linux", "OpenSSH", "Spark", "Thunderbird",
           "Zookeeper")
REPEATS = 9  # each timing is the best of this many passes, so a busy neighbour skews it less

# The masks of Drain3's examples/drain3.ini (logpai/Drain3), verbatim.
DRAIN3_MASKS = (
    (r"((?<=[^A-Za-z0-9])|^)(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))((?=[^A-Za-z0-9])|$)", "ID"),
    (r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})((?=[^A-Za-z0-9])|$)", "IP"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)([0-9A-F]{4} ?){4,}((?=[^A-Za-z0-9])|$)", "SEQ"),
    (r"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)", "HEX"),
    (r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)", "NUM"),
    (r"(?<=executed cmd )(\".+?\")", "CMD"),
)


@dataclass
class Sample:
    system: str
    messages: list[str]
    truth: list[str]  # ground-truth EventId per line


@dataclass
class Score:
    ga: float
    lines: int
    seconds: float  # best pass

    @property
    def lines_per_s(self) -> float:
        return self.lines / self.seconds


def ga(true_labels: Sequence[str], predicted_labels: Sequence[object]) -> float:
    """Grouping accuracy (loghub-2.0): the share of lines whose mined group is exactly their true group.

    A mined group is correct when all its lines share one true event and no line of that event
    lies outside it; every line of a correct group counts, every other line does not.
    """
    if len(true_labels) != len(predicted_labels):
        raise ValueError("true and predicted labels differ in length")
    if not true_labels:
        return 0.0
    true_sizes = Counter(true_labels)
    members: dict[object, Counter[str]] = {}
    for t, p in zip(true_labels, predicted_labels):
        members.setdefault(p, Counter())[t] += 1
    correct = 0
    for events in members.values():
        if len(events) == 1:
            (event, size), = events.items()
            if true_sizes[event] == size:
                correct += size
    return correct / len(true_labels)


def load_sample(system: str, root: Path = LOGHUB) -> Sample:
    """The Content and EventId columns of a system's *_structured.csv."""
    path = next((root / system).glob("*_structured.csv"))
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return Sample(system, [r["Content"] for r in rows], [r["EventId"] for r in rows])


def ours(messages: Sequence[str]) -> list[int]:
    miner = TemplateMiner()
    add = miner.add
    return [add(m, i) for i, m in enumerate(messages)]


def drain3_baseline() -> Callable[[Sequence[str]], list[int]]:
    """Drain3 configured as in its example drain3.ini (profiling off, so it is not slowed down)."""
    from drain3 import TemplateMiner as Drain3Miner
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    def mine(messages: Sequence[str]) -> list[int]:
        config = TemplateMinerConfig()
        config.masking_instructions = [MaskingInstruction(p, m) for p, m in DRAIN3_MASKS]
        config.mask_prefix, config.mask_suffix = "<:", ":>"
        config.drain_sim_th = 0.4
        config.drain_depth = 4
        config.drain_max_children = 100
        config.drain_max_clusters = 1024
        config.drain_extra_delimiters = ["_"]
        config.profiling_enabled = False
        miner = Drain3Miner(config=config)
        return [miner.add_log_message(m)["cluster_id"] for m in messages]

    return mine


def measure(mine: Callable[[Sequence[str]], list], sample: Sample) -> Score:
    best = float("inf")
    labels: list = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        labels = mine(sample.messages)
        best = min(best, time.perf_counter() - start)
    return Score(ga(sample.truth, labels), len(sample.messages), best)


def formats_messages(system: str) -> list[str] | None:
    """Messages as logcore.formats extracts them from the raw log, when that module exists."""
    try:
        from logcore.formats import detect_format, parse_records
    except ImportError:
        return None
    path = next(p for p in (LOGHUB / system).glob("*.log"))
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    fmt = detect_format(lines[:200])
    return [r.message for r in parse_records(lines, fmt)]


@dataclass
class Row:
    system: str
    ours: Score
    drain3: Score
    ga_from_formats: float | None


def compare(systems: Sequence[str] = SYSTEMS) -> list[Row]:
    drain3 = drain3_baseline()
    rows = []
    for system in systems:
        sample = load_sample(system)
        from_formats = None
        parsed = formats_messages(system)
        if parsed is not None and len(parsed) == len(sample.truth):
            from_formats = ga(sample.truth, ours(parsed))
        rows.append(Row(system, measure(ours, sample), measure(drain3, sample), from_formats))
    return rows


def averages(rows: Sequence[Row]) -> tuple[float, float, float, float]:
    """Mean GA over systems; throughput pooled (all lines / all time), so slow systems weigh in."""
    lines = sum(r.ours.lines for r in rows)
    return (
        statistics.fmean(r.ours.ga for r in rows),
        statistics.fmean(r.drain3.ga for r in rows),
        lines / sum(r.ours.seconds for r in rows),
        lines / sum(r.drain3.seconds for r in rows),
    )


def run() -> list[tuple[str, str, str]]:
    """(metric, value, note) rows for bench/logcore.py."""
    if not LOGHUB.is_dir():
        return [("template GA", "skipped", f"loghub samples not found at {LOGHUB}")]
    if importlib.util.find_spec("drain3") is None:
        return [("template GA", "skipped", "drain3 (the baseline) is not installed: pip install -e '.[bench]'")]
    rows = compare()
    out = []
    for r in rows:
        note = f"Drain3 {r.drain3.ga:.3f} GA, {r.drain3.lines_per_s:,.0f} lines/s"
        out.append((f"template GA {r.system}", f"{r.ours.ga:.3f}", note))
        out.append((f"template lines/s {r.system}", f"{r.ours.lines_per_s:,.0f}",
                    f"{r.ours.lines_per_s / r.drain3.lines_per_s:.1f}x Drain3"))
    our_ga, d_ga, our_speed, d_speed = averages(rows)
    out.append(("template GA average", f"{our_ga:.3f}", f"target >= 0.93; Drain3 {d_ga:.3f}"))
    out.append(("template lines/s, all samples", f"{our_speed:,.0f}",
                f"{our_speed / d_speed:.1f}x Drain3 ({d_speed:,.0f}); target >= 6x"))
    with_formats = [r.ga_from_formats for r in rows if r.ga_from_formats is not None]
    if with_formats:
        out.append(("template GA average, messages from logcore.formats",
                    f"{statistics.fmean(with_formats):.3f}", f"{len(with_formats)} systems"))
    return out


def main() -> None:
    if not LOGHUB.is_dir():
        sys.exit(f"loghub samples not found at {LOGHUB}")
    rows = compare()
    header = (f"{'system':<12} {'ours GA':>8} {'Drain3 GA':>9} {'ours l/s':>10} {'Drain3 l/s':>10} "
              f"{'ratio':>6} {'GA via formats':>14}")
    print(header)
    print("-" * len(header))
    for r in rows:
        via = "" if r.ga_from_formats is None else f"{r.ga_from_formats:.3f}"
        ratio = r.ours.lines_per_s / r.drain3.lines_per_s
        print(f"{r.system:<12} {r.ours.ga:>8.3f} {r.drain3.ga:>9.3f} {r.ours.lines_per_s:>10,.0f} "
              f"{r.drain3.lines_per_s:>10,.0f} {ratio:>5.1f}x {via:>14}")
    our_ga, d_ga, our_speed, d_speed = averages(rows)
    with_formats = [r.ga_from_formats for r in rows if r.ga_from_formats is not None]
    via = f"{statistics.fmean(with_formats):.3f}" if len(with_formats) == len(rows) else ""
    print("-" * len(header))
    print(f"{'all':<12} {our_ga:>8.3f} {d_ga:>9.3f} {our_speed:>10,.0f} {d_speed:>10,.0f} "
          f"{our_speed / d_speed:>5.1f}x {via:>14}")
    print(f"targets: GA >= 0.93 (ours {our_ga:.3f}), "
          f"throughput >= 6x Drain3 (ours {our_speed / d_speed:.1f}x)")
    print("GA: share of lines whose mined group is exactly their true group (loghub-2.0), mean of "
          f"systems; lines/s: best of {REPEATS} passes with a fresh miner, 'all' = all lines / all time")


if __name__ == "__main__":
    main()
