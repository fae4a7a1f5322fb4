"""The citation checker on planted valid and invalid citations about the bundled example log."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.citations import Citation, CitationChecker, FileLines, check_citations, find_citations, summary_line

LOG = (Path(__file__).parents[2] / "tui" / "examples" / "checkout-incident.log").read_text().splitlines()
LAST = len(LOG)


def line_text(n: int) -> str | None:
    return LOG[n - 1] if 1 <= n <= LAST else None


def check(answer: str, **kw) -> list[Citation]:
    return check_citations(answer, line_text, first_line=1, last_line=LAST, shown="\n".join(LOG), **kw)


def invalid(answer: str, **kw) -> dict[str, str]:
    return {c.text: c.reason for c in check(answer, **kw) if not c.valid}


FAITHFUL = (
    "## Root cause\n"
    "The `order-export` job starts at line 62 (run=r-0314-1405) and its workers open cursors "
    "on lines 63–66. By L95 the pool is at 90% and line 104 reads \"pool exhausted\". "
    "Checkout requests then fail with SQLTransientConnectionException (lines 106-107), "
    "e.g. for user u-93777 at line 106; the slow query on line 94 took 4812ms.\n"
    "- line 81: `pool=checkout-db active=15 idle=5`\n"
    "- 46 errors in 3 s after 14:05:38, lines 106 and 107 among them.\n"
)


def test_a_faithful_answer_has_only_valid_citations() -> None:
    citations = check(FAITHFUL)
    assert [(c.start, c.end) for c in citations] == [
        (62, 62), (63, 66), (95, 95), (104, 104), (106, 107), (106, 106), (94, 94), (81, 81), (106, 106), (107, 107),
    ]
    assert all(c.valid for c in citations), [c.reason for c in citations if not c.valid]
    assert summary_line(citations) == "citations: 10 checked, all valid"


@pytest.mark.parametrize(("planted", "cited", "reason"), [
    ("The pool fills up by line 900.", "line 900", "line 900 is outside the log (lines 1-234)"),
    ("It starts at line 0.", "line 0", "line 0 is outside the log (lines 1-234)"),
    ("Lines 230-240 show recovery.", "Lines 230-240", "line 240 is outside the log (lines 1-234)"),
    ('Line 104 says "disk full".', "Line 104", "line 104 does not contain 'disk full'"),
    ("Line 62 shows `job nightly-backup started`.", "Line 62", "line 62 does not contain 'job nightly-backup started'"),
    ("The failing order is ord-20891 (line 106).", "line 106", "line 106 does not contain 'ord-20891'"),
    ("Line 78 shows a request from 10.4.2.1.", "Line 78", "line 78 does not contain '10.4.2.1'"),  # 10.4.2.18 is there
    ("Lines 63–66 open cursors with fetchSize=900.", "Lines 63–66", "lines 63-66 do not contain 'fetchSize=900'"),
    ("L62 shows the order-export job on /api/v2/export.", "L62", "line 62 does not contain '/api/v2/export'"),
    ("Lines 3, 5 and 999 are routine.", "999", "line 999 is outside the log (lines 1-234)"),
    ("The HikariPool.getConnection frame is at line 2.", "line 2", "line 2 does not contain 'HikariPool.getConnection'"),
    ("Lines 70-60 repeat.", "Lines 70-60", "lines 70-60 end before they start"),
    # words copied from a log line without quotes are a quote too
    ("**Connection leak detection triggered** for a thread (line 14).", "line 14",
     "line 14 does not contain 'Connection leak detection triggered for'"),
    ("Checkout fails: Connection is not available, request timed out (line 104).", "line 104",
     "line 104 does not contain 'Connection is not available, request timed out'"),
])
def test_planted_invalid_citations_are_caught_with_a_precise_reason(planted: str, cited: str, reason: str) -> None:
    assert invalid(FAITHFUL + planted) == {cited: reason}


def test_no_false_alarms_for_claims_the_sentence_gives_another_citation_or_no_citation() -> None:
    calm = [
        # order-export is in line 62, the pool warning in line 104: each claim finds its line
        "The order-export job (line 62) exhausted the pool at line 104.",
        # the entity sits in a clause without a citation
        "The order-export workers hold connections; checkout requests then fail at line 106.",
        # counts, times, durations and percentages are no claims
        "Within 30 s after 14:05:36 there were 46 errors, 100% of checkout requests (line 106).",
        # words of the question are no claims about the line
        "The checkout-api pod is affected from line 104 on.",
        # a plain hyphenated word the log never uses is prose, not a name
        "A follow-up timeout appears at line 107.",
        # code blocks are neither citations nor claims
        "```\nline 999 `nothing`\n```",
        # copied words found in the line cited, even with other words around them
        "Line 107 shows that the connection is not available, request timed out after 3000ms.",
        "Worker order-export-1 opened a streaming cursor on orders (line 63).",
        # a quote that is itself a citation, and a count after a list
        "See `line 62`. Lines 62 and 70 errors were counted, then line 63 and 2 seconds later line 64.",
    ]
    for answer in calm:
        assert invalid(answer, exempt="Why did the checkout-api pod fail?") == {}, answer


def test_citation_forms_and_what_they_cite() -> None:
    text = ("line 62, lines 62-66, lines 62–66, lines 62 to 66, line 62 and 70, lines 3, 5 and 9, "
            "L62, L 62, [line 12](line:12), Line 7: x, L3 EDRAM errors, LINES 8-9.")
    assert [(r.start, r.end, r.text) for r in find_citations(text)] == [
        (62, 62, "line 62"), (62, 66, "lines 62-66"), (62, 66, "lines 62–66"), (62, 66, "lines 62 to 66"),
        (62, 62, "line 62"), (70, 70, "70"), (3, 3, "lines 3"), (5, 5, "5"), (9, 9, "9"),
        (62, 62, "L62"), (62, 62, "L 62"), (12, 12, "line 12"), (7, 7, "Line 7"), (8, 9, "LINES 8-9"),
    ]
    assert all(text[r.span[0]:r.span[1]] == r.text for r in find_citations(text))
    assert find_citations("a timeline 5, deadline 3, pipeline 4 and 12 lines") == []


def test_a_line_outside_the_scope_is_invalid_even_inside_the_file() -> None:
    scope = {n: LOG[n - 1] for n in range(60, 111)}
    citations = check_citations("Line 62 starts it; line 20 is before.", scope.get, first_line=60, last_line=110)
    assert [(c.start, c.valid, c.reason) for c in citations] == [
        (62, True, ""), (20, False, "line 20 is outside the log (lines 60-110)"),
    ]
    gap = check_citations("Line 70 is hidden.", {**scope, 70: None}.get, first_line=60, last_line=110)
    assert gap[0].reason == "line 70 is not among the lines analysed"


PLANTED = FAITHFUL + (
    'Line 104 says "disk full". The failing order is ord-20891 (line 106). Line 900 is the end.\n'
    "Finally lines 230-240 and L62 matter"
)


def test_streaming_split_at_every_position_gives_the_whole_texts_result() -> None:
    whole = check(PLANTED)
    assert sum(not c.valid for c in whole) == 4
    shown = "\n".join(LOG)
    for cut in range(len(PLANTED) + 1):
        checker = CitationChecker(line_text, first_line=1, last_line=LAST, shown=shown)
        streamed = checker.feed(PLANTED[:cut]) + checker.feed(PLANTED[cut:]) + checker.finish()
        assert streamed == whole == checker.citations, cut
    checker = CitationChecker(line_text, first_line=1, last_line=LAST, shown=shown)
    assert [c for ch in PLANTED for c in checker.feed(ch)] + checker.finish() == whole


def test_a_citation_is_reported_only_once_its_number_and_sentence_are_complete() -> None:
    checker = CitationChecker(line_text, first_line=1, last_line=LAST)
    assert checker.feed("The pool is exhausted at line 6") == []
    assert checker.feed("4") == []  # the number could still grow
    assert checker.feed('. Line 104 says "pool') == [  # the first sentence ended
        Citation(64, 64, (25, 32), "line 64", True, "")
    ]
    assert checker.feed(' exhausted".') == []  # its quote is not complete before the sentence ends
    done = checker.finish()
    assert [(c.start, c.valid) for c in done] == [(104, True)]
    assert [(c.start, c.valid) for c in checker.citations] == [(64, True), (104, True)]


def test_summary_and_json_name_the_failures() -> None:
    citations = check("Line 62 starts it. Line 900 ends it. Line 104 says `disk full`.")
    assert summary_line(citations) == (
        "citations: 3 checked, 2 invalid — line 900 is outside the log (lines 1-234); "
        "line 104 does not contain 'disk full'"
    )
    assert [c.to_json() for c in citations][1] == {
        "line": 900, "end": 900, "valid": False, "reason": "line 900 is outside the log (lines 1-234)",
    }
    assert summary_line([]) == "citations: none"


def test_a_one_word_scare_quote_is_emphasis_but_a_backticked_word_is_a_quote() -> None:
    assert invalid('Line 104 shows the "spike".') == {}
    assert invalid("Line 104 shows the `spike`.") == {"Line 104": "line 104 does not contain 'spike'"}
    assert invalid('Line 104 shows "DB_POOL_TIMEOUT".') == {"Line 104": "line 104 does not contain 'DB_POOL_TIMEOUT'"}


def test_an_answer_that_repeats_logchats_findings_cites_only_valid_lines() -> None:
    from logcore.findings import find_incidents

    findings = find_incidents(LOG, first_line=1)
    for text in (findings.brief(), findings.render_text()):
        citations = check(text)
        assert len(citations) > 5 and all(c.valid for c in citations), summary_line(citations)


def test_in_a_scope_too_big_to_read_copied_words_are_checked_against_the_lines_the_model_was_shown() -> None:
    big = 50_000  # the example log repeated: too many lines to read every one
    def text(n: int) -> str | None:
        return LOG[(n - 1) % LAST] if 1 <= n <= big else None
    answer = "Connection leak detection triggered for a thread (line 14)."
    shown = "Digest: ...\n  e.g. line 141: " + LOG[140]  # the digest quoted line 141
    assert not check_citations(answer, text, first_line=1, last_line=big, shown=shown)[0].valid
    assert check_citations(answer, text, first_line=1, last_line=big)[0].valid  # nothing known to copy from


# ------------------------------------------------------------------------ several files
APP = ["2026-03-14 10:00:00 INFO app started", "2026-03-14 10:00:05 WARN HikariPool-1 - Connection is not available",
       "2026-03-14 10:00:06 ERROR GET /api/orders -> 500"]
DB = ["2026-03-14 09:59:58 UTC LOG:  checkpoint complete", "2026-03-14 10:00:01 UTC LOG:  received fast shutdown request",
      "2026-03-14 10:00:02 UTC LOG:  database system is shut down"]
MERGED = [DB[0], APP[0], DB[1], DB[2], APP[1], APP[2]]  # the merged view's rows


def _lines(lines: list[str]):
    return lambda n: lines[n - 1] if 1 <= n <= len(lines) else None


FILES = {"app.log": FileLines(_lines(APP), 1, len(APP)), "db.log": FileLines(_lines(DB), 1, len(DB))}


def check_files(answer: str) -> list[Citation]:
    return check_citations(answer, _lines(MERGED), first_line=1, last_line=len(MERGED), files=FILES,
                           shown="\n".join(MERGED))


def test_a_file_citation_is_checked_against_that_files_own_line() -> None:
    citations = check_files('The database got a "fast shutdown request" (db.log:2); then "Connection is not '
                            'available" at app.log:2, and db.log:2-3 show it going down.')
    assert [(c.file, c.start, c.end, c.valid) for c in citations] == [
        ("db.log", 2, 2, True), ("app.log", 2, 2, True), ("db.log", 2, 3, True)]
    assert citations[0].to_json() == {"line": 2, "end": 2, "valid": True, "reason": "", "file": "db.log"}


def test_the_wrong_file_and_a_line_past_a_files_end_are_invalid() -> None:
    wrong = check_files('The "fast shutdown request" is at app.log:2.')
    assert [(c.file, c.valid, c.reason) for c in wrong] == [
        ("app.log", False, "app.log:2 does not contain 'fast shutdown request'")]
    past = check_files("The shutdown ends at db.log:9.")
    assert past[0].reason == "db.log:9 is outside db.log (lines 1-3)"
    assert "citations: 1 checked, 1 invalid — db.log:9 is outside db.log" in summary_line(past)


def test_quoted_text_must_be_on_the_cited_line_of_that_file() -> None:
    cited = check_files('db.log:1 reads "received fast shutdown request".')
    assert not cited[0].valid and "db.log:1 does not contain" in cited[0].reason


def test_every_written_form_of_a_file_citation() -> None:
    answer = ("Line 2 of db.log says shutdown. In db.log line 3 it is down. See app.log, lines 2-3. "
              "`db.log:2` is the request. Lines 1 to 2 in the file db.log come first.")
    assert [(c.file, c.start, c.end) for c in check_files(answer)] == [
        ("db.log", 2, 2), ("db.log", 3, 3), ("app.log", 2, 3), ("db.log", 2, 2), ("db.log", 1, 2)]


def test_times_versions_addresses_and_unknown_names_are_no_file_citations() -> None:
    answer = "At 10:00 on 12:30 the host 10.4.2.1:5432 ran nginx-1.25:80 and v2.3:4; xdb.log:2 is no file here."
    assert [c for c in check_files(answer) if c.file is not None] == []
    refs = find_citations("see db.log:2 and web/db.log:3", files=("db.log", "web/db.log"))
    assert [(r.file, r.start) for r in refs] == [("db.log", 2), ("web/db.log", 3)]


def test_a_bare_line_in_a_merged_answer_is_a_row_of_the_merged_view() -> None:
    citations = check_files('Row 3 of the merged view, line 3, says "fast shutdown".')
    assert [(c.file, c.start, c.valid) for c in citations] == [(None, 3, True)]
    assert check_files("The answer names db.log and app.log, nothing else.") == []


def test_one_file_answers_read_as_before() -> None:
    assert [c.to_json() for c in check("The order-export job started at line 62.")] == [
        {"line": 62, "end": 62, "valid": True, "reason": ""}]
