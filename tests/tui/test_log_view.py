"""The log view as a user drives it: reading, search, filters, go-to, wrap, marks, follow."""

from __future__ import annotations

from pathlib import Path

import pytest

from logcore.reader import LogFile
from tui.log_view import LogView

from tui_helpers import ScriptedBackend, make_app, prompt, screen_rows, wait_for

pytestmark = pytest.mark.anyio


async def test_first_screen_shows_numbered_lines_with_cursor(checkout_log):
    app = make_app([checkout_log], ScriptedBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.active_view
        await wait_for(pilot, lambda: screen_rows(view)[1].strip() != "")
        rows = screen_rows(view)
        assert rows[0].startswith("  1▶# checkout-service")
        assert rows[1].startswith("  2 2026-03-14T14:01:58.120Z INFO")
        await pilot.press("down", "down")
        assert view.cursor_line == 2
        assert screen_rows(view)[2].startswith("  3▶")


async def test_search_next_and_previous(checkout_log):
    app = make_app([checkout_log], ScriptedBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.active_view
        await prompt(pilot, "slash", "DB_POOL_TIMEOUT")
        await wait_for(pilot, lambda: view.cursor_line == 105)
        await pilot.press("n")
        await wait_for(pilot, lambda: view.cursor_line == 115)
        await pilot.press("N")
        await wait_for(pilot, lambda: view.cursor_line == 105)
        assert "/DB_POOL_TIMEOUT" in app.query_one("#status-left").render().plain


async def test_text_filter_shows_only_matching_lines_and_clears(checkout_log):
    app = make_app([checkout_log], ScriptedBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.active_view
        expected = [i for i in range(checkout_log.line_count) if "pool=" in checkout_log.line(i)]
        await prompt(pilot, "f", "POOL=")
        await wait_for(pilot, lambda: view.filtered_lines() == expected)
        assert screen_rows(view)[0].lstrip().startswith(f"{expected[0] + 1}")
        await pilot.press("f", "enter")
        await wait_for(pilot, lambda: not view.filtering)
        assert view.row_count == checkout_log.line_count


async def test_level_filter_cycles_warn_error_all(checkout_log):
    app = make_app([checkout_log], ScriptedBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.active_view
        await pilot.press("l")
        await wait_for(pilot, lambda: view.filter_label == "level ≥ WARN" and view.filter_done)
        warn_rows = view.row_count
        assert 0 < warn_rows < checkout_log.line_count
        await pilot.press("l")
        await wait_for(pilot, lambda: view.filter_label == "level ≥ ERROR" and view.filter_done)
        assert 0 < view.row_count < warn_rows
        assert all(" ERROR " in checkout_log.line(i) or "FATAL" in checkout_log.line(i)
                   or '"error"' in checkout_log.line(i).lower()
                   for i in view.filtered_lines() or [])
        await pilot.press("l")
        await wait_for(pilot, lambda: not view.filtering)


async def test_go_to_line_and_time(checkout_log):
    app = make_app([checkout_log], ScriptedBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.active_view
        await prompt(pilot, "g", "150")
        await wait_for(pilot, lambda: view.cursor_line == 149)
        assert any(row.startswith("150▶") for row in screen_rows(view))
        await prompt(pilot, "g", "14:05:38")
        await wait_for(pilot, lambda: "14:05:38" in checkout_log.line(view.cursor_line))


async def test_wrap_shows_long_line_on_several_rows(make_log):
    long_line = "2026-03-14T14:01:58Z ERROR " + " ".join(f"word{i}" for i in range(60))
    log = make_log(["short line", long_line, "after"])
    app = make_app([log], ScriptedBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.active_view
        assert screen_rows(view)[2].startswith("3 after")
        await pilot.press("w")
        rows = screen_rows(view)
        assert rows[1].startswith("2 2026-03-14")
        assert rows[2].startswith("  ") and "word" in rows[2]  # continuation: blank gutter
        assert any(row.startswith("3 after") for row in rows[3:])
        assert "word59" in "".join(rows)


async def test_mark_range_becomes_the_analysis_scope(checkout_log):
    app = make_app([checkout_log], ScriptedBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.active_view
        await pilot.press("down", "down", "m", "down", "down", "down", "m")
        assert view.marked_range == (2, 5)
        await pilot.press("s")  # page -> marked
        await wait_for(pilot, lambda: "marked: lines 3-6" in app.query_one("#status-left").render().plain)
        assert "tok / ctx 8,192" in app.query_one("#status-left").render().plain
        await pilot.press("s")  # -> last N
        await wait_for(pilot, lambda: "last 200 lines" in app.query_one("#status-left").render().plain)
        await pilot.press("s", "s")  # -> filtered (falls back to page) -> whole file
        await wait_for(pilot, lambda: "file: 234 lines" in app.query_one("#status-left").render().plain)


async def test_follow_sticks_to_end_as_lines_arrive(make_log):
    log = make_log([f"2026-01-01T00:00:{i:02d}Z INFO start {i}" for i in range(50)], "live.log")
    path = log.path
    app = make_app([log], ScriptedBackend(), follow=True)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.active_view
        await wait_for(pilot, lambda: view.cursor_line == 49)
        with path.open("a") as out:
            out.write("2026-01-01T00:01:00Z ERROR appended line\n")
        await wait_for(pilot, lambda: view.row_count == 51)
        assert view.cursor_line == 50
        assert any("appended line" in row for row in screen_rows(view))
        await pilot.press("t")  # follow off
        assert not view.follow
        with path.open("a") as out:
            out.write("2026-01-01T00:01:01Z INFO one more\n")
        await wait_for(pilot, lambda: view.row_count == 52)
        assert view.cursor_line == 50  # not following: the cursor stays where the user left it


async def test_a_growing_last_line_and_a_refilled_file_never_show_stale_text(tmp_path: Path):
    path = tmp_path / "live.log"
    path.write_text("2026-01-01T00:00:00Z INFO first\n2026-01-01T00:00:01Z INFO partial")
    log = LogFile.open(path)
    log.index(background=False)
    app = make_app([log], ScriptedBackend(), follow=True)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.active_view
        await wait_for(pilot, lambda: any("partial" in row for row in screen_rows(view)))
        with path.open("a") as out:
            out.write("ly written\n")
        await wait_for(pilot, lambda: any("partially written" in row for row in screen_rows(view)))
        # Truncated and refilled past its old size between two polls: the old text must go.
        path.write_text("".join(f"2026-01-01T00:00:0{i}Z WARN rewritten {i}\n" for i in range(4)))
        await wait_for(pilot, lambda: any("rewritten 0" in row for row in screen_rows(view)))
        assert not any("first" in row for row in screen_rows(view))
    log.close()


async def test_hostile_lines_render_literally(make_log):
    hostile = [
        "[bold red]not markup[/] [link=http://evil]x[/link]",
        "\x1b[31mred\x1b[0m \x1b[2J cleared?",
        "\x1b]0;pwned title\x07 and \x1b]52;c;ZXZpbA==\x07 clipboard",
        "bidi \u202eevil\u202c tab\tend",
    ]
    log = make_log(hostile)
    app = make_app([log], ScriptedBackend())
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.active_view
        rows = screen_rows(view)
        assert "[bold red]not markup[/] [link=http://evil]x[/link]" in rows[0]
        assert "\\x1b[31mred\\x1b[0m \\x1b[2J cleared?" in rows[1]
        assert "\\x1b]0;pwned title\\x07" in rows[2] and "\\x1b]52;c;ZXZpbA==\\x07" in rows[2]
        assert "\\u202eevil\\u202c" in rows[3] and "\t" not in rows[3]
        for y in range(4):
            for segment in view.render_line(y):
                assert "\x1b" not in segment.text and "\x07" not in segment.text
                assert not (segment.style and segment.style.link)
        body = [s for s in view.render_line(0) if "not markup" in s.text]
        assert body and not body[0].style.bold
        screenshot = app.export_screenshot()
        assert "pwned" in screenshot and "\x1b" not in screenshot and "\x07" not in screenshot
        assert app.title == "logchat"
        await pilot.pause()


async def test_tabs_per_file(checkout_log, make_log):
    other = make_log(["only line of the second file"], name="second.log")
    app = make_app([checkout_log, other], ScriptedBackend())
    async with app.run_test(size=(80, 24)) as pilot:
        assert len(app.query(LogView)) == 2
        await pilot.press("right")  # the first view has focus; move to the tab bar instead
        app.query_one("TabbedContent").active = "tab-1"
        await pilot.pause()
        assert app.active_view.logfile is other
        assert screen_rows(app.active_view)[0].startswith("1▶only line")
