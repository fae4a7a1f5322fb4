"""The merged view as a user drives it: several files in one tab, ordered by their own times.

Rows carry their file's tag; search, filters, go to (a row, `b.log:412`, a time), marks, the
level filter (each file read with its own format) and answer links work across files; a file
joins while following, and new lines of every file appear.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from logcore.merge import MergedLog
from logcore.reader import LogFile
from tui.citations import CitedLine
from tui.open_command import build_app
from logcore.errors import LogchatError

from tui_helpers import ScriptedBackend, make_app, notifications, prompt, screen_rows, wait_for

pytestmark = pytest.mark.anyio


def stamp(second: int) -> str:
    return f"2026-03-14T14:{second // 60:02d}:{second % 60:02d}Z"


# a.log: the proxy, an even second each; b.log: the app, odd seconds, a timeout at second 7.
PROXY = [f"{stamp(2 * i)} INFO proxy GET /cart/{i} 200" for i in range(6)]
APP = [f"{stamp(2 * i + 1)} {'ERROR' if i == 3 else 'INFO'} app "
       f"{'pool timeout waiting for connection' if i == 3 else f'served request {i}'}" for i in range(6)]


def merged_of(*logs: LogFile) -> MergedLog:
    merged = MergedLog(list(logs))
    merged.index(background=False)
    return merged


def rows_text(app) -> list[str]:
    return [row.rstrip() for row in screen_rows(app.active_view) if row.strip()]


async def test_rows_come_in_time_order_each_marked_with_its_file(make_log) -> None:
    merged = merged_of(make_log(PROXY, "a.log"), make_log(APP, "b.log"))
    app = make_app([merged], ScriptedBackend())
    async with app.run_test(size=(100, 24)) as pilot:
        view = app.active_view
        await wait_for(pilot, lambda: len(rows_text(app)) == 12)
        rows = rows_text(app)
        expected = [line for pair in zip(PROXY, APP) for line in pair]
        assert [row.split(" ", 2)[0] for row in rows] == ["a.log", "b.log"] * 6
        assert all(row.endswith(line) for row, line in zip(rows, expected))
        assert rows[0].startswith("a.log  1▶") and rows[1].startswith("b.log  2 ")
        tag = [s for s in view.render_line(1) if s.text.startswith("b.log")][0]
        other = [s for s in view.render_line(0) if s.text.startswith("a.log")][0]
        assert tag.style.color is not None and tag.style.color != other.style.color
        await pilot.press("down", "down", "down")
        assert view.file_line_label(view.cursor_line) == "b.log:2"
        assert "at b.log:2" in app.query_one("#status-left").render().plain
        assert app.query_one("#tabs").get_tab("tab-0").label.plain == "a.log + b.log"


async def test_search_and_filter_find_lines_in_every_file(make_log) -> None:
    merged = merged_of(make_log(PROXY, "a.log"), make_log(APP, "b.log"))
    app = make_app([merged], ScriptedBackend())
    async with app.run_test(size=(100, 24)) as pilot:
        view = app.active_view
        await prompt(pilot, "slash", "pool timeout")
        await wait_for(pilot, lambda: view.file_line_label(view.cursor_line) == "b.log:4")
        assert view.cursor_line == 7
        await prompt(pilot, "f", "/cart/2")
        await wait_for(pilot, lambda: view.filter_done and view.filtered_lines() == [4])
        await prompt(pilot, "f", " 200")  # the proxy's lines only
        await wait_for(pilot, lambda: view.filter_done and view.filtered_lines() == [0, 2, 4, 6, 8, 10])
        await prompt(pilot, "f", "Z INFO")  # both files' INFO lines: all but b.log's timeout
        await wait_for(pilot, lambda: view.filter_done and view.filtered_lines() == [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11])
        assert [row.split(" ", 1)[0] for row in rows_text(app)][5:8] == ["b.log", "a.log", "a.log"]


async def test_filters_and_search_read_each_files_lines_and_keep_the_same_rows(make_log) -> None:
    """The text and level filters scan each file's own lines (`TextFilter`, `LevelFilter`): the
    rows they keep equal a plain predicate's over the merged rows, and search finds the row a
    row-by-row walk finds, forward and back, with or without a filter."""
    import random

    from logcore.levels import at_least
    from tui.sources import LevelFilter, TextFilter

    rng = random.Random(13)
    levels = ["INFO", "INFO", "INFO", "WARN", "ERROR"]
    java, t = [], 0
    for i in range(900):
        t += rng.choice((0, 1, 1, 2))
        java.append(f"2026-03-14 14:{t // 60 % 60:02d}:{t % 60:02d},{rng.randrange(1000):03d} {rng.choice(levels)} "
                    f"[pool-1] com.shop.Db - query {i}")
        if rng.random() < 0.1:
            java.append("\tat com.shop.Db.run(Db.java:12)")
    access = [f'10.0.0.{i % 250} - - [14/Mar/2026:14:{(2 * i) // 60 % 60:02d}:{(2 * i) % 60:02d} +0000] '
              f'"GET /api/query/{i} HTTP/1.1" {rng.choice((200, 200, 404, 500))} 512 "-" "curl/8"' for i in range(700)]
    merged = merged_of(make_log(java, "app.log"), make_log(access, "access.log"))
    app = make_app([merged], ScriptedBackend())
    rows = merged.lines(0, merged.line_count)
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.active_view
        reader = view.level_reader()
        cases = [(TextFilter("query 1"), lambda i, line: "query 1" in line.casefold()),
                 (TextFilter("get /api"), lambda i, line: "get /api" in line.casefold()),
                 (LevelFilter(reader, "WARN"), lambda i, line: at_least(reader.level(line, i), "WARN")),
                 (LevelFilter(reader, "ERROR"), lambda i, line: at_least(reader.level(line, i), "ERROR"))]
        for fast, slow in cases:
            assert view._per_file(fast) is not None and view._per_file(slow) is None
            view.set_filter(slow, "slow")
            await wait_for(pilot, lambda: view.filter_done)
            want = view.filtered_lines()
            view.set_filter(fast, "fast")
            await wait_for(pilot, lambda: view.filter_done)
            assert view.filtered_lines() == want and want
        assert "app.log" in {merged.label(r).split(":")[0] for r in want}
        assert "access.log" in {merged.label(r).split(":")[0] for r in want}  # 500s are errors
        for shown in (None, [r for r in range(len(rows)) if "query" in rows[r]]):
            view.set_filter(None if shown is None else TextFilter("query"), "query")
            await wait_for(pilot, lambda: view.filter_done)
            lines = list(range(len(rows))) if shown is None else shown
            view.set_search("query 4")
            for origin in (0, len(lines) // 2, len(lines) - 1):
                hits = [k for k, r in enumerate(lines) if "query 4" in rows[r].casefold()]
                after = next((k for k in hits if k > origin), hits[0])
                before = next((k for k in reversed(hits) if k < origin), hits[-1])
                for forward, expected in ((True, after), (False, before)):
                    view.cursor = origin
                    view.find(forward)
                    await wait_for(pilot, lambda: view.cursor == expected)


async def test_go_to_a_files_line_a_merged_row_and_a_time(make_log) -> None:
    proxy = [f"{stamp(2 * i)} INFO proxy GET /cart/{i} 200" for i in range(600)]
    app_lines = [f"{stamp(2 * i + 1)} INFO app served request {i}" for i in range(600)]
    merged = merged_of(make_log(proxy, "a.log"), make_log(app_lines, "b.log"))
    app = make_app([merged], ScriptedBackend())
    async with app.run_test(size=(100, 24)) as pilot:
        view = app.active_view
        await prompt(pilot, "g", "b.log:412")
        await wait_for(pilot, lambda: view.file_line_label(view.cursor_line) == "b.log:412")
        assert view.logfile.line(view.cursor_line) == app_lines[411]
        assert rows_text(app)[view.cursor - int(view.scroll_y)].startswith("b.log  824▶")
        await prompt(pilot, "g", "100")
        await wait_for(pilot, lambda: view.cursor_line == 99)
        assert view.file_line_label(99) == "b.log:50"
        await prompt(pilot, "g", "2026-03-14T14:10:00+00:00")  # second 600: a.log's line 301
        await wait_for(pilot, lambda: view.file_line_label(view.cursor_line) == "a.log:301")
        await prompt(pilot, "g", "14:05:01")  # a time of day, on the day the view shows
        await wait_for(pilot, lambda: view.file_line_label(view.cursor_line) == "b.log:151")
        await prompt(pilot, "g", "c.log:3")
        await wait_for(pilot, lambda: any("no file 'c.log'" in n for n in notifications(app)))
        await prompt(pilot, "g", "a.log:9999")
        await wait_for(pilot, lambda: any("a.log has 600 lines" in n for n in notifications(app)))
        assert view.file_line_label(view.cursor_line) == "b.log:151"


async def test_the_level_filter_reads_each_file_with_its_own_format(make_log) -> None:
    # An access log has no level word: its 5xx are its errors, and "ERROR" in a URL is no level.
    access = [f'10.0.0.{i} - - [14/Mar/2026:14:00:{2 * i:02d} +0000] "GET /api/ERROR/{i} HTTP/1.1" '
              f'{500 if i % 4 == 0 else 200} 512 "-" "curl/8"' for i in range(12)]
    java = [f"2026-03-14 14:00:{2 * i + 1:02d},000 {'ERROR' if i % 3 == 0 else 'INFO'} [pool-1] "
            f"com.shop.Db - query {i}" for i in range(12)]
    merged = merged_of(make_log(access, "access.log"), make_log(java, "app.log"))
    app = make_app([merged], ScriptedBackend())
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.active_view
        await pilot.press("l", "l")  # WARN and worse, then ERROR and worse
        await wait_for(pilot, lambda: view.filter_label == "level ≥ ERROR" and view.filter_done)
        kept = [view.file_line_label(row) for row in view.filtered_lines()]
        assert kept == ["access.log:1", "app.log:1", "app.log:4", "access.log:5", "app.log:7",
                        "access.log:9", "app.log:10"]
        error = view.get_component_rich_style("logview--error", partial=True)
        ok_row = merged.row_of(0, 1)  # a 200 whose URL says ERROR
        assert view.text_of(ok_row)[1] == "INFO"
        assert view.text_of(merged.row_of(0, 0))[1] == "ERROR" and error.color is not None


async def test_a_file_joins_the_merged_view_while_following(make_log, tmp_path: Path) -> None:
    a, b = make_log(PROXY, "a.log"), make_log(APP, "b.log")
    c = make_log([f"{stamp(20)} WARN db checkpoint slow"], "c.log")
    merged = merged_of(a, b)
    app = make_app([merged, c], ScriptedBackend(), follow=True)
    async with app.run_test(size=(100, 24)) as pilot:
        view = app.active_view
        await wait_for(pilot, lambda: view.watching and view.row_count == 12)
        await pilot.press("plus")  # the other tab's file joins the merged view
        await wait_for(pilot, lambda: view.row_count == 13)
        assert [s.name for s in merged.sources] == ["a.log", "b.log", "c.log"]
        assert any("c.log joined the merged view" in n for n in notifications(app))
        assert app.query_one("#tabs").get_tab("tab-0").label.plain == "a.log + b.log + c.log"
        assert view.file_line_label(12) == "c.log:1"
        with (tmp_path / "b.log").open("a") as out:
            out.write(f"{stamp(30)} ERROR app pool exhausted\n")
        with (tmp_path / "c.log").open("a") as out:
            out.write(f"{stamp(31)} ERROR db too many connections\n")
        await wait_for(pilot, lambda: view.row_count == 15, timeout=15)
        await wait_for(pilot, lambda: rows_text(app)[-1].startswith("c.log"))
        rows = rows_text(app)
        assert rows[-2].startswith("b.log") and rows[-2].endswith("ERROR app pool exhausted")
        assert rows[-1].endswith("ERROR db too many connections")
        assert view.cursor == view.row_count - 1  # following keeps the end in view


async def test_merge_open_tabs_from_the_palette_key(make_log) -> None:
    a, b = make_log(PROXY, "a.log"), make_log(APP, "b.log")
    app = make_app([a, b], ScriptedBackend())
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.press("plus")
        await wait_for(pilot, lambda: app.active_view.merged is not None)
        view = app.active_view
        await wait_for(pilot, lambda: view.row_count == 12)
        assert [view.file_line_label(i) for i in range(4)] == ["a.log:1", "b.log:1", "a.log:2", "b.log:2"]
        assert app.active_pane.id == "tab-2"
        assert app.logs[-1] is view.logfile and a not in view.merged.logs  # its own copies
        await pilot.press("plus")
        await wait_for(pilot, lambda: any("in the merged view already" in n for n in notifications(app)))


async def test_a_cited_files_line_jumps_to_its_row(make_log) -> None:
    merged = merged_of(make_log(PROXY, "a.log"), make_log(APP, "b.log"))
    backend = ScriptedBackend("The pool timed out at b.log:4 after the proxy's a.log:2.")
    app = make_app([merged], backend)
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.active_view
        await pilot.press("1")
        await wait_for(pilot, lambda: not app.generating and app.conversation is not None
                       and app.conversation.turns[0].answer)
        assert CitedLine(4, "b.log") in app.chat.citations
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: view.file_line_label(view.cursor_line) == "b.log:4")
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: view.file_line_label(view.cursor_line) == "a.log:2")
        app._link_clicked(type("Clicked", (), {"href": "line:b.log:6", "stop": lambda self: None})())
        await wait_for(pilot, lambda: view.file_line_label(view.cursor_line) == "b.log:6")


async def test_marks_stay_on_their_lines_when_a_file_joins(make_log) -> None:
    a, b = make_log(PROXY, "a.log"), make_log(APP, "b.log")
    early = make_log([f"{stamp(0)} INFO db started", f"{stamp(1)} INFO db ready"], "c.log")
    merged = merged_of(a, b)
    app = make_app([merged, early], ScriptedBackend(), follow=True)
    async with app.run_test(size=(100, 24)) as pilot:
        view = app.active_view
        await wait_for(pilot, lambda: view.watching and view.row_count == 12)
        view.follow = False
        view.go_to_line(4)
        await pilot.press("m")
        view.go_to_line(6)
        await pilot.press("m")
        assert (view.mark_start, view.mark_end) == (3, 5)
        await pilot.press("plus")  # c.log's two lines sort in at the top
        await wait_for(pilot, lambda: view.row_count == 14)
        await wait_for(pilot, lambda: view.mark_start != 3)
        assert [view.file_line_label(i) for i in view.marked_range] == ["b.log:2", "b.log:3"]


def test_merge_opens_one_tab_over_two_or_more_files(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "api").mkdir()
    paths = [tmp_path / "web" / "access.log", tmp_path / "api" / "access.log"]
    for path, lines in zip(paths, (PROXY, APP)):
        path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LogchatError, match="--merge needs two or more files"):
        build_app([str(paths[0])], merge=True)
    with pytest.raises(LogchatError, match="stdin"):
        build_app(["-", str(paths[0])], merge=True)
    app = build_app([str(p) for p in paths], merge=True)
    try:
        assert len(app.logs) == 1 and isinstance(app.logs[0], MergedLog)
        assert [s.name for s in app.logs[0].sources] == ["web/access.log", "api/access.log"]
    finally:
        app.logs[0].close()


def test_snapshot_of_a_merged_view(snap_compare, make_log) -> None:
    db = [f"{stamp(3)} INFO db checkpoint done", f"{stamp(9)} WARN db slow query 1.2s on orders",
          f"{stamp(10)} ERROR db connection limit reached (max 100)"]
    merged = merged_of(make_log(PROXY, "proxy.log"), make_log(APP, "app.log"), make_log(db, "db.log"))
    app = make_app([merged], ScriptedBackend())

    async def settle(pilot):
        await wait_for(pilot, lambda: app.backend is not None)
        await wait_for(pilot, lambda: "tok / ctx" in app.query_one("#status-left").render().plain)
        app.clear_notifications()
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=(90, 22), run_before=settle)


def incident_logs(make_log) -> MergedLog:
    """The app's pool runs dry at app.log:60; then the proxy's 502s flood proxy.log."""
    proxy = ([f"{stamp(2 * i)} INFO proxy GET /cart/{i} 200 12ms" for i in range(60)]
             + [f"{stamp(120 + i)} ERROR proxy GET /cart/{i} 502 upstream timed out" for i in range(30)])
    app_lines = ([f"{stamp(2 * i + 1)} INFO app served request {i}" for i in range(59)]
                 + [f"{stamp(119)} ERROR app db pool exhausted (max 20) waiting for connection"]
                 + [f"{stamp(121 + 2 * i)} WARN app request {i} waited 5000ms for a connection" for i in range(10)])
    return merged_of(make_log(proxy, "proxy.log"), make_log(app_lines, "app.log"))


async def test_findings_and_the_model_read_the_merged_files_by_name(make_log) -> None:
    merged = incident_logs(make_log)
    backend = ScriptedBackend("The pool ran dry at app.log:60, then the proxy failed from proxy.log:61.")
    app = make_app([merged], backend)
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.active_view
        await pilot.press("F")
        await wait_for(pilot, lambda: len(app.query("#answer .findings")) == 1)
        card = app.query_one("#answer .findings")
        source = card.source if hasattr(card, "source") else card._markdown
        assert "(line:app.log:60)" in source and "(line:proxy.log:61)" in source
        app._link_clicked(type("Clicked", (), {"href": "line:app.log:60", "stop": lambda self: None})())
        await wait_for(pilot, lambda: view.file_line_label(view.cursor_line) == "app.log:60")
        await pilot.press("home")
        await pilot.press("2")  # root cause: the findings card, then the model
        await wait_for(pilot, lambda: not app.generating and app.conversation is not None
                       and app.conversation.turns[0].answer)
        prompt = "\n".join(m["content"] for m in backend.calls[0]["messages"])
        assert "app.log:1 | " in prompt and "proxy.log:1 | " in prompt
        assert "Cite lines the same way, as file:line" in prompt  # the system turn says how lines are named
        assert [c.valid for c in app.chat.checked] == [True, True]
        assert app.chat.citations == [CitedLine(60, "app.log"), CitedLine(61, "proxy.log")]


async def test_a_filter_stays_right_when_rows_move_under_it(make_log, tmp_path: Path) -> None:
    a, b = make_log(PROXY, "a.log"), make_log(APP, "b.log")
    early = make_log([f"{stamp(0)} ERROR db refused a connection", f"{stamp(4)} INFO db ready"], "c.log")
    merged = merged_of(a, b)
    app = make_app([merged, early], ScriptedBackend(), follow=True)
    async with app.run_test(size=(100, 24)) as pilot:
        view = app.active_view
        await wait_for(pilot, lambda: view.watching and view.row_count == 12)
        await prompt(pilot, "f", "ERROR")
        await wait_for(pilot, lambda: view.filter_done and [view.file_line_label(i) for i in view.filtered_lines()] == ["b.log:4"])
        await pilot.press("plus")  # c.log's rows sort in above b.log's error
        await wait_for(pilot, lambda: merged.line_count == 14)

        def kept() -> list[str]:
            return [view.file_line_label(i) for i in view.filtered_lines()] if view.filter_done else []

        await wait_for(pilot, lambda: kept() == ["c.log:1", "b.log:4"])
        with (tmp_path / "a.log").open("a") as out:
            out.write(f"{stamp(40)} ERROR proxy upstream reset\n")
        await wait_for(pilot, lambda: kept() == ["c.log:1", "b.log:4", "a.log:7"], timeout=15)
        assert all("ERROR" in view.logfile.line(i) for i in view.filtered_lines())


async def test_the_merges_assumptions_are_said_once(make_log) -> None:
    iso = make_log([f"{stamp(i)} INFO api step {i}" for i in range(5)], "api.log")
    syslog = make_log([f"Mar 14 14:00:{i:02d} host cron[1]: job {i}" for i in range(5)], "sys.log")
    merged = merged_of(iso, syslog)
    app = make_app([merged], ScriptedBackend())
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for(pilot, lambda: any("Merged by time" in n for n in notifications(app)))
        shown = [n for n in notifications(app) if n.startswith("Merged by time")]
        assert len(shown) == 1 and "sys.log has no year: read as 2026" in shown[0]
        assert [app.active_view.file_line_label(i) for i in range(2)] == ["api.log:1", "sys.log:1"]
        app.active_pane.show_alignments()  # asked again with nothing new: nothing more is said
        await pilot.pause(0.1)
        assert len([n for n in notifications(app) if n.startswith("Merged by time")]) == 1


async def test_real_logs_of_two_layouts_merge_and_filter_by_their_own_levels(loghub: Path) -> None:
    from logcore.levels import LevelReader, at_least

    paths = [loghub / "Apache" / "Apache_2k.log", loghub / "Hadoop" / "Hadoop_2k.log"]
    logs = [LogFile.open(path) for path in paths]
    merged = merged_of(*logs)
    expected = 0
    for log in logs:
        lines = log.lines(0, log.line_count)
        reader = LevelReader(lines[:200])
        expected += sum(at_least(reader.level(line, i), "ERROR") for i, line in enumerate(lines))
    app = make_app([merged], ScriptedBackend())
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            view = app.active_view
            assert view.file_line_label(0) == "Apache_2k.log:1"  # 2005 comes before 2015
            assert view.file_line_label(merged.line_count - 1).startswith("Hadoop_2k.log:")
            await pilot.press("l", "l")
            await wait_for(pilot, lambda: view.filter_label == "level ≥ ERROR" and view.filter_done, timeout=30)
            kept = view.filtered_lines()
            assert expected > 0 and len(kept) == expected
            assert {view.file_line_label(i).split(":")[0] for i in kept} == {"Apache_2k.log", "Hadoop_2k.log"}
            await prompt(pilot, "g", "2015-10-18T18:10:00")
            await wait_for(pilot, lambda: view.file_line_label(view.cursor_line).startswith("Hadoop_2k.log:"))
    finally:
        merged.close()


def test_long_file_names_keep_what_tells_them_apart() -> None:
    from tui.sources import source_tag, tag_width

    names = ["web/access.log", "api/access.log", "node-server-1.log", "node-server-2.log", "db.log"]
    width = tag_width(names)
    tags = [source_tag(name, width) for name in names]
    assert width == 12 and all(len(tag) == 12 for tag in tags)
    assert len(set(tags)) == len(tags)
    assert tags[0] == "web/a…ss.log" and tags[4] == "db.log      "


async def test_the_patterns_panel_mines_again_when_a_file_joins(make_log) -> None:
    a, b = make_log(PROXY, "a.log"), make_log(APP, "b.log")
    c = make_log([f"{stamp(0)} WARN db checkpoint slow", f"{stamp(1)} WARN db checkpoint slow"], "c.log")
    merged = merged_of(a, b)
    app = make_app([merged, c], ScriptedBackend(), follow=True)
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.active_view
        await wait_for(pilot, lambda: view.watching and view.row_count == 12)
        await pilot.press("p")
        panel = app.patterns_panel

        def counts() -> dict[str, int]:
            index = panel.index_for(view)
            return {t.text: t.count for t in index.templates()} if index is not None else {}

        await wait_for(pilot, lambda: sum(counts().values()) == 12)
        await pilot.press("escape")
        view.focus()
        await pilot.press("plus")
        await wait_for(pilot, lambda: sum(counts().values()) == 14)
        assert counts().get("db checkpoint slow") == 2
        assert sum(t.count for t in panel.index_for(view).templates()) == merged.line_count


async def test_scopes_over_a_merged_view(make_log) -> None:
    merged = incident_logs(make_log)
    backend = ScriptedBackend("read")
    app = make_app([merged], backend)
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.active_view
        await pilot.press("s", "s", "s", "s")  # the whole of every file: digested across them
        await wait_for(pilot, lambda: app._scope_status.startswith("all files: 160 rows"))
        await pilot.press("2")
        await wait_for(pilot, lambda: not app.generating and app.conversation is not None
                       and app.conversation.turns[0].answer)
        user = backend.calls[0]["messages"][-1]["content"]
        assert "app.log:60" in user and "lines named file:line" in user
        await pilot.press("ctrl+n")
        await pilot.press("s")  # back to the visible page; then a marked range of rows 3-5
        view.go_to_line(3)
        await pilot.press("m")
        view.go_to_line(5)
        await pilot.press("m")
        await pilot.press("s")
        await wait_for(pilot, lambda: app._scope_status.startswith("marked: rows 3-5"))
        await pilot.press("1")
        await wait_for(pilot, lambda: len(backend.calls) == 2 and not app.generating)
        user = backend.calls[1]["messages"][-1]["content"]
        # rows 3-5 start inside both files: each row is named by its file's own line
        assert [merged.label(row) for row in (2, 3, 4)] == ["proxy.log:2", "app.log:2", "proxy.log:3"]
        for row in (2, 3, 4):
            assert f"{merged.label(row)} | {merged.line(row)}" in user
        assert merged.line(5) not in user
        assert not any("numbered as in the merged view" in n for n in notifications(app))


def test_a_scope_inside_the_files_names_their_real_lines(make_log) -> None:
    from logcore.findings import find_merged_incidents
    from models.session import citation_checker, find_evidence
    from tui.scope import Scope, ScopeKind, read_scope

    merged = incident_logs(make_log)
    cause = merged.row_of(1, 59)  # app.log:60, the pool running dry
    rows = range(100, 150)  # from the middle of both files to the middle of the flood
    log = read_scope(merged, Scope(ScopeKind.MARKED, rows, "marked: rows 101-150"))
    assert log.merged is not None and log.first_line == 101 and not log.notes
    assert log.model_text.split("\n") == [f"{merged.label(r)} | {merged.line(r)}" for r in rows]
    assert log.merged.first_lines == [merged.origin(100)[1], merged.origin(101)[1]] == [50, 50]
    files = log.file_lines()
    assert files is not None and (files["proxy.log"].first_line, files["app.log"].first_line) == (51, 51)
    assert files["app.log"].line_text(60) == merged.logs[1].line(59)
    assert files["proxy.log"].line_text(61) == merged.logs[0].line(60)
    assert files["app.log"].line_text(50) is None  # above the scope
    checker = citation_checker(log.line_text(), log.first_line, log.last_line, shown=log.model_text, files=files)
    checker.feed(f"The pool ran dry at app.log:60, then proxy.log:61 failed; proxy.log:3 is outside, "
                 f"and line {cause + 1} is the same row. ")
    verdicts = [(c.file, c.start, c.valid) for c in checker.finish() + checker.citations]
    assert sorted(verdicts, key=str) == sorted([("app.log", 60, True), ("proxy.log", 61, True),
                                                ("proxy.log", 3, False), (None, cause + 1, True)], key=str)
    findings = find_evidence(log)
    assert findings is not None and findings.incident
    assert [(f.name, f.first_line, f.last_line) for f in findings.files] == [
        ("proxy.log", 51, 50 + sum(1 for r in rows if merged.origin(r)[0] == 0)),
        ("app.log", 51, 50 + sum(1 for r in rows if merged.origin(r)[0] == 1))]
    assert (findings.causes[0].file, findings.causes[0].line) == ("app.log", 60)
    assert findings.onset is not None and findings.onset.file in ("app.log", "proxy.log")
    for found in findings.causes:  # every cause's file:line is that file's line with its text
        source = [s.name for s in merged.sources].index(found.file)
        assert merged.logs[source].line(found.line - 1).startswith(found.text[:30])
    text = find_merged_incidents(log.merged).render_text()
    assert "app.log:60" in text and "proxy.log lines 51-" in text


def test_the_live_watch_scores_a_merged_view_file_by_file(make_log) -> None:
    """A strong anomaly in one file of a merged view is flagged at its own row, past the window's
    start (3,000 rows, the window is the last 2,000), and the busy other file's routine is not."""
    from tui.live_watch import strong_anomalies

    app_lines = [f"2026-03-14 14:{i // 60 % 60:02d}:{i % 60:02d},000 INFO checkout: served request {i} in {i % 40} ms"
                 for i in range(1500)]
    db_lines = [f"Mar 14 14:{i // 60 % 60:02d}:{i % 60:02d} dbhost postgres[812]: LOG:  checkpoint {i} complete"
                for i in range(1500)]
    db_lines[1400] = ("Mar 14 14:23:20 dbhost postgres[812]: PANIC:  could not write to file "
                      "\"pg_wal/xlogtemp.812\": No space left on device")
    merged = merged_of(make_log(app_lines, "app.log"), make_log(db_lines, "db.log"))
    start = merged.line_count - 500
    flagged = strong_anomalies(merged, start, merged.line_count)
    assert [merged.label(row) for row in flagged] == ["db.log:1401"]


