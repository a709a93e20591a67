"""Every upcoming renewal and expiry across the fleet; enter opens the cluster."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import DataTable, Footer, Static

from dashboard.messages import FleetUpdated
from dashboard.screens.cluster import ClusterScreen
from dashboard.screens.detail_host import RedrawThrottle, go_back, host, is_visible
from dashboard.state import FleetState
from dashboard.widgets.deadline_list import DeadlineList, collect_deadlines, grouped

REDRAW_AFTER = timedelta(seconds=1)
"""The same fleet is drawn again only when the clock moved this much (relative times)."""


class DeadlinesScreen(Screen[None]):
    """Deadlines grouped as overdue, within 7 days, within 30 days and later."""

    DEFAULT_CSS = """
    DeadlinesScreen #heading {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-style: bold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back"),
    ]

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._drawn_fleet: FleetState | None = None
        self._drawn_at: datetime | None = None
        self._throttle = RedrawThrottle(self, self._refresh)

    def compose(self) -> ComposeResult:
        yield Static(id="heading")
        yield DeadlineList()
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Deadlines"
        self._refresh()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.query_one(DeadlineList).focus()

    def on_screen_resume(self) -> None:
        self._refresh()

    def on_fleet_updated(self, message: FleetUpdated) -> None:
        message.stop()
        if is_visible(self):  # a hidden screen catches up in on_screen_resume
            self._throttle.request()

    def _theme_changed(self, _theme: Theme) -> None:
        self._refresh(force=True)

    def _refresh(self, *, force: bool = False) -> None:
        app = host(self)
        fleet, now = app.fleet, app.clock()
        fresh = self._drawn_at is not None and abs(now - self._drawn_at) < REDRAW_AFTER
        if not force and fleet is self._drawn_fleet and fresh:
            return  # mount and resume both ask: this fleet at this time is drawn already
        self._drawn_fleet, self._drawn_at = fleet, now
        statuses = fleet.statuses
        entries = collect_deadlines(statuses)
        zones = {name: app.cluster_zone(name) for name in statuses}
        counts = {group: len(items) for group, items in grouped(entries, now).items()}
        summary = ", ".join(f"{n} {group}" for group, n in counts.items())
        self.query_one("#heading", Static).update(
            f"Deadlines across {len(statuses)} clusters: {summary}   (■ hard: licensing lapses)"
        )
        self.query_one(DeadlineList).show(entries, now, zones)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.app.push_screen(ClusterScreen(event.row_key.value.split("|", 1)[0]))

    async def action_back(self) -> None:
        await go_back(self)
