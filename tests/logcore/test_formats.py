"""Format detection and field extraction on the layouts people actually have, and on loghub."""

from __future__ import annotations

import csv
import json
import time
from datetime import datetime
from pathlib import Path

import pytest

from logcore.formats import FORMATS, UNKNOWN, LogFormat, detect_format, parse_records


def only(lines: list[str]) -> tuple[LogFormat, list]:
    fmt = detect_format(lines)
    return fmt, list(parse_records(lines, fmt))


def test_syslog_3164_with_and_without_pri() -> None:
    fmt, recs = only([
        "<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8",
        "Oct 11 22:14:16 mymachine kernel: [ 12.3] usb 1-1: new device",
        "Oct 11 22:14:17 mymachine -- MARK --",
    ])
    assert fmt.name == "syslog-3164"
    assert (recs[0].level, recs[0].component, recs[0].message) == (
        "FATAL", "su", "'su root' failed for lonvick on /dev/pts/8")
    assert (recs[0].timestamp.month, recs[0].timestamp.day, recs[0].timestamp.hour) == (10, 11, 22)
    assert recs[1].component == "kernel" and recs[1].message == "[ 12.3] usb 1-1: new device"
    assert recs[2].component is None and recs[2].message == "-- MARK --"


def test_syslog_5424() -> None:
    fmt, recs = only([
        '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 '
        '[exampleSDID@32473 iut="3" eventSource="Application"] \ufeffAn application event log entry',
        "<11>1 2003-10-11T22:14:16Z host app 12 - - disk failed",
    ])
    assert fmt.name == "syslog-5424"
    assert recs[0].message == "An application event log entry" and recs[0].level == "NOTICE"
    assert recs[0].component == "evntslog" and recs[0].timestamp == datetime(2003, 10, 11, 22, 14, 15, 3000)
    assert (recs[1].level, recs[1].message) == ("ERROR", "disk failed")


def test_access_log_status_becomes_level() -> None:
    fmt, recs = only([
        '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
        '10.0.0.2 - - [10/Oct/2000:13:55:37 -0700] "POST /api HTTP/1.1" 503 12 "-" "curl/8.0"',
        '10.0.0.3 - - [10/Oct/2000:13:55:38 -0700] "GET /nope HTTP/1.1" 404 0 "-" "Mozilla/5.0"',
    ])
    assert fmt.name == "apache-access"
    assert [r.level for r in recs] == ["INFO", "ERROR", "WARN"]
    assert recs[1].message == '"POST /api HTTP/1.1" 503 12 "-" "curl/8.0"' and recs[1].component == "10.0.0.2"
    assert recs[0].timestamp == datetime(2000, 10, 10, 13, 55, 36)


def test_apache_24_and_nginx_error_logs() -> None:
    fmt, recs = only(["[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] "
                      "[client 72.15.99.187] File does not exist: /usr/local/apache2/htdocs/favicon.ico"])
    assert fmt.name == "apache-error" and recs[0].level == "ERROR" and recs[0].component == "core"
    assert recs[0].message.endswith("favicon.ico")
    fmt, recs = only(['2023/05/01 10:00:00 [crit] 1234#0: *5 connect() failed (111: Connection refused)'])
    assert fmt.name == "nginx-error" and recs[0].level == "FATAL"
    assert recs[0].message == "*5 connect() failed (111: Connection refused)"


def test_python_logging_with_traceback_folded() -> None:
    lines = [
        "2024-03-01 10:00:00,001 - app.db - INFO - connected",
        "2024-03-01 10:00:01,002 - app.db - ERROR - query failed",
        "Traceback (most recent call last):",
        '  File "app.py", line 3, in <module>',
        "    run()",
        "ValueError: boom",
        "2024-03-01 10:00:02,003 - app.web - WARNING - slow",
    ]
    fmt, recs = only(lines)
    assert fmt.name == "python"
    assert [(r.line, r.level, r.component, r.message) for r in recs] == [
        (0, "INFO", "app.db", "connected"), (1, "ERROR", "app.db", "query failed"), (6, "WARN", "app.web", "slow")]
    assert recs[1].continuation == 4 and recs[1].raw.endswith("ValueError: boom")
    fmt, recs = only(["WARNING:root:disk almost full", "INFO:app:ok"])
    assert fmt.name == "python" and recs[0].message == "disk almost full" and recs[0].component == "root"


