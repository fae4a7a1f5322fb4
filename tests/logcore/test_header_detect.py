"""Layouts no catalogue lists (written for these tests) still get their message, level and source."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from logcore.anomaly import analyze
from logcore.formats import UNKNOWN, detect_format, parse_records
from logcore.header_detect import learn_header, learned_layout
from logcore.timestamps import THIS_YEAR


def records(lines: list[str]) -> list[tuple]:
    fmt = detect_format(lines)
    assert fmt is not UNKNOWN and fmt.name.startswith("generic"), fmt.name
    return [(r.timestamp, r.level, r.component, r.message) for r in parse_records(lines, fmt)]


def test_bracketed_dotted_date_and_prog_before_a_dash() -> None:
    got = records(["[2024.03.05 10:00:01] worker-7 - job 12 started on queue main",
                   "[2024.03.05 10:00:02] worker-7 - job 12 finished in 3 s",
                   "[2024.03.05 10:00:09] sched - next run at 10:05"])
    assert got == [(datetime(2024, 3, 5, 10, 0, 1), None, "worker-7", "job 12 started on queue main"),
                   (datetime(2024, 3, 5, 10, 0, 2), None, "worker-7", "job 12 finished in 3 s"),
                   (datetime(2024, 3, 5, 10, 0, 9), None, "sched", "next run at 10:05")]


def test_month_day_stamp_and_a_program_name_of_two_words() -> None:
    got = records(["[03.05 10:00:01] updater.exe *64 - cdn.example.net:443 open through relay r1:8080",
                   "[03.05 10:00:03] updater.exe - cdn.example.net:443 close, 120 bytes sent",
                   "[03.05 10:00:04] mail.exe - imap.example.net:993 open through relay r1:8080"])
    assert [(c, m) for _, _, c, m in got] == [
        ("updater.exe *64", "cdn.example.net:443 open through relay r1:8080"),
        ("updater.exe", "cdn.example.net:443 close, 120 bytes sent"),
        ("mail.exe", "imap.example.net:993 open through relay r1:8080")]
    assert got[0][0] == datetime(THIS_YEAR, 3, 5, 10, 0, 1)


def test_epoch_millis_with_thread_level_and_logger() -> None:
    got = records(["1709632801123 [pool-3] WARN  c.e.Cache - eviction storm: 812 keys",
                   "1709632802000 [main] INFO  c.e.App - ready",
                   "1709632802500 [pool-1] ERROR c.e.Db - connection lost"])
    assert got[0] == (datetime(2024, 3, 5, 10, 0, 1, 123000), "WARN", "c.e.Cache", "eviction storm: 812 keys")
    assert [(lv, m) for _, lv, _, m in got[1:]] == [("INFO", "ready"), ("ERROR", "connection lost")]


def test_epoch_seconds_then_host_and_program() -> None:
    got = records(["1709632801 node-12 kernel: link eth0 down", "1709632805 node-12 kernel: link eth0 up",
                   "1709632809 node-3 ntpd[77]: clock stepped by 0.4 s"])
    assert [(c, m) for _, _, c, m in got] == [("kernel", "link eth0 down"), ("kernel", "link eth0 up"),
                                              ("ntpd", "clock stepped by 0.4 s")]
    assert got[2][0] == datetime(2024, 3, 5, 10, 0, 9)


def test_numbers_level_letter_and_tag() -> None:
    got = records(["03-05 10:00:01.123  411  432 W Battery: temperature high (47 C)",
                   "03-05 10:00:01.200  411  433 I Battery: level 80",
                   "03-05 10:00:02.001 1207 1207 E Radio: modem reset"])
    assert [(lv, c, m) for _, lv, c, m in got] == [("WARN", "Battery", "temperature high (47 C)"),
                                                   ("INFO", "Battery", "level 80"), ("ERROR", "Radio", "modem reset")]


def test_key_value_head_gives_level_and_message() -> None:
    got = records(["2024-03-05T10:00:01Z pid=41 tid=7 level=warn disk 91% full",
                   "2024-03-05T10:00:02Z pid=41 tid=8 level=info rotated 3 files"])
    assert [(lv, m) for _, lv, _, m in got] == [("WARN", "disk 91% full"), ("INFO", "rotated 3 files")]


def test_pipe_delimited_fields() -> None:
    got = records(["20240305-10:00:01:123|BatteryMgr|4411|level changed to 80",
                   "20240305-10:00:01:456|StepCounter|4411|steps today 5120"])
    assert got[0] == (datetime(2024, 3, 5, 10, 0, 1, 123000), None, "BatteryMgr", "level changed to 80")
    assert got[1][2:] == ("StepCounter", "steps today 5120")


def test_padded_columns_after_a_comma_stamp() -> None:
    got = records(["2024-03-05 10:00:01, Info     Setup    Applying update 3 of 5",
                   "2024-03-05 10:00:02, Warning  Setup    Reboot required",
                   "2024-03-05 10:00:03, Info     Store    Cache trimmed"])
    assert [(lv, c, m) for _, lv, c, m in got] == [("INFO", "Setup", "Applying update 3 of 5"),
                                                   ("WARN", "Setup", "Reboot required"),
                                                   ("INFO", "Store", "Cache trimmed")]


def test_prefix_field_before_the_stamp_and_request_bracket_after_the_logger() -> None:
    got = records([
        "api.log.2 2024-03-05 10:00:01.008 2931 INFO svc.http.server [req-1a2b - -] 10.0.0.1 GET /v2/items status: 200",
        "api.log.2 2024-03-05 10:00:01.100 2931 WARN svc.http.server [req-3c4d - -] slow handler 2.1 s"])
    assert [(lv, c, m) for _, lv, c, m in got] == [
        ("INFO", "svc.http.server", "10.0.0.1 GET /v2/items status: 200"), ("WARN", "svc.http.server", "slow handler 2.1 s")]


def test_a_field_missing_from_some_lines_is_skipped_not_swallowed() -> None:
    lines = [f"2024-03-05 10:00:0{i} INFO [w{i}] Pump: primed {i}" for i in range(6)]
    lines += ["2024-03-05 10:00:07 ERROR Pump: [valve 2] stuck", "2024-03-05 10:00:08 INFO [w1] Pump: [ok] done"]
    messages = [r.message for r in parse_records(lines)]
    assert messages[-2:] == ["[valve 2] stuck", "[ok] done"]


def test_wrapped_lines_are_read_inside_their_wrapper() -> None:
    lines = [f"2024-03-05T10:00:0{i}.123456789Z stdout F 2024-03-05 10:00:0{i} INFO  [api] GET /items/{i} 200"
             for i in range(5)]
    recs = list(parse_records(lines))
    assert [(r.level, r.message) for r in recs][:2] == [("INFO", "GET /items/0 200"), ("INFO", "GET /items/1 200")]


def test_stack_traces_fold_under_a_learned_header() -> None:
    lines = ["[2024.03.05 10:00:01] api - request failed", "java.lang.IllegalStateException: closed",
             "\tat a.B.c(B.java:1)", "[2024.03.05 10:00:02] api - request ok"]
    recs = list(parse_records(lines))
    assert [(r.line, r.message, r.continuation) for r in recs] == [(0, "request failed", 2), (3, "request ok", 0)]


@pytest.mark.parametrize("lines", [
    ["hello world", "something ERROR happened", "a third line of prose"],
    ["one two three", "four five six", "seven eight nine"],
], ids=["prose-with-level", "prose"])
def test_prose_without_a_shared_header_stays_unknown(lines: list[str]) -> None:
    assert learn_header(lines) is None and detect_format(lines) is UNKNOWN


@pytest.mark.parametrize(("line", "stamp"), [
    ("[15/Mar/2024:10:00:00 +0000] worker: job started", datetime(2024, 3, 15, 10)),
    ("24/03/15 10:00:00 worker: job started", datetime(2024, 3, 15, 10)),
    ("Mar 15 2024 10:00:00 worker: job started", datetime(2024, 3, 15, 10)),
    ("Fri Mar 15 10:00:00 2024 worker: job started", datetime(2024, 3, 15, 10)),
    ("2024-03-15-10.00.00.250000 worker: job started", datetime(2024, 3, 15, 10, 0, 0, 250000)),
    ("240315 100000 worker: job started", datetime(2024, 3, 15, 10)),
    ("(2024/03/15 10:00:00.5) worker: job started", datetime(2024, 3, 15, 10, 0, 0, 500000)),
], ids=["clf", "yy/mm/dd", "month-day-year", "ctime", "dotted-clock", "compact", "parenthesised"])
def test_head_stamps_in_many_spellings(line: str, stamp: datetime) -> None:
    got = records([line] * 3)
    assert got[0] == (stamp, None, "worker", "job started")


def test_unknown_layout_mines_one_template_per_event() -> None:
    """The failure this fixes: a stamp and a program before ' - ' made every line its own template."""
    rnd = random.Random(5)
    events = ["{h}:{p} open through proxy relay.example.net:{p}", "{h}:{p} close, {n} bytes sent, {n} bytes received",
              "{h}:{p} error : Could not connect through proxy relay.example.net:{p}", "DNS lookup of {h} failed",
              "New profile is loaded", "Connection to {h}:{p} timed out after {n} ms"]
    lines, truth = [], []
    for i in range(600):
        kind = rnd.randrange(len(events))
        host = rnd.choice(["a.example.org", "cdn.example.net", "mail.example.com"])
        text = events[kind].format(h=host, p=rnd.randint(80, 9999), n=rnd.randint(1, 99999))
        prog = rnd.choice(["browser.exe", "updater.exe *64", "sync.exe"])
        lines.append(f"[{rnd.randint(1, 12):02d}.{rnd.randint(1, 28):02d} {i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}] "
                     f"{prog} - {text}")
        truth.append(kind)
    analysis = analyze(lines)
    assert analysis.format_name.startswith("generic")
    assert len(analysis.miner.templates()) == len(events)
    assert len(set(zip(analysis.columns.templates, truth))) == len(events)


def learned(lines: list[str]) -> list[tuple]:
    """Records through the learned header alone, as if the catalogue listed no layout at all."""
    layout = learned_layout(lines)
    assert layout is not None
    return [(f.timestamp, f.level, f.component, f.message) for f in map(layout.parse, lines)]


def test_stamp_after_four_plain_fields_and_a_flag_column() -> None:
    """Ids, hosts and sources may come before the stamp; a number every message opens with is a column."""
    lines = [f"{7000 + i} rack-{i % 5} batch run 17{i:08d} {flag} {text}" for i, (flag, text) in enumerate(
        [("1", "unit 4 entered state ready"), ("0", "unit 9 entered state drained"),
         ("-1", "checksum mismatch on volume 3"), ("1", "unit 2 entered state ready")] * 5)]
    got = learned(lines)
    assert [m for _, _, _, m in got[:4]] == ["unit 4 entered state ready", "unit 9 entered state drained",
                                             "checksum mismatch on volume 3", "unit 2 entered state ready"]
    assert got[0][0] == datetime.utcfromtimestamp(1700000000)


def test_three_plain_fields_before_a_level_word() -> None:
    lines = [f"2024-03-05 10:00:{i:02d} n{i % 3}-c1 CTRL DISK {level} {text}" for i, (level, text) in enumerate(
        [("INFO", "scan done"), ("ERROR", "sector 12 unreadable"), ("INFO", "scan started")] * 4)]
    got = learned(lines)
    assert [(lv, m) for _, lv, _, m in got[:3]] == [
        ("INFO", "scan done"), ("ERROR", "sector 12 unreadable"), ("INFO", "scan started")]


def test_three_plain_words_before_a_name_colon_stay_in_the_message() -> None:
    lines = [f"2024-03-05 10:00:{i:02d} INFO svc.api 10.0.0.{i} GET /v2/items status: 200" for i in range(8)]
    got = learned(lines)
    assert got[0][3] == "10.0.0.0 GET /v2/items status: 200"


def test_nested_bracket_field_and_parenthesised_prose() -> None:
    lines = [f"2024-03-05 10:00:{i:02d},000 - INFO  [Peer[id={i % 3}]/10.0.0.1:2181:Election@7] - vote {i} sent"
             for i in range(6)]
    assert [m for _, _, _, m in learned(lines)][:2] == ["vote 0 sent", "vote 1 sent"]
    words = ["boot", "wait", "boot", "wait", "bootLoader", "haltNow"]
    lines = [f"{i} node-{i} action start 17000000{i:02d} 1 {w}  (command {90 + i})" for i, w in enumerate(words * 3)]
    assert [m for _, _, _, m in learned(lines)][:5] == [
        "boot  (command 90)", "wait  (command 91)", "boot  (command 92)", "wait  (command 93)",
        "bootLoader  (command 94)"]


def test_prose_with_a_time_or_a_level_word_inside_keeps_its_words() -> None:
    """Plain words before a stamp or a lower-case level word are the message, not fields."""
    lines = [f"job {i} started at 10:05:{i % 60:02d} on worker {i % 3}" for i in range(20)]
    assert learned_layout(lines) is None
    lines = [f"2024-01-01 10:00:{i:02d} the nightly backup error occurred on disk {i}" for i in range(20)]
    assert learned(lines)[0][1:] == (None, None, "the nightly backup error occurred on disk 0")


def test_padded_level_brackets_and_a_trailing_logger_in_parentheses() -> None:
    lines = [f"[2024-03-05T10:00:0{i},123][{lv} ][o.e.c.Monitor    ] [node-{i}] disk {i} at 91%"
             for i, lv in enumerate(["INFO", "WARN", "INFO", "WARN", "INFO"])]
    assert [(lv, m) for _, lv, _, m in records(lines)][:2] == [("INFO", "disk 0 at 91%"), ("WARN", "disk 1 at 91%")]
    lines = [f"[2024-03-05 10:00:0{i},123] {lv} [Broker id={i}] {text} (io.broker.Server)"
             for i, (lv, text) in enumerate([("INFO", "started"), ("WARN", "Found bad offsets")] * 3)]
    assert [(lv, m) for _, lv, _, m in records(lines)][:2] == [
        ("INFO", "started (io.broker.Server)"), ("WARN", "Found bad offsets (io.broker.Server)")]


def test_a_zone_or_a_thread_number_after_an_iso_stamp_is_no_syslog_host() -> None:
    """`%m [%p] LEVEL:` and `stamp thread [Level] [code]` layouts: the level is a field too."""
    lines = [f"2024-03-05 10:00:0{i}.123 UTC [4{i}] {lv}:  {text}"
             for i, (lv, text) in enumerate([("LOG", "checkpoint starting"), ("ERROR", "relation 7 missing")] * 3)]
    assert [(lv, m) for _, lv, _, m in records(lines)][:2] == [(None, "checkpoint starting"), ("ERROR", "relation 7 missing")]
    lines = [f"2024-03-05T10:00:0{i}.123456Z {i} [{lv}] [MY-0100{i}] [Server] {text}"
             for i, (lv, text) in enumerate([("Note", "socket created"), ("Warning", "host 10.0.0.9 unresolved")] * 3)]
    assert [(lv, m) for _, lv, _, m in records(lines)][:2] == [(None, "socket created"), ("WARN", "host 10.0.0.9 unresolved")]
