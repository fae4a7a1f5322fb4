"""A seeded corpus of incident logs with their truth, to measure whether a cause is found.

Each incident is one log file in one common layout: background traffic with its own harmless
noise (404s, a transient error that a retry fixes, slow requests, routine warnings, sometimes a
harmless change event of the same kind as the trigger), then the trigger (the event that caused
the trouble, one or several lines), then after a realistic delay the flood of consequences,
interleaved with normal traffic, and sometimes a recovery. The truth records which lines are the
trigger, where the trouble starts and which words a right explanation uses.

Design rules, so the corpus tests mechanisms rather than keywords:
- every trigger and consequence has several wordings; the seed picks one, and the entities
  (job names, versions, addresses, volumes) are drawn too;
- the trigger is never the most frequent error: the consequences and the noise outnumber it,
  and a noise error always comes before the trigger;
- nothing here knows how logcore finds incidents (it was written without reading it).

Run `python bench/incident_corpus.py DIR [--seed N]` to write the corpus (one `.log` per
incident and `truth.json`) and `--large FILE` for the 1M-line timing log.

Multi-file incidents (issue 13; `generate_multi_corpus`): the cause is logged by one program and
the flood by others, each file with its own traffic, noise, layout and clock (one writes local
time with a +02:00 offset, three write no year). Their truth names lines as (file, line). They
were written from how the failures look in real systems, without reading the finder.
`python bench/incident_corpus.py DIR --multi` writes them too (one folder per incident).
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

LEVELS = ("DEBUG", "INFO", "WARN", "ERROR", "FATAL")
ROLES = ("background", "noise", "decoy", "trigger", "consequence", "recovery")


@dataclass(frozen=True)
class Msg:
    """One log event before layout: the layout decides how level, source and fields look."""

    level: str
    source: str  # logger, program, component or source file, as the layout calls it
    text: str
    fields: dict[str, object] = field(default_factory=dict)
    trace: tuple[str, ...] = ()  # continuation lines (stack traces), written raw after the line


@dataclass(frozen=True)
class Event:
    time: datetime  # the real time (orders the events)
    shown: datetime  # the time the host's clock printed (differs after a clock step)
    msg: Msg
    role: str
    kind: str  # which maker produced it: counts "the same error" independently of wording


def explains(explanation: tuple[tuple[str, ...], ...], answer: str) -> bool:
    """Every group of words has one member in the answer (case-insensitive substring)."""
    low = answer.lower()
    return all(any(word.lower() in low for word in group) for group in explanation)


@dataclass(frozen=True)
class Truth:
    """What a right answer finds.

    An answer *explains* the incident when, for every group in `explanation`, it contains at
    least one of the group's words (case-insensitive substring): e.g. (("order-export",
    "order export"), ("pool", "connection")) asks for the job and the mechanism.
    """

    layout: str
    trigger_lines: tuple[int, ...]  # 1-based
    onset_line: int  # first line of the first consequence
    explanation: tuple[tuple[str, ...], ...]
    scenario: str

    def explained_by(self, answer: str) -> bool:
        return explains(self.explanation, answer)


@dataclass(frozen=True)
class Incident:
    name: str
    layout: str
    lines: list[str]
    truth: Truth
    roles: tuple[str, ...]  # per line: one of ROLES
    kinds: tuple[str, ...]  # per line: the maker of its event (same kind = same message)
    number: int = 0  # 1-based place in the corpus

    @property
    def file_name(self) -> str:
        """A neutral name: the scenario's name ("cert-expiry") would hand the answer to a reader
        of the file name, and digests and prompts carry it."""
        return f"incident-{self.number:02d}.log"


# ---------------------------------------------------------------------------------------------
# Scenario plans


Maker = Callable[[], Msg]
Weighted = list[tuple[float, str, Maker]]  # weight, kind, maker


@dataclass
class Step:
    """A planned event at `at` seconds after its anchor (the trigger, or the log start)."""

    at: float
    kind: str
    msg: Msg


@dataclass
class Plan:
    background: Weighted
    noise: Weighted  # drawn instead of background with probability `noise_share`
    trigger: list[Step]  # relative to the trigger time
    consequences: Weighted
    explanation: tuple[tuple[str, ...], ...]
    delay_s: float  # last trigger step -> first consequence
    flood_s: float  # how long consequences keep coming
    flood_events: int
    decoy: list[Step] = field(default_factory=list)  # relative to the log start
    recovery: list[Step] = field(default_factory=list)  # relative to the end of the flood
    gap_s: float = 1.2  # mean gap between background events
    noise_share: float = 0.06
    clock_step_s: float = 0.0  # the shown clock jumps by this much at the trigger


class Draw:
    """The seeded random source with the few helpers every scenario needs."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def pick(self, options):
        return self.r.choice(options)

    def n(self, lo: int, hi: int) -> int:
        return self.r.randint(lo, hi)

    def hexid(self, k: int = 8) -> str:
        return "".join(self.r.choice("0123456789abcdef") for _ in range(k))

    def ip(self, net: str = "10.4") -> str:
        return f"{net}.{self.n(0, 9)}.{self.n(2, 250)}"

    def user(self) -> str:
        return f"u-{self.n(10000, 99999)}"


def web_noise(d: Draw, err: Callable[[str, str], Msg], warn: Callable[[str, str], Msg],
              info: Callable[[str, str], Msg], dependency: str) -> Weighted:
    """404s, a transient error that the next attempt fixes, slow requests, a routine warning."""
    missing = ["/favicon.ico", "/robots.txt", "/api/v1/items/0", "/.env", "/wp-login.php", "/api/v1/legacy/cart"]
    return [
        (3, "noise:404", lambda: info("http", f"GET {d.pick(missing)} 404 {d.n(1, 6)}ms")),
        (2, "noise:retry", lambda: err(
            dependency, d.pick([f"call to {dependency} timed out after {d.n(1, 3)}s (attempt 1/3), retrying",
                                f"{dependency} request failed: connection reset by peer (attempt 1 of 3), will retry"]))),
        (2, "noise:retry-ok", lambda: info(dependency, f"{dependency} request succeeded on attempt 2")),
        (2, "noise:slow", lambda: warn("http", f"slow request GET /api/v1/search took {d.n(1800, 4200)}ms")),
        (1, "noise:routine", lambda: warn(d.pick(["config", "runtime"]), d.pick([
            "deprecated setting 'legacy_mode' is set; it will be removed in the next major version",
            f"GC pause of {d.n(150, 400)}ms exceeded the 100ms goal"]))),
    ]


def _m(level: str) -> Callable[[str, str], Msg]:
    return lambda source, text: Msg(level, source, text)


INFO, WARN, ERROR, DEBUG = _m("INFO"), _m("WARN"), _m("ERROR"), _m("DEBUG")


def pool_exhaustion(d: Draw) -> Plan:
    """A batch job takes every connection of the database pool; web requests time out on it."""
    job = d.pick(["invoice-export", "ledger-sync", "nightly-reconcile", "report-rollup"])
    pool = d.pick(["HikariPool-1", "OrdersPool", "mainPool"])
    ctl, repo, hik = "c.e.shop.web.OrderController", "c.e.shop.repo.OrderRepository", "com.zaxxer.hikari.pool.HikariPool"
    trace = (f"org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection; "
             f"nested exception is java.sql.SQLTransientConnectionException: {pool} - Connection is not available, "
             "request timed out after 30000ms.",
             "\tat org.springframework.jdbc.datasource.DataSourceUtils.getConnection(DataSourceUtils.java:84)",
             "\tat c.e.shop.repo.OrderRepository.findByCustomer(OrderRepository.java:57)",
             "\tat c.e.shop.web.OrderController.list(OrderController.java:41)")
    return Plan(
        background=[
            (5, "bg:get", lambda: INFO(ctl, f"GET /api/orders/{d.n(1000, 99999)} -> 200 ({d.n(8, 90)} ms)")),
            (2, "bg:post", lambda: INFO(ctl, f"POST /api/orders -> 201 ({d.n(40, 220)} ms) customer=c-{d.n(100, 9999)}")),
            (3, "bg:repo", lambda: DEBUG(repo, f"loaded {d.n(1, 40)} orders for customer c-{d.n(100, 9999)} in {d.n(2, 30)} ms")),
            (1, "bg:pool", lambda: DEBUG(hik, f"{pool} - Pool stats (total=20, active={d.n(1, 8)}, idle={d.n(10, 19)}, waiting=0)")),
        ],
        noise=web_noise(d, lambda s, t: Msg("ERROR", "c.e.shop.client.PaymentClient", t),
                        lambda s, t: Msg("WARN", ctl, t), lambda s, t: Msg("INFO", ctl, t), "payment-service"),
        decoy=[Step(120, "decoy:job-start", INFO("c.e.shop.batch.JobLauncher", "Job: [SimpleJob: [name=session-cleanup]] launched with the following parameters: [{run.id=88}]")),
               Step(123, "decoy:job-end", INFO("c.e.shop.batch.JobLauncher", "Job: [SimpleJob: [name=session-cleanup]] completed with status: [COMPLETED] in 2s914ms"))],
        trigger=[
            Step(0, "trigger:job-launch", INFO("c.e.shop.batch.JobLauncher", d.pick([
                f"Job: [FlowJob: [name={job}]] launched with the following parameters: [{{run.date=2026-03-14, gridSize=16}}]",
                f"Starting batch job {job} with 16 partitions (chunk size 500)"]))),
            Step(0.4, "trigger:job-step", INFO("c.e.shop.batch.StepRunner", d.pick([
                f"Executing step: [{job}-partitioned] on 16 worker threads",
                f"{job}: partition workers started, each holding a streaming cursor"]))),
        ],
        delay_s=d.n(20, 50), flood_s=d.n(240, 400), flood_events=d.n(70, 110),
        consequences=[
            (3, "cons:pool-timeout", lambda: WARN(hik, f"{pool} - Connection is not available, request timed out after 30000ms.")),
            (2, "cons:servlet", lambda: Msg("ERROR", "o.a.c.c.C.[.[.[/].[dispatcherServlet]", "Servlet.service() for servlet [dispatcherServlet] in context with path [] threw exception", trace=trace)),
            (2, "cons:503", lambda: WARN(ctl, f"GET /api/orders/{d.n(1000, 99999)} -> 503 ({d.n(30000, 30100)} ms)")),
            (1, "cons:pool-stats", lambda: WARN(hik, f"{pool} - Pool stats (total=20, active=20, idle=0, waiting={d.n(5, 60)})")),
        ],
        recovery=[Step(5, "recovery:job-end", INFO("c.e.shop.batch.JobLauncher", f"Job: [FlowJob: [name={job}]] completed with status: [COMPLETED] in {d.n(5, 8)}m{d.n(10, 59)}s"))],
        explanation=((job, job.replace("-", " ")), ("pool", "connection")),
    )


def deploy_exceptions(d: Draw) -> Plan:
    """A new release goes live with a graceful restart; one code path now throws on every call."""
    release = f"2026.03.14-{d.n(2, 9)}"
    root = f"/var/www/shop/releases/{release}"
    cl = lambda: f"[client {d.ip('198.51')}:{d.n(30000, 65000)}] "  # noqa: E731
    ssl, php = "ssl:info", "php:error"
    return Plan(
        background=[
            (6, "bg:ssl-conn", lambda: Msg("INFO", ssl, f"{cl()}AH01964: Connection to child {d.n(0, 40)} established (server shop.example.com:443)")),
            (2, "bg:fcgi", lambda: Msg("DEBUG", "proxy_fcgi:debug", f"{cl()}AH01078: serving URL fcgi://127.0.0.1:9000/var/www/shop/current/public/index.php")),
            (1, "bg:sess", lambda: Msg("INFO", "socache_shmcb:info", f"AH00830: Shared memory socache initialised, {d.n(10, 90)} sessions cached")),
        ],
        noise=[
            (3, "noise:404", lambda: Msg("INFO", "core:info", f"{cl()}AH00128: File does not exist: /var/www/shop/current/public/{d.pick(['favicon.ico', 'apple-touch-icon.png', 'ads.txt'])}")),
            (2, "noise:denied", lambda: Msg("ERROR", "authz_core:error", f"{cl()}AH01630: client denied by server configuration: /var/www/shop/current/public/.env")),
            (2, "noise:retry", lambda: Msg("ERROR", "proxy:error", "(111)Connection refused: AH00957: FCGI: attempt to connect to 127.0.0.1:9000 (127.0.0.1:9000) failed, retrying on next worker")),
            (2, "noise:slow", lambda: Msg("INFO", "reqtimeout:info", f"{cl()}AH01382: Request header read timeout")),
            (1, "noise:routine", lambda: Msg("WARN", "php:warn", f"{cl()}PHP Warning:  Undefined array key \"utm_source\" in /var/www/shop/current/src/Tracking.php on line {d.n(20, 90)}")),
        ],
        trigger=[
            Step(0, "trigger:release", Msg("NOTICE", "php:notice", d.pick([
                f"shop: release {release} activated, symlink current -> {root}",
                f"deploy hook: switched docroot to {root} (build {d.n(3000, 3999)})"]))),
            Step(1.5, "trigger:graceful", Msg("NOTICE", "mpm_event:notice", "AH00493: SIGUSR1 received.  Doing graceful restart")),
            Step(1.6, "trigger:resumed", Msg("NOTICE", "mpm_event:notice", "AH00489: Apache/2.4.58 (Ubuntu) OpenSSL/3.0.13 configured -- resuming normal operations")),
        ],
        delay_s=d.n(3, 12), flood_s=d.n(200, 360), flood_events=d.n(60, 100),
        consequences=[
            (4, "cons:fatal", lambda: Msg("ERROR", php, f"{cl()}PHP Fatal error:  Uncaught TypeError: Shop\\Pricing\\Money::format(): Argument #1 ($amount) must be of type int, null given, called in {root}/src/Cart/Summary.php on line 88 and defined in {root}/src/Pricing/Money.php:41")),
            (2, "cons:fcgi", lambda: Msg("ERROR", "proxy_fcgi:error", f"{cl()}AH01071: Got error 'PHP message: PHP Fatal error:  Uncaught TypeError: Money::format(): Argument #1 ($amount) must be of type int, null given', referer: https://shop.example.com/cart")),
        ],
        explanation=((release, "deploy", "release", "new version"),),
    )


