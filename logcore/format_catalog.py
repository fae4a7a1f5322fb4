"""The known log layouts: how to pull timestamp, level, component and message out of one line.

Each parser returns `Fields` or None when the line is not in that layout. Messages follow the
loghub convention (fields split on runs of whitespace, the message stripped), so for the loghub
systems the message equals the `Content` column the template miner is scored against. The
catalogue order breaks detection ties: the most specific layouts come first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from logcore import timestamps
from logcore.levels import http_status_level, normalize_level, syslog_level


class Fields(NamedTuple):
    timestamp: datetime | None
    level: str | None
    component: str | None
    message: str


Parser = Callable[[str], Fields | None]


class Layout(NamedTuple):
    name: str
    parse: Parser
    multiline: bool  # may a record continue on lines that do not match (stack traces)?


_ISO = r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
_REST = r"(?:\s+(?P<msg>.*))?$"  # the message: after a run of spaces; absent means empty


def _msg(m: re.Match[str]) -> str:
    return (m["msg"] or "").rstrip()


# -- loghub systems with layouts of their own ---------------------------------------------------

# The alert-label column ("-", "KERNDTLB", ...) is loghub's annotation: real logs and stripped
# slices start at the epoch, and both forms carry the same message.
_ALERT_LABEL = r"(?:[^\s\d]\S*\s+)?"

_BGL = re.compile(
    r"^" + _ALERT_LABEL + r"\d+\s+\d{4}\.\d\d\.\d\d\s+\S+\s+(?P<ts>\d{4}-\d\d-\d\d-\d\d\.\d\d\.\d\d\.\d+)"
    r"\s+\S+\s+\S+\s+(?P<component>\S+)\s+(?P<level>\S+)" + _REST)


def bgl(line: str) -> Fields | None:
    m = _BGL.match(line)
    if m is None:
        return None
    return Fields(timestamps.dotted(m["ts"]), normalize_level(m["level"]), m["component"], _msg(m))


_THUNDERBIRD = re.compile(
    r"^" + _ALERT_LABEL + r"(?P<epoch>\d+)\s+\d{4}\.\d\d\.\d\d\s+\S+\s+[A-Z][a-z]{2}\s+\d{1,2}\s+"
    r"\d\d:\d\d:\d\d\s+\S+(?:\s+(?P<component>.*?)(?:\[\d+\])?:(?=\s|$))?" + _REST)


def thunderbird(line: str) -> Fields | None:
    m = _THUNDERBIRD.match(line)
    if m is None:
        return None
    return Fields(timestamps.epoch(m["epoch"]), None, m["component"], _msg(m))


_HPC = re.compile(
    r"^\d+\s+\S+\s+(?P<component>\S+)\s+(?P<state>\S+)\s+(?P<epoch>\d{9,10})\s+-?\d+" + _REST)


def hpc(line: str) -> Fields | None:
    m = _HPC.match(line)
    if m is None:
        return None
    return Fields(timestamps.epoch(m["epoch"]), None, m["component"], _msg(m))


_HDFS = re.compile(
    r"^(?P<ts>\d{6}\s+\d{6})\s+\d+\s+(?P<level>[A-Z]+)\s+(?P<component>.*?):" + _REST)


def hdfs(line: str) -> Fields | None:
    m = _HDFS.match(line)
    if m is None:
        return None
    return Fields(timestamps.compact(" ".join(m["ts"].split())), normalize_level(m["level"]),
                  m["component"], _msg(m))


_ZOOKEEPER = re.compile(
    rf"^(?P<ts>{_ISO})\s+-\s+(?P<level>[A-Z]+)\s+\[(?P<where>.*?)\]\s+-" + _REST)


def zookeeper(line: str) -> Fields | None:
    """log4j `%d - %-5p [%t:%C{1}@%L] - %m`: the component is the class before the @line."""
    m = _ZOOKEEPER.match(line)
    if m is None:
        return None
    where = m["where"]
    component = where.rpartition("@")[0].rpartition(":")[2] or where
    return Fields(timestamps.iso(m["ts"]), normalize_level(m["level"]), component, _msg(m))


# -- Java (log4j, logback, Spring Boot; loghub Hadoop and Spark) -------------------------------

_JAVA_LEVEL = r"TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|FATAL|CRITICAL|FINE|FINER|FINEST|CONFIG"
# The logger is optional: `%d %-5level [%thread] %msg` layouts have none, and without it such
# lines would fall to syslog (its ISO form reads the level as a host name) and lose their level.
# Loggers may carry brackets and slashes (Tomcat's `o.a.c.c.C.[.[.[/].[dispatcherServlet]`);
# tab-separated layouts (zap's console encoder) put a caller between tabs instead.
_JAVA = re.compile(
    rf"^(?P<ts>{_ISO}|\d\d/\d\d/\d\d \d\d:\d\d:\d\d|\d\d:\d\d:\d\d[.,]\d{{3}})\s+"
    rf"(?:\[[^\]]*\]\s+)?(?P<level>{_JAVA_LEVEL})(?:\s+\d+\s+---)?(?:\s+\[.*?\])?"
    r"(?:\s+(?P<component>[\w.$-][\w.$/\[\]-]*)(?:\s*:|\s+-)(?=\s|$)|\t(?P<caller>[^\t\s]+)(?=\t))?" + _REST)


def log4j(line: str) -> Fields | None:
    m = _JAVA.match(line)
    if m is None:
        return None
    ts = m["ts"]
    stamp = timestamps.slashed(ts) if "/" in ts else timestamps.iso(ts) if "-" in ts else None
    return Fields(stamp, normalize_level(m["level"]), m["component"] or m["caller"], _msg(m))


# -- Python logging -------------------------------------------------------------------------------

# The standard names plus the aliases and custom names setups print (`logging.WARN`, "FATAL",
# "NOTICE", "TRACE"): without them a `- WARN -` line fell to syslog with the level in its message.
_PY_LEVEL = r"TRACE|DEBUG|INFO|NOTICE|WARNING|WARN|ERROR|CRITICAL|FATAL"
_PY_LAYOUTS = (
    re.compile(rf"^(?P<level>{_PY_LEVEL}):(?P<component>[^:\s]*):(?P<msg>.*)$"),  # basicConfig()
    re.compile(rf"^(?P<ts>{_ISO})\s+-\s+(?P<component>\S+)\s+-\s+(?P<level>{_PY_LEVEL})\s+-" + _REST),
    re.compile(rf"^\[(?P<ts>{_ISO})\]\s+(?P<level>{_PY_LEVEL})\s+in\s+(?P<component>\S+):" + _REST),
    re.compile(rf"^(?P<ts>{_ISO})\s+(?P<level>{_PY_LEVEL})\s+-" + _REST),
)


def python(line: str) -> Fields | None:
    for layout in _PY_LAYOUTS:
        m = layout.match(line)
        if m is not None:
            groups = m.groupdict()
            stamp = timestamps.iso(groups["ts"]) if groups.get("ts") else None
            return Fields(stamp, normalize_level(m["level"]), groups.get("component"), _msg(m))
    return None


# -- syslog ---------------------------------------------------------------------------------------

# What follows an ISO stamp but is no host: a zone ("UTC", "+0200", PostgreSQL's `%t`), a bare
# number (MySQL's thread id) or a bracketed field; those layouts are left to header learning.
_NOT_HOST = r"(?i:UTC|GMT|Z)|[+-]\d\d:?\d\d|\d+|\[\S*"
_SYSLOG_TS = rf"[A-Z][a-z]{{2}}\s+\d{{1,2}}\s+\d\d:\d\d:\d\d|{_ISO}"
_SYSLOG = re.compile(
    rf"^(?:<(?P<pri>\d{{1,3}})>)?(?P<ts>{_SYSLOG_TS})\s+(?!(?:{_JAVA_LEVEL}|-+|{_NOT_HOST})(?:\s|$))[^\s=]+(?=\s|$)"
    r"(?:\s+(?P<component>.*?)(?:\[\d+\])?:(?=\s|$))?" + _REST)


def syslog_3164(line: str) -> Fields | None:
    """BSD syslog: `<pri>Mmm dd hh:mm:ss host tag[pid]: message` (pri and tag optional)."""
    m = _SYSLOG.match(line)
    if m is None:
        return None
    return Fields(timestamps.syslog(" ".join(m["ts"].split()) if m["ts"][0].isalpha() else m["ts"]),
                  syslog_level(m["pri"]), m["component"], _msg(m))


_SYSLOG_5424 = re.compile(
    r"^<(?P<pri>\d{1,3})>1\s+(?P<ts>\S+)\s+\S+\s+(?P<app>\S+)\s+\S+\s+\S+\s+"
    r"(?P<sd>-|(?:\[(?:[^\]\\]|\\.)*\])+)" + _REST)


def syslog_5424(line: str) -> Fields | None:
    m = _SYSLOG_5424.match(line)
    if m is None:
        return None
    stamp = None if m["ts"] == "-" else timestamps.iso(m["ts"])
    app = None if m["app"] == "-" else m["app"]
    return Fields(stamp, syslog_level(m["pri"]), app, _msg(m).removeprefix("\ufeff"))


# -- web servers ---------------------------------------------------------------------------------

_APACHE_ERROR = re.compile(
    r"^\[(?P<ts>[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)? \d{4})\]\s+"
    r"\[(?:(?P<component>[\w-]+):)?(?P<level>\w+)\](?:\s+\[pid [^\]]*\])?" + _REST)


def apache_error(line: str) -> Fields | None:
    """Apache 2.2 `[date] [level] message`; 2.4's `[module:level] [pid N:tid N]` too (the
    `[client A]` field stays in the message, as loghub has it)."""
    m = _APACHE_ERROR.match(line)
    if m is None:
        return None
    return Fields(timestamps.ctime(m["ts"]), normalize_level(m["level"]), m["component"], _msg(m))


_NGINX_ERROR = re.compile(
    r"^(?P<ts>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(?P<level>\w+)\] \d+#\d+:" + _REST)


def nginx_error(line: str) -> Fields | None:
    m = _NGINX_ERROR.match(line)
    if m is None:
        return None
    return Fields(timestamps.slashed(m["ts"]), normalize_level(m["level"]), None, _msg(m))


_ACCESS = re.compile(
    r'^(?P<client>\S+) \S+ \S+ \[(?P<ts>[^\]]+)\] (?P<msg>"(?:[^"\\]|\\.)*" (?P<status>\d{3}) \S+.*)$')


def access(line: str) -> Fields | None:
    """Common/combined log format; the HTTP status stands in for a level (5xx error, 4xx warn)."""
    m = _ACCESS.match(line)
    if m is None:
        return None
    return Fields(timestamps.clf(m["ts"]), http_status_level(m["status"]), m["client"], _msg(m))


# -- Kubernetes / Go (klog, glog) --------------------------------------------------------------

_KLOG = re.compile(r"^(?P<level>[IWEF])(?P<md>\d{4}) (?P<clock>\d\d:\d\d:\d\d\.\d+)\s+\d+ (?P<component>[^\]\s]+)\]" + _REST)
_KLOG_LEVEL = {"I": "INFO", "W": "WARN", "E": "ERROR", "F": "FATAL"}


def klog(line: str) -> Fields | None:
    """`I1125 16:45:12.123456    1234 server.go:87] message` (no year: the current one)."""
    m = _KLOG.match(line)
    if m is None:
        return None
    md = m["md"]
    stamp = timestamps.iso(f"{timestamps.THIS_YEAR}-{md[:2]}-{md[2:]} {m['clock']}")
    return Fields(stamp, _KLOG_LEVEL[m["level"]], m["component"], _msg(m))


# -- structured lines -----------------------------------------------------------------------------

_TIME_KEYS = ("timestamp", "@timestamp", "time", "ts", "t", "datetime", "asctime", "date")
_LEVEL_KEYS = ("level", "severity", "lvl", "levelname", "log.level", "loglevel", "@l")
_MESSAGE_KEYS = ("message", "msg", "event", "log", "@m", "@mt", "text")
_COMPONENT_KEYS = ("logger", "logger_name", "name", "component", "module", "caller", "source", "service")


def _first(record: dict[str, object], keys: tuple[str, ...]) -> object | None:
    for key in keys:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def _any_stamp(value: object | None) -> datetime | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value  # milliseconds are common in JSON logs
        return timestamps.epoch(str(int(seconds)))
    if isinstance(value, str):
        return timestamps.iso(value) if value[:4].isdigit() else None
    return None


def _structured(record: dict[str, object], line: str) -> Fields:
    message = _first(record, _MESSAGE_KEYS)
    level = _first(record, _LEVEL_KEYS)
    component = _first(record, _COMPONENT_KEYS)
    if isinstance(level, int):  # bunyan/pino numeric levels: 10 trace .. 60 fatal
        level = {10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal"}.get(level)
    return Fields(_any_stamp(_first(record, _TIME_KEYS)), normalize_level(str(level)) if level else None,
                  str(component) if component is not None else None,
                  message.rstrip() if isinstance(message, str) else line.rstrip())


def json_lines(line: str) -> Fields | None:
    if not line.startswith("{"):
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return _structured(record, line) if isinstance(record, dict) else None


# A key starts the line or follows whitespace: without that anchor, findall retries every
# position of a long word and goes quadratic on a hostile 1 MB line.
_LOGFMT_PAIR = re.compile(r'(?:^|(?<=\s))([\w.@-]+)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?=\s|$)')


def logfmt(line: str) -> Fields | None:
    """`time=... level=info msg="started" key=value`: at least two pairs, starting the line."""
    if "=" not in line or not _LOGFMT_PAIR.match(line):
        return None
    pairs = _LOGFMT_PAIR.findall(line)
    if len(pairs) < 2:
        return None
    record = {key: (value[1:-1].replace('\\"', '"') if value.startswith('"') else value)
              for key, value in pairs}
    return _structured(record, line)


# -- anything else ---------------------------------------------------------------------------------

# A level word counts only where it looks like a level field: an upper-case word, or any case
# when bracketed, keyed or leading the line ("[warn]", "<error>", "level=info", "Error: ...").
# Prose such as "parity error corrected" is no level.
_LEVEL_WORDS = r"TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERROR|SEVERE|FATAL|CRITICAL|CRIT|PANIC"
_LOOSE_LEVEL = re.compile(
    rf"\b({_LEVEL_WORDS})\b"
    rf"|[\[(<]\s*((?i:{_LEVEL_WORDS}))\s*[\])>]"
    rf"|\b(?i:level|severity|lvl)\s*[=:]\s*[\"']?((?i:{_LEVEL_WORDS}))\b"
    rf"|^((?i:{_LEVEL_WORDS})):\s")
_LEADING_ISO = re.compile(rf"^\[?({_ISO})")


def unknown(line: str) -> Fields:
    """The whole line is the message; a leading ISO stamp and an early level word still count."""
    stamp = _LEADING_ISO.match(line)
    level = _LOOSE_LEVEL.search(line, 0, 80)
    word = next(filter(None, level.groups()), None) if level else None
    return Fields(timestamps.iso(stamp[1]) if stamp else None, normalize_level(word), None, line.rstrip())


CATALOGUE: tuple[Layout, ...] = (
    Layout("bgl", bgl, False),
    Layout("thunderbird", thunderbird, False),
    Layout("hpc", hpc, False),
    Layout("hdfs", hdfs, True),
    Layout("zookeeper", zookeeper, True),
    Layout("python", python, True),
    Layout("log4j", log4j, True),
    Layout("klog", klog, True),
    Layout("syslog-5424", syslog_5424, False),
    Layout("syslog-3164", syslog_3164, False),
    Layout("apache-error", apache_error, False),
    Layout("nginx-error", nginx_error, False),
    Layout("apache-access", access, False),
    Layout("json", json_lines, False),
    Layout("logfmt", logfmt, False),
)
