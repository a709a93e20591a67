"""The fleet table of a large fleet: judged in a worker thread, shown when ready, with
the same order, counts, cursor and filter as a small fleet judged at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from dashboard.fleet_model import FleetModel, Order
from dashboard.messages import FleetUpdated
from dashboard.screens.fleet import FleetScreen
from dashboard.widgets import fleet_table as fleet_table_module
from dashboard.widgets.filter_input import FleetFilter
from dashboard.widgets.fleet_table import FleetTable
from dashboard.widgets.summary_bar import SummaryBar
from tests.support.factory import NOW
from tests.support.fleets import large_fleet

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def _always_in_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FleetTable, "INLINE_LIMIT", 0)


async def settled(pilot: Pilot[Any], table: FleetTable) -> None:
    """Until the worker has judged what was asked and the table shows it."""
    for _ in range(200):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not table.judging:
            return
    raise AssertionError("the fleet table never finished judging")


def table_of(app: Any) -> FleetTable:
    screen = app.screen
    assert isinstance(screen, FleetScreen)
    return screen.table


async def test_a_judged_fleet_shows_the_order_and_counts(make_app: Callable[..., Any]) -> None:
    statuses = large_fleet(300)
    h = make_app(list(statuses.values()))
    async with h.app.run_test(size=SIZE) as pilot:
        table = table_of(h.app)
        await settled(pilot, table)
        fleet = h.app.fleet
        expected = FleetModel().update(fleet, h.app.policy, NOW, Order())
        assert table.clusters == expected.rows
        assert table.selected_cluster == expected.rows[0]
        summary = h.app.screen.summary
        assert summary.counts == h.app.policy.count(fleet.statuses.values(), NOW)
        assert f"{len(statuses)} clusters" in str(summary.render())


async def test_updates_sort_and_filter_keep_the_cursor_on_its_cluster(
    make_app: Callable[..., Any],
) -> None:
    first, second = large_fleet(300), large_fleet(300, variant=1)
    h = make_app(list(first.values()))
    async with h.app.run_test(size=SIZE) as pilot:
        table = table_of(h.app)
        await settled(pilot, table)
        await pilot.press("j", "j", "j")
        chosen = table.selected_cluster
        assert chosen is not None
        h.app.post_message(FleetUpdated(h.app.fleet.with_statuses(second), frozenset(second)))
        await settled(pilot, table)
        assert table.selected_cluster == chosen
        view = table.view
        assert view is not None and view.fleet.statuses is h.app.fleet.statuses
        table.sort_by("cluster")
        await settled(pilot, table)
        assert list(table.clusters) == sorted(first)
        assert table.selected_cluster == chosen
        table.set_filter(FleetFilter.parse("critical"))
        await settled(pilot, table)
        assert 0 < table.row_count < len(first)
        hidden = next(n for n in sorted(first) if n not in table.clusters)
        assert table.move_to(hidden)
        await settled(pilot, table)
        assert table.fleet_filter.empty and table.row_count == len(first)
        assert table.selected_cluster == hidden


async def test_the_worker_draws_the_rows_an_update_puts_in_view(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An update that changes every row: the UI thread lays out the rows in view, the
    worker works out their cells (the UI's work follows the rows in view)."""
    first, second = large_fleet(300), large_fleet(300, variant=1)
    h = make_app(list(first.values()))
    drawn_by: list[str] = []
    real = fleet_table_module.row_cells

    def row_cells(*args: Any, **kwargs: Any) -> Any:
        drawn_by.append(threading.current_thread().name)
        return real(*args, **kwargs)

    async with h.app.run_test(size=SIZE) as pilot:
        table = table_of(h.app)
        await settled(pilot, table)
        monkeypatch.setattr(fleet_table_module, "row_cells", row_cells)
        h.app.post_message(FleetUpdated(h.app.fleet.with_statuses(second), frozenset(second)))
        await settled(pilot, table)
        await pilot.pause()
        shown = table.clusters[0]
        assert table.cells(shown)[0] == shown and table.view is not None
        assert table.view.fleet.statuses[shown] is second[shown]
        assert drawn_by, "no row was drawn"
        assert threading.main_thread().name not in drawn_by


async def test_an_update_that_leaves_the_summary_as_it_reads_does_not_repaint_it(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = large_fleet(300)
    h = make_app(list(first.values()))
    async with h.app.run_test(size=SIZE) as pilot:
        table = table_of(h.app)
        await settled(pilot, table)
        renders: list[str] = []
        real = SummaryBar.render

        def render(bar: SummaryBar) -> Any:
            renders.append("summary")
            return real(bar)

        monkeypatch.setattr(SummaryBar, "render", render)
        same = dict(first)  # the same statuses, a new fleet: every count as it was
        h.app.post_message(FleetUpdated(h.app.fleet.with_statuses(same), frozenset()))
        await settled(pilot, table)
        await pilot.pause()
        assert table.view is not None and table.view.fleet is h.app.fleet
        assert renders == []
        table.set_filter(FleetFilter.parse("critical"))  # "filter: critical (n/300)"
        h.app.screen.summary.filter_text = "critical"
        await settled(pilot, table)
        await pilot.pause()
        assert renders
