"""A tiny test set in synth's format, made from real loghub lines and models.prompts."""

from __future__ import annotations

import json
from pathlib import Path

from models.prompts import TASK_QUESTIONS, Task, Turn, build_messages

RISK_QUESTION = "Assess the operational risk in this log and answer with the risk assessment JSON."


def numbered(lines: list[str], first_line: int) -> str:
    """synth's numbering: the file's 1-based line number, " | ", the line."""
    return "\n".join(f"{first_line + i} | {line}" for i, line in enumerate(lines))


def loghub_lines(loghub: Path, system: str, start: int, count: int) -> list[str]:
    path = next((loghub / system).glob("*.log"))
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[start : start + count]


def sample(system: str, lines: list[str], first_line: int, task: str, turns: list[Turn]) -> dict:
    return {
        "messages": build_messages(numbered(lines, first_line), turns),
        "task": task,
        "system": system,
        "chunk_id": f"{system.lower()}-{first_line}",
        "split": "test",
        "source": f"{system}_2k.log",
        "start_line": first_line,
        "end_line": first_line + len(lines) - 1,
    }


def bgl_alert_window(loghub: Path, count: int) -> tuple[list[str], int]:
    """`count` BGL lines starting two lines before the first alert line (first column not "-")."""
    all_lines = loghub_lines(loghub, "BGL", 0, 1000)
    first_alert = next(i for i, line in enumerate(all_lines) if not line.startswith("- "))
    start = first_alert - 2
    return all_lines[start : start + count], start + 1


def build_tiny_test_set(loghub: Path) -> list[dict]:
    hdfs = loghub_lines(loghub, "HDFS", 0, 4)
    bgl, bgl_first = bgl_alert_window(loghub, 3)
    alert_lines = [bgl_first + i for i, line in enumerate(bgl) if not line.startswith("- ")]
    zk = loghub_lines(loghub, "Zookeeper", 0, 3)
    risk_reference = json.dumps({
        "risk_score": 70,
        "should_alert_user": True,
        "messages": {"critical": alert_lines, "warning": []},
        "summary": [f"ciod failures at lines {', '.join(map(str, alert_lines))}"],
    })
    return [
        sample("HDFS", hdfs, 1, Task.SUMMARIZE.value, [Turn(
            TASK_QUESTIONS[Task.SUMMARIZE],
            "The HDFS log shows PacketResponder threads terminating for blocks such as "
            "blk_38865049064139660 (line 1) and the NameSystem adding stored blocks on "
            "10.251.73.220:50010 (line 3). No errors are present.",
        )]),
        sample("BGL", bgl, bgl_first, Task.ROOT_CAUSE.value, [Turn(
            TASK_QUESTIONS[Task.ROOT_CAUSE],
            f"The main issue is APPREAD: ciod failed to read the message prefix (line {alert_lines[0]}), "
            "after corrected instruction cache parity errors.",
        )]),
        sample("BGL", bgl, bgl_first, "risk", [Turn(RISK_QUESTION, risk_reference)]),
        sample("Zookeeper", zk, 1, "conversation", [
            Turn(TASK_QUESTIONS[Task.SUMMARIZE],
                 "ZooKeeper peers exchange leader-election notifications and accept connections "
                 "from 10.10.34.11 (line 2)."),
            Turn("Which host opened connections?", "10.10.34.11, on port 3888 (line 2)."),
        ]),
    ]
