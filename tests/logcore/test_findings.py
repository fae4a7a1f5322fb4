"""`logcore.findings` and `logchat findings`: the incident, its likely cause, its consequences.

Each planted incident is written here, in its own layout and wording: ordinary traffic with its
own harmless noise (404s, a transient error that a retry fixes, slow requests), then one
trigger line, then a flood of errors that name what the trigger named, then recovery.
"""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from logcore.findings import find_incidents
from tui.cli import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "tui" / "examples" / "checkout-incident.log"

Layout = Callable[[datetime, str, str, str], str]


def syslog(ts: datetime, level: str, component: str, msg: str) -> str:
    return f"{ts:%b} {ts.day:2d} {ts:%H:%M:%S} edge-7 {component}[{311 + len(component)}]: {msg}"


def logfmt(ts: datetime, level: str, component: str, msg: str) -> str:
    return f'ts={ts:%Y-%m-%dT%H:%M:%S.%f}Z level={level.lower()} caller={component} msg="{msg}"'


def json_lines(ts: datetime, level: str, component: str, msg: str) -> str:
    return json.dumps({"time": f"{ts:%Y-%m-%dT%H:%M:%S.%f}Z", "severity": level, "logger": component,
                       "message": msg})


def python_logging(ts: datetime, level: str, component: str, msg: str) -> str:
    return f"{ts:%Y-%m-%d %H:%M:%S},{ts.microsecond // 1000:03d} - {component} - {level} - {msg}"


def klog(ts: datetime, level: str, component: str, msg: str) -> str:
    return f"{level[0]}{ts:%m%d %H:%M:%S.%f}       1 {component}.go:{40 + len(msg) % 50}] {msg}"


def bare(ts: datetime, level: str, component: str, msg: str) -> str:
    """No timestamp at all: nearness must come from line positions."""
    return f"{component}: {msg}"


@dataclass(frozen=True)
class Scenario:
    layout: Layout
    trigger: tuple[str, str, str]  # level, component, message
    flood: tuple[tuple[str, str, str], ...]  # error shapes; "{n}" gets a number
    recovery: tuple[str, str, str]


