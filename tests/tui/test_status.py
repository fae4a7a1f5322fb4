"""The status line is a pure function of what it shows."""

from __future__ import annotations

from tui.status import StatusFacts, status_line


def test_status_line_says_scope_filter_model_and_live_state():
    left, right = status_line(StatusFacts(
        scope="page: lines 1-20 · 512 tok", model="local:x", filter_label="level ≥ WARN",
        filter_progress="40%", rows=1234, search="timeout", indexing=5000, speed="30.0 tok/s",
        follow=True, watch=True, risk=91, generating=True))
    assert left == "page: lines 1-20 · 512 tok · filter level ≥ WARN: 1,234 (40%) · /timeout · indexing 5,000"
    assert right == "local:x · 30.0 tok/s · FOLLOW · WATCH risk 91 · answering… Esc stops"


def test_quiet_status_line_has_only_scope_and_model():
    assert status_line(StatusFacts(scope="file: 10 lines", model="model: loading", watch=True)) == (
        "file: 10 lines", "model: loading · WATCH")