def test_a_filtered_scope_names_each_rows_file_line_and_checks_citations_there(make_log) -> None:
    """A filter's rows are not consecutive lines of any file, yet each goes to the model as its
    file's real line, a citation of a selected line checks valid, and one of a file line the
    filter left out checks invalid; no findings run over the gaps."""
    from models.session import citation_checker, find_evidence
    from tui.scope import Scope, ScopeKind, read_scope

    merged = incident_logs(make_log)
    rows = tuple(r for r in range(merged.line_count) if "ERROR" in merged.line(r) or "/cart/5 200" in merged.line(r))
    assert len({merged.origin(r)[0] for r in rows}) == 2 and rows[-1] - rows[0] > len(rows)
    log = read_scope(merged, Scope(ScopeKind.FILTERED, rows, f"filtered: {len(rows)} rows"))
    assert log.model_text.split("\n") == [f"{merged.label(r)} | {merged.line(r)}" for r in rows]
    files = log.file_lines()
    assert files is not None
    picked = merged.label(rows[0])
    name, line = picked.split(":")
    skipped = next(n for n in range(files[name].first_line, files[name].last_line + 1)
                   if files[name].line_text(n) is None)
    checker = citation_checker(log.line_text(), log.first_line, log.last_line, shown=log.model_text, files=files)
    checker.feed(f"It began at {picked}; {name}:{skipped} is not among the filtered lines. ")
    verdicts = {(c.file, c.start): c.valid for c in checker.finish() + checker.citations}
    assert verdicts == {(name, int(line)): True, (name, skipped): False}
    assert find_evidence(log) is None