SCENARIOS = {
    "syslog-backup-fills-volume": Scenario(
        syslog,
        ("INFO", "cron", "(root) CMD (/opt/tools/snapshot.sh --target vol-archive2 --full)"),
        (("ERROR", "postgres", "could not extend file on vol-archive2: No space left on device (req {n})"),
         ("ERROR", "billing-api", "insert into invoices failed: storage write error, request {n} aborted"),
         ("ERROR", "billing-api", "insert into invoices failed: storage write error, request {n} aborted")),
        ("INFO", "postgres", "checkpoint complete, free space on vol-archive2 back to 41%"),
    ),
    "logfmt-route-reload": Scenario(
        logfmt,
        ("INFO", "router", "routing table reloaded from routes.d, upstream pool ledger-v3:9443 now primary"),
        (("ERROR", "proxy", "upstream ledger-v3:9443 connect failed: connection refused (attempt {n})"),
         ("ERROR", "proxy", "request {n} failed: upstream timeout"),
         ("ERROR", "proxy", "request {n} failed: upstream timeout")),
        ("INFO", "router", "upstream pool restored, health checks passing"),
    ),
    "json-rollout-breaks-search": Scenario(
        json_lines,
        ("INFO", "deployer", "rolling out catalog-indexer image build 2024.11.3 to 3 nodes"),
        (("ERROR", "search", "query {n} failed: catalog-indexer returned malformed shard map"),
         ("ERROR", "search", "query {n} failed: catalog-indexer returned malformed shard map"),
         ("WARN", "frontend", "search unavailable for session {n}, serving cached results")),
        ("INFO", "search", "catalog-indexer healthy again, queries recovered"),
    ),
    "python-cert-expired": Scenario(
        python_logging,
        ("WARNING", "tls.watch", "certificate for hooks.partner-net.example expired 0 days ago, renewal failed"),
        (("ERROR", "webhooks", "delivery {n} to hooks.partner-net.example failed: SSL handshake error"),
         ("ERROR", "webhooks", "delivery {n} to hooks.partner-net.example failed: SSL handshake error"),
         ("ERROR", "queue", "webhook backlog grew to {n} messages, consumer stalled")),
        ("INFO", "tls.watch", "new certificate installed for hooks.partner-net.example, deliveries resumed OK"),
    ),
    "klog-scale-down": Scenario(
        klog,
        ("INFO", "replica_controller", "scaled deployment cart-frontend from 8 to 1 replicas (policy nightly-min)"),
        (("ERROR", "endpoints", "service cart-frontend has no ready endpoints, dropping request {n}"),
         ("ERROR", "proxier", "failed to route connection {n}: backend cart-frontend overloaded"),
         ("ERROR", "proxier", "failed to route connection {n}: backend cart-frontend overloaded")),
        ("INFO", "replica_controller", "deployment cart-frontend back to 8 ready replicas"),
    ),
    "bare-lines-mount-change": Scenario(
        bare,
        ("INFO", "storaged", "remounted share nfs-media7 read-only after firmware update"),
        (("ERROR", "uploader", "write of upload {n} to nfs-media7 rejected: read-only file system"),
         ("ERROR", "uploader", "write of upload {n} to nfs-media7 rejected: read-only file system"),
         ("ERROR", "api", "POST /uploads returned 500 for request {n}")),
        ("INFO", "storaged", "share nfs-media7 remounted read-write, uploads resumed"),
    ),
    "json-dependency-drops-first": Scenario(
        json_lines,
        ("ERROR", "cache", "lost connection to kv-main-2:6390 (connection reset by peer)"),
        (("ERROR", "cache", "reconnect to kv-main-2:6390 failed, next attempt in 2s ({n})"),
         ("ERROR", "profile", "GET /profile/{n} failed: cache backend timeout"),
         ("ERROR", "profile", "GET /profile/{n} failed: cache backend timeout")),
        ("INFO", "cache", "connected to kv-main-2:6390 again"),
    ),
}


def traffic(layout: Layout, rng: random.Random, ts: datetime, n: int) -> tuple[list[str], datetime]:
    """Ordinary lines with their own harmless noise, roughly 1.5 s apart."""
    out: list[str] = []
    for _ in range(n):
        ts += timedelta(milliseconds=rng.randint(400, 2600))
        roll = rng.random()
        if roll < 0.05:
            out.append(layout(ts, "WARN", "http", f"GET /static/img/{rng.randint(1, 999)}.png 404 not found"))
        elif roll < 0.08:
            out.append(layout(ts, "WARN", "http", f"slow request GET /api/items/{rng.randint(1, 99)} took "
                                                   f"{rng.randint(1500, 4000)} ms"))
        elif roll < 0.10:
            out.append(layout(ts, "WARN", "client", f"transient error reading session-store, retrying "
                                                     f"(attempt 1 of 3, id {rng.randint(1000, 9999)})"))
            out.append(layout(ts, "INFO", "client", "session-store read succeeded on retry"))
        elif roll < 0.15:
            out.append(layout(ts, "DEBUG", "cache", f"cache hit ratio {rng.randint(80, 99)}% "
                                                     f"over {rng.randint(1, 9)} s"))
        else:
            out.append(layout(ts, "INFO", "http", f"GET /api/items/{rng.randint(1, 99)} 200 "
                                                   f"{rng.randint(5, 90)} ms user u{rng.randint(100, 999)}"))
    return out, ts


