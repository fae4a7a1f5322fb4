"""models.session: one pipeline for CLI and app; the findings are paid from the log's budget."""

from __future__ import annotations

import threading
from pathlib import Path

from models.backend import Usage
from models.context import POLICY_DIGEST, POLICY_WHOLE, log_budget
from models.prompts import FINDINGS_MARKER, Turn, evidence_text
from models.session import LogSlice, citation_checker, find_evidence, prepare, stream_answer
from models.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "tui" / "examples" / "checkout-incident.log"
LINES = EXAMPLE.read_text().split("\n")[:234]


class WordBackend:
    """Counts words as tokens and streams a fixed reply: the pipeline's arithmetic, no model."""

    name = "words"
    context_size = 8192
    counts_exact = True

    def __init__(self, reply: str = "") -> None:
        self.reply = reply
        self.last_usage = Usage()

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, messages, *, max_tokens=None, temperature=0.2, json_schema=None, cancel=None):
        for i, word in enumerate(self.reply.split(" ")):
            yield word if i == 0 else " " + word
        self.last_usage = Usage(prompt_tokens=1, completion_tokens=2)

    def close(self) -> None:
        pass


def test_the_findings_tokens_come_out_of_the_log_budget():
    backend = WordBackend()
    findings = find_evidence(LogSlice(LINES, 1, "checkout.log"))
    assert findings is not None and findings.incident
    text = evidence_text(findings)
    plain = log_budget(backend, "Why?", reserve_tokens=64, budget_tokens=1000)
    with_findings = log_budget(backend, "Why?", reserve_tokens=64, budget_tokens=1000, findings_text=text)
    assert with_findings < plain and plain - with_findings >= backend.count_tokens(text)


def test_prepare_puts_findings_first_and_keeps_the_total_within_the_budget():
    backend = WordBackend()
    scope = LogSlice(LINES, 1, "checkout.log")
    settings = Settings(max_tokens=64, log_tokens=1200)
    prepared = prepare(backend, scope, "Why?", settings, findings=find_evidence(scope))
    messages = prepared.messages([Turn("Why?")])
    assert messages[1]["content"].startswith(FINDINGS_MARKER)
    assert prepared.fitted.policy == POLICY_DIGEST  # 234 lines do not fit 1,200 tokens less findings
    findings_tokens = backend.count_tokens(messages[1]["content"].split("Why?")[0])
    assert prepared.fitted.tokens + findings_tokens <= 1200


def test_no_incident_means_no_findings_block_and_todays_bytes():
    backend = WordBackend()
    scope = LogSlice(LINES[:12], 1, "checkout.log")
    findings = find_evidence(scope)
    assert findings is not None and not findings.incident and evidence_text(findings) == ""
    prepared = prepare(backend, scope, "Summarize.", Settings(max_tokens=64), findings=findings)
    assert prepared.fitted.policy == POLICY_WHOLE
    assert prepared.messages([Turn("Summarize.")])[1]["content"].startswith("Summarize.")


def test_a_filtered_selection_keeps_its_line_numbers_and_gets_no_findings():
    scope = LogSlice(["a", "b"], 10, "x.log", numbers=[10, 57])
    assert scope.model_text == "10 | a\n57 | b" and scope.last_line == 57
    assert find_evidence(scope) is None
    lookup = scope.line_text()
    assert lookup(57) == "b" and lookup(11) is None


def test_stream_checks_citations_as_they_complete():
    backend = WordBackend("Trouble starts at line 3. Then line 99 ends it.")
    scope = LogSlice(["x", "y", "z"], 1, "x.log")
    checker = citation_checker(scope.line_text(), scope.first_line, scope.last_line)
    pieces = list(stream_answer(backend, [], Settings(), cancel=threading.Event(), checker=checker))
    assert "".join(p.text for p in pieces) == backend.reply
    verdicts = [(c.start, c.valid) for p in pieces for c in p.citations]
    assert verdicts == [(3, True), (99, False)]


def test_a_merged_slice_is_shown_and_checked_by_file_and_line():
    from logcore.merge import merge_texts
    from models.prompts import MERGED_NOTE

    app = ["2026-03-14T10:00:00Z INFO GET / 200", "2026-03-14T10:00:04Z ERROR pool timeout"]
    db = ["2026-03-14T10:00:02Z LOG received fast shutdown request"]
    scope = LogSlice.of_merged(merge_texts([("app.log", app), ("db.log", db)]))
    assert scope.source == "app.log + db.log"
    assert scope.model_text.split("\n") == [f"app.log:1 | {app[0]}", f"db.log:1 | {db[0]}", f"app.log:2 | {app[1]}"]
    files = scope.file_lines()
    assert files is not None and files["db.log"].line_text(1) == db[0] and files["app.log"].last_line == 2
    prepared = prepare(WordBackend(), scope, "Why?", Settings(max_tokens=64))
    assert prepared.fitted.policy == POLICY_WHOLE and "db.log:1 | " in prepared.log_text
    assert prepared.messages([Turn("Why?")])[0]["content"].endswith(MERGED_NOTE)
    checker = citation_checker(scope.line_text(), scope.first_line, scope.last_line, shown=prepared.shown,
                               files=files)
    checker.feed('The "fast shutdown request" at db.log:1 came before app.log:2. ')
    assert [(c.file, c.valid) for c in checker.finish() + checker.citations] == [("db.log", True), ("app.log", True)]
    assert LogSlice(app, 1, "app.log").file_lines() is None


def test_a_merged_slice_inside_its_files_checks_their_own_line_numbers():
    from logcore.merge import merge_texts

    app = ["2026-03-14T10:00:00Z INFO GET / 200", "2026-03-14T10:00:04Z ERROR pool timeout"]
    db = ["2026-03-14T10:00:02Z LOG received fast shutdown request"]
    merged = merge_texts([("app.log", app), ("db.log", db)], first_lines=[411, 96])
    scope = LogSlice(merged.lines, 1001, "app.log + db.log", merged=merged)  # rows 1001-1003 of a view
    assert scope.model_text.split("\n") == [f"app.log:412 | {app[0]}", f"db.log:97 | {db[0]}",
                                            f"app.log:413 | {app[1]}"]
    files = scope.file_lines()
    assert files is not None
    assert (files["app.log"].first_line, files["app.log"].last_line) == (412, 413)
    assert files["app.log"].line_text(413) == app[1] and files["app.log"].line_text(1) is None
    checker = citation_checker(scope.line_text(), scope.first_line, scope.last_line, shown=scope.model_text,
                               files=files)
    checker.feed("The shutdown at db.log:97 came before app.log:413, not db.log:1; see line 1002. ")
    verdicts = sorted(((c.file or "", c.start, c.valid) for c in checker.finish() + checker.citations))
    assert verdicts == [("", 1002, True), ("app.log", 413, True), ("db.log", 1, False), ("db.log", 97, True)]