def config_reload(d: Draw) -> Plan:
    """nginx reloads a config whose upstream read timeout is far too short: slow routes get 504s."""
    up = f"10.0.1.{d.n(10, 40)}:8080"
    ua = ["Mozilla/5.0 (X11; Linux x86_64)", "shop-app/6.2 (iOS)", "Mozilla/5.0 (Macintosh)", "curl/8.5.0"]
    fast = ["/", "/api/cart", "/static/app.js", "/api/products?page=2", "/img/logo.svg"]
    slow = ["/api/search?q=lamp", "/api/checkout", "/api/search?q=desk", "/api/recommendations"]
    acc = lambda method, path, status, rt: Msg("INFO", "access", f"{method} {path} HTTP/1.1", {  # noqa: E731
        "ip": d.ip("203.0"), "status": status, "bytes": d.n(200, 9000) if status < 400 else d.n(150, 600), "ua": d.pick(ua), "rt": rt})
    cid = lambda: d.n(1000, 9999)  # noqa: E731
    pid = d.n(400, 900)
    reload_steps = lambda at, sender: [  # noqa: E731
        Step(at, f"{sender}:sighup", Msg("NOTICE", "nginx", f"signal 1 (SIGHUP) received from {d.n(2000, 9000)}, reconfiguring")),
        Step(at + 0.01, f"{sender}:reconf", Msg("NOTICE", "nginx", "reconfiguring")),
        Step(at + 0.05, f"{sender}:workers", Msg("NOTICE", "nginx", f"start worker process {pid + 10}")),
        Step(at + 0.06, f"{sender}:workers", Msg("NOTICE", "nginx", f"start worker process {pid + 11}"))]
    return Plan(
        background=[
            (8, "bg:fast", lambda: acc(d.pick(["GET", "GET", "POST"]), d.pick(fast), 200, round(d.r.uniform(0.002, 0.09), 3))),
            (3, "bg:slow-ok", lambda: acc("GET", d.pick(slow), 200, round(d.r.uniform(0.2, 0.9), 3))),
        ],
        noise=[
            (3, "noise:404", lambda: acc("GET", d.pick(["/favicon.ico", "/wp-login.php", "/.git/config"]), 404, 0.001)),
            (1, "noise:404-log", lambda: Msg("ERROR", "nginx", f"*{cid()} open() \"/usr/share/nginx/html/favicon.ico\" failed (2: No such file or directory), client: {d.ip('203.0')}, server: shop.example.com")),
            (2, "noise:retry", lambda: Msg("ERROR", "nginx", f"*{cid()} upstream prematurely closed connection while reading response header from upstream, client: {d.ip('203.0')}, server: shop.example.com, request: \"GET /api/cart HTTP/1.1\", upstream: \"http://10.0.1.9:8080/api/cart\" (retried on next upstream)")),
            (2, "noise:slow", lambda: acc("GET", d.pick(slow), 200, round(d.r.uniform(2.1, 4.8), 3))),
            (1, "noise:routine", lambda: Msg("WARN", "nginx", f"*{cid()} an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/{d.n(1, 9)}/0{d.n(1, 9)}/000000{d.n(1000, 9999)} while reading upstream")),
        ],
        decoy=reload_steps(150, "decoy"),
        trigger=reload_steps(0, "trigger"),
        delay_s=d.n(2, 6), flood_s=d.n(240, 420), flood_events=d.n(80, 130),
        consequences=[
            (3, "cons:timeout", lambda: Msg("ERROR", "nginx", f"*{cid()} upstream timed out (110: Connection timed out) while reading response header from upstream, client: {d.ip('203.0')}, server: shop.example.com, request: \"GET {d.pick(slow)} HTTP/1.1\", upstream: \"http://{up}/\"")),
            (3, "cons:504", lambda: acc("GET", d.pick(slow), 504, round(d.r.uniform(0.15, 0.25), 3))),
        ],
        explanation=(("reload", "reconfigur", "sighup", "config"), ("timeout", "timed out", "504")),
        gap_s=0.8,
    )


def cert_expiry(d: Draw) -> Plan:
    """Warnings that a client certificate is about to expire, then every mTLS handshake fails."""
    peer = d.pick(["acquirer.bank.example:443", "ledger.partner.example:8443"])
    cn = d.pick(["payments-gw.prod", "gw-client.internal"])
    srv, cli = "http/server.go:112", "acquirer/client.go:88"
    said = d.pick(["client certificate expires soon", "TLS client certificate nearing expiry", "certificate will expire"])
    warn = lambda rem: Msg("WARN", "certwatch/watch.go:64", said, {"subject": f"CN={cn}", "remaining": rem, "not_after": "2026-03-14T15:00:00Z"})  # noqa: E731
    return Plan(
        background=[
            (6, "bg:req", lambda: Msg("INFO", srv, "request completed", {"method": "POST", "path": "/v1/payments", "status": 201, "duration_ms": d.n(40, 180)})),
            (2, "bg:session", lambda: Msg("DEBUG", "tlsclient/pool.go:57", "reusing TLS session", {"peer": peer})),
            (3, "bg:ledger", lambda: Msg("INFO", "ledger/writer.go:201", "ledger entry written", {"txn": f"tx-{d.hexid()}"})),
        ],
        noise=[
            (3, "noise:404", lambda: Msg("WARN", srv, "request completed", {"method": "GET", "path": f"/v1/payments/{d.hexid(6)}", "status": 404, "duration_ms": d.n(1, 5)})),
            (2, "noise:retry", lambda: Msg("ERROR", cli, "acquirer call failed, will retry", {"attempt": 1, "error": "context deadline exceeded"})),
            (2, "noise:retry-ok", lambda: Msg("INFO", cli, "acquirer call succeeded", {"attempt": 2})),
            (2, "noise:slow", lambda: Msg("WARN", cli, "slow acquirer response", {"duration_ms": d.n(1800, 3500)})),
            (1, "noise:routine", lambda: Msg("WARN", "config/env.go:31", "deprecated environment variable is set", {"name": "PAYMENTS_LEGACY_MODE"})),
        ],
        trigger=[Step(0, "trigger:expiry-warning", warn("30m0s")), Step(1200, "trigger:expiry-warning", warn("10m0s")),
                 Step(1680, "trigger:expiry-warning", warn("2m0s"))],
        delay_s=120 + d.n(1, 4), flood_s=d.n(300, 500), flood_events=d.n(90, 140),
        consequences=[
            (3, "cons:handshake", lambda: Msg("ERROR", cli, "acquirer call failed", {"error": d.pick(["remote error: tls: expired certificate", "tls: failed to verify certificate: x509: certificate has expired or is not yet valid"]), "peer": peer})),
            (3, "cons:502", lambda: Msg("ERROR", srv, "request failed", {"method": "POST", "path": "/v1/payments", "status": 502, "duration_ms": d.n(5, 30)})),
        ],
        explanation=(("certificate", "cert", "x509"), ("expir",)),
        gap_s=2.5,
    )


def disk_full(d: Draw) -> Plan:
    """A full backup writes to the database's volume until nothing is left for the WAL."""
    vol = d.pick(["/srv", "/data"])
    tool = d.pick(["pgbackrest", "backup-agent"])
    pg = f"postgres[{d.n(800, 999)}]"
    return Plan(
        background=[
            (3, "bg:cron", lambda: Msg("INFO", f"CRON[{d.n(2000, 9000)}]", "(root) CMD (/usr/lib/sysstat/debian-sa1 1 1)")),
            (2, "bg:ssh", lambda: Msg("INFO", f"sshd[{d.n(2000, 9000)}]", f"Accepted publickey for deploy from {d.ip()} port {d.n(40000, 60000)} ssh2: ED25519 SHA256:{d.hexid(16)}")),
            (4, "bg:pg-conn", lambda: Msg("INFO", pg, f"[{d.n(2, 9)}-1] LOG:  connection authorized: user=shop database=shop application_name=api-{d.n(1, 4)}")),
            (2, "bg:checkpoint", lambda: Msg("INFO", pg, f"[{d.n(2, 9)}-1] LOG:  checkpoint complete: wrote {d.n(40, 900)} buffers ({d.r.uniform(0.1, 3):.1f}%)")),
            (2, "bg:systemd", lambda: Msg("INFO", "systemd[1]", f"Started session-{d.n(100, 999)}.scope - Session {d.n(100, 999)} of User deploy.")),
        ],
        noise=[
            (3, "noise:ssh-invalid", lambda: Msg("WARN", f"sshd[{d.n(2000, 9000)}]", f"Invalid user {d.pick(['admin', 'oracle', 'test'])} from 203.0.113.{d.n(2, 250)} port {d.n(30000, 60000)}")),
            (2, "noise:dup-key", lambda: Msg("ERROR", pg, "[5-1] ERROR:  duplicate key value violates unique constraint \"users_email_key\"")),
            (2, "noise:retry", lambda: Msg("ERROR", pg, "[3-1] LOG:  could not receive data from client: Connection reset by peer")),
            (1, "noise:slow", lambda: Msg("WARN", pg, f"[4-1] LOG:  duration: {d.n(1200, 4000)}.{d.n(100, 999)} ms  statement: SELECT * FROM orders WHERE created_at > $1")),
            (1, "noise:routine", lambda: Msg("WARN", "systemd-timesyncd[412]", "Timed out waiting for reply from 10.0.0.1:123 (ntp.internal).")),
        ],
        trigger=[
            Step(0, "trigger:unit", Msg("INFO", "systemd[1]", d.pick([f"Starting {tool}-full.service - Full database backup...", f"Started {tool}-full.service - Nightly full backup."]))),
            Step(0.8, "trigger:begin", Msg("INFO", f"{tool}[{d.n(5000, 5999)}]", d.pick([
                f"P00   INFO: backup command begin: --stanza=main --type=full --compress-type=none --repo1-path={vol}/backup",
                f"full backup started: source /var/lib/postgresql/16/main, target {vol}/backup, compression off"]))),
        ],
        delay_s=d.n(180, 420), flood_s=d.n(200, 360), flood_events=d.n(60, 100),
        consequences=[
            (1, "cons:usage", lambda: Msg("WARN", "disk-monitor[733]", f"filesystem {vol} at {d.n(91, 99)}% (warning threshold 90%)")),
            (3, "cons:wal", lambda: Msg("ERROR", pg, f"[{d.n(2, 9)}-1] PANIC:  could not write to file \"pg_wal/xlogtemp.{d.n(800, 999)}\": No space left on device")),
            (2, "cons:recovery-mode", lambda: Msg("ERROR", pg, "[2-1] FATAL:  the database system is in recovery mode")),
            (1, "cons:terminated", lambda: Msg("ERROR", pg, f"[1-1] LOG:  server process (PID {d.n(3000, 9000)}) was terminated by signal 6: Aborted")),
            (1, "cons:kernel", lambda: Msg("WARN", "kernel", f"[{d.n(100000, 999999)}.{d.n(100000, 999999)}] EXT4-fs warning (device nvme1n1p1): ext4_dx_add_entry:2516: Directory index full!")),
        ],
        explanation=(("backup",), ("disk", "space", "full", "filesystem", vol)),
    )


def endpoint_change(d: Draw) -> Plan:
    """Service discovery (or the resolver) moves a dependency to an address where nothing answers."""
    new = f"10.20.{d.n(4, 9)}.{d.n(10, 99)}"
    svc = f"orders-svc[{d.n(2000, 2999)}]"
    dns_variant = d.r.random() < 0.5
    if dns_variant:
        ns = f"10.30.0.{d.n(50, 60)}"
        trigger = [Step(0, "trigger:dns", Msg("INFO", "systemd-resolved[411]", d.pick([f"Switching to DNS server {ns} for interface eth0.", f"Using DNS server {ns} (configured via DHCP lease renewal) for eth0."])))]
        fail = lambda: Msg("ERROR", svc, f"error: inventory call failed: dial tcp: lookup inventory.internal on 127.0.0.53:53: {d.pick(['no such host', 'server misbehaving'])}")  # noqa: E731
        explanation = (("dns", "resolver", "nameserver", ns, "name server"),)
    else:
        trigger = [
            Step(0, "trigger:render", Msg("INFO", "consul-template[812]", d.pick([f"rendered /etc/orders/upstreams.conf: inventory.service.consul -> {new}:8443", f"template updated /etc/orders/upstreams.conf (inventory now {new}:8443)"]))),
            Step(0.3, "trigger:reresolve", Msg("INFO", svc, f"info: upstream inventory re-resolved to {new}:8443 (was 10.20.1.5:8443)")),
        ]
        fail = lambda: Msg("ERROR", svc, f"error: inventory call failed: dial tcp {new}:8443: {d.pick(['connect: connection refused', 'i/o timeout'])}")  # noqa: E731
        explanation = ((new, "endpoint", "address", "re-resolved", "discovery"),)
    return Plan(
        background=[
            (6, "bg:req", lambda: Msg("INFO", svc, f"info: GET /orders/{d.n(1000, 99999)} 200 {d.n(5, 60)}ms")),
            (2, "bg:inv", lambda: Msg("INFO", svc, f"info: reserved {d.n(1, 3)} items at inventory in {d.n(4, 30)}ms")),
            (1, "bg:cron", lambda: Msg("INFO", f"CRON[{d.n(2000, 9000)}]", "(root) CMD (test -x /usr/sbin/anacron || run-parts --report /etc/cron.hourly)")),
        ],
        noise=[
            (3, "noise:404", lambda: Msg("WARN", svc, f"warn: GET /orders/{d.hexid(5)} 404 {d.n(1, 4)}ms")),
            (2, "noise:retry", lambda: Msg("ERROR", svc, f"error: payment call timed out after {d.n(2, 3)}s, retrying (1/3)")),
            (2, "noise:retry-ok", lambda: Msg("INFO", svc, "info: payment call succeeded on retry 1")),
            (2, "noise:slow", lambda: Msg("WARN", svc, f"warn: slow request POST /orders {d.n(1500, 3000)}ms")),
            (1, "noise:routine", lambda: Msg("INFO", "systemd[1]", "logrotate.service: Deactivated successfully.")),
        ],
        trigger=trigger,
        delay_s=d.n(1, 8), flood_s=d.n(200, 400), flood_events=d.n(70, 110),
        consequences=[
            (3, "cons:fail", fail),
            (2, "cons:503", lambda: Msg("ERROR", svc, f"error: POST /orders 503 {d.n(1, 3000)}ms (inventory unavailable)")),
        ],
        explanation=explanation,
    )


