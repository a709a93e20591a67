"""The fleet at a glance: counts per severity, stale and unreachable, the nearest hard
deadline, the last poll cycle, pause state, data source and filter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from collectors.model import Severity
from dashboard.fleet_rows import UNREACHABLE_GLYPH, FactsCache, RowContext
from dashboard.format import SEVERITY_GLYPH, STALE_GLYPH, relative
from dashboard.state import FleetState

_ORDER = (Severity.CRITICAL, Severity.WARNING, Severity.UNKNOWN, Severity.OK)
_DEADLINE_NAMES = {
    "registration_expiry": "reg expiry",
    "authorization_expiry": "auth expiry",
    "evaluation_end": "eval end",
}


class SummaryBar(Widget):
    """Two lines over the fleet table; it never claims "all fine" while data is stale."""

    DEFAULT_CSS = """
    SummaryBar {
        height: 2;
        padding: 0 1;
        background: $panel;
        color: $foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        & > .summary-bar--sev-ok { color: $sev-ok; }
        & > .summary-bar--sev-warning { color: $sev-warning; }
        & > .summary-bar--sev-critical { color: $sev-critical; text-style: bold; }
        & > .summary-bar--sev-unknown { color: $sev-unknown; }
        & > .summary-bar--stale { color: $stale; }
        & > .summary-bar--muted { color: $text-muted; }
        & > .summary-bar--paused { color: $warning; text-style: bold reverse; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "summary-bar--sev-ok",
        "summary-bar--sev-warning",
        "summary-bar--sev-critical",
        "summary-bar--sev-unknown",
        "summary-bar--stale",
        "summary-bar--muted",
        "summary-bar--paused",
    }

    fleet: reactive[FleetState] = reactive(FleetState, always_update=True)
    """The fleet being summarised."""
    shown: reactive[int] = reactive(0)
    """How many rows the table shows after filtering."""
    filter_text: reactive[str] = reactive("")
    """The active filter query, empty for none."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        stale_after: timedelta = timedelta(minutes=15),
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.clock = clock
        self.stale_after = stale_after
        self._facts = FactsCache()

    def _part(self, name: str) -> Style:
        return self.get_component_rich_style(f"summary-bar--{name}", partial=True)

    def render(self) -> Text:
        fleet = self.fleet
        ctx = RowContext(now=self.clock(), stale_after=self.stale_after)
        counts = dict.fromkeys(Severity, 0)
        stale = unreachable = overdue = 0
        nearest: tuple[datetime, str, str] | None = None
        facts_cache, now, after = self._facts, ctx.now, ctx.stale_after
        for status in fleet.statuses.values():
            facts = facts_cache.get(status)
            counts[status.severity] += 1
            stale += facts.is_stale(now, after)
            unreachable += facts.unreachable
            deadline = facts.deadline
            if deadline is None:
                continue
            if deadline.at < now:
                overdue += 1
            elif nearest is None or deadline.at < nearest[0]:
                nearest = (deadline.at, status.cluster, deadline.kind.value)
        muted = self._part("muted")
        text = Text(no_wrap=True, overflow="ellipsis")
        for severity in _ORDER:
            style = self._part(f"sev-{severity.value}") if counts[severity] else muted
            text.append(f"{SEVERITY_GLYPH[severity]} {counts[severity]} {severity.value}", style)
            text.append(" ")
        text.append(f"{STALE_GLYPH} {stale} stale", self._part("stale") if stale else muted)
        text.append(" ")
        text.append(
            f"{UNREACHABLE_GLYPH} {unreachable} unreachable",
            self._part("stale") if unreachable else muted,
        )
        text.append(" │ ", muted)
        if nearest is not None:
            at, cluster, kind = nearest
            days = (at - ctx.now).total_seconds() / 86400
            style = (
                self._part("sev-critical")
                if days <= 7
                else self._part("sev-warning")
                if days <= 30
                else Style()
            )
            label = _DEADLINE_NAMES.get(kind, kind)
            text.append(f"next: {label} {cluster} {relative(at, ctx.now)}", style)
        else:
            text.append("next: no hard deadline", muted)
        text.append("\n")
        if overdue:
            text.append(f"{overdue} deadlines overdue", self._part("sev-critical"))
            text.append("  │  ", muted)
        cycle = fleet.last_cycle
        if cycle is not None:
            text.append(
                f"cycle {cycle.finished_at.astimezone(UTC):%H:%M:%S} UTC, "
                f"{cycle.duration_s:.1f} s, {cycle.polled} polled, {cycle.failed} failed",
            )
        else:
            text.append("no poll cycle finished yet", muted)
        text.append("  │  ", muted)
        text.append(f"source: {fleet.source}")
        if fleet.paused:
            text.append("  ")
            text.append(" ⏸ PAUSED ", self._part("paused"))
        text.append("  │  ", muted)
        total = len(fleet.statuses)
        if self.filter_text:
            text.append(f"filter: {self.filter_text} ({self.shown}/{total})")
        else:
            text.append(f"{total} clusters", muted)
        return text