def test_python_logging_with_warn_is_not_syslog() -> None:
    """`WARN` (logging.WARN's spelling in many setups) once sent these lines to syslog, level lost."""
    lines = [
        "2024-03-01 10:00:00,001 - app.db - INFO - connected",
        "2024-03-01 10:00:02,003 - app.web - WARN - slow",
        "2024-03-01 10:00:03,004 - app.web - WARN - slower",
    ]
    fmt, recs = only(lines)
    assert fmt.name == "python"
    assert [(r.level, r.component, r.message) for r in recs] == [
        ("INFO", "app.db", "connected"), ("WARN", "app.web", "slow"), ("WARN", "app.web", "slower")]
    fmt, recs = only(["WARN:root:disk almost full", "WARN:root:disk full"])
    assert fmt.name == "python" and recs[0].level == "WARN" and recs[0].message == "disk almost full"


def test_java_stack_trace_belongs_to_the_record_above() -> None:
    lines = [
        "2024-03-01 10:00:00.123 [main] INFO  com.acme.Server - started on port 8080",
        "2024-03-01 10:00:05.456 [pool-1] ERROR com.acme.Handler - request failed",
        "java.lang.IllegalStateException: closed",
        "\tat com.acme.Handler.handle(Handler.java:42)",
        "Caused by: java.io.IOException: reset",
        "\t... 12 more",
        "2024-03-01 10:00:06.000 [main] WARN  com.acme.Server - retrying",
    ]
    fmt, recs = only(lines)
    assert fmt.name == "log4j"
    assert [(r.line, r.level, r.component) for r in recs] == [
        (0, "INFO", "com.acme.Server"), (1, "ERROR", "com.acme.Handler"), (6, "WARN", "com.acme.Server")]
    assert recs[1].message == "request failed" and recs[1].continuation == 4


def test_spring_boot_layout() -> None:
    fmt, recs = only(["2024-03-01T10:00:00.123+01:00  INFO 4242 --- [           main] "
                      "o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port 8080 (http)"])
    assert fmt.name == "log4j" and recs[0].component == "o.s.b.w.embedded.tomcat.TomcatWebServer"
    assert recs[0].message == "Tomcat started on port 8080 (http)" and recs[0].level == "INFO"


def test_json_lines_and_logfmt() -> None:
    fmt, recs = only([json.dumps({"ts": "2024-01-01T00:00:00Z", "level": "warning", "logger": "x", "msg": "hot"}),
                      json.dumps({"time": 1704067200000, "level": 50, "msg": "down"})])
    assert fmt.name == "json"
    assert (recs[0].level, recs[0].component, recs[0].message) == ("WARN", "x", "hot")
    assert recs[1].level == "ERROR" and recs[1].timestamp == datetime(2024, 1, 1)
    fmt, recs = only(['time=2024-01-01T00:00:00Z level=error msg="disk \\"sda\\" failed" dev=sda',
                      "time=2024-01-01T00:00:01Z level=info msg=ok"])
    assert fmt.name == "logfmt" and recs[0].message == 'disk "sda" failed' and recs[0].level == "ERROR"


def test_unknown_format_keeps_whole_lines() -> None:
    lines = ["hello world", "  indented continuation", "something ERROR happened", ""]
    fmt, recs = only(lines)
    assert fmt is UNKNOWN
    assert [r.message for r in recs] == ["hello world", "something ERROR happened", ""]
    assert recs[0].continuation == 1 and recs[1].level == "ERROR"
    assert fmt.parse("anything at all", 7).line == 7