def failover(d: Draw) -> Plan:
    """The NameNode fails over; this DataNode and its clients keep talking to the old active one."""
    old, new = f"nn1.hdp.internal/10.0.0.{d.n(10, 19)}:8020", f"nn2.hdp.internal/10.0.0.{d.n(20, 29)}:8020"
    bp = f"BP-{d.n(100000000, 999999999)}-10.0.0.11-1700000000000"
    dn = "org.apache.hadoop.hdfs.server.datanode.DataNode"
    blk = lambda: f"{bp}:blk_{d.n(1073741825, 1073799999)}_{d.n(1000, 9999)}"  # noqa: E731
    return Plan(
        background=[
            (4, "bg:receive", lambda: Msg("INFO", dn, f"Receiving {blk()} src: /10.0.0.{d.n(30, 60)}:{d.n(40000, 60000)} dest: /10.0.0.41:50010")),
            (3, "bg:trace", lambda: Msg("INFO", f"{dn}.clienttrace", f"src: /10.0.0.41:50010, dest: /10.0.0.{d.n(30, 60)}:{d.n(40000, 60000)}, bytes: {d.n(1000, 134217728)}, op: HDFS_READ, cliID: DFSClient_NONMAPREDUCE_{d.n(100000, 999999)}_1, offset: 0, srvID: {d.hexid(8)}, blockid: {blk()}, duration(ns): {d.n(100000, 9000000)}")),
            (3, "bg:responder", lambda: Msg("INFO", dn, f"PacketResponder: {blk()}, type=LAST_IN_PIPELINE terminating")),
        ],
        noise=[
            (3, "noise:xceiver", lambda: Msg("ERROR", dn, f"dn-41:50010:DataXceiver error processing READ_BLOCK operation  src: /10.0.0.{d.n(30, 60)}:{d.n(40000, 60000)} dst: /10.0.0.41:50010", trace=("java.io.IOException: Connection reset by peer", "\tat sun.nio.ch.FileDispatcherImpl.read0(Native Method)"))),
            (2, "noise:slow", lambda: Msg("WARN", dn, f"Slow BlockReceiver write packet to mirror took {d.n(400, 2500)}ms (threshold=300ms)")),
            (2, "noise:retry", lambda: Msg("WARN", "org.apache.hadoop.hdfs.DFSClient", f"Failed to connect to /10.0.0.{d.n(30, 60)}:50010 for block, add to deadNodes and continue. java.net.SocketTimeoutException: 60000 millis timeout")),
            (1, "noise:routine", lambda: Msg("INFO", "org.apache.hadoop.hdfs.server.datanode.DirectoryScanner", "BlockPool BP scan: 0 missing, 0 mismatched, 0 corrupt")),
        ],
        trigger=[
            Step(0, "trigger:claim", Msg("INFO", dn, d.pick([f"Namenode Block pool {bp} service to {new} trying to claim ACTIVE state with txid={d.n(4000000, 4999999)}",
                                                               f"Block pool {bp}: NameNode {new} announced ACTIVE HA state (previous active {old})"]))),
            Step(0.1, "trigger:ack", Msg("INFO", dn, f"Acknowledging ACTIVE Namenode during handshake Block pool {bp} service to {new}")),
        ],
        delay_s=d.n(2, 10), flood_s=d.n(200, 360), flood_events=d.n(60, 100),
        consequences=[
            (3, "cons:standby", lambda: Msg("WARN", dn, f"RemoteException in offerService to {old}: org.apache.hadoop.ipc.StandbyException: Operation category {d.pick(['READ', 'WRITE'])} is not supported in state standby")),
            (2, "cons:ipc", lambda: Msg("WARN", "org.apache.hadoop.ipc.Client", f"Retrying connect to server: {old}. Already tried {d.n(0, 9)} time(s); retry policy is RetryUpToMaximumCountWithFixedSleep(maxRetries=10, sleepTime=1000 MILLISECONDS)")),
            (2, "cons:job", lambda: Msg("ERROR", "org.apache.hadoop.mapred.Task", f"Task attempt_{d.n(1000, 9999)}_m_000{d.n(100, 999)}_0 failed: org.apache.hadoop.ipc.RemoteException(org.apache.hadoop.ipc.StandbyException): Operation category READ is not supported in state standby")),
        ],
        explanation=(("failover", "standby", "active", "transition", "nn2"),),
        gap_s=0.9,
    )


def clock_step(d: Draw) -> Plan:
    """The host clock steps back: tokens issued by the correct identity provider look "not yet valid"."""
    step = d.n(200, 400)
    api, ver = "auth.api", "auth.verify"
    trace = ("Traceback (most recent call last):",
             '  File "/srv/auth/auth/verify.py", line 61, in verify',
             "    claims = jwt.decode(token, key, algorithms=[\"RS256\"], audience=AUDIENCE)",
             "jwt.exceptions.ImmatureSignatureError: The token is not yet valid (iat)")
    return Plan(
        background=[
            (5, "bg:token", lambda: INFO(api, f"POST /token 200 {d.n(10, 60)}ms client={d.pick(['web-portal', 'mobile-app', 'billing'])}")),
            (3, "bg:userinfo", lambda: INFO(api, f"GET /userinfo 200 {d.n(3, 20)}ms")),
            (3, "bg:verify", lambda: DEBUG(ver, f"verified token for {d.user()} (kid={d.hexid(6)})")),
        ],
        noise=[
            (3, "noise:404", lambda: WARN(api, "GET /.well-known/openid-configuration/ 404 1ms")),
            (2, "noise:retry", lambda: ERROR("auth.ldap", f"LDAP bind to ldap{d.n(1, 2)}.internal timed out, retrying (attempt 1 of 3)")),
            (2, "noise:retry-ok", lambda: INFO("auth.ldap", "LDAP bind ok after retry")),
            (2, "noise:slow", lambda: WARN(api, f"slow request POST /token took {d.n(1500, 3000)}ms")),
            (1, "noise:routine", lambda: WARN("py.warnings", "DeprecationWarning: datetime.datetime.utcnow() is deprecated and scheduled for removal")),
        ],
        trigger=[Step(0, "trigger:step", Msg("WARN", "hostagent.clock", d.pick([
            f"system clock stepped back by {step}.{d.n(100, 999)} s after NTP resync (source ntp1.internal)",
            f"clock offset -{step}.{d.n(100, 999)}s exceeds the step threshold; time set back to NTP time",
            f"time jumped backwards {step} s (chrony makestep)"])))],
        delay_s=d.n(1, 5), flood_s=d.n(240, 400), flood_events=d.n(60, 100),
        consequences=[
            (3, "cons:immature", lambda: Msg("ERROR", ver, f"token rejected for client {d.pick(['mobile-app', 'web-portal'])}", trace=trace)),
            (3, "cons:401", lambda: WARN(api, f"GET /userinfo 401 {d.n(1, 5)}ms")),
        ],
        explanation=(("clock", "time", "ntp"), ("token", "jwt", "iat")),
        clock_step_s=-step,
    )


def cache_oom(d: Draw) -> Plan:
    """An operator applies a larger cache size; the pods run out of memory and are killed in a loop."""
    new_mb = d.pick([3072, 4096, 6144])
    pod = f"shop/catalog-{d.hexid(9)}-{d.hexid(5)}"
    rec = "reconcile.go:121"
    return Plan(
        background=[
            (6, "bg:reconciled", lambda: Msg("INFO", rec, "Reconciled", {"kind": "Deployment", "name": d.pick(["shop/cart", "shop/catalog", "shop/search"]), "duration": f"{d.n(2, 40)}ms"})),
            (3, "bg:probe", lambda: Msg("INFO", "podwatch.go:64", "Pod ready", {"pod": d.pick([pod, f"shop/cart-{d.hexid(9)}-{d.hexid(5)}"]), "restarts": 0})),
            (1, "bg:leader", lambda: Msg("INFO", "leaderelection.go:281", "successfully renewed lease", {"lease": "shop/shop-operator"})),
        ],
        noise=[
            (3, "noise:notfound", lambda: Msg("INFO", rec, "Resource not found, ignoring since object must be deleted", {"kind": "Job", "name": f"shop/migrate-{d.hexid(5)}"})),
            (2, "noise:retry", lambda: Msg("ERROR", rec, "Reconciler error, requeueing", {"err": "Operation cannot be fulfilled on deployments.apps \"cart\": the object has been modified; please apply your changes to the latest version and try again"})),
            (2, "noise:slow", lambda: Msg("WARN", "request.go:697", f"Waited for {d.n(1, 3)}.{d.n(100, 999)}s due to client-side throttling, not priority and fairness")),
            (1, "noise:routine", lambda: Msg("WARN", "warnings.go:70", "policy/v1beta1 PodDisruptionBudget is deprecated in v1.21+, unavailable in v1.25+")),
        ],
        trigger=[
            Step(0, "trigger:config", Msg("INFO", "config.go:77", d.pick(["Applied config change", "ConfigMap updated, new settings take effect on rollout"]), {"configmap": "shop/catalog-config", "key": "CACHE_SIZE_MB", "old": "512", "new": str(new_mb)})),
            Step(0.2, "trigger:rollout", Msg("INFO", rec, "Rolling restart triggered", {"deployment": "shop/catalog", "reason": "config hash changed"})),
        ],
        delay_s=d.n(60, 150), flood_s=d.n(300, 500), flood_events=d.n(50, 90),
        consequences=[
            (2, "cons:heap", lambda: Msg("WARN", "podwatch.go:88", "Container memory near limit", {"pod": pod, "usageMB": d.n(3900, 4090), "limitMB": 4096})),
            (3, "cons:oom", lambda: Msg("WARN", "podwatch.go:97", "Container terminated", {"pod": pod, "container": "catalog", "reason": "OOMKilled", "exitCode": 137, "restarts": d.n(1, 9)})),
            (2, "cons:backoff", lambda: Msg("ERROR", "podwatch.go:112", "Pod not ready", {"pod": pod, "reason": "CrashLoopBackOff", "backoff": f"{d.pick([10, 20, 40, 80, 160])}s"})),
            (1, "cons:stalled", lambda: Msg("ERROR", rec, "Deployment rollout stalled", {"deployment": "shop/catalog", "available": f"{d.n(0, 1)}/3"})),
        ],
        explanation=(("cache",), ("memory", "oom")),
        gap_s=1.5,
    )


def cron_lock(d: Draw) -> Plan:
    """A cron job runs a long transaction over a hot table; writers wait on its locks and time out."""
    job = d.pick(["reindex-search", "refresh-scores", "purge-sessions", "rebuild-sitemap"])
    table = d.pick(["articles", "comments", "products"])
    return Plan(
        background=[
            (6, "bg:get", lambda: INFO("api", f"GET /{table}/{d.n(1, 99999)} 200 {d.n(3, 40)}ms")),
            (2, "bg:post", lambda: INFO("api", f"POST /{table}/{d.n(1, 99999)}/votes 201 {d.n(20, 90)}ms")),
            (2, "bg:cache", lambda: DEBUG("cache", f"hit ratio {d.r.uniform(0.8, 0.99):.3f}")),
        ],
        noise=web_noise(d, lambda s, t: Msg("ERROR", "mailer", t), lambda s, t: Msg("WARN", "api", t),
                        lambda s, t: Msg("INFO", "api", t), "smtp-relay"),
        decoy=[Step(100, "decoy:cron", INFO("cron", "starting job rotate-thumbnails (schedule \"*/15 * * * *\")")),
               Step(102, "decoy:cron-end", INFO("cron", "job rotate-thumbnails finished in 1.9s"))],
        trigger=[
            Step(0, "trigger:cron", INFO("cron", d.pick([f"starting job {job} (schedule \"0 */6 * * *\")", f"running scheduled task {job}"]))),
            Step(0.5, "trigger:job", INFO(job, d.pick([f"beginning batch refresh of {table} ({d.n(2, 9)}.{d.n(1, 9)}M rows) in one transaction",
                                                       f"processing all {table} rows, transaction open until done"]))),
        ],
        delay_s=d.n(10, 40), flood_s=d.n(300, 480), flood_events=d.n(70, 110),
        consequences=[
            (3, "cons:lockwait", lambda: ERROR("api", f"UPDATE {table} failed: Lock wait timeout exceeded; try restarting transaction (errno 1205)")),
            (2, "cons:503", lambda: WARN("api", f"POST /{table}/{d.n(1, 99999)}/votes 503 {d.n(50000, 50100)}ms")),
            (1, "cons:deadlock", lambda: ERROR("api", "Deadlock found when trying to get lock; try restarting transaction")),
        ],
        recovery=[Step(4, "recovery:cron-end", INFO("cron", f"job {job} finished in {d.n(8, 12)}m{d.n(1, 59)}s"))],
        explanation=((job, job.replace("-", " ")), ("lock",)),
    )


