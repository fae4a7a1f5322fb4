"""The live watch and synth's training data use one risk schema."""

from __future__ import annotations

import json

import pytest

from synth.taskspec import load_tasks
from tui.watch import RISK_SCHEMA, RiskReplyError, parse_risk


def test_the_watch_checks_replies_against_the_training_schema() -> None:
    assert load_tasks()["risk"].schema == RISK_SCHEMA


def test_a_reply_past_the_schemas_bounds_is_refused() -> None:
    reply = {"risk_score": 40, "should_alert_user": False, "messages": {"critical": [3], "warning": []},
             "summary": ["one", "two", "three"]}
    assert parse_risk(json.dumps(reply), 1, 10).summary == ("one", "two", "three")
    reply["summary"] = ["one", "two", "three", "four"]  # more than the watch has room for
    with pytest.raises(RiskReplyError):
        parse_risk(json.dumps(reply), 1, 10)
    reply["summary"], reply["messages"]["critical"] = ["x"], [3, 3]  # a line listed twice
    with pytest.raises(RiskReplyError):
        parse_risk(json.dumps(reply), 1, 10)