def test_line_outside_a_detected_format_is_its_own_record() -> None:
    lines = ["Oct 11 22:14:15 host sshd[1]: a", "garbage that is no syslog", "Oct 11 22:14:16 host sshd[1]: b"]
    recs = list(parse_records(lines))
    assert [r.message for r in recs] == ["a", "garbage that is no syslog", "b"]


def test_records_number_lines_from_start() -> None:
    recs = list(parse_records(["INFO:a:x", "INFO:a:y"], start=100))
    assert [r.line for r in recs] == [100, 101]


EXPECTED = {"Apache": "apache-error", "BGL": "bgl", "HDFS": "hdfs", "HPC": "hpc", "Hadoop": "log4j",
            "Linux": "syslog-3164", "OpenSSH": "syslog-3164", "Spark": "log4j",
            "Thunderbird": "thunderbird", "Zookeeper": "zookeeper"}


@pytest.mark.parametrize("system", sorted(EXPECTED))
def test_loghub_messages_equal_content_column(loghub: Path, system: str) -> None:
    folder = loghub / system
    log = next(folder.glob("*.log"))
    rows = list(csv.DictReader(next(folder.glob("*_structured.csv")).open(encoding="utf-8", newline="")))
    lines = log.read_bytes().decode("utf-8", "replace").splitlines()
    fmt = detect_format(lines)
    assert fmt.name == EXPECTED[system]
    by_line = {r.line: r.message for r in parse_records(lines, fmt)}
    same = sum(by_line.get(i) == row["Content"] for i, row in enumerate(rows))
    assert same == len(rows), f"{system}: {same}/{len(rows)}"


def test_klog_with_go_panic_folded() -> None:
    fmt, recs = only([
        "I1125 16:45:12.123456    1234 server.go:87] listening on :8080",
        "E1125 16:45:13.000001    1234 handler.go:12] request failed: timeout",
        "goroutine 1 [running]:",
        "main.main()",
        "W1125 16:45:14.5    1234 server.go:90] slow",
    ])
    assert fmt.name == "klog"
    assert [(r.level, r.component, r.message, r.continuation) for r in recs] == [
        ("INFO", "server.go:87", "listening on :8080", 0),
        ("ERROR", "handler.go:12", "request failed: timeout", 2),
        ("WARN", "server.go:90", "slow", 0)]
    assert (recs[0].timestamp.month, recs[0].timestamp.day, recs[0].timestamp.microsecond) == (11, 25, 123456)


@pytest.mark.timeout(60)  # quadratic regexes took hours on these; linear ones take well under a second
@pytest.mark.parametrize("line", [
    "Oct 11 22:14:15 host " + "a" * 1_000_000,
    "a=" + "b" * 1_000_000,
    "k=" * 500_000,
    "2024-01-01 10:00:00,123 INFO [" + "x ] " * 250_000,
    'a="' + "\\" * 1_000_000,
], ids=["syslog-word", "logfmt-word", "logfmt-keys", "java-brackets", "logfmt-escapes"])
def test_megabyte_lines_parse_in_linear_time(line: str) -> None:
    for fmt in FORMATS:
        assert fmt.parse(line).raw == line
    records = list(parse_records([line] * 3))
    assert len(records) == 3 and records[0].raw == line


