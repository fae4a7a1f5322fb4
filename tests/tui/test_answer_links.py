"""Citations in an answer become jumps into the log view; invalid ones are marked, never linked."""

from __future__ import annotations

from models.citations import check_citations
from tui.citations import INVALID_MARK, CitedLine, cited_lines, link_target, linkify
from tui_helpers import CHECKOUT

LOG = CHECKOUT.read_text().splitlines()


def line_text(n: int) -> str | None:
    return LOG[n - 1] if 1 <= n <= len(LOG) else None


def test_without_verdicts_every_citation_outside_code_is_a_link() -> None:
    text = "See line 42, lines 10-12, lines 3, 5 and 9 and L7. Not `line 99` in code.\n```\nline 98\n```"
    assert cited_lines(text) == [CitedLine(n) for n in (42, 10, 3, 5, 9, 7)]
    linked = linkify(text)
    assert "[line 42](line:42)" in linked and "[lines 10-12](line:10)" in linked
    assert "[lines 3](line:3), [5](line:5) and [9](line:9)" in linked and "[L7](line:7)" in linked
    assert "line:99" not in linked and "line:98" not in linked and "`line 99`" in linked


def test_an_invalid_citation_is_plain_marked_text_and_a_valid_one_stays_a_link() -> None:
    answer = 'The job starts at line 62. Line 900 is the end. Line 104 says "disk full"; line 104 also says "pool exhausted".'
    citations = check_citations(answer, line_text, first_line=1, last_line=len(LOG))
    assert [c.valid for c in citations] == [True, False, False, True]
    linked = linkify(answer, citations)
    assert "[line 62](line:62)" in linked
    assert f"~~Line 900~~{INVALID_MARK}" in linked and "line:900" not in linked
    assert f'~~Line 104~~{INVALID_MARK} says "disk full"' in linked  # the same number, judged per citation
    assert '[line 104](line:104) also says "pool exhausted"' in linked
    assert linkify(answer, []) == linkify(answer)  # no verdicts yet: all links


def test_existing_links_are_left_alone_and_targets_parse() -> None:
    assert linkify("[line 12](line:12) then line 13") == "[line 12](line:12) then [line 13](line:13)"
    assert link_target("line:42") == CitedLine(42) and link_target("https://x") is None and link_target("line:x") is None
    assert link_target("line:web/b%20x.log:412") == CitedLine(412, "web/b x.log")