def rate_limit(d: Draw) -> Plan:
    """A traffic split sends all requests to a variant that calls a rate-limited dependency per request."""
    variant = d.pick(["personalized-v2", "ranker-b", "recs-ml"])
    dep = d.pick(["profile-api", "geo-api"])
    return Plan(
        background=[
            (6, "bg:req", lambda: Msg("INFO", "recommender", "request served", {"path": "/v1/recs", "user": d.user(), "status": 200, "dur": f"{d.n(8, 60)}ms"})),
            (2, "bg:dep", lambda: Msg("DEBUG", "recommender", f"{dep} lookup", {"cache": d.pick(["hit", "hit", "miss"]), "dur": f"{d.n(1, 30)}ms"})),
            (1, "bg:model", lambda: Msg("INFO", "scorer", "model scores refreshed", {"items": d.n(1000, 5000)})),
        ],
        noise=[
            (3, "noise:404", lambda: Msg("WARN", "recommender", "request served", {"path": f"/v1/items/{d.hexid(6)}", "status": 404, "dur": "1ms"})),
            (2, "noise:retry", lambda: Msg("ERROR", "recommender", "catalog-api call failed, retrying", {"err": "context deadline exceeded", "attempt": 1})),
            (2, "noise:retry-ok", lambda: Msg("INFO", "recommender", "catalog-api call succeeded", {"attempt": 2})),
            (2, "noise:slow", lambda: Msg("WARN", "recommender", "slow request", {"path": "/v1/recs", "dur": f"{d.n(1500, 3000)}ms"})),
            (1, "noise:routine", lambda: Msg("WARN", "runtime", "GOMAXPROCS not set from cgroup quota, using host CPUs")),
        ],
        trigger=[Step(0, "trigger:split", Msg("INFO", "router", d.pick(["traffic split updated", "rollout weights changed"]), {"route": "/v1/recs", "variant": variant, "weight": 100, "previous_weight": 5}))],
        delay_s=d.n(20, 60), flood_s=d.n(300, 450), flood_events=d.n(70, 120),
        consequences=[
            (3, "cons:429", lambda: Msg("WARN", "recommender", "upstream throttled", {"upstream": dep, "status": 429, "retry_after": f"{d.n(10, 60)}s"})),
            (3, "cons:503", lambda: Msg("ERROR", "recommender", "request failed", {"path": "/v1/recs", "status": 503, "err": f"{dep}: 429 Too Many Requests"})),
        ],
        explanation=(("traffic", "weight", "split", variant, "rollout"), ("429", "rate", "limit", "throttl")),
    )


def schema_migration(d: Draw) -> Plan:
    """A migration rewrites a large table under an exclusive lock; queries on it time out."""
    table = d.pick(["orders", "invoices", "shipments"])
    version = f"20260314{d.n(1000, 1999)}_add_{table}_region_not_null"
    return Plan(
        background=[
            (6, "bg:req", lambda: Msg("INFO", "http", "request", {"method": "GET", "path": f"/api/{table}/{d.n(1, 99999)}", "status": 200, "ms": d.n(3, 50)})),
            (2, "bg:write", lambda: Msg("INFO", "http", "request", {"method": "POST", "path": f"/api/{table}", "status": 201, "ms": d.n(20, 90)})),
            (2, "bg:pool", lambda: Msg("DEBUG", "db", "pool stats", {"open": d.n(5, 20), "in_use": d.n(1, 5)})),
        ],
        noise=[
            (3, "noise:404", lambda: Msg("WARN", "http", "request", {"method": "GET", "path": f"/api/{table}/{d.hexid(4)}", "status": 404, "ms": 1})),
            (2, "noise:retry", lambda: Msg("ERROR", "queue", "publish failed, retrying", {"broker": "amqp://mq-1:5672", "error": "connection reset", "attempt": 1})),
            (2, "noise:retry-ok", lambda: Msg("INFO", "queue", "publish succeeded", {"attempt": 2})),
            (2, "noise:slow", lambda: Msg("WARN", "db", "slow query", {"ms": d.n(1200, 3000), "sql": f"SELECT * FROM {table} WHERE customer_id = $1"})),
            (1, "noise:routine", lambda: Msg("WARN", "config", "unknown config key ignored", {"key": "feature.beta_banner"})),
        ],
        trigger=[
            Step(0, "trigger:migrate", Msg("INFO", "migrate", d.pick(["applying migration", "running schema change"]), {"version": version})),
            Step(0.2, "trigger:ddl", Msg("INFO", "migrate", "executing", {"sql": f"ALTER TABLE {table} ALTER COLUMN region SET NOT NULL"})),
        ],
        delay_s=d.n(3, 15), flood_s=d.n(240, 420), flood_events=d.n(70, 110),
        consequences=[
            (3, "cons:lock", lambda: Msg("ERROR", "db", "query canceled", {"error": "canceling statement due to lock timeout", "relation": table})),
            (2, "cons:wait", lambda: Msg("WARN", "db", "waiting for lock", {"relation": table, "waited_ms": d.n(1000, 5000)})),
            (3, "cons:500", lambda: Msg("ERROR", "http", "request", {"method": d.pick(["GET", "POST"]), "path": f"/api/{table}", "status": 500, "ms": d.n(5000, 5100)})),
        ],
        recovery=[Step(2, "recovery:done", Msg("INFO", "migrate", "migration applied", {"version": version, "duration_s": d.n(300, 600)}))],
        explanation=(("migration", "migrat", "alter table", "schema", version), ("lock",)),
    )


def maintenance_drain(d: Draw) -> Plan:
    """Two of four backends are put in maintenance; the rest cannot carry the load and fail checks."""
    names = [f"app-{i}" for i in range(1, 5)]
    off = d.r.sample(names[1:], 2)
    hp = "haproxy[2211]"
    paths = ["/api/cart", "/api/products?page=1", "/", "/api/checkout", "/static/app.css"]

    def req(status: int, server: str, timing: str, state: str = "----", path: str | None = None) -> Msg:
        return Msg("INFO", hp, f"{d.ip('203.0')}:{d.n(30000, 65000)} [{{accept}}] "
                   f"fe_https~ be_app/{server} {timing} {status} {d.n(200, 9000)} - - {state} {d.n(100, 300)}/{d.n(90, 290)}/{d.n(1, 9)}/{d.n(1, 4)}/0 0/0 "
                   f"\"GET {path or d.pick(paths)} HTTP/1.1\"")
    up = [n for n in names if n not in off]
    return Plan(
        background=[(8, "bg:req", lambda: req(200, d.pick(names), f"0/0/1/{d.n(5, 90)}/{d.n(6, 95)}"))],
        noise=[
            (3, "noise:404", lambda: req(404, d.pick(names), "0/0/0/2/3", path=d.pick(["/favicon.ico", "/.env", "/wp-login.php"]))),
            (2, "noise:retry", lambda: Msg("ERROR", hp, f"be_app/{d.pick(names)}: connection error during SSL handshake (Connection reset by peer), request redispatched")),
            (2, "noise:slow", lambda: req(200, d.pick(names), f"0/0/1/{d.n(2000, 4000)}/{d.n(2001, 4001)}")),
            (1, "noise:abort", lambda: req(400, d.pick(names), "0/0/1/-1/5", state="CD--")),
        ],
        trigger=[Step(0, "trigger:maint", Msg("WARN", hp, f"Server be_app/{off[0]} is going DOWN for maintenance. 3 active and 0 backup servers left. {d.n(10, 40)} sessions active, 0 requeued, 0 remaining in queue.")),
                 Step(d.n(20, 60), "trigger:maint", Msg("WARN", hp, f"Server be_app/{off[1]} is going DOWN for maintenance. 2 active and 0 backup servers left. {d.n(10, 40)} sessions active, 0 requeued, 0 remaining in queue."))],
        delay_s=d.n(30, 90), flood_s=d.n(240, 400), flood_events=d.n(70, 110),
        consequences=[
            (3, "cons:queue", lambda: req(503, "<NOSRV>", f"0/{d.n(5000, 10000)}/-1/-1/{d.n(5000, 10000)}", state="sQ--")),
            (2, "cons:slow", lambda: req(504, d.pick(up), f"0/{d.n(100, 900)}/1/-1/30001", state="sH--")),
            (1, "cons:check", lambda: Msg("WARN", hp, f"Server be_app/{d.pick(up)} is DOWN, reason: Layer7 timeout, check duration: 2001ms. {d.n(0, 1)} active and 0 backup servers left.")),
            (1, "cons:nosrv", lambda: Msg("ERROR", hp, "backend be_app has no server available!")),
        ],
        explanation=((off[0], off[1], "maintenance"), ),
        gap_s=0.7,
    )


def work_mem_reload(d: Draw) -> Plan:
    """A reload raises work_mem far too high; big sorts exhaust memory and the OOM killer strikes."""
    value = d.pick(["2GB", "4GB", "1536MB"])
    return Plan(
        background=[
            (4, "bg:conn", lambda: Msg("INFO", f"[{d.n(4000, 9000)}]", f"connection authorized: user=shop database=shop application_name=api-{d.n(1, 4)}")),
            (4, "bg:duration", lambda: Msg("INFO", f"[{d.n(4000, 9000)}]", f"duration: {d.n(1, 90)}.{d.n(100, 999)} ms  statement: SELECT id, total FROM orders WHERE customer_id = {d.n(1, 9999)}")),
            (1, "bg:checkpoint", lambda: Msg("INFO", "[611]", f"checkpoint complete: wrote {d.n(40, 900)} buffers ({d.r.uniform(0.1, 3):.1f}%); 0 WAL file(s) added, 0 removed, 1 recycled")),
            (1, "bg:vacuum", lambda: Msg("INFO", f"[{d.n(4000, 9000)}]", f"automatic vacuum of table \"shop.public.{d.pick(['carts', 'sessions'])}\": index scans: 1")),
        ],
        noise=[
            (3, "noise:dup", lambda: Msg("ERROR", f"[{d.n(4000, 9000)}]", "duplicate key value violates unique constraint \"users_email_key\"")),
            (2, "noise:retry", lambda: Msg("FATAL", f"[{d.n(4000, 9000)}]", "password authentication failed for user \"report\"")),
            (2, "noise:slow", lambda: Msg("INFO", f"[{d.n(4000, 9000)}]", f"duration: {d.n(1500, 4000)}.{d.n(100, 999)} ms  statement: SELECT * FROM orders ORDER BY created_at")),
            (1, "noise:routine", lambda: Msg("WARN", f"[{d.n(4000, 9000)}]", "there is no transaction in progress")),
        ],
        decoy=[Step(90, "decoy:sighup", Msg("INFO", "[1]", "received SIGHUP, reloading configuration files")),
               Step(90.01, "decoy:param", Msg("INFO", "[1]", "parameter \"log_min_duration_statement\" changed to \"1000\""))],
        trigger=[Step(0, "trigger:sighup", Msg("INFO", "[1]", "received SIGHUP, reloading configuration files")),
                 Step(0.01, "trigger:param", Msg("INFO", "[1]", f"parameter \"work_mem\" changed to \"{value}\""))],
        delay_s=d.n(30, 120), flood_s=d.n(240, 400), flood_events=d.n(60, 100),
        consequences=[
            (3, "cons:oom", lambda: Msg("ERROR", f"[{d.n(4000, 9000)}]", "out of memory")),
            (2, "cons:killed", lambda: Msg("INFO", "[1]", f"server process (PID {d.n(4000, 9000)}) was terminated by signal 9: Killed")),
            (1, "cons:terminating", lambda: Msg("INFO", "[1]", "terminating any other active server processes")),
            (2, "cons:recovery", lambda: Msg("FATAL", f"[{d.n(4000, 9000)}]", "the database system is in recovery mode")),
        ],
        explanation=(("work_mem", "reload", "sighup", "config", "parameter"), ("memory", "oom", "killed")),
    )


def broker_shutdown(d: Draw) -> Plan:
    """The controller shuts a broker down for a restart; partitions fall below min.insync.replicas."""
    broker = d.n(3, 5)
    topic = d.pick(["orders", "payments", "clicks"])
    return Plan(
        background=[
            (4, "bg:roll", lambda: Msg("INFO", f"[ProducerStateManager partition={topic}-{d.n(0, 11)}]", f"Wrote producer snapshot at offset {d.n(10**6, 10**7)} with 0 producer ids in 2 ms. (kafka.log.ProducerStateManager)")),
            (3, "bg:segment", lambda: Msg("INFO", f"[LocalLog partition={topic}-{d.n(0, 11)}, dir=/var/lib/kafka]", f"Rolled new log segment at offset {d.n(10**6, 10**7)} in {d.n(1, 9)} ms. (kafka.log.LocalLog)")),
            (2, "bg:group", lambda: Msg("INFO", "[GroupCoordinator 1]", f"Member consumer-{d.hexid(6)} in group {topic}-indexer has joined; stable. (kafka.coordinator.group.GroupCoordinator)")),
        ],
        noise=[
            (2, "noise:retry", lambda: Msg("ERROR", "[Log partition=__consumer_offsets-7, dir=/var/lib/kafka]", "Error while flushing log, will retry: java.io.IOException: Resource temporarily unavailable (kafka.log.UnifiedLog)")),
            (3, "noise:notfound", lambda: Msg("INFO", "[Admin Manager on Broker 1]", f"Error processing describe configs request for resource topic tmp-{d.hexid(4)}: UNKNOWN_TOPIC_OR_PARTITION (kafka.server.ZkAdminManager)")),
            (2, "noise:slow", lambda: Msg("WARN", "[RequestHandler]", f"Slow produce request from client producer-{d.n(1, 9)} took {d.n(1000, 3000)} ms (kafka.server.KafkaApis)")),
            (1, "noise:routine", lambda: Msg("WARN", "[Controller id=1]", "The configuration 'log.message.format.version' is deprecated (kafka.server.KafkaConfig)")),
        ],
        trigger=[Step(0, "trigger:shutdown", Msg("INFO", "[Controller id=1]", f"Shutting down broker {broker} (controlled shutdown request) (kafka.controller.KafkaController)")),
                 Step(0.3, "trigger:leaders", Msg("INFO", "[Controller id=1]", f"Moving leadership of {d.n(20, 60)} partitions away from broker {broker} (kafka.controller.KafkaController)"))],
        delay_s=d.n(5, 20), flood_s=d.n(240, 400), flood_events=d.n(70, 110),
        consequences=[
            (3, "cons:isr", lambda: Msg("ERROR", "[ReplicaManager broker=1]", f"Error processing append operation on partition {topic}-{d.n(0, 11)} (kafka.server.ReplicaManager) org.apache.kafka.common.errors.NotEnoughReplicasException: The size of the current ISR Set(1) is insufficient to satisfy the min.isr requirement of 2")),
            (2, "cons:fetch", lambda: Msg("WARN", f"[ReplicaFetcher replicaId=1, leaderId={broker}, fetcherId=0]", f"Error in response for fetch request (kafka.server.ReplicaFetcherThread) java.io.IOException: Connection to {broker} was disconnected before the response was read")),
            (1, "cons:shrink", lambda: Msg("INFO", f"[Partition {topic}-{d.n(0, 11)} broker=1]", f"Shrinking ISR from 1,2,{broker} to 1 (kafka.cluster.Partition)")),
        ],
        explanation=((f"broker {broker}", "controlled shutdown", "shutting down", "shut down"), ),
    )