def _best_time(fn, arg: str, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(arg)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.timeout(60)  # the unanchored pattern took 41 s on 40k characters: it would never finish 1M
@pytest.mark.parametrize(("make", "is_logfmt"), [
    (lambda n: "w" * n, False), (lambda n: "a=1 " + "w" * n + " b=2", True)], ids=["word", "pairs"])
def test_logfmt_cost_grows_linearly_from_100k_to_1m_characters(make, is_logfmt: bool) -> None:
    from logcore.format_catalog import logfmt

    small, large = _best_time(logfmt, make(100_000)), _best_time(logfmt, make(1_000_000))
    assert large < 2.0, f"1 MB line took {large:.2f} s"
    assert large < 40 * small + 0.25, f"10x the input took {large / small:.0f}x the time: not linear"
    assert (logfmt(make(1_000_000)) is not None) == is_logfmt


BGL_PLAIN = ("1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 "
             "RAS KERNEL INFO instruction cache parity error corrected")
THUNDERBIRD_PLAIN = ("1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: "
                     "session closed for user root")


@pytest.mark.parametrize(("line", "name", "fields"), [
    (BGL_PLAIN, "bgl", (datetime(2005, 6, 3, 15, 42, 50, 675872), "INFO", "KERNEL",
                        "instruction cache parity error corrected")),
    (THUNDERBIRD_PLAIN, "thunderbird", (datetime.fromtimestamp(1131566461), None, "crond(pam_unix)",
                                        "session closed for user root")),
], ids=["bgl", "thunderbird"])
def test_bgl_and_thunderbird_with_or_without_alert_label(line: str, name: str, fields: tuple) -> None:
    for variant in (line, "- " + line, "KERNDTLB " + line):
        fmt, recs = only([variant] * 3)
        assert fmt.name == name
        assert (recs[0].timestamp, recs[0].level, recs[0].component, recs[0].message) == fields


@pytest.mark.parametrize("system", ["BGL", "Thunderbird"])
def test_loghub_lines_stripped_of_their_labels_parse_like_the_originals(loghub: Path, system: str) -> None:
    lines = next((loghub / system).glob("*.log")).read_text(encoding="utf-8", errors="replace").splitlines()
    stripped = [line.partition(" ")[2] for line in lines]
    fmt = detect_format(stripped)
    assert fmt.name == EXPECTED[system]
    def fields(recs):
        return [(r.line, r.timestamp, r.level, r.component, r.message, r.continuation) for r in recs]
    assert fields(parse_records(stripped, fmt)) == fields(parse_records(lines))


@pytest.mark.parametrize(("line", "level"), [
    ("1117838570 R02-M1-N0 node card: parity error corrected", None),
    ("retrying after a warning from the fatal path", None),
    ("job 7 info: 3 nodes", None),
    ("12:00:01 worker-3 ERROR disk full", "ERROR"),
    ("12:00:01 worker-3 [warn] disk almost full", "WARN"),
    ("12:00:01 <Error> disk gone", "ERROR"),
    ("ts=12:00:01 level=debug cache miss", "DEBUG"),
    ("Warning: disk almost full", "WARN"),
], ids=["prose-error", "prose-warning-fatal", "prose-info", "upper", "bracketed", "angled", "keyed", "leading"])
def test_unknown_layout_takes_only_level_shaped_words(line: str, level: str | None) -> None:
    assert UNKNOWN.parse(line).level == level


def test_iso_dated_log4j_lines_with_and_without_a_logger_are_log4j() -> None:
    fmt, recs = only(["2024-05-01 12:00:00,123 INFO [worker-1] com.example.Foo - message",
                      "2024-05-01 12:00:00 INFO [worker] msg",
                      "2024-05-01 12:00:01 WARN [worker] queue 80% full",
                      "2024-05-01T12:00:02Z ERROR connection reset"])
    assert fmt.name == "log4j"
    assert [(r.level, r.component, r.message) for r in recs] == [
        ("INFO", "com.example.Foo", "message"), ("INFO", None, "msg"), ("WARN", None, "queue 80% full"),
        ("ERROR", None, "connection reset")]
    assert recs[1].timestamp == datetime(2024, 5, 1, 12)
    fmt, recs = only(["2024-05-01 12:00:00 INFO [worker] msg"] * 2)
    assert fmt.name == "log4j" and recs[0].level == "INFO"
    # A syslog line with an ISO stamp still reads its host and tag.
    fmt, recs = only(["2024-05-01T12:00:00+00:00 web1 sshd[42]: Accepted publickey for root"])
    assert fmt.name == "syslog-3164" and (recs[0].component, recs[0].message) == ("sshd", "Accepted publickey for root")
