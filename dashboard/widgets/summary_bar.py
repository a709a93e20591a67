"""The fleet at a glance: counts per severity (acknowledged clusters counted apart),
stale and unreachable, the nearest hard deadline, the last poll cycle, pause state, data
source and filter.

The bar states its text when something it shows may have changed (:meth:`SummaryBar.show`,
a filter, :meth:`SummaryBar.restate` on the clock's tick) and repaints only when the
text differs from what is on screen: a refresh of 10,000 rows that leaves the counts as
they were, or a tick that moves no relative time, costs no frame."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from collectors.acks import ACK_GLYPH
from collectors.liveness import State
from collectors.model import Severity
from collectors.policy import DEFAULT_POLICY, Due, FleetCounts, FreshnessPolicy, tally
from dashboard.fleet_rows import UNREACHABLE_GLYPH
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

    # (repaint=False: each change states the text again, see _restate; always_update:
    # a fleet is never compared, which would compare every status.)
    fleet: reactive[FleetState] = reactive(FleetState, always_update=True, repaint=False)
    """The fleet being summarised."""
    counts: reactive[FleetCounts] = reactive(lambda: tally(()), always_update=True, repaint=False)
    """The policy's counts of :attr:`fleet` (judged by the fleet table's model: the bar
    counts nothing itself)."""
    nearest: reactive[Due | None] = reactive(None, repaint=False)
    """The nearest hard deadline not yet passed, of any cluster."""
    shown: reactive[int] = reactive(0, repaint=False)
    """How many rows the table shows after filtering."""
    filter_text: reactive[str] = reactive("", repaint=False)
    """The active filter query, empty for none."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        policy: Callable[[], FreshnessPolicy] = lambda: DEFAULT_POLICY,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.clock = clock
        self.policy = policy
        self._text: Text | None = None
        """What is on screen (None: state it at the next render)."""
        self._parts: dict[str, Style] = {}

    def show(self, fleet: FleetState, counts: FleetCounts, nearest: Due | None, shown: int) -> None:
        """What the fleet table shows now (one view): stated once, not once per field."""
        self.set_reactive(SummaryBar.fleet, fleet)
        self.set_reactive(SummaryBar.counts, counts)
        self.set_reactive(SummaryBar.nearest, nearest)
        self.set_reactive(SummaryBar.shown, shown)
        self.restate()

    def restate(self) -> None:
        """State the text again (the clock moved, or what it shows changed); repaint
        only if it reads or looks otherwise than what is on screen."""
        if self._text is None:
            self.refresh()
            return
        text = self._state()
        if text != self._text:
            self._text = text
            self.refresh()

    # A change of any field shown states the text again.
    watch_fleet = watch_counts = watch_nearest = watch_shown = watch_filter_text = restate

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._parts.clear()
        self._text = None

    def _part(self, name: str) -> Style:
        style = self._parts.get(name)
        if style is None:
            style = self._parts[name] = self.get_component_rich_style(
                f"summary-bar--{name}", partial=True
            )
        return style

    def render(self) -> Text:
        if self._text is None:
            self._text = self._state()
        return self._text

    def _state(self) -> Text:
        fleet = self.fleet
        policy, now, found = self.policy(), self.clock(), self.counts
        stale, unreachable = found.stale, found.failing
        # What still needs someone: the acknowledged are counted apart ("6 critical, 4
        # acknowledged"); the severity counts of every other face include them.
        counts = {severity: found.unacknowledged(severity) for severity in _ORDER}
        overdue = found.deadlines.overdue
        nearest_due = self.nearest
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
        if found.acknowledged_total:
            text.append(f" {ACK_GLYPH} {found.acknowledged_total} acknowledged", muted)
        text.append(" │ ", muted)
        if nearest_due is not None:
            at, cluster, kind = nearest_due.at, nearest_due.cluster, nearest_due.kind.value
            urgency = policy.urgency(nearest_due, now)
            style = Style() if urgency is Severity.OK else self._part(f"sev-{urgency.value}")
            label = _DEADLINE_NAMES.get(kind, kind)
            text.append(f"next: {label} {cluster} {relative(at, now)}", style)
        else:
            text.append("next: no hard deadline", muted)
        text.append("\n")
        if overdue:
            noun = "deadline" if overdue == 1 else "deadlines"
            text.append(f"{overdue} hard {noun} overdue", self._part("sev-critical"))
            text.append("  │  ", muted)
        cycle = fleet.last_cycle
        collector = fleet.collector
        if collector is not None and collector.state is State.NEVER:
            text.append("no collector has written this store yet", self._part("sev-warning"))
        elif collector is not None and collector.down:
            text.append("collector down", self._part("sev-critical"))
        elif fleet.sources:
            bad = [s.name for s in fleet.sources if s.problem]
            if bad:
                text.append(f"not updating: {', '.join(bad)}", self._part("sev-critical"))
            else:
                text.append(f"{len(fleet.sources)} sources up", muted)
        elif cycle is not None:
            text.append(
                f"cycle {cycle.finished_at.astimezone(UTC):%H:%M:%S} UTC, "
                f"{cycle.duration_s:.1f} s, {cycle.polled} polled, {cycle.failed} failed",
            )
        elif collector is not None:
            text.append(collector.text(now), muted)
        else:
            text.append("no poll cycle finished yet", muted)
        text.append("  │  ", muted)
        if fleet.sources:
            text.append(f"sources: {', '.join(s.name for s in fleet.sources)}")
        else:
            text.append(f"source: {fleet.source}")
        if policy.origin == "default":
            text.append(f" · {policy.describe()}", self._part("sev-warning"))
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
