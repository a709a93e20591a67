"""Licences in use over time, and one sparkline per entitlement."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Label, Sparkline

from dashboard.format import sentence

Series = Mapping[str, Sequence[tuple[datetime, int]]]
SAMPLES = 120
"""Points per sparkline: evenly spaced in time, so the x axis is time, not change count."""


def value_at(points: Sequence[tuple[datetime, int]], at: datetime) -> int | None:
    """The step function's value at ``at`` (the last point at or before it), or None."""
    i = bisect_right([t for t, _ in points], at)
    return points[i - 1][1] if i else None


def resample(
    series: Series, start: datetime, end: datetime, n: int = SAMPLES
) -> dict[str, list[int]]:
    """Each series sampled at ``n`` evenly spaced times in [start, end] (0 before its first)."""
    if end <= start or n < 2:
        times = [end]
    else:
        step = (end - start) / (n - 1)
        times = [start + step * i for i in range(n)]
    out = {}
    for tag, points in series.items():
        ordered = sorted(points)
        out[tag] = [value_at(ordered, t) or 0 for t in times]
    return out


def total_series(series: Series, start: datetime, end: datetime, n: int = SAMPLES) -> list[int]:
    """Licences in use over [start, end]: the sum of every entitlement at each sample."""
    sampled = resample(series, start, end, n)
    return [sum(column) for column in zip(*sampled.values(), strict=True)] if sampled else []


class CountSparkline(Vertical):
    """A captioned sparkline of licences in use, then one per entitlement that changed."""

    DEFAULT_CSS = """
    CountSparkline {
        height: auto;
    }
    CountSparkline > Label {
        color: $text-muted;
    }
    CountSparkline > Sparkline {
        height: 1;
        margin-bottom: 1;
    }
    """

    series: reactive[Series] = reactive(dict, always_update=True, recompose=True)
    """Counts per entitlement tag over time, oldest first."""
    names: reactive[Mapping[str, str]] = reactive(dict)
    """Readable names by tag, for the captions."""
    window: reactive[tuple[datetime, datetime] | None] = reactive(None)
    """The time span the sparklines cover (None: from the first point to the last)."""
    uncounted: reactive[str | None] = reactive(None, recompose=True)
    """Why there are no counts at all (a product that reports none), shown instead."""

    def compose(self) -> ComposeResult:
        points = [t for values in self.series.values() for t, _ in values]
        if self.uncounted is not None and not points:
            yield Label(f"{sentence(self.uncounted)}.")
            return
        if not points:
            yield Label("No history in the store yet.")
            return
        start, end = self.window or (min(points), max(points))
        start = max(start, min(points))  # nothing is known before the first record
        totals = total_series(self.series, start, end)
        span = f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
        yield Label(
            f"Licences in use, {span}: {totals[-1]} now, "
            f"{totals[0]} at the start, range {min(totals)}–{max(totals)}"
        )
        yield Sparkline([float(t) for t in totals], id="total")
        sampled = resample(self.series, start, end)
        for tag in sorted(sampled, key=self._caption):
            values = sampled[tag]
            if min(values) == max(values):
                yield Label(f"{self._caption(tag)}: {values[-1]} (unchanged)")
                continue
            yield Label(f"{self._caption(tag)}: {values[-1]} (range {min(values)}–{max(values)})")
            yield Sparkline([float(v) for v in values])

    def _caption(self, tag: str) -> str:
        return self.names.get(tag, tag)
