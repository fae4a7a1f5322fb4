"""Grounding and schema checks on planted hallucinations in answers about real loghub chunks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from synth.chunk import Chunk
from tui.cli import cli
from synth.generate import record_key
from logcore.append_log import AppendLog
from synth.taskspec import load_tasks
from synth.validate import judge

SPECS = load_tasks()

GROUNDED_ROOTCAUSE = """## Main issues
- A brute-force login attempt against `root` from `183.62.140.253` (lines 1271-1282).

## Root cause
Repeated `Failed password for root from 183.62.140.253` (line 1273, line 1276) at 10:57:02
and 10:57:04 on Dec 10: an automated password-guessing client. Confidence: high.

## Evidence
- line 1272: `authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=183.62.140.253  user=root`
- lines 1273, 1276 and 1279: "Failed password for root from 183.62.140.253 port"
- `Received disconnect from <*>: 11: Bye Bye [preauth]` after each attempt.

## Recommended actions
Block `183.62.140.253` and disable password login for root.
"""


def record(chunk: Chunk, task: str, content: str, finish_reason: str = "stop") -> dict:
    spec = SPECS[task]
    return {
        "key": record_key(chunk.id, task, spec.prompt_hash), "chunk_id": chunk.id, "task": task,
        "prompt_hash": spec.prompt_hash, "system": chunk.system, "model": "planted",
        "content": content, "finish_reason": finish_reason,
    }


def checks(chunk: Chunk, task: str, content: str, finish_reason: str = "stop") -> set[str]:
    verdict = judge(record(chunk, task, content, finish_reason), SPECS[task], chunk)
    return {r.check for r in verdict.reasons}


def test_a_grounded_report_is_accepted(openssh_chunk: Chunk) -> None:
    assert openssh_chunk.start_line == 1271  # the planted answer cites this chunk's lines
    assert checks(openssh_chunk, "rootcause", GROUNDED_ROOTCAUSE) == set()


@pytest.mark.parametrize(("planted", "check"), [
    ("(line 1290)", "line_numbers"),
    ("(lines 1270-1275)", "line_numbers"),
    (". Line 1271 shows `Failed password for root`", "line_numbers"),  # in the log, not in that line
    ("at 10:59:41", "timestamps"),
    ("on 2016-12-10", "timestamps"),
    ("from 183.62.140.25", "ips"),  # a prefix of the real IP is still a different IP
    ("from 10.0.0.8", "ips"),
    ("writing /var/log/auth.log", "paths"),
    ("`Accepted password for root`", "quotes"),
    ('"Connection closed by authenticating user root"', "quotes"),
    ("block blk_-4071286774767564791", "ids"),
])
def test_each_planted_hallucination_is_caught_by_its_check(openssh_chunk: Chunk, planted: str, check: str) -> None:
    content = GROUNDED_ROOTCAUSE.replace("an automated password-guessing client", f"an attacker {planted}")
    assert check in checks(openssh_chunk, "rootcause", content)


def test_phrases_the_instructions_prescribe_are_not_log_quotes(openssh_chunk: Chunk) -> None:
    content = ("## Overview\nPassword guessing (lines 1271-1282).\n## Key events\n- line 1273\n"
               '## Errors and warnings\n"None in this log."\n## Assessment\nUnder attack.')
    assert checks(openssh_chunk, "summarize", content) == set()
    assert checks(openssh_chunk, "summarize", content.replace("None in this log.", "None in this logfile.")) == {"quotes"}


def test_ids_paths_and_times_in_other_formats_are_recognised(hdfs_chunk: Chunk) -> None:
    text = ("## Overview\nHDFS block traffic from 02:33:10 to 02:44:43 on 2008-11-11 (lines 1173-1184).\n"
            "## Key events\n- `blk_6148201552996212693` deleted from /mnt/hadoop/dfs/data/current/subdir15 (line 1173)\n"
            "- `10.251.122.65:50010` served a block (line 1177)\n"
            "## Errors and warnings\nNone in this log.\n## Assessment\nHealthy.")
    assert checks(hdfs_chunk, "summarize", text) == set()
    assert "ids" in checks(hdfs_chunk, "summarize", text.replace("blk_6148201552996212693", "blk_6148201552996212699"))
    assert "paths" in checks(hdfs_chunk, "summarize", text.replace("subdir15", "subdir16"))
    assert "timestamps" in checks(hdfs_chunk, "summarize", text.replace("02:44:43", "02:45:43"))


def test_an_answer_that_parrots_its_instructions_is_rejected(openssh_chunk: Chunk) -> None:
    parrot = ("## Overview\nWhat system produced the log, the time span it covers (first and last timestamp "
              "as written), and what the system was doing.\n## Key events\n- line 1273\n"
              "## Errors and warnings\nNone in this log.\n## Assessment\nThe log is 12 lines "
              "(lines 1271-1282) of a OpenSSH log.")
    assert checks(openssh_chunk, "summarize", parrot) == {"echo"}


def test_structure_truncation_and_empty(openssh_chunk: Chunk) -> None:
    no_headings = GROUNDED_ROOTCAUSE.replace("## Evidence", "Evidence:")
    assert checks(openssh_chunk, "rootcause", no_headings) == {"structure"}
    assert checks(openssh_chunk, "rootcause", GROUNDED_ROOTCAUSE, "length") == {"truncated"}
    assert checks(openssh_chunk, "rootcause", "   ") == {"empty"}


def risk(critical: list[int], warning: list[int], summary: list[str], score: int = 70, alert: bool = True) -> str:
    return json.dumps({"risk_score": score, "should_alert_user": alert,
                       "messages": {"critical": critical, "warning": warning}, "summary": summary})


def test_risk_json_is_parsed_schema_checked_and_its_lines_must_exist(openssh_chunk: Chunk) -> None:
    ok = risk([1273, 1276], [1272], ["Password guessing on root from 183.62.140.253 (lines 1273-1282)"])
    assert checks(openssh_chunk, "risk", ok) == set()
    assert checks(openssh_chunk, "risk", risk([1273, 1300], [], ["brute force"])) == {"risk_lines"}
    assert checks(openssh_chunk, "risk", risk([1273], [1273], ["brute force"])) == {"risk_lines"}
    assert checks(openssh_chunk, "risk", risk([1273], [], ["brute force"], score=140)) == {"schema"}
    assert checks(openssh_chunk, "risk", risk([1273], [], ["attack from 8.8.8.8"])) == {"ips"}
    # The alert flag must agree with the score's calibration.
    assert checks(openssh_chunk, "risk", risk([], [], ["routine"], score=5, alert=True)) == {"risk_consistency"}
    assert checks(openssh_chunk, "risk", risk([1273], [], ["outage"], score=90, alert=False)) == {"risk_consistency"}
    assert checks(openssh_chunk, "risk", risk([], [1272], ["routine"], score=5, alert=False)) == set()
    # Nothing is repaired: a trailing comma or a Markdown fence around the JSON is a reject.
    assert checks(openssh_chunk, "risk", ok[:-1] + ",}") == {"json"}
    assert checks(openssh_chunk, "risk", f"```json\n{ok}\n```") == {"json"}


def test_conversation_needs_ten_grounded_turns(openssh_chunk: Chunk) -> None:
    turns = [{"user": f"What happened in question {i}?", "assistant": f"The attempt is shown at line {1271 + i}."}
             for i in range(10)]
    assert checks(openssh_chunk, "conversation", json.dumps({"turns": turns})) == set()
    babble = [{"user": "john", "assistant": "Jeddy"}] + turns[1:]
    assert checks(openssh_chunk, "conversation", json.dumps({"turns": babble})) == {"turns"}
    assert checks(openssh_chunk, "conversation", json.dumps({"turns": turns[:9]})) == {"schema"}
    turns[4]["assistant"] = "It started earlier, at line 1400."
    assert checks(openssh_chunk, "conversation", json.dumps({"turns": turns})) == {"line_numbers"}


def test_validate_cli_writes_rejects_with_reasons_and_rates(openssh_chunk: Chunk, tmp_path: Path) -> None:
    (tmp_path / "chunks.jsonl").write_text(openssh_chunk.to_json() + "\n")
    with AppendLog(tmp_path / "generations.jsonl") as store:
        store.add(record(openssh_chunk, "rootcause", GROUNDED_ROOTCAUSE))
        store.add(record(openssh_chunk, "summarize", "## Overview\nLogin from 10.0.0.8 at line 9999."))
        store.add(record(openssh_chunk, "risk", risk([1273], [], ["ok"])))
        stale = record(openssh_chunk, "patterns", "## Recurring messages")
        store.add({**stale, "prompt_hash": "old", "key": stale["key"] + "-old"})
    result = CliRunner().invoke(cli, ["synth", "validate", "-w", str(tmp_path)])
    assert result.exit_code == 0, result.output
    accepted = [json.loads(l) for l in (tmp_path / "accepted.jsonl").read_text().splitlines()]
    rejects = [json.loads(l) for l in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert sorted(r["task"] for r in accepted) == ["risk", "rootcause"]
    assert [r["task"] for r in rejects] == ["summarize"]
    assert {r["check"] for r in rejects[0]["reasons"]} == {"structure", "ips", "line_numbers"}
    assert "summarize" in result.output and "100.0%" in result.output
    assert "33.3%" in result.output  # 1 of 3 current records rejected
    assert "1 records made with an older prompt version were skipped" in result.output
