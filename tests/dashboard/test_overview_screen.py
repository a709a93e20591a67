"""The overview screen in the app: key 0, tiles by density, the cursor, grouping, drill
down, and redraws that follow what changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dashboard.overview_geometry import Density
from dashboard.screens.help import collect_key_help
from dashboard.screens.overview import OverviewScreen
from dashboard.widgets import fleet_overview
from dashboard.widgets.fleet_overview import FleetOverview
from tests.support.fleets import large_fleet
from tests.support.host import screen_lines, settle


async def test_key_0_opens_the_overview_and_help_lists_it(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("0")
        await settle(pilot)
        assert isinstance(h.app.screen, OverviewScreen)
        text = "\n".join(screen_lines(h.app))
        assert "12 clusters by region (3 groups)" in text
        assert "✖ 4 critical" in text and "◷ 1 stale" in text and "↯ 3 unreachable" in text
        assert "✖ dal" in text and "✔ lon" in text  # short names: the region is the group
        keys = {(k.keys, k.description) for k in collect_key_help(h.app.screen)}
        assert (("0",), "Overview") in keys
        assert (("b",), "Group by") in keys


async def test_enter_on_a_tile_opens_that_cluster_and_escape_comes_back(
    make_app: Callable[..., Any],
) -> None:
    h = make_app()
    async with h.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("0")
        await settle(pilot)
        overview = h.app.screen.query_one(FleetOverview)
        first = overview.cursor_cluster
        await pilot.press("right")
        second = overview.cursor_cluster
        assert second != first and second is not None
        await pilot.press("enter")
        await pilot.pause()
        await h.app.workers.wait_for_complete()
        await pilot.pause()
        assert getattr(h.app.screen, "cluster", None) == second
        assert second in screen_lines(h.app)[0]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(h.app.screen, OverviewScreen)
        assert overview.cursor_cluster == second


async def test_down_moves_into_the_next_group_and_up_comes_back(
    make_app: Callable[..., Any],
) -> None:
    h = make_app()
    async with h.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("0")
        await settle(pilot)
        overview = h.app.screen.query_one(FleetOverview)
        layout = overview.judgement
        assert layout is not None
        start = overview.cursor_cluster
        assert start == layout.groups[0].members[0]
        await pilot.press("down")
        assert overview.cursor_cluster == layout.groups[1].members[0]
        await pilot.press("up")
        assert overview.cursor_cluster == start
        await pilot.press("end")
        assert overview.cursor_cluster == layout.groups[-1].members[-1]


async def test_b_cycles_the_grouping(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("0")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert "by customer (3 groups)" in screen_lines(h.app)[0]
        await pilot.press("b")
        await settle(pilot)
        assert "all in one group" in screen_lines(h.app)[0]


async def test_denser_tiles_as_the_fleet_grows_and_10000_fit_160x45(
    make_app: Callable[..., Any],
) -> None:
    expected = {12: Density.NAMES, 1000: Density.GLYPHS, 10000: Density.HALVES}
    for count, density in expected.items():
        statuses = list(large_fleet(count).values()) if count > 12 else None
        h = make_app(statuses)
        async with h.app.run_test(size=(160, 45)) as pilot:
            await pilot.press("0")
            await settle(pilot)
            overview = h.app.screen.query_one(FleetOverview)
            geometry = overview.geometry
            assert geometry is not None
            assert geometry.density is density, count
            assert overview.body_lines <= overview.body_height()  # no scrolling needed
            layout = overview.judgement
            assert layout is not None and layout.clusters == count


async def test_a_refresh_redraws_only_the_group_that_changed(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    statuses = large_fleet(10000)
    h = make_app(list(statuses.values()))
    async with h.app.run_test(size=(160, 45)) as pilot:
        await pilot.press("0")
        await settle(pilot)
        overview = h.app.screen.query_one(FleetOverview)
        drawn: list[str] = []
        original = fleet_overview.half_cells

        def counting(group: Any, *args: Any) -> Any:
            drawn.append(group.name)
            return original(group, *args)

        monkeypatch.setattr(fleet_overview, "half_cells", counting)
        victim = next(n for n, s in statuses.items() if s.tags["region"] == "apac")
        changed = {victim: statuses[victim].model_copy(update={"consecutive_failures": 7})}
        fleet = h.app.fleet.with_statuses(changed)
        from dashboard.messages import FleetUpdated

        h.app.post_message(FleetUpdated(fleet, frozenset(changed)))
        await settle(pilot)
        screen_lines(h.app)  # draw the frame
        assert drawn, "the changed group was drawn again"
        assert set(drawn) == {"apac"}
        geometry = overview.geometry
        assert geometry is not None
        assert len(drawn) <= geometry.tile_lines(2000)  # its lines, not the fleet's