def planted(name: str, seed: int = 7) -> tuple[list[str], int, tuple[int, int]]:
    """(lines, 1-based trigger line, 1-based (first, last) flood lines)."""
    scenario = SCENARIOS[name]
    rng = random.Random(seed)
    ts = datetime(2026, 1, 5, 9, 0, 0)
    lines, ts = traffic(scenario.layout, rng, ts, 300)
    lines.append(scenario.layout(ts + timedelta(seconds=2), *scenario.trigger))
    trigger = len(lines)
    before, ts = traffic(scenario.layout, rng, ts + timedelta(seconds=2), 12)
    lines += before
    flood_first = len(lines) + 1
    for k in range(60):
        ts += timedelta(milliseconds=rng.randint(200, 900))
        if k % 3 == 2:
            more, ts = traffic(scenario.layout, rng, ts, 1)
            lines += more
        level, component, msg = scenario.flood[k % len(scenario.flood)]
        lines.append(scenario.layout(ts, level, component, msg.format(n=rng.randint(10000, 99999))))
    flood_last = len(lines)
    lines.append(scenario.layout(ts + timedelta(seconds=5), *scenario.recovery))
    after, _ = traffic(scenario.layout, rng, ts + timedelta(seconds=5), 150)
    return lines + after, trigger, (flood_first, flood_last)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_planted_trigger_ranks_first_and_the_flood_is_no_cause(name: str) -> None:
    lines, trigger, (flood_first, flood_last) = planted(name)
    findings = find_incidents(lines, source=name)
    assert findings.incident and findings.onset is not None
    assert findings.causes[0].line == trigger, findings.render_text()
    assert trigger <= findings.onset.line <= flood_first + 2  # a trigger that is trouble itself opens the burst
    flood_errors = {n for n in range(flood_first, flood_last + 1) if "/api/items/" not in lines[n - 1]}
    ranked_errors = {c.line for c in findings.causes[:3]} & flood_errors
    assert ranked_errors <= {findings.onset.line}, findings.render_text()  # at most the first error
    assert sum(c.count for c in findings.consequences) >= 40  # the flood is reported as consequences
    assert findings.onset.recovered


def test_an_incident_is_found_wherever_it_sits_in_a_longer_log() -> None:
    lines, trigger, _ = planted("logfmt-route-reload", seed=3)
    rng = random.Random(5)
    head, _ = traffic(logfmt, rng, datetime(2026, 1, 5, 7, 0, 0), 2000)
    findings = find_incidents(head + lines, first_line=101)
    assert findings.causes[0].line == 100 + len(head) + trigger
    assert findings.first_line == 101 and findings.last_line == 100 + len(head) + len(lines)


def test_a_log_without_an_incident_says_so_and_ranks_nothing() -> None:
    rng = random.Random(11)
    lines, _ = traffic(python_logging, rng, datetime(2026, 1, 5, 9, 0, 0), 1500)
    findings = find_incidents(lines, source="quiet.log")
    assert not findings.incident and findings.onset is None
    assert findings.causes == [] and findings.consequences == []
    assert "No incident found" in findings.render_text()
    assert "No incident found" in findings.brief()


def test_brief_quotes_line_numbers_times_and_reasons_for_the_model() -> None:
    lines, trigger, _ = planted("json-rollout-breaks-search")
    brief = find_incidents(lines).brief(max_causes=2)
    assert f"1. line {trigger} (2026-01-05T" in brief
    assert "catalog-indexer" in brief and "Consequences:" in brief
    assert brief.count("\n") < 20  # compact: it goes into a small model's prompt


def test_hostile_log_text_is_escaped_in_findings() -> None:
    lines, trigger, _ = planted("klog-scale-down")
    lines[trigger - 1] = lines[trigger - 1] + " \x1b[2J\x1b]0;pwned\x07"
    findings = find_incidents(lines)
    assert findings.causes[0].line == trigger
    text = findings.render_text() + findings.brief()
    assert "\x1b" not in text and "\\x1b[2J" in text


def test_the_example_log_ranks_the_order_export_job_first() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").split("\n")
    findings = find_incidents(lines, source=EXAMPLE.name)
    assert findings.incident
    assert 62 <= findings.causes[0].line <= 66, findings.render_text()
    assert any("order-export" in reason for reason in findings.causes[0].why)


