"""The fleet screen: the summary bar over one row per cluster, worst first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer

from collectors.acks import AckBook
from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus
from dashboard.messages import FleetUpdated
from dashboard.screens.detail_host import AppHost, app_host
from dashboard.state import FleetState
from dashboard.widgets.collector_banner import CollectorBanner
from dashboard.widgets.filter_input import FilterInput, FleetFilter
from dashboard.widgets.fleet_table import FleetTable
from dashboard.widgets.summary_bar import SummaryBar

TICK_SECONDS = 1.0
"""How often the visible ages and relative deadlines are redrawn from the clock."""
RESORT_TICKS = 10
"""Every this many ticks the whole order is re-derived (a cluster may have gone stale);
data updates re-sort at once anyway."""


class FleetScreen(Screen[None]):
    """What is about to break, in two seconds: the whole fleet, worst first."""

    TITLE = "Fleet"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "open_filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("r", "poll_selected", "Poll selected"),
        Binding("a", "acknowledge", "Acknowledge"),
        Binding("A", "snooze", "Snooze", show=False),
        Binding("u", "unacknowledge", "Remove acknowledgement", show=False),
    ]

    def __init__(
        self, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._shown: Mapping[str, ClusterStatus] | None = None
        self._acks: AckBook | None = None
        self._policy: FreshnessPolicy | None = None
        self._ticks = 0

    @property
    def licdash(self) -> AppHost:
        """The app, through the protocol it provides to the screens it shows."""
        return app_host(self)

    def compose(self) -> ComposeResult:
        app = self.licdash

        def policy() -> FreshnessPolicy:
            return app.policy

        yield CollectorBanner(clock=app.clock, id="collector-banner")
        yield SummaryBar(clock=app.clock, policy=policy, id="summary")
        yield FleetTable(clock=app.clock, policy=policy, id="fleet-table")
        yield FilterInput(id="filter")
        yield Footer()

    @property
    def table(self) -> FleetTable:
        return self.query_one(FleetTable)

    @property
    def summary(self) -> SummaryBar:
        return self.query_one(SummaryBar)

    def on_mount(self) -> None:
        self.table.focus()
        self._show(self.licdash.fleet)
        self.set_interval(TICK_SECONDS, self._tick, name="fleet-tick")

    def on_screen_resume(self) -> None:
        self._show(self.licdash.fleet)

    def on_fleet_updated(self, message: FleetUpdated) -> None:
        message.stop()
        if self.is_current:  # a hidden screen catches up in on_screen_resume
            self._show(message.fleet)

    def _show(self, fleet: FleetState) -> None:
        table = self.table
        table.show_origin = len(fleet.sources) > 1
        if fleet.statuses is not self._shown or fleet.acks is not self._acks:
            # (a pause toggle alone keeps both)
            self._shown, self._acks = fleet.statuses, fleet.acks
            table.set_fleet(fleet.statuses, fleet.acks)
        elif fleet.policy is not self._policy:  # the collector's policy arrived: re-judge
            table.tick(resort=True)
        self._policy = fleet.policy
        summary = self.summary
        summary.fleet = fleet
        summary.shown = table.row_count
        banner = self.query_one(CollectorBanner)
        banner.collector = fleet.collector
        banner.sources = fleet.sources

    def _tick(self) -> None:
        if not self.is_current:
            return
        self._ticks += 1
        self.table.tick(resort=self._ticks % RESORT_TICKS == 0)
        self.summary.shown = self.table.row_count
        self.summary.refresh()
        self.query_one(CollectorBanner).redraw()

    # ----- actions ----------------------------------------------------------------------

    def action_open_filter(self) -> None:
        self.query_one(FilterInput).open()

    def action_clear_filter(self) -> None:
        filter_input = self.query_one(FilterInput)
        if filter_input.value or not self.table.fleet_filter.empty:
            filter_input.value = ""
            self._apply_filter(FleetFilter())

    def action_poll_selected(self) -> None:
        cluster = self.table.selected_cluster
        if cluster is not None:
            self.licdash.poll(cluster)

    def action_acknowledge(self) -> None:
        cluster = self.table.selected_cluster
        if cluster is not None:
            self.licdash.acknowledge(cluster)

    def action_snooze(self) -> None:
        cluster = self.table.selected_cluster
        if cluster is not None:
            self.licdash.acknowledge(cluster, snooze=True)

    def action_unacknowledge(self) -> None:
        cluster = self.table.selected_cluster
        if cluster is not None:
            self.licdash.unacknowledge(cluster)

    # ----- events -----------------------------------------------------------------------

    @on(FilterInput.Updated)
    def _filter_updated(self, event: FilterInput.Updated) -> None:
        self._apply_filter(event.fleet_filter)

    @on(FilterInput.Closed)
    def _filter_closed(self, event: FilterInput.Closed) -> None:
        self._apply_filter(event.fleet_filter)
        self.table.focus()

    def _apply_filter(self, fleet_filter: FleetFilter) -> None:
        self.table.set_filter(fleet_filter)
        self.summary.filter_text = fleet_filter.text
        self.summary.shown = self.table.row_count

    @on(FleetTable.ClusterSelected)
    def _open_cluster(self, event: FleetTable.ClusterSelected) -> None:
        self.licdash.open_cluster(event.cluster)
