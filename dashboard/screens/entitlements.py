"""The fleet's licences per type; enter lists the clusters behind a type, then opens one."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from textual.app import ComposeResult
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from collectors.products import counts_note
from dashboard.screens.cluster import ClusterScreen
from dashboard.screens.detail_host import DetailHost, go_back, stale_rule
from dashboard.screens.fleet_wide import FleetWideScreen
from dashboard.state import FleetState
from dashboard.widgets.entitlement_rollup import (
    HolderTable,
    Rollup,
    RollupTable,
    holder_cluster,
    rollup,
)
from dashboard.widgets.footer import Footer
from dashboard.widgets.line_table import LineTable


class EntitlementsScreen(FleetWideScreen):
    """A roll-up per licence type: total count and clusters per status."""

    DEFAULT_CSS = """
    EntitlementsScreen .heading {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-style: bold;
    }
    """

    SUB_TITLE = "Entitlements"

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._rollups: dict[str, Rollup] = {}
        self._holders_of: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="rollup-heading", classes="heading")
        yield RollupTable()
        yield Static(id="holder-heading", classes="heading")
        yield HolderTable()
        yield Footer()

    def first_focus(self) -> Widget:
        return self.query_one(RollupTable)

    def draw(self, app: DetailHost, fleet: FleetState, now: datetime) -> None:
        statuses = fleet.statuses
        rollups = rollup(statuses, stale_rule(app, now))
        self._rollups = {r.tag: r for r in rollups}
        total = sum(r.total for r in rollups)
        heading = (
            f"{len(rollups)} licence types, {total} licences in use across {len(statuses)} clusters"
        )
        lacking = Counter(
            note for s in statuses.values() if (note := counts_note(s.product)) is not None
        )
        for note, clusters in sorted(lacking.items()):
            heading += f"; {note} ({clusters} not counted)"
        self.query_one("#rollup-heading", Static).update(heading)
        table = self.query_one(RollupTable)
        table.show(rollups)
        self._show_holders(table.cursor_key)

    def _show_holders(self, tag: str | None) -> None:
        chosen = self._rollups.get(tag) if tag else None
        heading = self.query_one("#holder-heading", Static)
        holders = self.query_one(HolderTable)
        if chosen is None:
            heading.update("No licence selected")
            holders.show(())
            return
        heading.update(
            Content(
                f"{chosen.name}: {chosen.total} in use on {len(chosen.holders)} clusters "
                f"({chosen.tag})"
            )
        )
        if chosen.tag != self._holders_of:
            holders.clear()  # another licence: start at its first cluster
            self._holders_of = chosen.tag
        holders.show(chosen.holders)

    def on_line_table_row_highlighted(self, event: LineTable.RowHighlighted) -> None:
        if isinstance(event.table, RollupTable):
            event.stop()
            self._show_holders(event.key)

    def on_line_table_row_selected(self, event: LineTable.RowSelected) -> None:
        event.stop()
        if isinstance(event.table, RollupTable):
            self._show_holders(event.key)
            self.query_one(HolderTable).focus()
        else:
            self.app.push_screen(ClusterScreen(holder_cluster(event.key)))

    async def action_back(self) -> None:
        holders = self.query_one(HolderTable)
        if holders.has_focus:
            self.query_one(RollupTable).focus()
        else:
            await go_back(self)