def test_cli_json_contract(tmp_path: Path) -> None:
    lines, trigger, _ = planted("syslog-backup-fills-volume")
    path = tmp_path / "host.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["findings", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"source", "lines", "incident", "onset", "causes", "consequences", "timeline"}
    assert data["incident"] is True
    top = data["causes"][0]
    assert top["line"] == trigger and 0.0 < top["score"] <= 1.0
    assert isinstance(top["why"], list) and top["why"] and isinstance(top["time"], str)
    assert set(data["onset"]) == {"line", "time", "peak_line", "peak_time", "end_line", "recovered"}
    assert all(set(c) == {"template", "count", "first_line", "last_line", "example", "components"}
               for c in data["consequences"])
    assert [e["line"] for e in data["timeline"]] == sorted(e["line"] for e in data["timeline"])


def test_cli_lines_range_numbers_findings_in_file_lines(tmp_path: Path) -> None:
    lines, trigger, _ = planted("python-cert-expired")
    path = tmp_path / "app.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["findings", str(path), "--lines", f"{trigger - 150}:{len(lines)}", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["lines"][0] == trigger - 150
    assert data["causes"][0]["line"] == trigger


def test_cli_text_names_the_cause_and_a_quiet_log(tmp_path: Path) -> None:
    lines, trigger, _ = planted("klog-scale-down")
    path = tmp_path / "k.log"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = CliRunner().invoke(cli, ["findings", str(path)])
    assert result.exit_code == 0
    assert f"1. line {trigger} " in result.stdout and "Consequences" in result.stdout
    quiet = tmp_path / "quiet.log"
    quiet.write_text("\n".join(traffic(klog, random.Random(2), datetime(2026, 1, 1), 500)[0]), encoding="utf-8")
    result = CliRunner().invoke(cli, ["findings", str(quiet)])
    assert result.exit_code == 0 and "No incident found" in result.stdout


# ------------------------------------------------------------------------ several files
def _two_files(zone_hours: int = 0, seed: int = 7) -> tuple[list[str], list[str], tuple[int, int]]:
    """app.log (UTC) with its own noise and a flood of pool errors; db.log (in UTC+zone_hours,
    written with its offset) whose shutdown begins the trouble. Returns app, db, db's two
    shutdown lines (the trigger)."""
    r = random.Random(seed)
    start = datetime(2026, 3, 14, 10, 0, 0)
    zone = f"+{zone_hours:02d}:00"
    app: list[tuple[datetime, str]] = []
    db: list[tuple[datetime, str]] = []
    t = start
    while t < start + timedelta(minutes=12):
        t += timedelta(seconds=r.uniform(0.3, 1.2))
        if r.random() < 0.05:
            app.append((t, f"WARN [http] GET /favicon.ico 404 {r.randint(1, 5)}ms"))
        else:
            app.append((t, f"INFO [http] GET /api/orders/{r.randint(100, 999)} 200 {r.randint(5, 60)}ms"))
    t = start
    while t < start + timedelta(minutes=12):
        t += timedelta(seconds=r.uniform(3, 9))
        db.append((t, f"LOG checkpoint complete: wrote {r.randint(10, 900)} buffers"))
    restart = start + timedelta(minutes=7)
    db += [(restart, "LOG received fast shutdown request"), (restart + timedelta(seconds=0.5), "LOG database system is shut down"),
           (restart + timedelta(seconds=70), "LOG database system is ready to accept connections")]
    app.append((start + timedelta(minutes=2), "ERROR [payments] call to payment-service timed out, retrying"))
    for k in range(60):
        app.append((restart + timedelta(seconds=2 + k), "ERROR [pool] orders-db:5432 connection refused: could not get a connection"))
    app.sort()
    db.sort()
    app_lines = [f"{t:%Y-%m-%dT%H:%M:%S.%f}Z {text}" for t, text in app]
    db_lines = [f"{(t + timedelta(hours=zone_hours)):%Y-%m-%dT%H:%M:%S.%f}{zone} {text}" for t, text in db]
    first = next(i for i, line in enumerate(db_lines, 1) if "shutdown request" in line)
    return app_lines, db_lines, (first, first + 1)


