"""The wall's counts in digits three lines tall: readable across a room.

The numbers are the policy's (:meth:`~collectors.policy.FreshnessPolicy.count`), as
everywhere else; what the collector cannot see (unknown, stale, unreachable) is as loud
as a critical once it is not zero. Narrower than :data:`COMPACT_BELOW` cells, the
digits give way to one bold line.
"""

from __future__ import annotations

from typing import Final

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Digits, Static

from collectors.model import Severity
from collectors.policy import FleetCounts
from dashboard.format import SEVERITY_GLYPH
from dashboard.overview_looks import STALE_TILE, UNREACHABLE_TILE

COMPACT_BELOW: Final = 120
"""Below this width six boxes of big digits do not fit: one line instead."""
BOXES: Final = (
    ("critical", f"{SEVERITY_GLYPH[Severity.CRITICAL]} CRITICAL"),
    ("unknown", f"{SEVERITY_GLYPH[Severity.UNKNOWN]} UNKNOWN"),
    ("stale", f"{STALE_TILE} STALE"),
    ("unreachable", f"{UNREACHABLE_TILE} UNREACHABLE"),
    ("warning", f"{SEVERITY_GLYPH[Severity.WARNING]} WARNING"),
    ("ok", f"{SEVERITY_GLYPH[Severity.OK]} OK"),
)
COMPACT: Final = {
    "critical": "crit",
    "unknown": "unkn",
    "stale": "stale",
    "unreachable": "unreach",
    "warning": "warn",
    "ok": "ok",
}
"""The words of the one-line form (a box is a sixth of 80 columns)."""


def box_values(counts: FleetCounts) -> dict[str, int]:
    return {
        "critical": counts.severity[Severity.CRITICAL],
        "unknown": counts.severity[Severity.UNKNOWN],
        "stale": counts.stale,
        "unreachable": counts.failing,
        "warning": counts.severity[Severity.WARNING],
        "ok": counts.severity[Severity.OK],
    }


class WallCounts(Widget):
    """Six counts side by side: critical, unknown, stale, unreachable, warning, ok."""

    DEFAULT_CSS = """
    WallCounts {
        height: 4;
        layout: horizontal;
        background: $surface;
        & > .wall-count {
            width: 1fr;
            height: 4;
            padding: 0 1;
            color: $text-muted;
        }
        & > .wall-count > .wall-count--label { text-style: bold; }
        & > .wall-count > Digits { width: auto; }
        & > .wall-count.-critical.-set { color: $sev-critical; background: $sev-critical 15%; }
        & > .wall-count.-unknown.-set,
        & > .wall-count.-stale.-set,
        & > .wall-count.-unreachable.-set { color: $sev-unknown; background: $sev-unknown 15%; }
        & > .wall-count.-warning.-set { color: $sev-warning; }
        & > .wall-count.-ok.-set { color: $sev-ok; }
        &.-compact { height: 1; }
        &.-compact > .wall-count { height: 1; padding: 0 1 0 0; }
        &.-compact > .wall-count > Digits { display: none; }
    }
    """

    counts: reactive[FleetCounts | None] = reactive(None, always_update=True)
    """The fleet's counts (None until the fleet is judged)."""

    def compose(self) -> ComposeResult:
        for key, label in BOXES:
            with Vertical(classes=f"wall-count -{key}", id=f"count-{key}"):
                yield Static(label, classes="wall-count--label", markup=False)
                yield Digits("–")

    def on_resize(self) -> None:
        self.set_class(self.size.width < COMPACT_BELOW, "-compact")
        self.watch_counts(self.counts)

    def watch_counts(self, counts: FleetCounts | None) -> None:
        if not self.is_mounted:
            return
        values = box_values(counts) if counts is not None else {}
        compact = self.has_class("-compact")
        for key, label in BOXES:
            box = self.query_one(f"#count-{key}", Vertical)
            value = values.get(key)
            box.set_class(bool(value), "-set")
            text = "–" if value is None else f"{value:,}"
            glyph = label.split(" ", 1)[0]
            box.query_one(".wall-count--label", Static).update(
                f"{glyph} {text} {COMPACT[key]}" if compact else label
            )
            box.query_one(Digits).update(text)
