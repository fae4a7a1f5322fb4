"""One level rule everywhere: the viewer's colours, its level filter, the patterns panel and the digest.

"node7 parity error corrected" is prose with the word error in it, not a level: the log core
gives it none, so it must not be red on screen or pass "level ≥ ERROR" either.
"""

from __future__ import annotations

import pytest

from logcore.anomaly import analyze
from logcore.levels import LevelReader
from tui.pattern_index import PatternIndex

from tui_helpers import ScriptedBackend, make_app, wait_for

pytestmark = pytest.mark.anyio

LINES = ["node7 parity error corrected", "node7 ERROR: fan 2 failed", "node8 heartbeat ok",
         "node9 WARN temperature 71C"]
EXPECTED = [None, "ERROR", None, "WARN"]


def test_the_digest_and_the_patterns_panel_agree_with_the_level_rule() -> None:
    reader = LevelReader(LINES)
    assert [reader.level(line, i) for i, line in enumerate(LINES)] == EXPECTED
    assert analyze(LINES).level_counts == {"ERROR": 1, "WARN": 1, "none": 2}
    patterns = PatternIndex(reader)
    patterns.add(LINES, 0)
    assert sum(patterns.sparkline(len(LINES))) == 2  # WARN-or-worse lines: 2 and 4, not 1


async def test_the_viewer_colours_and_filters_by_the_same_rule(make_log) -> None:
    log = make_log(LINES, "nodes.log")
    app = make_app([log], ScriptedBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.active_view
        assert [view.text_of(i)[1] for i in range(len(LINES))] == EXPECTED
        error_style = view.get_component_rich_style("logview--error", partial=True)
        body = [s for s in view.render_line(0) if "parity" in s.text]
        assert body and body[0].style.color != error_style.color
        await pilot.press("l", "l")  # WARN and worse, then ERROR and worse
        await wait_for(pilot, lambda: view.filter_label == "level ≥ ERROR" and view.filter_done)
        assert view.filtered_lines() == [1]
