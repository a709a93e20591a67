"""Every upcoming renewal and expiry across the fleet; enter opens the cluster."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static

from dashboard.screens.cluster import ClusterScreen
from dashboard.screens.detail_host import DetailHost, stale_rule
from dashboard.screens.fleet_wide import FleetWideScreen
from dashboard.state import FleetState
from dashboard.widgets.deadline_list import DeadlineList, collect_deadlines, group_label
from dashboard.widgets.footer import Footer
from dashboard.widgets.line_table import LineTable


class DeadlinesScreen(FleetWideScreen):
    """Deadlines grouped as overdue, within critical_days, within warning_days and later."""

    DEFAULT_CSS = """
    DeadlinesScreen #heading {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-style: bold;
    }
    """

    SUB_TITLE = "Deadlines"

    def compose(self) -> ComposeResult:
        yield Static(id="heading")
        yield DeadlineList()
        yield Footer()

    @property
    def cluster(self) -> str | None:
        """The cluster of the deadline under the cursor (what export calls "selected")."""
        key = self.query_one(DeadlineList).cursor_key
        return key.split("|", 1)[0] if key else None

    def first_focus(self) -> Widget:
        return self.query_one(DeadlineList)

    def draw(self, app: DetailHost, fleet: FleetState, now: datetime) -> None:
        statuses = fleet.statuses
        policy = app.policy
        entries = collect_deadlines(statuses, stale_rule(app, now))
        zones = {name: app.cluster_zone(name) for name in statuses}
        self.query_one(DeadlineList).show(entries, now, zones, policy)
        counts = policy.count_deadlines((e.due for e in entries), now)
        hard = ", ".join(
            f"{n} {group_label(b, policy).replace(' days', ' d')}" for b, n in counts.hard.items()
        )
        self.query_one("#heading", Static).update(
            f"Deadlines of {len(statuses)} clusters · hard: {hard} · soft: "
            f"{sum(counts.soft.values())}   (■ hard: licensing lapses)"
        )

    def on_line_table_row_selected(self, event: LineTable.RowSelected) -> None:
        event.stop()
        self.app.push_screen(ClusterScreen(event.key.split("|", 1)[0]))
