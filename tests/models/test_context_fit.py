"""Fitting a log into the context: whole when it fits, digest or stated excerpt when not."""

from __future__ import annotations

from pathlib import Path

import pytest

from logcore.errors import ModelError
from models.context import POLICY_DIGEST, POLICY_WHOLE, excerpt, fit_log
from models.local import LocalBackend
from models.prompts import TASK_QUESTIONS, Task, number_line

QUESTION = TASK_QUESTIONS[Task.SUMMARIZE]


def words(text: str) -> int:
    return len(text.split())


def test_a_small_log_goes_in_whole_with_an_exact_count(local_backend: LocalBackend) -> None:
    log = "INFO start\nERROR disk full\nINFO stop"
    fitted = fit_log(log, QUESTION, local_backend, first_line=41)
    # Numbered as in training, from the selection's first line, so `line 42` means the file's.
    assert fitted.text == "41 | INFO start\n42 | ERROR disk full\n43 | INFO stop"
    assert fitted.policy == POLICY_WHOLE and fitted.omitted == []
    assert fitted.tokens == local_backend.count_tokens(fitted.text) and fitted.exact
    assert fitted.budget == 2048  # the local default keeps the first token within seconds
    already = fit_log("7 | a\n19 | b", QUESTION, local_backend, numbered=True)
    assert already.text == "7 | a\n19 | b"  # a filtered selection keeps the caller's numbers


def test_a_big_log_is_digested_and_says_what_was_left_out(local_backend: LocalBackend, loghub: Path) -> None:
    lines = (loghub / "BGL" / "BGL_1k_a.log").read_text(errors="replace").splitlines()
    fitted = fit_log("\n".join(lines), QUESTION, local_backend, budget_tokens=800, first_line=1, source="BGL_1k_a.log")
    assert fitted.policy == POLICY_DIGEST
    assert fitted.tokens <= 800 and fitted.tokens == local_backend.count_tokens(fitted.text)
    assert fitted.omitted, "a 1,000-line log cannot fit 800 tokens without leaving something out"


def test_budget_is_capped_by_the_context(smollm2_path: Path) -> None:
    small = LocalBackend(smollm2_path, n_ctx_cap=1024, n_threads=1)
    try:
        fitted = fit_log("x", QUESTION, small, reserve_tokens=256, budget_tokens=5000)
        assert fitted.budget < 1024 - 256
        with pytest.raises(ModelError, match="too small"):
            fit_log("x", QUESTION, small, reserve_tokens=1000)
    finally:
        small.close()


def test_excerpt_keeps_head_tail_and_every_error_line() -> None:
    lines = [f"2026-03-14 INFO request {i} served in 12 ms" for i in range(1, 1001)]
    errors = [250, 400, 401, 777]
    for i in errors:
        lines[i - 1] = f"2026-03-14 ERROR request {i} failed: pool exhausted"
    text, notes = excerpt(lines, 800, words, first_line=1)
    kept = text.splitlines()
    assert kept[0] == number_line(1, lines[0]) and kept[-1] == number_line(1000, lines[-1])
    for i in errors:
        assert number_line(i, lines[i - 1]) in kept
    assert sum(words(line) + 1 for line in kept) <= 800
    assert any("logchat omitted" in line and "lines 2" in line for line in kept)  # gaps are marked
    assert "4 warning/error lines" in notes[0] and "of 1,000 lines left out" in notes[0]


def test_excerpt_reports_error_lines_that_did_not_fit() -> None:
    lines = [f"ERROR failure number {i} with a long explanation of what went wrong" for i in range(500)]
    _, notes = excerpt(lines, 300, words, first_line=101)
    assert any("did not fit the budget" in note for note in notes)
    assert "lines 101-" in notes[0]


def test_excerpt_numbers_gaps_from_the_first_selected_line() -> None:
    lines = [f"INFO line {i}" for i in range(100)]
    text, _ = excerpt(lines, 60, words, first_line=5001)
    marker = next(line for line in text.splitlines() if "logchat omitted" in line)
    assert "lines 50" in marker and "(lines 5" in marker
