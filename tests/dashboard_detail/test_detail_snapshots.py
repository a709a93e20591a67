"""SVG snapshots of the detail screens at 120x40, frozen clock, fixed data.

Update after an intended visual change with
``.venv/bin/python -m pytest tests/dashboard_detail/test_detail_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, TabbedContent

from dashboard.screens.cluster import ClusterScreen
from dashboard.screens.deadlines import DeadlinesScreen
from dashboard.screens.entitlements import EntitlementsScreen
from dashboard.screens.events import EventsScreen
from dashboard.screens.export_dialog import ExportDialog

SIZE = (120, 40)
Before = Callable[[Pilot[Any]], Awaitable[None]]


def settle(then: Callable[[Pilot[Any]], Awaitable[None]] | None = None) -> Before:
    """Wait for the store queries (thread workers) before the screenshot."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if then is not None:
            await then(pilot)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    return run_before


def test_cluster_healthy(snap_compare: Any, make_app: Any) -> None:
    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle())


def test_cluster_critical(snap_compare: Any, make_app: Any) -> None:
    app = make_app(lambda: ClusterScreen("amer-nyc-cucm2"))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle())


def test_cluster_stale(snap_compare: Any, make_app: Any) -> None:
    app = make_app(lambda: ClusterScreen("emea-par-cucm4"))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle())


def test_cluster_history_tab(snap_compare: Any, make_app: Any) -> None:
    async def history(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one(TabbedContent).active = "tab-history"

    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle(history))


def test_cluster_raw_view(snap_compare: Any, make_app: Any) -> None:
    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"))
    assert snap_compare(app, terminal_size=SIZE, press=["v"], run_before=settle())


def test_deadlines(snap_compare: Any, make_app: Any) -> None:
    app = make_app(DeadlinesScreen)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle())


def test_entitlements_with_holders(snap_compare: Any, make_app: Any) -> None:
    async def drill(pilot: Pilot[Any]) -> None:
        await pilot.press("j", "j", "enter")

    app = make_app(EntitlementsScreen)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle(drill))


def test_events(snap_compare: Any, make_app: Any) -> None:
    app = make_app(EventsScreen)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle())


def test_export_dialog(snap_compare: Any, make_app: Any) -> None:
    async def open_dialog(pilot: Pilot[Any]) -> None:
        await pilot.app.push_screen(ExportDialog(["amer-nyc-cucm2", "apac-syd-cucm3"]))
        await pilot.pause()
        pilot.app.screen.query_one(Input).cursor_blink = False

    app = make_app(DeadlinesScreen)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle(open_dialog))