def link_down(d: Draw) -> Plan:
    """A network port loses link (an error, not a change); everything behind it times out."""
    nic = d.pick(["eth1", "ens2f1"])
    peer = f"10.0.2.{d.n(5, 60)}"
    app = f"ingest[{d.n(1000, 1999)}]"
    return Plan(
        background=[
            (5, "bg:batch", lambda: Msg("INFO", app, f"shipped batch {d.n(10**5, 10**6)} ({d.n(100, 900)} events) to {peer}:9092 in {d.n(3, 40)}ms")),
            (2, "bg:systemd", lambda: Msg("INFO", "systemd[1]", f"Started session-{d.n(100, 999)}.scope - Session {d.n(100, 999)} of User ops.")),
            (2, "bg:chrony", lambda: Msg("INFO", "chronyd[702]", f"Selected source 10.0.0.{d.n(1, 3)} (ntp.internal)")),
        ],
        noise=[
            (2, "noise:retry", lambda: Msg("ERROR", app, f"error: send to {peer}:9092 failed: broken pipe; reconnecting (attempt 1)")),
            (2, "noise:retry-ok", lambda: Msg("INFO", app, f"reconnected to {peer}:9092")),
            (3, "noise:ssh", lambda: Msg("WARN", f"sshd[{d.n(2000, 9000)}]", f"Invalid user {d.pick(['admin', 'pi', 'test'])} from 198.51.100.{d.n(2, 250)} port {d.n(30000, 60000)}")),
            (1, "noise:routine", lambda: Msg("WARN", "kernel", "TCP: request_sock_TCP: Possible SYN flooding on port 22. Sending cookies.")),
        ],
        trigger=[Step(0, "trigger:link", Msg("ERROR", "kernel", f"ixgbe 0000:03:00.1 {nic}: NIC Link is Down")),
                 Step(0.05, "trigger:bond", Msg("WARN", "kernel", f"bond0: (slave {nic}): link status definitely down, disabling slave"))],
        delay_s=d.n(5, 20), flood_s=d.n(200, 360), flood_events=d.n(60, 100),
        consequences=[
            (3, "cons:timeout", lambda: Msg("ERROR", app, f"error: send to {peer}:9092 failed: i/o timeout after 10s; buffering ({d.n(1000, 90000)} events queued)")),
            (2, "cons:buffer", lambda: Msg("WARN", app, f"warning: buffer {d.n(60, 99)}% full, dropping oldest events")),
            (1, "cons:arp", lambda: Msg("WARN", "kernel", f"neighbour: arp_cache: neighbor table overflow! ({peer})")),
        ],
        recovery=[Step(3, "recovery:link", Msg("INFO", "kernel", f"ixgbe 0000:03:00.1 {nic}: NIC Link is Up 10 Gbps, Flow Control: RX/TX"))],
        explanation=((nic, "link", "nic", "network interface"), ),
    )


def feature_flag(d: Draw) -> Plan:
    """A feature flag goes to 100 %; the new code path throws for one kind of tenant."""
    flag = d.pick(["new-tax-engine", "fast-checkout", "smart-pricing"])
    return Plan(
        background=[
            (6, "bg:req", lambda: INFO("checkout", f"tenant t-{d.n(100, 999)} order {d.n(10**5, 10**6)} priced in {d.n(2, 40)}ms")),
            (2, "bg:cache", lambda: DEBUG("pricing", f"rules cache refreshed ({d.n(100, 900)} rules)")),
            (1, "bg:flags", lambda: DEBUG("flags", f"flag snapshot v{d.n(100, 999)} fetched")),
        ],
        noise=web_noise(d, lambda s, t: Msg("ERROR", "mailer", t), lambda s, t: Msg("WARN", "checkout", t),
                        lambda s, t: Msg("INFO", "checkout", t), "email-gateway"),
        decoy=[Step(80, "decoy:flag", INFO("flags", "feature \"dark-mode\" enabled for 100% of tenants (by admin@ops)"))],
        trigger=[Step(0, "trigger:flag", INFO("flags", d.pick([f"feature \"{flag}\" enabled for 100% of tenants (by admin@ops)",
                                                              f"rollout of {flag} raised from 10% to 100%"])))],
        delay_s=d.n(5, 30), flood_s=d.n(240, 400), flood_events=d.n(60, 100),
        consequences=[
            (3, "cons:npe", lambda: Msg("ERROR", "checkout", f"order {d.n(10**5, 10**6)} failed: NullPointerException at TaxCalculator.rateFor(TaxCalculator.java:{d.pick([88, 91])})",
                                        trace=("java.lang.NullPointerException: region is null", "\tat com.shop.tax.TaxCalculator.rateFor(TaxCalculator.java:88)"))),
            (2, "cons:500", lambda: WARN("checkout", f"POST /checkout 500 {d.n(2, 30)}ms tenant t-{d.n(100, 999)}")),
        ],
        explanation=((flag, flag.replace("-", " "), "feature flag"), ),
    )


# ---------------------------------------------------------------------------------------------
# Layouts


def _iso_z(t: datetime, digits: int = 3) -> str:
    frac = f"{t.microsecond:06d}"[:digits]
    return f"{t:%Y-%m-%dT%H:%M:%S}.{frac}Z"


def _kv(fields: dict[str, object]) -> str:
    out = []
    for key, value in fields.items():
        text = str(value)
        out.append(f"{key}={json.dumps(text)}" if (" " in text or '"' in text or text == "") else f"{key}={text}")
    return " ".join(out)


def _pid(name: str) -> int:
    return 1000 + sum(map(ord, name)) * 7 % 30000


def rfc3164(t: datetime, m: Msg) -> list[str]:
    prog = m.source if "[" in m.source or m.source == "kernel" else f"{m.source}[{_pid(m.source)}]"
    text = m.text.replace("{accept}", f"{t:%d/%b/%Y:%H:%M:%S}.{t.microsecond // 1000:03d}")  # haproxy's accept date
    return [f"{t:%b} {t.day:>2} {t:%H:%M:%S} db-01 {prog}: {text}"]


def rsyslog(t: datetime, m: Msg) -> list[str]:
    prog = m.source if "[" in m.source else f"{m.source}[{_pid(m.source)}]"
    return [f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond:06d}+00:00 app-03 {prog}: {m.text}"]


def logfmt(t: datetime, m: Msg) -> list[str]:
    level = {"WARN": "warn", "FATAL": "fatal"}.get(m.level, m.level.lower())
    rest = f" {_kv(m.fields)}" if m.fields else ""
    return [f"time={_iso_z(t)} level={level} component={m.source} msg={json.dumps(m.text)}{rest}"]


