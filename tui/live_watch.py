"""The live watch: new lines of followed logs are checked for risk, and a risky batch alerts.

A check is due after `every_lines` new lines, after `every_seconds`, or at once when the log
core's anomaly scoring flags a new line. Batches are consecutive, so a backlog is checked in
turn and never skipped. A check skips a beat rather than queue behind a streaming answer
(`busy`). The watch is a hidden widget so its workers report to it by message; a report
bubbles on to the app, which shows the alert's lines as citations.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from textual import work
from textual.widget import Widget

from logcore.errors import LogchatError
from logcore.reader import LogFile
from models.prompts import Turn, build_messages, number_lines
from tui.log_view import LogView
from tui.sources import as_merged
from tui.messages import AnomalySignal, StatusChanged, WatchReport
from tui.model_host import ModelHost
from tui.watch import RISK_SCHEMA, WATCH_QUESTION, RiskReport, RiskReplyError, parse_risk

WATCH_MAX_LINES = 120  # lines per risk check: keeps a check within a few seconds on a CPU
ANOMALY_WINDOW = 2_000  # recent lines the new ones are scored against
ANOMALY_TRIGGER = 0.6  # logcore anomaly score (0-1) that makes a risk check due at once


@dataclass
class WatchSettings:
    """Live watch cadence: a check after `every_lines` new lines or `every_seconds` seconds."""

    every_lines: int = 200
    every_seconds: float = 30.0
    max_tokens: int = 320  # room for the schema's longest reply, so it is never cut mid-string


@dataclass
class _WatchState:
    pending_from: int | None = None  # first line not yet checked
    pending_to: int = 0  # end of the lines appended so far
    last_check: float = field(default_factory=time.monotonic)
    urgent: bool = False


class LiveWatch(Widget):
    DEFAULT_CSS = "LiveWatch { display: none; }"

    def __init__(self, models: ModelHost, settings: WatchSettings, *, enabled: bool,
                 busy: Callable[[], bool], id: str | None = None) -> None:
        super().__init__(id=id)
        self._models = models
        self.settings = settings
        self.enabled = enabled
        self._busy = busy
        self._watch: dict[str, _WatchState] = {}
        self._views: dict[str, LogView] = {}
        self._watching_now: set[str] = set()
        self.last_risk: RiskReport | None = None

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def toggle(self, view: LogView) -> None:
        self.enabled = not self.enabled
        if self.enabled:
            view.start_watching()
        self.notify(f"Live watch {'on' if self.enabled else 'off'}")
        self.post_message(StatusChanged())

    def appended(self, view: LogView, start: int, stop: int) -> None:
        """Lines [start, stop) arrived in `view`."""
        if not self.enabled:
            return
        self._views[view.id or ""] = view
        state = self._watch.setdefault(view.id or "", _WatchState())
        if state.pending_from is None:
            state.pending_from = start
        state.pending_to = stop
        self._scan_anomalies(view, start, stop)
        self._maybe_watch(view, state)

    @work(thread=True, group="anomaly")
    def _scan_anomalies(self, view: LogView, start: int, stop: int) -> None:
        """Score the new lines against recent context; a strong anomaly makes the check due now."""
        flagged = strong_anomalies(view.logfile, start, stop)
        if flagged:
            self.post_message(AnomalySignal(view.id or "", flagged))

    def on_anomaly_signal(self, message: AnomalySignal) -> None:
        message.stop()
        state = self._watch.get(message.view_id)
        if state is None or not self.enabled:
            return
        state.urgent = True
        self._maybe_watch(self._views[message.view_id], state)

    def _tick(self) -> None:
        if not self.enabled:
            return
        for view_id, state in self._watch.items():
            self._maybe_watch(self._views[view_id], state)

    def _maybe_watch(self, view: LogView, state: _WatchState) -> None:
        if state.pending_from is None or view.id in self._watching_now:
            return
        pending = state.pending_to - state.pending_from
        due = (state.urgent or pending >= self.settings.every_lines
               or time.monotonic() - state.last_check >= self.settings.every_seconds)
        if pending <= 0 or not due or self._busy():
            return
        # Consecutive batches: a backlog is checked in turn, never skipped.
        start = state.pending_from
        stop = min(state.pending_to, start + WATCH_MAX_LINES)
        state.pending_from = stop if stop < state.pending_to else None
        state.urgent, state.last_check = False, time.monotonic()
        self._watching_now.add(view.id or "")
        self._check_risk(view.id or "", view.logfile, start, stop)

    @work(thread=True, group="watch")
    def _check_risk(self, view_id: str, log: LogFile, start: int, stop: int) -> None:
        models = self._models
        try:
            backend = models.ensure()
            messages = build_messages(number_lines(log.lines(start, stop), start + 1), [Turn(WATCH_QUESTION)])
            with models.lock:
                reply = "".join(backend.stream(messages, max_tokens=self.settings.max_tokens,
                                               temperature=0.0, json_schema=RISK_SCHEMA,
                                               cancel=models.stopping))
            if models.stopping.is_set():
                return
            report = parse_risk(reply, start + 1, stop)
            self.post_message(WatchReport(view_id, report))
        except (LogchatError, RiskReplyError) as exc:
            self.post_message(WatchReport(view_id, None, str(exc)))
        except Exception as exc:  # the watch keeps running after one failed check
            self.post_message(WatchReport(view_id, None, f"{type(exc).__name__}: {exc}"))

    def on_watch_report(self, message: WatchReport) -> None:
        """Alert on a risky report; the message goes on to the app (citations, status)."""
        self._watching_now.discard(message.view_id)
        if message.report is None:
            self.notify(message.error or "risk check failed", title="Live watch", severity="warning",
                        markup=False)
            return
        report = self.last_risk = message.report
        if report.should_alert_user:
            lines = ", ".join(str(n) for n in report.critical[:8]) or "none"
            details = "\n".join(f"• {s}" for s in report.summary[:3])
            self.notify(f"{report.headline}\ncritical lines: {lines}\n{details}".rstrip(),
                        title=f"ALERT risk {report.risk_score}", severity="error", timeout=30, markup=False)
            self.app.bell()
        state = self._watch.get(message.view_id)
        if state is not None and self.enabled:  # a backlog: check its next batch now
            self._maybe_watch(self._views[message.view_id], state)


def strong_anomalies(log: LogFile, start: int, stop: int) -> list[int]:
    """Rows in [start, stop) scored past ANOMALY_TRIGGER against the ANOMALY_WINDOW rows before.

    A merged view is scored file by file (`analyze_merged`): read as one log, the other files'
    lines would be misread by one file's layout and every template judged against foreign traffic.
    """
    from logcore.anomaly import analyze
    from logcore.merge_analysis import analyze_merged

    window_start = max(0, stop - ANOMALY_WINDOW)
    merged = as_merged(log)
    if merged is not None:
        scored = [(window_start + a.line, a.score)
                  for a in analyze_merged(merged.text(window_start, stop)).anomalies]
    else:
        scored = [(a.line, a.score) for a in analyze(log.lines(window_start, stop), first_line=window_start).anomalies]
    return [line for line, score in scored if line >= start and score >= ANOMALY_TRIGGER]
