"""The overview screen: the whole fleet at once, a tile per cluster, grouped by a tag."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from collectors.policy import FreshnessPolicy
from dashboard.fleet_rows import COLUMN_KEYS, RowContext, row_cells
from dashboard.messages import FleetUpdated
from dashboard.screens.detail_host import AppHost, app_host
from dashboard.state import FleetState
from dashboard.widgets.collector_banner import CollectorBanner
from dashboard.widgets.fleet_overview import FleetOverview
from dashboard.widgets.footer import Footer
from dashboard.widgets.severity_colors import rich_style

TICK_SECONDS = 1.0
"""How often the overview asks whether a cluster has turned stale (cheap when none has)."""
_CURSOR_COLUMNS = ("cluster", "severity", "registration", "authorization", "deadline", "age")


class OverviewScreen(Screen[None]):
    """1,000 to 10,000 clusters in one look; enter on a tile opens the cluster."""

    TITLE = "Overview"

    DEFAULT_CSS = """
    OverviewScreen > #overview-cursor {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "next_grouping", "Group by"),
    ]

    def __init__(
        self, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._last_said: Text | str = ""

    @property
    def licdash(self) -> AppHost:
        return app_host(self)

    def compose(self) -> ComposeResult:
        app = self.licdash

        def policy() -> FreshnessPolicy:
            return app.policy

        yield CollectorBanner(clock=app.clock, id="collector-banner")
        yield FleetOverview(clock=app.clock, policy=policy, id="overview")
        yield Static("", id="overview-cursor", markup=False)
        yield Footer()

    @property
    def overview(self) -> FleetOverview:
        return self.query_one(FleetOverview)

    def on_mount(self) -> None:
        self.overview.focus()
        self._show(self.licdash.fleet)
        self.set_interval(TICK_SECONDS, self._tick, name="overview-tick")

    def on_screen_resume(self) -> None:
        self._show(self.licdash.fleet)

    def on_fleet_updated(self, message: FleetUpdated) -> None:
        message.stop()
        if self.is_current:  # a hidden screen catches up in on_screen_resume
            self._show(message.fleet)

    def _show(self, fleet: FleetState) -> None:
        overview = self.overview
        overview.follow(fleet)
        self.query_one(CollectorBanner).collector = fleet.collector
        self._describe(overview.cursor_cluster)

    def _tick(self) -> None:
        if not self.is_current:
            return
        self.overview.tick()
        self.query_one(CollectorBanner).redraw()
        self._describe(self.overview.cursor_cluster)

    def action_next_grouping(self) -> None:
        self.overview.cycle_grouping()

    @on(FleetOverview.ClusterHighlighted)
    def _highlighted(self, event: FleetOverview.ClusterHighlighted) -> None:
        self._describe(event.cluster)

    @on(FleetOverview.ClusterSelected)
    def _open(self, event: FleetOverview.ClusterSelected) -> None:
        self.licdash.open_cluster(event.cluster)

    def _describe(self, cluster: str | None) -> None:
        """The cursor's cluster in words under the tiles (the fleet table's cells)."""
        status = self.licdash.fleet.statuses.get(cluster) if cluster else None
        if status is None:
            self._said("")
            return
        cells = row_cells(status, RowContext(now=self.licdash.clock(), policy=self.licdash.policy))
        by_key = dict(zip(COLUMN_KEYS, cells, strict=True))
        text = Text(no_wrap=True, overflow="ellipsis")
        for n, key in enumerate(_CURSOR_COLUMNS):
            if n:
                text.append(" · ", "dim")
            value, role = by_key[key]
            style = rich_style(self.app, role) if role.startswith("sev-") else Style()
            text.append(value, Style(bold=True) if key == "cluster" else style)
        self._said(text)

    def _said(self, text: Text | str) -> None:
        """Update the line only when it changes (an update lays the screen out again)."""
        if text != self._last_said:
            self._last_said = text
            self.query_one("#overview-cursor", Static).update(text, layout=False)  # one line
