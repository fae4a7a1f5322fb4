"""`logcore.findings` and `logchat findings`: the incident, its likely cause, its consequences.

Each planted incident is written here, in its own layout and wording: ordinary traffic with its
own harmless noise (404s, a transient error that a retry fixes, slow requests), then one
trigger line, then a flood of errors that name what the trigger named, then recovery.
"""

from __future__ import annotations

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