def spring_boot(t: datetime, m: Msg) -> list[str]:
    thread = "scheduling-1" if "batch" in m.source else f"nio-8080-exec-{_pid(m.text) % 10 + 1}"
    logger = m.source if len(m.source) <= 40 else m.source[-40:]
    return [f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond // 1000:03d} {m.level:>5} 4711 --- [{thread:>15}] {logger:<40} : {m.text}", *m.trace]


def json_lines(t: datetime, m: Msg) -> list[str]:
    record = {"ts": _iso_z(t), "level": m.level.lower(), "logger": m.source, "msg": m.text, **m.fields}
    return [json.dumps(record, separators=(",", ":"))]


def klog(t: datetime, m: Msg) -> list[str]:
    letter = {"DEBUG": "I", "INFO": "I", "WARN": "W", "ERROR": "E", "FATAL": "F"}[m.level]
    rest = "".join(f" {k}={json.dumps(v) if isinstance(v, str) else v}" for k, v in m.fields.items())
    return [f"{letter}{t:%m%d %H:%M:%S}.{t.microsecond:06d}       1 {m.source}] {json.dumps(m.text)}{rest}"]


def python_logging(t: datetime, m: Msg) -> list[str]:
    level = {"WARN": "WARNING", "FATAL": "CRITICAL"}.get(m.level, m.level)
    return [f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d} - {m.source} - {level} - {m.text}", *m.trace]


def log4j(t: datetime, m: Msg) -> list[str]:
    return [f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d} {m.level} {m.source}: {m.text}", *m.trace]


def nginx(t: datetime, m: Msg) -> list[str]:
    if m.source == "access":
        f = m.fields
        return [f'{f["ip"]} - - [{t:%d/%b/%Y:%H:%M:%S} +0000] "{m.text}" {f["status"]} {f["bytes"]} "-" "{f["ua"]}" rt={f["rt"]}']
    level = {"ERROR": "error", "WARN": "warn", "NOTICE": "notice", "INFO": "info"}[m.level]
    pid = "1#1" if level == "notice" else "2288#2288"
    return [f"{t:%Y/%m/%d %H:%M:%S} [{level}] {pid}: {m.text}"]


def go_zap(t: datetime, m: Msg) -> list[str]:
    rest = f"\t{json.dumps(m.fields)}" if m.fields else ""
    return [f"{_iso_z(t)}\t{m.level}\t{m.source}\t{m.text}{rest}"]


def apache_error(t: datetime, m: Msg) -> list[str]:
    return [f"[{t:%a %b %d %H:%M:%S}.{t.microsecond:06d} {t:%Y}] [{m.source}] [pid {_pid(m.text) % 50 + 2100}:tid {140234000 + _pid(m.source)}] {m.text}"]


def containerd(t: datetime, m: Msg) -> list[str]:
    stream = "stderr" if m.level in ("WARN", "ERROR", "FATAL") else "stdout"
    inner = f"{t:%Y-%m-%d %H:%M:%S} {m.level:<5} [{m.source}] {m.text}"
    return [f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond:06d}{_pid(m.text) % 1000:03d}Z {stream} F {inner}"]


def postgres(t: datetime, m: Msg) -> list[str]:
    word = {"INFO": "LOG", "WARN": "WARNING", "ERROR": "ERROR", "FATAL": "FATAL", "DEBUG": "DEBUG"}[m.level]
    return [f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond // 1000:03d} UTC {m.source} {word}:  {m.text}"]


def kafka(t: datetime, m: Msg) -> list[str]:
    return [f"[{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d}] {m.level} {m.source} {m.text}", *m.trace]


def journal_short_iso(t: datetime, m: Msg) -> list[str]:
    prog = m.source if "[" in m.source or m.source == "kernel" else f"{m.source}[{_pid(m.source)}]"
    return [f"{t:%Y-%m-%dT%H:%M:%S}+0000 node-7 {prog}: {m.text}"]


def plain_no_time(t: datetime, m: Msg) -> list[str]:
    """Console output without timestamps (a container's stdout, a tool's log): order only."""
    return [f"{m.level:<5} [{m.source}] {m.text}", *m.trace]


Layout = Callable[[datetime, Msg], list[str]]

# name, scenario, layout: one incident each. The layouts' names say what a person would call them.
CATALOG: list[tuple[str, Callable[[Draw], Plan], str, Layout]] = [
    ("pool-exhaustion", pool_exhaustion, "spring-boot", spring_boot),
    ("deploy-exceptions", deploy_exceptions, "apache-error", apache_error),
    ("config-reload", config_reload, "nginx-access-error", nginx),
    ("cert-expiry", cert_expiry, "go-zap-console", go_zap),
    ("disk-full-backup", disk_full, "syslog-rfc3164", rfc3164),
    ("endpoint-change", endpoint_change, "rsyslog-iso8601", rsyslog),
    ("namenode-failover", failover, "hadoop-log4j", log4j),
    ("clock-step", clock_step, "python-logging", python_logging),
    ("cache-oom", cache_oom, "klog", klog),
    ("cron-lock", cron_lock, "containerd-cri", containerd),
    ("rate-limit", rate_limit, "logfmt", logfmt),
    ("schema-migration", schema_migration, "json-lines", json_lines),
    # the same mechanisms in other layouts: a finder must not depend on one layout per scenario
    ("pool-exhaustion-logfmt", pool_exhaustion, "logfmt", logfmt),
    ("cron-lock-python", cron_lock, "python-logging", python_logging),
    # added after the finder's first version, as a check that it learnt mechanisms: new layouts
    # (one without timestamps), a trigger that is itself an error, a cause spread over minutes
    ("maintenance-drain", maintenance_drain, "haproxy-syslog", rfc3164),
    ("work-mem-reload", work_mem_reload, "postgresql", postgres),
    ("broker-shutdown", broker_shutdown, "kafka-log4j", kafka),
    ("link-down", link_down, "journald-short-iso", journal_short_iso),
    ("feature-flag", feature_flag, "plain-no-timestamps", plain_no_time),
]
FIRST_ROUND = 14  # incidents 1-14 existed when the finder was written; the rest came later

START = datetime(2026, 3, 14, 13, 20, 0, tzinfo=timezone.utc)


# ---------------------------------------------------------------------------------------------
# Assembly


def _weighted(d: Draw, table: Weighted) -> tuple[str, Msg]:
    total = sum(w for w, _, _ in table)
    x = d.r.uniform(0, total)
    for weight, kind, make in table:
        x -= weight
        if x <= 0:
            return kind, make()
    weight, kind, make = table[-1]
    return kind, make()


def planned_events(d: Draw, plan: Plan, start: datetime, trigger_at: datetime) -> list[tuple[datetime, str, str, Msg]]:
    """Decoy, trigger, consequences and recovery: a bounded list, merged into the background later."""
    def jitter() -> timedelta:  # planned events must not stand out by round timestamps
        return timedelta(microseconds=d.n(0, 4999))

    trigger_at += timedelta(microseconds=d.n(0, 999_999))
    out = [(start + timedelta(seconds=s.at) + jitter(), "decoy", s.kind, s.msg) for s in plan.decoy]
    out += [(trigger_at + timedelta(seconds=s.at) + jitter(), "trigger", s.kind, s.msg) for s in plan.trigger]
    onset = trigger_at + timedelta(seconds=max(s.at for s in plan.trigger) + plan.delay_s + d.r.random())
    # The flood ramps up (denser early) and tails off: offsets ~ flood * u**1.6, the first at onset.
    offsets = sorted([0.0] + [plan.flood_s * d.r.random() ** 1.6 for _ in range(plan.flood_events - 1)])
    for off in offsets:
        kind, msg = _weighted(d, plan.consequences)
        out.append((onset + timedelta(seconds=off), "consequence", kind, msg))
    end = onset + timedelta(seconds=plan.flood_s)
    out += [(end + timedelta(seconds=s.at) + jitter(), "recovery", s.kind, s.msg) for s in plan.recovery]
    out.sort(key=lambda e: e[0])
    return out


def stream_events(d: Draw, plan: Plan, *, pre_s: float, tail_s: float, start: datetime = START,
                  guaranteed_noise: bool = True) -> Iterator[Event]:
    """Background (with noise) from start to the end, merged in time with the planned events.

    Only the planned events are held in memory, so this streams a log of any length.
    """
    trigger_at = start + timedelta(seconds=pre_s)
    planned = planned_events(d, plan, start, trigger_at)
    end = max(planned[-1][0], trigger_at) + timedelta(seconds=tail_s)
    step_at = trigger_at if plan.clock_step_s else None
    skew = timedelta(seconds=plan.clock_step_s)

    def event(t: datetime, role: str, kind: str, msg: Msg) -> Event:
        shown = t + skew if step_at is not None and t > step_at else t
        return Event(t, shown, msg, role, kind)

    queue = [(t, i, role, kind, msg) for i, (t, role, kind, msg) in enumerate(planned)]
    heapq.heapify(queue)
    if guaranteed_noise:  # a harmless error well before the trigger, so "first error" is not the answer
        kind, msg = next(((k, msg) for _, k, make in plan.noise if (msg := make()).level in ("ERROR", "FATAL")), ("", None))
        if msg is None:
            kind, msg = plan.noise[0][1], plan.noise[0][2]()
        heapq.heappush(queue, (start + timedelta(seconds=pre_s * 0.2), -1, "noise", kind, msg))
    t = start
    while t < end:
        t += timedelta(seconds=d.r.expovariate(1 / plan.gap_s))
        while queue and queue[0][0] <= t:
            when, _, role, kind, msg = heapq.heappop(queue)
            yield event(when, role, kind, msg)
        if d.r.random() < plan.noise_share:
            kind, msg = _weighted(d, plan.noise)
            yield event(t, "noise", kind, msg)
        else:
            kind, msg = _weighted(d, plan.background)
            yield event(t, "background", kind, msg)
    while queue:
        when, _, role, kind, msg = heapq.heappop(queue)
        yield event(when, role, kind, msg)


def build_incident(name: str, scenario: Callable[[Draw], Plan], layout_name: str, layout: Layout, seed: int,
                   number: int = 0) -> Incident:
    d = Draw(hash_seed(seed, name))
    plan = scenario(d)
    pre_s = plan.gap_s * d.n(180, 320)
    lines: list[str] = []
    roles: list[str] = []
    kinds: list[str] = []
    triggers: list[int] = []
    onset = 0
    for ev in stream_events(d, plan, pre_s=pre_s, tail_s=plan.gap_s * d.n(40, 90)):
        rendered = layout(ev.shown, ev.msg)
        if ev.role == "trigger":
            triggers.append(len(lines) + 1)
        if ev.role == "consequence" and not onset:
            onset = len(lines) + 1
        lines += rendered
        roles += [ev.role] * len(rendered)
        kinds += [ev.kind] * len(rendered)
    truth = Truth(layout_name, tuple(triggers), onset, plan.explanation, scenario.__name__)
    return Incident(name, layout_name, lines, truth, tuple(roles), tuple(kinds), number)


def hash_seed(seed: int, name: str) -> int:
    """A per-incident seed that does not depend on Python's salted str hash."""
    return seed * 1_000_003 + sum((i + 1) * ord(c) for i, c in enumerate(name))


def generate_corpus(seed: int = 0) -> list[Incident]:
    return [build_incident(name, scenario, lname, layout, seed, number)
            for number, (name, scenario, lname, layout) in enumerate(CATALOG, 1)]


def write_corpus(directory: Path | str, seed: int = 0) -> list[Path]:
    """One `.log` per incident (neutral names) and a `truth.json` keyed by file name, each entry
    with the incident's name; returns the log paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths, truths = [], {}
    for incident in generate_corpus(seed):
        path = out / incident.file_name
        path.write_text("\n".join(incident.lines) + "\n", encoding="utf-8")
        paths.append(path)
        truths[incident.file_name] = {"name": incident.name, **asdict(incident.truth)}
    (out / "truth.json").write_text(json.dumps(truths, indent=1) + "\n", encoding="utf-8")
    return paths


def write_large_log(path: Path | str, lines: int = 1_000_000, seed: int = 0) -> Truth:
    """A spring-boot log of about `lines` lines with a pool-exhaustion incident at ~70 %, streamed.

    Background and noise are generated one event at a time and written at once; only the
    incident's own events (a few thousand) are held in memory.
    """
    d = Draw(hash_seed(seed, "large"))
    plan = pool_exhaustion(d)
    plan.flood_events, plan.flood_s = max(100, min(2000, lines // 200)), 1800.0
    pre_s = plan.gap_s * lines * 0.7
    tail_s = plan.gap_s * lines * 0.3 - plan.flood_s
    written, triggers, onset = 0, [], 0
    with open(path, "w", encoding="utf-8") as f:
        for ev in stream_events(d, plan, pre_s=pre_s, tail_s=tail_s):
            rendered = spring_boot(ev.shown, ev.msg)
            if ev.role == "trigger":
                triggers.append(written + 1)
            if ev.role == "consequence" and not onset:
                onset = written + 1
            f.write("\n".join(rendered) + "\n")
            written += len(rendered)
    return Truth("spring-boot", tuple(triggers), onset, plan.explanation, "pool_exhaustion")


# ---------------------------------------------------------------------------------------------
# Multi-file incidents: the cause in one program's log, the flood in the others'


@dataclass(frozen=True)
class Service:
    """One program of a multi-file incident: its own traffic, noise, layout and clock."""

    file: str  # the file's name, e.g. "db.log"
    layout_name: str
    layout: Layout
    background: Weighted
    noise: Weighted
    gap_s: float = 1.5
    noise_share: float = 0.05
    zone: timezone = timezone.utc  # the clock its stamps are written in (the layout prints it or not)


@dataclass
class MultiPlan:
    services: list[Service]
    trigger_file: str
    trigger: list[Step]  # relative to the trigger time, written by trigger_file
    consequences: dict[str, tuple[float, float, Weighted]]  # file -> (share of events, lag s, makers)
    explanation: tuple[tuple[str, ...], ...]
    delay_s: float  # last trigger step -> first consequence (in the first file of `consequences`)
    flood_s: float
    flood_events: int
    recovery: list[Step] = field(default_factory=list)  # relative to the end of the flood, trigger_file


@dataclass(frozen=True)
class MultiTruth:
    layouts: tuple[str, ...]  # per file, in file order
    triggers: tuple[tuple[str, int], ...]  # (file, 1-based line)
    onset: tuple[str, int]  # the first consequence line, in the file that logged it first
    explanation: tuple[tuple[str, ...], ...]
    scenario: str

    def explained_by(self, answer: str) -> bool:
        return explains(self.explanation, answer)


@dataclass(frozen=True)
class MultiIncident:
    name: str
    files: list[tuple[str, list[str]]]  # (file name, lines), in the order the files are given
    truth: MultiTruth
    roles: dict[str, tuple[str, ...]]  # file -> per line: one of ROLES
    quiet: dict[str, int]  # file -> lines written before the trigger (the quiet part)
    number: int = 0

    @property
    def layout(self) -> str:
        return " + ".join(self.truth.layouts)


def _zoned_json(t: datetime, m: Msg) -> list[str]:
    """JSON lines stamped in the service's local time with its offset (e.g. +02:00)."""
    record = {"time": t.isoformat(timespec="milliseconds"), "level": m.level.lower(), "logger": m.source,
              "message": m.text, **m.fields}
    return [json.dumps(record, separators=(",", ":"))]


def db_restart(d: Draw) -> MultiPlan:
    """The database is restarted (a fast shutdown, back a minute later): the app's pool cannot
    connect and times out, the proxy in front of the app answers 504 and 502."""
    pg = f"postgres[{d.n(2000, 2999)}]"
    db = d.pick(["db-01", "pg-main", "orders-db"])
    pool = d.pick(["HikariPool-1", "OrdersPool"])
    ctl, hik = "c.e.shop.web.OrderController", "com.zaxxer.hikari.pool.HikariPool"
    who = lambda: f"user=shop database=orders host=10.4.{d.n(1, 3)}.{d.n(10, 60)}"  # noqa: E731
    db_svc = Service("db.log", "postgresql", postgres, background=[
        (5, "bg:stmt", lambda: Msg("INFO", pg, f"duration: {d.n(1, 40)}.{d.n(100, 999)} ms  statement: SELECT * FROM orders WHERE customer_id = {d.n(100, 9999)}")),
        (2, "bg:conn", lambda: Msg("INFO", pg, f"connection authorized: {who()}")),
        (1, "bg:ckpt", lambda: Msg("INFO", pg, f"checkpoint complete: wrote {d.n(20, 900)} buffers ({d.n(0, 5)}.{d.n(0, 9)}%); 0 WAL file(s) added")),
    ], noise=[
        (3, "noise:dup", lambda: Msg("ERROR", pg, "duplicate key value violates unique constraint \"orders_idempotency_key\"")),
        (2, "noise:reset", lambda: Msg("INFO", pg, "could not receive data from client: Connection reset by peer")),
        (1, "noise:notx", lambda: Msg("WARN", pg, "there is no transaction in progress")),
    ], gap_s=2.0)
    app = Service("app.log", "spring-boot", spring_boot, background=[
        (5, "bg:get", lambda: Msg("INFO", ctl, f"GET /api/orders/{d.n(1000, 99999)} -> 200 ({d.n(8, 90)} ms)")),
        (2, "bg:post", lambda: Msg("INFO", ctl, f"POST /api/orders -> 201 ({d.n(40, 220)} ms)")),
        (1, "bg:pool", lambda: Msg("DEBUG", hik, f"{pool} - Pool stats (total=20, active={d.n(1, 8)}, idle={d.n(10, 19)}, waiting=0)")),
    ], noise=web_noise(d, lambda s, t: Msg("ERROR", "c.e.shop.client.PaymentClient", t),
                       lambda s, t: Msg("WARN", ctl, t), lambda s, t: Msg("INFO", ctl, t), "payment-service"), gap_s=0.9)
    ua = ["Mozilla/5.0 (X11; Linux x86_64)", "shop-app/6.2 (iOS)", "curl/8.5.0"]
    acc = lambda path, status, rt: Msg("INFO", "access", f"GET {path} HTTP/1.1", {  # noqa: E731
        "ip": d.ip("203.0"), "status": status, "bytes": d.n(200, 9000), "ua": d.pick(ua), "rt": rt})
    proxy = Service("proxy.log", "nginx-access-error", nginx, background=[
        (6, "bg:ok", lambda: acc(f"/api/orders/{d.n(1000, 99999)}", 200, round(d.r.uniform(0.01, 0.1), 3))),
        (2, "bg:static", lambda: acc(d.pick(["/static/app.js", "/img/logo.svg", "/"]), 200, 0.001)),
    ], noise=[
        (3, "noise:404", lambda: acc(d.pick(["/favicon.ico", "/wp-login.php"]), 404, 0.001)),
        (1, "noise:buffered", lambda: Msg("WARN", "nginx", f"*{d.n(1000, 9999)} an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/3/0{d.n(1, 9)}/000000{d.n(1000, 9999)} while reading upstream")),
    ], gap_s=0.7)
    kind = d.pick(["fast", "smart"])
    trigger = [Step(0, "trigger:shutdown", Msg("INFO", pg, f"received {kind} shutdown request")),
               Step(0.01, "trigger:abort", Msg("INFO", pg, "aborting any active transactions")),
               Step(0.05, "trigger:terminate", Msg("FATAL", pg, "terminating connection due to administrator command")),
               Step(0.4, "trigger:down", Msg("INFO", pg, "database system is shut down"))]
    upstream = f"http://10.0.2.{d.n(10, 40)}:8080"
    return MultiPlan(
        services=[proxy, app, db_svc], trigger_file="db.log", trigger=trigger,
        consequences={
            "app.log": (0.6, 0.0, [
                (3, "cons:pool-timeout", lambda: Msg("WARN", hik, f"{pool} - Connection is not available, request timed out after 30000ms.")),
                (2, "cons:refused", lambda: Msg("ERROR", "com.zaxxer.hikari.pool.PoolBase", f"{pool} - Failed to validate connection (Connection to {db}:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.)")),
                (2, "cons:500", lambda: Msg("ERROR", ctl, f"GET /api/orders/{d.n(1000, 99999)} -> 500 ({d.n(30000, 30100)} ms)")),
            ]),
            "proxy.log": (0.4, 25.0, [
                (3, "cons:504", lambda: acc(f"/api/orders/{d.n(1000, 99999)}", 504, 30.0)),
                (2, "cons:timeout", lambda: Msg("ERROR", "nginx", f"*{d.n(1000, 9999)} upstream timed out (110: Connection timed out) while reading response header from upstream, client: {d.ip('203.0')}, server: shop.example.com, request: \"GET /api/orders HTTP/1.1\", upstream: \"{upstream}/api/orders\"")),
            ]),
        },
        recovery=[Step(0, "recovery:ready", Msg("INFO", pg, "database system is ready to accept connections"))],
        delay_s=d.n(1, 4), flood_s=d.n(60, 150), flood_events=d.n(80, 120),
        explanation=(("shutdown", "shut down", "restart"), ("database", "postgres", db)),
    )


def config_push(d: Draw) -> MultiPlan:
    """A config agent (writing local time, +02:00) pushes a revision that points the app at a
    new payments endpoint where nothing listens: the app's calls are refused, the gateway 502s."""
    rev = d.n(2000, 2999)
    new = f"10.9.{d.n(3, 9)}.{d.n(10, 99)}:8443"
    berlin = timezone(timedelta(hours=2))
    agent = Service("agent.log", "json-local-offset", _zoned_json, background=[
        (5, "bg:poll", lambda: Msg("INFO", "agent.poll", "config poll: no change", {"revision": f"r-{rev - 1}"})),
        (2, "bg:beat", lambda: Msg("INFO", "agent.heartbeat", "heartbeat sent", {"latency_ms": d.n(2, 40)})),
    ], noise=[
        (3, "noise:poll-fail", lambda: Msg("ERROR", "agent.poll", "config poll failed, will retry", {"error": "context deadline exceeded"})),
        (1, "noise:clock", lambda: Msg("WARN", "agent.ntp", "clock offset above 50ms", {"offset_ms": d.n(51, 90)})),
    ], gap_s=6.0, noise_share=0.08, zone=berlin)
    app = Service("app.log", "logfmt", logfmt, background=[
        (5, "bg:auth", lambda: Msg("INFO", "payments", "payment authorized", {"order": f"o-{d.n(10000, 99999)}", "ms": d.n(30, 200)})),
        (2, "bg:req", lambda: Msg("INFO", "http", "request done", {"path": "/api/cart", "status": 200, "ms": d.n(2, 40)})),
    ], noise=web_noise(d, lambda s, t: Msg("ERROR", s, t), lambda s, t: Msg("WARN", s, t),
                       lambda s, t: Msg("INFO", s, t), "fraud-check"), gap_s=1.0)
    gw = Service("gateway.log", "nginx-access-error", nginx, background=[
        (6, "bg:ok", lambda: Msg("INFO", "access", "POST /api/checkout HTTP/1.1", {"ip": d.ip("198.51"), "status": 200, "bytes": d.n(300, 900), "ua": "shop-app/6.2 (iOS)", "rt": round(d.r.uniform(0.05, 0.3), 3)})),
        (2, "bg:cart", lambda: Msg("INFO", "access", "GET /api/cart HTTP/1.1", {"ip": d.ip("198.51"), "status": 200, "bytes": d.n(300, 900), "ua": "curl/8.5.0", "rt": 0.01})),
    ], noise=[(3, "noise:404", lambda: Msg("INFO", "access", "GET /.env HTTP/1.1", {"ip": d.ip("203.0"), "status": 404, "bytes": 150, "ua": "curl/8.5.0", "rt": 0.001}))],
        gap_s=0.8)
    trigger = [Step(0, "trigger:applied", Msg("INFO", "agent.apply", d.pick([
                   f"applied config revision r-{rev}: payments.upstream = {new}",
                   f"config revision r-{rev} applied (payments endpoint now {new})"]), {"revision": f"r-{rev}"})),
               Step(0.6, "trigger:reload", Msg("INFO", "agent.apply", "reloaded service payments-api with new config", {"revision": f"r-{rev}"}))]
    return MultiPlan(
        services=[gw, app, agent], trigger_file="agent.log", trigger=trigger,
        consequences={
            "app.log": (0.6, 0.0, [
                (3, "cons:refused", lambda: Msg("ERROR", "payments", "authorization call failed", {"error": f"dial tcp {new}: connect: connection refused", "order": f"o-{d.n(10000, 99999)}"})),
                (1, "cons:breaker", lambda: Msg("WARN", "payments", "circuit breaker open for payments upstream", {"failures": d.n(5, 50)})),
            ]),
            "gateway.log": (0.4, 0.5, [
                (3, "cons:502", lambda: Msg("INFO", "access", "POST /api/checkout HTTP/1.1", {"ip": d.ip("198.51"), "status": 502, "bytes": 157, "ua": "shop-app/6.2 (iOS)", "rt": round(d.r.uniform(0.001, 0.02), 3)})),
            ]),
        },
        recovery=[Step(0, "recovery:rollback", Msg("INFO", "agent.apply", f"applied config revision r-{rev + 1}: rollback of r-{rev}", {"revision": f"r-{rev + 1}"}))],
        delay_s=d.n(1, 5), flood_s=d.n(150, 300), flood_events=d.n(90, 140),
        explanation=(("config", "revision", f"r-{rev}"), ("refused", new, "endpoint", "upstream")),
    )


def oom_kill(d: Draw) -> MultiPlan:
    """The kernel's OOM killer ends the cache on the node (syslog, no year): the app's cache
    calls are refused and fall through to the database, the API answers slowly and with 503s."""
    pid = d.n(3000, 9000)
    node = Service("node.log", "syslog-rfc3164", rfc3164, background=[
        (4, "bg:ssh", lambda: Msg("INFO", "sshd", f"Accepted publickey for deploy from 10.4.{d.n(0, 9)}.{d.n(2, 250)} port {d.n(30000, 60000)} ssh2: ED25519 SHA256:{d.hexid(12)}")),
        (3, "bg:session", lambda: Msg("INFO", "systemd[1]", f"Started Session {d.n(100, 999)} of User deploy.")),
        (2, "bg:cron", lambda: Msg("INFO", f"CRON[{d.n(2000, 9000)}]", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)")),
    ], noise=[
        (3, "noise:invalid", lambda: Msg("WARN", "sshd", f"Invalid user admin from 203.0.{d.n(0, 9)}.{d.n(2, 250)} port {d.n(30000, 60000)}")),
        (2, "noise:syn", lambda: Msg("WARN", "kernel", "TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.  Check SNMP counters.")),
        (1, "noise:ntp", lambda: Msg("ERROR", "chronyd", "Could not connect to NTP server 10.4.0.1: Connection timed out")),
    ], gap_s=4.0, noise_share=0.08)
    app = Service("app.log", "go-zap-console", go_zap, background=[
        (5, "bg:hit", lambda: Msg("DEBUG", "cache/client.go:77", "cache hit", {"key": f"product:{d.n(1000, 9999)}"})),
        (4, "bg:req", lambda: Msg("INFO", "http/server.go:112", "request completed", {"path": "/v1/products", "status": 200, "duration_ms": d.n(2, 30)})),
    ], noise=[
        (3, "noise:404", lambda: Msg("WARN", "http/server.go:112", "request completed", {"path": f"/v1/products/{d.hexid(4)}", "status": 404, "duration_ms": 1})),
        (2, "noise:retry", lambda: Msg("ERROR", "search/client.go:41", "search call failed, will retry", {"error": "context deadline exceeded"})),
    ], gap_s=0.6)
    api = Service("api.log", "nginx-access-error", nginx, background=[
        (6, "bg:ok", lambda: Msg("INFO", "access", f"GET /v1/products/{d.n(1000, 9999)} HTTP/1.1", {"ip": d.ip("203.0"), "status": 200, "bytes": d.n(500, 4000), "ua": "Mozilla/5.0 (X11; Linux x86_64)", "rt": round(d.r.uniform(0.003, 0.04), 3)})),
    ], noise=[(2, "noise:404", lambda: Msg("INFO", "access", "GET /favicon.ico HTTP/1.1", {"ip": d.ip("203.0"), "status": 404, "bytes": 150, "ua": "Mozilla/5.0 (X11; Linux x86_64)", "rt": 0.001}))],
        gap_s=0.7)
    trigger = [Step(0, "trigger:invoked", Msg("WARN", "kernel", "redis-server invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0")),
               Step(0.02, "trigger:killed", Msg("ERROR", "kernel", f"Out of memory: Killed process {pid} (redis-server) total-vm:{d.n(7, 9)}123456kB, anon-rss:{d.n(6, 7)}901234kB, file-rss:0kB, shmem-rss:0kB, UID:112 pgtables:15800kB oom_score_adj:0")),
               Step(0.1, "trigger:exited", Msg("INFO", "systemd[1]", "redis-server.service: Main process exited, code=killed, status=9/KILL"))]
    return MultiPlan(
        services=[api, app, node], trigger_file="node.log", trigger=trigger,
        consequences={
            "app.log": (0.65, 0.0, [
                (3, "cons:refused", lambda: Msg("ERROR", "cache/client.go:77", "cache get failed", {"error": "dial tcp 127.0.0.1:6379: connect: connection refused"})),
                (2, "cons:fallback", lambda: Msg("WARN", "catalog/service.go:58", "cache unavailable, reading from database", {"key": f"product:{d.n(1000, 9999)}"})),
                (1, "cons:503", lambda: Msg("ERROR", "http/server.go:112", "request failed", {"path": "/v1/products", "status": 503, "duration_ms": d.n(900, 5000)})),
            ]),
            "api.log": (0.35, 1.0, [
                (3, "cons:503", lambda: Msg("INFO", "access", f"GET /v1/products/{d.n(1000, 9999)} HTTP/1.1", {"ip": d.ip("203.0"), "status": 503, "bytes": 190, "ua": "Mozilla/5.0 (X11; Linux x86_64)", "rt": round(d.r.uniform(0.9, 5.0), 3)})),
            ]),
        },
        recovery=[Step(0, "recovery:restart", Msg("INFO", "systemd[1]", "redis-server.service: Scheduled restart job, restart counter is at 1.")),
                  Step(0.5, "recovery:started", Msg("INFO", "systemd[1]", "Started redis-server.service - Advanced key-value store."))],
        delay_s=d.n(0, 2), flood_s=d.n(40, 120), flood_events=d.n(80, 130),
        explanation=(("oom", "out of memory", "killed"), ("redis", "cache")),
    )


def schema_change(d: Draw) -> MultiPlan:
    """The schema registry (klog, no year) accepts an incompatible schema version after its
    compatibility check is turned off: the consumer cannot deserialize, its lag grows."""
    version, sid = d.n(6, 12), d.n(1100, 1999)
    registry = Service("registry.log", "klog", klog, background=[
        (5, "bg:get", lambda: Msg("INFO", "handler.go:88", "served request", {"path": f"/schemas/ids/{d.n(1000, 1099)}", "status": 200})),
        (2, "bg:check", lambda: Msg("INFO", "compat.go:41", "compatibility check passed", {"subject": d.pick(["payments-value", "users-value"])})),
    ], noise=[
        (3, "noise:404", lambda: Msg("WARN", "handler.go:88", "subject not found", {"subject": "test-value", "status": 404})),
        (1, "noise:retry", lambda: Msg("ERROR", "store.go:120", "write to _schemas failed, retrying", {"error": "NOT_LEADER_OR_FOLLOWER"})),
    ], gap_s=3.0, noise_share=0.08)
    group = "orders-consumer"
    consumer = Service("consumer.log", "kafka-log4j", kafka, background=[
        (5, "bg:commit", lambda: Msg("INFO", "[Consumer clientId=orders-consumer-1, groupId=orders-consumer]", f"Committed offset {d.n(80000, 99999)} for partition orders-{d.n(0, 5)}")),
        (3, "bg:processed", lambda: Msg("INFO", "c.e.orders.OrderListener", f"processed order o-{d.n(10000, 99999)} in {d.n(2, 40)} ms")),
    ], noise=[
        (3, "noise:rebalance", lambda: Msg("WARN", "[Consumer clientId=orders-consumer-1, groupId=orders-consumer]", "Offset commit failed on partition orders-2 at offset 88000: The request timed out.")),
        (1, "noise:dup", lambda: Msg("ERROR", "c.e.orders.OrderListener", f"duplicate order o-{d.n(10000, 99999)} ignored")),
    ], gap_s=0.8)
    lag = Service("lag.log", "logfmt", logfmt, background=[
        (5, "bg:lag", lambda: Msg("INFO", "lag-exporter", "consumer group lag", {"group": group, "topic": "orders", "lag": d.n(0, 40)})),
    ], noise=[(1, "noise:scrape", lambda: Msg("WARN", "lag-exporter", "scrape took longer than interval", {"ms": d.n(5100, 6000)}))],
        gap_s=5.0)
    trace = (f"org.apache.kafka.common.errors.SerializationException: Error deserializing Avro message for id {sid}",
             "Caused by: org.apache.avro.AvroTypeException: Found long, expecting union",
             "\tat org.apache.avro.io.ResolvingDecoder.doAction(ResolvingDecoder.java:308)")
    trigger = [Step(0, "trigger:compat", Msg("INFO", "compat.go:77", "compatibility level changed", {"subject": "orders-value", "from": "BACKWARD", "to": "NONE", "user": "ci-bot"})),
               Step(d.n(20, 90), "trigger:register", Msg("INFO", "register.go:52", d.pick(["registered new schema version", "schema version registered"]), {"subject": "orders-value", "version": version, "id": sid}))]
    return MultiPlan(
        services=[consumer, lag, registry], trigger_file="registry.log", trigger=trigger,
        consequences={
            "consumer.log": (0.8, 0.0, [
                (3, "cons:deser", lambda: Msg("ERROR", "[Consumer clientId=orders-consumer-1, groupId=orders-consumer]", f"Error deserializing key/value for partition orders-{d.n(0, 5)} at offset {d.n(88000, 89999)}. If needed, please seek past the record to continue consumption.", trace=trace)),
                (1, "cons:retry", lambda: Msg("WARN", "c.e.orders.OrderListener", f"retrying failed record in partition orders-{d.n(0, 5)}")),
            ]),
            "lag.log": (0.2, 20.0, [
                (1, "cons:lag", lambda: Msg("WARN", "lag-exporter", "consumer group lag above threshold", {"group": group, "topic": "orders", "lag": d.n(2000, 90000)})),
            ]),
        },
        delay_s=d.n(2, 20), flood_s=d.n(200, 400), flood_events=d.n(90, 140),
        explanation=(("schema",), ("orders-value", "deserializ", "avro", str(sid))),
    )


def lb_cert(d: Draw) -> MultiPlan:
    """The load balancer (haproxy, syslog without a year) is reloaded with a renewed certificate
    whose bundle lacks the intermediate: the Python client and the Go mobile backend behind
    other hosts fail to verify it on every new connection."""
    host = d.pick(["api.shop.example", "edge.shop.example"])
    pem = f"/etc/haproxy/certs/{host}.pem"
    hp = f"haproxy[{d.n(2000, 2999)}]"
    acc = lambda status, path: Msg("INFO", hp, f"203.0.{d.n(0, 9)}.{d.n(2, 250)}:{d.n(30000, 65000)} [{{accept}}] fe_https~ be_api/api-{d.n(1, 4)} 0/0/1/{d.n(3, 60)}/{d.n(4, 70)} {status} {d.n(200, 4000)} - - ---- {d.n(10, 40)}/{d.n(10, 40)}/0/0/0 0/0 \"GET {path} HTTP/1.1\"")  # noqa: E731
    lb = Service("lb.log", "haproxy-syslog", rfc3164, background=[
        (6, "bg:acc", lambda: acc(200, f"/v1/items/{d.n(100, 999)}")),
        (1, "bg:health", lambda: Msg("INFO", hp, f"Health check for server be_api/api-{d.n(1, 4)} succeeded, reason: Layer7 check passed, code: 200")),
    ], noise=[
        (3, "noise:404", lambda: acc(404, "/wp-login.php")),
        (1, "noise:handshake", lambda: Msg("WARN", hp, f"203.0.{d.n(0, 9)}.{d.n(2, 250)}:{d.n(30000, 65000)} [{{accept}}] fe_https/1: SSL handshake failure")),
    ], gap_s=1.0)
    client = Service("client.log", "python-logging", python_logging, background=[
        (5, "bg:sync", lambda: Msg("INFO", "sync.worker", f"synced {d.n(1, 80)} items from https://{host}/v1/items in {d.n(40, 300)} ms")),
        (2, "bg:beat", lambda: Msg("DEBUG", "sync.scheduler", "next sync in 5s")),
    ], noise=[
        (2, "noise:retry", lambda: Msg("ERROR", "sync.worker", "sync failed: HTTPSConnectionPool read timed out (read timeout=10), retrying")),
        (2, "noise:slow", lambda: Msg("WARN", "sync.worker", f"sync took {d.n(5000, 9000)} ms")),
    ], gap_s=1.4)
    mobile = Service("mobile.log", "go-zap-console", go_zap, background=[
        (5, "bg:push", lambda: Msg("INFO", "push/sender.go:61", "notification sent", {"device": f"d-{d.hexid(6)}"})),
        (2, "bg:fetch", lambda: Msg("INFO", "catalog/fetch.go:33", "catalog fetched", {"items": d.n(10, 400)})),
    ], noise=[
        (2, "noise:apns", lambda: Msg("ERROR", "push/sender.go:61", "notification failed, will retry", {"error": "context deadline exceeded"})),
        (1, "noise:404", lambda: Msg("WARN", "catalog/fetch.go:33", "item not found", {"status": 404})),
    ], gap_s=1.1)
    trigger = [Step(0, "trigger:deploy", Msg("INFO", f"certbot-deploy[{d.n(3000, 3999)}]", d.pick([
                   f"deployed renewed certificate for {host} to {pem}",
                   f"installing renewed certificate {pem} (expires 2026-06-12)"]))),
               Step(1.2, "trigger:reload", Msg("NOTICE", f"haproxy[{d.n(1, 9)}]", "Reexecuting Master process")),
               Step(1.4, "trigger:loaded", Msg("NOTICE", hp, f"Proxy fe_https started, loaded certificate bundle {pem}"))]
    return MultiPlan(
        services=[client, lb, mobile], trigger_file="lb.log", trigger=trigger,
        consequences={
            "client.log": (0.5, 0.0, [
                (3, "cons:verify", lambda: Msg("ERROR", "sync.worker", f"sync failed: HTTPSConnectionPool(host='{host}', port=443): Max retries exceeded (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)')))")),
            ]),
            "mobile.log": (0.5, 0.5, [
                (3, "cons:x509", lambda: Msg("ERROR", "catalog/fetch.go:33", "catalog fetch failed", {"error": f"Get \"https://{host}/v1/catalog\": tls: failed to verify certificate: x509: certificate signed by unknown authority"})),
                (1, "cons:stale", lambda: Msg("WARN", "catalog/cache.go:20", "serving stale catalog", {"age_s": d.n(60, 900)})),
            ]),
        },
        delay_s=d.n(1, 6), flood_s=d.n(200, 400), flood_events=d.n(80, 120),
        explanation=(("certificate", "cert", "bundle"), ("verify", "x509", "issuer", "unknown authority")),
    )


def dns_switch(d: Draw) -> MultiPlan:
    """The node's resolver switches to a DNS server that answers nothing for internal names
    (journald): the Java app cannot resolve its dependency, the containerised worker neither."""
    ns = f"10.30.0.{d.n(50, 60)}"
    node = Service("node.log", "journald-short-iso", journal_short_iso, background=[
        (4, "bg:session", lambda: Msg("INFO", "systemd[1]", f"Started session-{d.n(100, 999)}.scope - Session {d.n(100, 999)} of User ops.")),
        (3, "bg:timesync", lambda: Msg("INFO", "systemd-timesyncd[402]", "Network configuration changed, trying to establish connection.")),
        (2, "bg:dhcp", lambda: Msg("INFO", "systemd-networkd[398]", "eth0: DHCPv4 address 10.4.3.17/24, gateway 10.4.3.1 acquired from 10.4.3.1")),
    ], noise=[
        (2, "noise:ssh", lambda: Msg("WARN", f"sshd[{d.n(2000, 9000)}]", "error: kex_exchange_identification: Connection closed by remote host")),
        (1, "noise:fail", lambda: Msg("ERROR", "systemd[1]", "apt-daily.service: Failed with result 'exit-code'.")),
    ], gap_s=5.0, noise_share=0.08)
    app = Service("app.log", "hadoop-log4j", log4j, background=[
        (5, "bg:req", lambda: Msg("INFO", "com.shop.orders.OrderService", f"order o-{d.n(10000, 99999)} reserved at inventory.internal in {d.n(4, 40)} ms")),
        (2, "bg:gc", lambda: Msg("DEBUG", "com.shop.metrics.Reporter", f"reported {d.n(50, 200)} metrics")),
    ], noise=[
        (2, "noise:retry", lambda: Msg("ERROR", "com.shop.orders.PaymentClient", "payment call timed out after 2000 ms, retrying (1/3)")),
        (2, "noise:slow", lambda: Msg("WARN", "com.shop.orders.OrderService", f"slow reservation: {d.n(900, 2500)} ms")),
    ], gap_s=0.9)
    worker = Service("worker.log", "containerd-cri", containerd, background=[
        (5, "bg:job", lambda: Msg("INFO", "worker", f"job j-{d.hexid(6)} done in {d.n(20, 400)}ms")),
    ], noise=[
        (2, "noise:retry", lambda: Msg("ERROR", "worker", "job failed: upstream returned 500, will retry")),
        (1, "noise:slow", lambda: Msg("WARN", "worker", f"job took {d.n(2000, 5000)}ms")),
    ], gap_s=1.3)
    trigger = [Step(0, "trigger:switch", Msg("INFO", "systemd-resolved[411]", d.pick([
                   f"Switching to DNS server {ns} for interface eth0.",
                   f"Using DNS server {ns} (configured via DHCP lease renewal) for eth0."]))),
               Step(0.8, "trigger:degraded", Msg("INFO", "systemd-resolved[411]", f"Using degraded feature set UDP instead of UDP+EDNS0 for DNS server {ns}."))]
    trace = ("java.net.UnknownHostException: inventory.internal: Temporary failure in name resolution",
             "\tat java.base/java.net.Inet6AddressImpl.lookupAllHostAddr(Native Method)",
             "\tat com.shop.orders.InventoryClient.reserve(InventoryClient.java:77)")
    return MultiPlan(
        services=[app, worker, node], trigger_file="node.log", trigger=trigger,
        consequences={
            "app.log": (0.6, 0.0, [
                (3, "cons:unknown-host", lambda: Msg("ERROR", "com.shop.orders.OrderService", f"reservation failed for order o-{d.n(10000, 99999)}", trace=trace)),
                (1, "cons:503", lambda: Msg("WARN", "com.shop.orders.OrderController", "POST /orders -> 503 (inventory unavailable)")),
            ]),
            "worker.log": (0.4, 2.0, [
                (3, "cons:lookup", lambda: Msg("ERROR", "worker", "job failed: dial tcp: lookup queue.internal on 127.0.0.53:53: server misbehaving")),
            ]),
        },
        delay_s=d.n(1, 10), flood_s=d.n(200, 400), flood_events=d.n(80, 130),
        explanation=(("dns", "resolver", "name server", "nameserver", ns), ("resolution", "lookup", "resolve")),
    )


MULTI_CATALOG: list[tuple[str, Callable[[Draw], MultiPlan]]] = [
    ("db-restart", db_restart),
    ("config-push", config_push),
    ("oom-kill", oom_kill),
    ("schema-change", schema_change),
    ("lb-cert", lb_cert),
    ("dns-switch", dns_switch),
]


def _multi_planned(d: Draw, plan: MultiPlan, trigger_at: datetime) -> dict[str, list[tuple[datetime, str, str, Msg]]]:
    """Per file: the trigger and recovery (trigger_file) and each file's share of the flood."""
    jitter = lambda: timedelta(microseconds=d.n(0, 4999))  # noqa: E731
    out: dict[str, list[tuple[datetime, str, str, Msg]]] = {s.file: [] for s in plan.services}
    out[plan.trigger_file] += [(trigger_at + timedelta(seconds=s.at) + jitter(), "trigger", s.kind, s.msg)
                               for s in plan.trigger]
    onset = trigger_at + timedelta(seconds=max(s.at for s in plan.trigger) + plan.delay_s + d.r.random())
    files = list(plan.consequences)
    shares = [plan.consequences[f][0] for f in files]
    first = True
    for off in sorted([0.0] + [plan.flood_s * d.r.random() ** 1.6 for _ in range(plan.flood_events - 1)]):
        file = files[0] if first else d.r.choices(files, shares)[0]
        first = False
        _, lag, table = plan.consequences[file]
        kind, msg = _weighted(d, table)
        out[file].append((onset + timedelta(seconds=off + lag) + jitter(), "consequence", kind, msg))
    end = onset + timedelta(seconds=plan.flood_s)
    out[plan.trigger_file] += [(end + timedelta(seconds=s.at) + jitter(), "recovery", s.kind, s.msg)
                               for s in plan.recovery]
    for events in out.values():
        events.sort(key=lambda e: e[0])
    return out


def _service_events(d: Draw, svc: Service, planned: list[tuple[datetime, str, str, Msg]], start: datetime,
                    end: datetime, noise_at: datetime) -> Iterator[tuple[datetime, str, str, Msg]]:
    """A service's own traffic from start to end, merged in time with its planned events, with a
    harmless error of its own before the trigger."""
    queue = [(t, i, role, kind, msg) for i, (t, role, kind, msg) in enumerate(planned)]
    errors = [(k, make) for _, k, make in svc.noise if make().level in ("ERROR", "FATAL")]
    if errors:
        kind, make = errors[0]
        queue.append((noise_at, -1, "noise", kind, make()))
    heapq.heapify(queue)
    t = start
    while t < end:
        t += timedelta(seconds=d.r.expovariate(1 / svc.gap_s))
        while queue and queue[0][0] <= t:
            when, _, role, kind, msg = heapq.heappop(queue)
            yield when, role, kind, msg
        table, role = (svc.noise, "noise") if d.r.random() < svc.noise_share else (svc.background, "background")
        kind, msg = _weighted(d, table)
        yield t, role, kind, msg
    while queue:
        when, _, role, kind, msg = heapq.heappop(queue)
        yield when, role, kind, msg


def build_multi_incident(name: str, scenario: Callable[[Draw], MultiPlan], seed: int, number: int = 0) -> MultiIncident:
    d = Draw(hash_seed(seed, "multi:" + name))
    plan = scenario(d)
    pre_s = d.n(300, 600)
    trigger_at = START + timedelta(seconds=pre_s + d.r.random())
    planned = _multi_planned(d, plan, trigger_at)
    last = max(t for events in planned.values() for t, *_ in events)
    end = last + timedelta(seconds=d.n(60, 150))
    files: list[tuple[str, list[str]]] = []
    roles: dict[str, tuple[str, ...]] = {}
    quiet: dict[str, int] = {}
    triggers: list[tuple[str, int]] = []
    onsets: list[tuple[datetime, str, int]] = []
    for svc in plan.services:
        lines: list[str] = []
        file_roles: list[str] = []
        quiet_count = None
        for t, role, _, msg in _service_events(d, svc, planned[svc.file], START, end,
                                                START + timedelta(seconds=pre_s * 0.2)):
            if quiet_count is None and t >= trigger_at:
                quiet_count = len(lines)
            if role == "trigger":
                triggers.append((svc.file, len(lines) + 1))
            if role == "consequence" and not any(f == svc.file for _, f, _ in onsets):
                onsets.append((t, svc.file, len(lines) + 1))
            rendered = svc.layout(t.astimezone(svc.zone), msg)
            lines += rendered
            file_roles += [role] * len(rendered)
        files.append((svc.file, lines))
        roles[svc.file] = tuple(file_roles)
        quiet[svc.file] = len(lines) if quiet_count is None else quiet_count
    first_onset = min(onsets)
    truth = MultiTruth(tuple(s.layout_name for s in plan.services), tuple(triggers),
                       (first_onset[1], first_onset[2]), plan.explanation, scenario.__name__)
    return MultiIncident(name, files, truth, roles, quiet, number)


def generate_multi_corpus(seed: int = 0) -> list[MultiIncident]:
    return [build_multi_incident(name, scenario, seed, number)
            for number, (name, scenario) in enumerate(MULTI_CATALOG, 1)]


def write_multi_corpus(directory: Path | str, seed: int = 0) -> list[Path]:
    """One folder per multi-file incident (multi-NN/, its files inside) and a `truth.json`."""
    out = Path(directory)
    folders, truths = [], {}
    for incident in generate_multi_corpus(seed):
        folder = out / f"multi-{incident.number:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        for file, lines in incident.files:
            (folder / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
        folders.append(folder)
        truths[folder.name] = {"name": incident.name, **asdict(incident.truth)}
    (out / "multi-truth.json").write_text(json.dumps(truths, indent=1) + "\n", encoding="utf-8")
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the incident corpus (and optionally the 1M-line log).")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--large", type=Path, help="also write the large timing log to this file")
    parser.add_argument("--large-lines", type=int, default=1_000_000)
    parser.add_argument("--multi", action="store_true", help="also write the multi-file incidents")
    args = parser.parse_args()
    for path in write_corpus(args.directory, args.seed):
        print(path)
    if args.multi:
        for folder in write_multi_corpus(args.directory, args.seed):
            print(folder)
    if args.large:
        truth = write_large_log(args.large, args.large_lines, args.seed)
        print(f"{args.large}: trigger lines {truth.trigger_lines}, onset {truth.onset_line}")


if __name__ == "__main__":
    main()
