"""The fleet screen: the summary bar over one row per cluster, worst first."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen

from collectors.policy import FreshnessPolicy
from dashboard.fleet_model import FleetView
from dashboard.messages import FleetUpdated
from dashboard.screens.detail_host import AppHost, app_host
from dashboard.state import FleetState
from dashboard.widgets.collector_banner import CollectorBanner
from dashboard.widgets.filter_input import FilterInput, FleetFilter
from dashboard.widgets.fleet_table import FleetTable
from dashboard.widgets.footer import Footer
from dashboard.widgets.summary_bar import SummaryBar

TICK_SECONDS = 1.0
"""How often the visible ages and relative deadlines are redrawn from the clock (and
the clusters time changed judged again)."""


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
        self._shown: FleetState | None = None
        self._policy: FreshnessPolicy | None = None

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
        yield FleetTable(
            clock=app.clock,
            policy=policy,
            shown=self._table_shown,
            input_gate=app.input_gate,
            id="fleet-table",
        )
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
            self._show(message.fleet, message.changed)

    def _show(self, fleet: FleetState, changed: frozenset[str] = frozenset()) -> None:
        """Hand ``fleet`` to the table, which judges it (the summary bar follows in
        :meth:`_table_shown`); ``changed``: the clusters that changed, empty: unknown."""
        table = self.table
        table.show_origin = len(fleet.sources) > 1
        if fleet is not self._shown or fleet.policy is not self._policy:
            shown = self._shown
            # What changed is relative to what the table saw last; else unknown.
            known = shown is not None and shown.statuses is not fleet.statuses
            table.show_fleet(fleet, changed if known else frozenset())
        self._shown, self._policy = fleet, fleet.policy
        banner = self.query_one(CollectorBanner)
        banner.collector = fleet.collector
        banner.sources = fleet.sources

    def _table_shown(self, view: FleetView) -> None:
        self.summary.show(view.fleet, view.counts, view.nearest, len(view.rows))

    def _tick(self) -> None:
        if not self.is_current:
            return
        self.table.tick(resort=False)
        self.summary.restate()
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

    @on(FleetTable.ClusterSelected)
    def _open_cluster(self, event: FleetTable.ClusterSelected) -> None:
        self.licdash.open_cluster(event.cluster)