def test_findings_across_files_name_the_file_of_the_cause() -> None:
    from logcore.findings import find_merged_incidents
    from logcore.merge import merge_texts

    app, db, trigger = _two_files()
    found = find_merged_incidents(merge_texts([("app.log", app), ("db.log", db)]))
    assert found.incident
    top = found.causes[0]
    assert top.file == "db.log" and top.line in trigger
    assert found.onset.file in ("app.log", "db.log")
    assert [c.file for c in found.consequences if "refused" in c.template] == ["app.log"]
    assert f"db.log:{top.line}" in found.render_text() and f"db.log:{top.line}" in found.brief()
    payload = found.to_json()
    assert payload["causes"][0]["file"] == "db.log" and payload["causes"][0]["line"] in trigger
    assert [f["name"] for f in payload["files"]] == ["app.log", "db.log"]
    assert all("file" in e for e in payload["timeline"])


def test_a_file_in_another_zone_is_compared_on_the_shared_clock_and_shown_on_its_own() -> None:
    from logcore.findings import find_merged_incidents
    from logcore.merge import merge_texts

    app, db, trigger = _two_files(zone_hours=2)
    found = find_merged_incidents(merge_texts([("app.log", app), ("db.log", db)]))
    top = found.causes[0]
    assert top.file == "db.log" and top.line in trigger
    assert top.time is not None and top.time.startswith("2026-03-14T12:07")  # db.log's own clock (+02:00)
    gap = next(why for why in top.why if "before onset" in why)
    assert gap.endswith("s before onset") and "h" not in gap.split()[-3], gap  # seconds, not 2 hours
    # without the merge's shifts, the offset is read from the merged order: the same findings
    merged = merge_texts([("app.log", app), ("db.log", db)])
    unshifted = find_merged_incidents(dataclasses.replace(merged, shifts=[]))
    assert unshifted.to_json() == found.to_json()


def test_one_file_findings_carry_no_file_keys() -> None:
    app, _, _ = _two_files()
    payload = find_incidents(app, source="app.log").to_json()
    assert "files" not in payload
    assert all("file" not in c for c in payload["causes"] + payload["consequences"] + payload["timeline"])
    assert payload["onset"] is None or not {"file", "peak_file", "end_file"} & set(payload["onset"])


def test_cli_findings_over_two_files(tmp_path: Path) -> None:
    app, db, trigger = _two_files()
    (tmp_path / "app.log").write_text("\n".join(app) + "\n", encoding="utf-8")
    (tmp_path / "db.log").write_text("\n".join(db) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["findings", str(tmp_path / "app.log"), str(tmp_path / "db.log"), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    top = payload["causes"][0]
    assert top["file"] == "db.log" and top["line"] in trigger
    text = CliRunner().invoke(cli, ["findings", str(tmp_path / "app.log"), str(tmp_path / "db.log")])
    assert f"1. db.log:{top['line']}" in text.stdout
    refused = CliRunner().invoke(cli, ["findings", str(tmp_path / "app.log"), str(tmp_path / "db.log"),
                                       "--lines", "1:5"])
    assert refused.exit_code != 0 and "--lines takes one file" in refused.stderr


def test_the_bundled_outage_example_finds_the_database_restart_in_its_own_file() -> None:
    """`tui/examples/outage` is what the README points a new user at for several files: the proxy's
    502s and the app's pool errors follow a PostgreSQL shutdown, each file in its own layout."""
    from click.testing import CliRunner

    from tui.cli import cli

    outage = Path(__file__).resolve().parents[2] / "tui" / "examples" / "outage"
    files = [str(outage / name) for name in ("proxy.log", "app.log", "db.log")]
    result = CliRunner().invoke(cli, ["findings", *files, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    top = payload["causes"][0]
    assert (top["file"], top["line"]) == ("db.log", 297)
    assert "shutdown" in (outage / "db.log").read_text().splitlines()[296]
