"""Data older than ``stale_after`` is stale on every detail screen, flag or not.

With polling paused, or a viewer whose collector stopped, nothing sets the engine's
``stale`` flag; the fleet table dims such a row by its age, and the detail screens
must not show the same cluster as fresh.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.widgets import Static

from collectors.results import ClusterStatus
from dashboard.screens.cluster import ClusterScreen
from dashboard.screens.deadlines import DeadlinesScreen
from dashboard.screens.entitlements import EntitlementsScreen
from dashboard.screens.events import EventsScreen
from dashboard.widgets.deadline_list import DeadlineList
from dashboard.widgets.entitlement_rollup import HolderTable

SIZE = (120, 40)


def aged(statuses: dict[str, ClusterStatus]) -> dict[str, ClusterStatus]:
    """emea-lon-cucm1 as the app sees it 40 minutes after its last poll, flag unset."""
    lon = statuses["emea-lon-cucm1"]
    assert lon.last_good is not None and not lon.stale
    at = lon.last_good.collected_at - timedelta(minutes=40)
    snap = lon.last_good.model_copy(update={"collected_at": at})
    return {**statuses, lon.cluster: lon.model_copy(update={"last_good": snap, "last_seen": at})}


async def test_cluster_screen_calls_aged_data_stale(
    make_app: Any, statuses: dict[str, ClusterStatus]
) -> None:
    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"), statuses=aged(statuses))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        title = str(app.screen.query_one("#title", Static).render())
        assert "⌛ stale" in title and "last known ✔ ok" in title
        banner = app.screen.query_one("#banner", Static)
        assert banner.has_class("-shown")
        assert "STALE · last good poll 40 min ago" in str(banner.render())


async def test_deadlines_and_holders_mark_aged_data(
    make_app: Any, statuses: dict[str, ClusterStatus]
) -> None:
    app = make_app(DeadlinesScreen, statuses=aged(statuses))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DeadlineList)
        clusters = {str(table.get_row_at(i)[4]) for i in range(table.row_count)}
        assert "⌛ emea-lon-cucm1" in clusters and "emea-lon-cucm1" not in clusters
    app = make_app(EntitlementsScreen, statuses=aged(statuses))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")  # CUWL, which emea-lon-cucm1 uses
        await pilot.pause()
        holders = app.screen.query_one(HolderTable)
        names = [str(holders.get_row_at(i)[0]) for i in range(holders.row_count)]
        assert "⌛ emea-lon-cucm1" in names


async def test_events_open_now_lists_aged_data_as_stale(
    make_app: Any, statuses: dict[str, ClusterStatus]
) -> None:
    app = make_app(EventsScreen, statuses=aged(statuses))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        open_now = str(app.screen.query_one("#open-now", Static).render())
        assert "2 stale: emea-lon-cucm1, emea-par-cucm4" in open_now


async def test_cluster_screen_turns_stale_as_the_clock_moves_without_updates(
    make_app: Any,
) -> None:
    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ClusterScreen)
        assert "stale" not in str(screen.query_one("#title", Static).render())
        app.now += timedelta(minutes=40)  # polling paused: no update arrives
        screen._tick()  # what the screen's interval timer runs
        await pilot.pause()
        assert "⌛ stale" in str(screen.query_one("#title", Static).render())
