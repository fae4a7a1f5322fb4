"""Small synth-format records (the exact shape synth writes) built with the real prompt format."""

from __future__ import annotations

import json
from pathlib import Path

from models.prompts import Task, Turn, build_messages, task_question

LOGS = [
    ("hdfs", "081109 203615 INFO dfs.DataNode: Receiving block blk_38 src: /10.250.19.102\n"
             "081109 203807 WARN dfs.DataNode: PacketResponder 1 for block blk_38 terminating\n"
             "081109 204005 ERROR dfs.DataNode: Exception writing block blk_38 to mirror"),
    ("apache", "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf\n"
               "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6\n"
               "[Sun Dec 04 04:51:08 2005] [error] mod_jk child workerEnv in error state 6"),
    ("linux", "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; rhost=218.188.2.4\n"
              "Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown\n"
              "Jun 15 02:04:59 combo sshd(pam_unix)[20882]: authentication failure; rhost=220-135-151-1"),
    ("zookeeper", "2015-07-29 17:41:44,747 - INFO  [QuorumPeer] - LOOKING\n"
                  "2015-07-29 17:41:44,760 - WARN  [SendWorker:188978561024] - Interrupted while waiting\n"
                  "2015-07-29 19:04:12,394 - ERROR [LearnerHandler] - Unexpected exception causing shutdown"),
]
ANSWERS = {
    Task.SUMMARIZE: "The log shows {system} activity ending in an error on line 3.",
    Task.ROOT_CAUSE: "The root cause is the error on line 3 of the {system} log.",
    Task.PATTERNS: "The {system} log repeats one pattern, then fails on line 3.",
}


def synth_records() -> list[dict]:
    records = []
    for i, (system, log) in enumerate(LOGS):
        for task, answer in ANSWERS.items():
            turns = [Turn(task_question(task), answer.format(system=system))]
            if task is Task.SUMMARIZE:
                turns.append(Turn("Which line shows the error?", "Line 3."))
            records.append({
                "messages": build_messages(log, turns),
                "task": task.value,
                "system": system,
                "chunk_id": f"{system}-{i}",
                "split": "val" if system == "zookeeper" else "train",
            })
    return records


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path
