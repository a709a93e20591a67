"""``dash --source A --source B`` through Textual's pilot: both fleets in one table with
a "From" column, a drill-down into a cluster of each (history from its own collector's
API), and a collector killed mid-view: its clusters stay, marked unreachable, and the
banner names the source. The collectors are real subprocesses (see conftest)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.widgets import Static

from collectors.sources.spec import SourceSpec
from dashboard.app import LicdashApp
from dashboard.fleet_rows import COLUMN_KEYS, UNREACHABLE_GLYPH
from dashboard.screens.cluster import ClusterScreen
from dashboard.screens.fleet import FleetScreen
from dashboard.sources import MergedViewer
from dashboard.widgets.collector_banner import CollectorBanner
from dashboard.widgets.state_timeline import StateTimeline
from tests.sources.conftest import Region
from tests.support.host import until

SIZE = (180, 45)
SHARED = "emea-par-cucm1"


async def _drill(app: LicdashApp, pilot: Any, key: str) -> str:
    """Open ``key``'s cluster screen from the fleet table; the timeline it loaded."""
    screen = app.screen
    assert isinstance(screen, FleetScreen)
    assert screen.table.move_to(key)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ClusterScreen), f"{key}'s screen")
    cluster = app.screen
    timeline = cluster.query_one(StateTimeline)
    await until(pilot, lambda: bool(str(timeline.render()).strip()), f"{key}'s history")
    problem = str(cluster.query_one("#load-error", Static).render()).strip()
    assert problem == "", problem
    text = str(timeline.render())
    await pilot.press("escape")
    await until(pilot, lambda: isinstance(app.screen, FleetScreen), "back to the fleet")
    return text


def test_dash_shows_both_fleets_drills_into_each_and_keeps_a_lost_one(
    regions: Callable[..., Region],
) -> None:
    emea = regions("emea", 1)
    amer = regions("amer", 2)
    viewer = MergedViewer(
        [SourceSpec("emea", url=emea.url).open(), SourceSpec("amer", url=amer.url).open()],
        interval=0.3,
    )
    every = (emea.clusters | amer.clusters) - {SHARED} | {f"emea/{SHARED}", f"amer/{SHARED}"}

    async def scenario() -> None:
        app = LicdashApp(viewer)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: set(app.fleet.statuses) == every, "both fleets")
            screen = app.screen
            assert isinstance(screen, FleetScreen)
            table = screen.table
            await until(pilot, lambda: set(table.clusters) == every, "every row")
            origin = COLUMN_KEYS.index("origin")
            assert table.column_widths()[origin] > 0  # the "From" column is shown
            assert {table.cells(k)[origin] for k in every} == {"emea", "amer"}
            assert table.cells(f"amer/{SHARED}")[origin] == "amer"

            one_of_emea = sorted(emea.clusters - {SHARED})[0]
            one_of_amer = sorted(amer.clusters - {SHARED})[0]
            for key in (one_of_emea, one_of_amer, f"amer/{SHARED}"):
                assert await _drill(app, pilot, key)

            amer.collector.kill()
            banner = screen.query_one(CollectorBanner)
            await until(pilot, lambda: bool(banner.lines()), "the banner")
            assert banner.display
            assert f"source amer ({amer.url}): connection refused" in banner.lines()[0]
            assert set(app.fleet.statuses) == every  # nothing dropped
            await until(
                pilot,
                lambda: UNREACHABLE_GLYPH in table.cells(one_of_amer)[COLUMN_KEYS.index("age")],
                "amer's rows marked",
            )
            assert UNREACHABLE_GLYPH not in table.cells(one_of_emea)[COLUMN_KEYS.index("age")]
            assert "not updating: amer" in str(screen.summary.render())
            await pilot.press("q")

    try:
        asyncio.run(scenario())
    finally:
        viewer.close()
