"""Licences in use over time, and one sparkline per entitlement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Label, Sparkline

Series = Mapping[str, Sequence[tuple[datetime, int]]]


def total_series(series: Series) -> list[int]:
    """The sum over every entitlement at each time any of them changed (step function)."""
    times = sorted({at for points in series.values() for at, _ in points})
    current: dict[str, int] = {}
    cursors = {tag: 0 for tag in series}
    totals = []
    for at in times:
        for tag, points in series.items():
            i = cursors[tag]
            while i < len(points) and points[i][0] <= at:
                current[tag] = points[i][1]
                i += 1
            cursors[tag] = i
        totals.append(sum(current.values()))
    return totals


class CountSparkline(Vertical):
    """A captioned sparkline of licences in use plus one per entitlement."""

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

    def compose(self) -> ComposeResult:
        if not self.series:
            yield Label("No history in the store yet.")
            return
        totals = total_series(self.series)
        first, last = totals[0], totals[-1]
        yield Label(
            f"Licences in use: {last} now, {first} at the start, "
            f"range {min(totals)}–{max(totals)} ({len(totals)} changes)"
        )
        yield Sparkline([float(t) for t in totals], id="total")
        for tag, points in sorted(self.series.items(), key=lambda kv: self._caption(kv[0])):
            values = [float(v) for _, v in points]
            if not values:
                continue
            yield Label(f"{self._caption(tag)}: {int(values[-1])} (max {int(max(values))})")
            yield Sparkline(values)

    def _caption(self, tag: str) -> str:
        return self.names.get(tag, tag)
