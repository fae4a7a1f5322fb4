"""The status line as a pure function of what it shows, so it is tested without an app."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatusFacts:
    scope: str  # "page: lines 1-20 · ~512 tok / ctx 8,192"
    model: str  # ModelHost.label()
    filter_label: str = ""
    filter_progress: str = ""
    rows: int = 0
    search: str = ""
    indexing: int | None = None  # lines indexed so far while indexing runs
    speed: str = ""
    follow: bool = False
    watch: bool = False
    risk: int | None = None
    generating: bool = False
    position: str = ""  # a merged view: the cursor row's file and line, "b.log:412"


def status_line(facts: StatusFacts) -> tuple[str, str]:
    """(left, right): what is analysed and how the view is narrowed; the model and live state."""
    left = [facts.scope]
    if facts.filter_label:
        progress = f" ({facts.filter_progress})" if facts.filter_progress else ""
        left.append(f"filter {facts.filter_label}: {facts.rows:,}{progress}")
    if facts.search:
        left.append(f"/{facts.search}")
    if facts.position:
        left.append(f"at {facts.position}")
    if facts.indexing is not None:
        left.append(f"indexing {facts.indexing:,}")
    right = [facts.model]
    if facts.speed:
        right.append(facts.speed)
    if facts.follow:
        right.append("FOLLOW")
    if facts.watch:
        right.append("WATCH" + (f" risk {facts.risk}" if facts.risk is not None else ""))
    if facts.generating:
        right.append("answering… Esc stops")
    return " · ".join(left), " · ".join(right)
