"""The wall: nothing highlighted but what is broken, counts by the policy, no toasts,
pages that turn, the clock and the age of the newest data always there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from textual.color import Color
from textual.widgets._toast import Toast

from collectors.liveness import CollectorState, Heartbeat, State
from dashboard.messages import FleetUpdated
from dashboard.screens.wall import WallScreen
from dashboard.widgets.collector_banner import CollectorBanner
from dashboard.widgets.fleet_overview import FleetOverview
from dashboard.widgets.wall_counts import WallCounts, box_values
from dashboard.widgets.wall_problems import WallProblems
from tests.support.factory import NOW
from tests.support.fleets import large_fleet
from tests.support.host import screen_lines, settle


def wall(make_app: Callable[..., Any], statuses: Any = None, **kwargs: Any) -> Any:
    return make_app(statuses, wall=True, **kwargs)


async def test_the_wall_has_no_cursor_and_no_focus(make_app: Callable[..., Any]) -> None:
    h = wall(make_app)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = h.app.screen
        assert isinstance(screen, WallScreen)
        assert h.app.focused is None
        assert not screen.query_one(FleetOverview).can_focus
        assert not screen.query_one(WallProblems).can_focus
        cursor = Color.parse(h.app.theme_variables["block-cursor-background"]).rich_color
        for strip in screen._compositor.render_strips():
            for segment in strip:
                bg = segment.style.bgcolor if segment.style else None
                assert bg != cursor, f"a cursor-coloured cell: {strip.text!r}"


async def test_counts_are_the_policys_and_loud_when_we_cannot_see(
    make_app: Callable[..., Any],
) -> None:
    h = wall(make_app)
    async with h.app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        counts = h.app.screen.query_one(WallCounts)
        expected = h.app.policy.count(h.app.fleet.statuses.values(), NOW)
        assert counts.counts is not None
        assert box_values(counts.counts) == box_values(expected)
        for key in ("critical", "unknown", "stale", "unreachable"):
            box = counts.query_one(f"#count-{key}")
            assert box.has_class("-set"), key  # not zero here: shown loud, never dimmed
        assert not counts.has_class("-compact")


async def test_problems_are_listed_worst_first_and_not_dimmed(
    make_app: Callable[..., Any],
) -> None:
    h = wall(make_app)
    async with h.app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        problems = h.app.screen.query_one(WallProblems)
        names = list(problems.row_keys)
        assert names[:4] and all(
            h.app.fleet.statuses[n].severity.value == "critical" for n in names[:4]
        )
        assert "emea-lon-cucm1" not in names  # a fresh, reachable ok cluster is no problem
        sfo = problems.get_row_at(names.index("amer-sfo-cucm1"))
        why = sfo[2]
        assert "no new data for 2 h" in why.plain
        style = why.style
        assert not isinstance(style, str) and not style.dim and style.bold


async def test_no_toast_on_the_wall_and_errors_stay_on_the_notice_line(
    make_app: Callable[..., Any],
) -> None:
    h = wall(make_app)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        h.app.notify("theme: light", timeout=2)
        h.app.notify("store unreadable", title="store", severity="error")
        await pilot.pause()
        assert not h.app.query(Toast)
        notice = h.app.screen.query_one("#wall-notice")
        assert notice.has_class("-shown")
        assert "store: store unreadable" in "\n".join(screen_lines(h.app))
        fleet = h.app.fleet.with_statuses({}, at=NOW)
        h.app.post_message(FleetUpdated(replace(fleet, statuses=dict(fleet.statuses))))
        await settle(pilot)
        assert not notice.has_class("-shown")


async def test_the_clock_and_the_age_of_the_newest_data_are_on_top(
    make_app: Callable[..., Any],
) -> None:
    h = wall(make_app)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        top = screen_lines(h.app)[0]
        assert "2026-03-01 12:00:00 UTC" in top
        assert "newest data 3 min old" in top


async def test_pages_turn_by_themselves_and_by_key(make_app: Callable[..., Any]) -> None:
    h = wall(make_app, list(large_fleet(3000).values()), page_seconds=0.3)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = h.app.screen
        assert isinstance(screen, WallScreen)
        shows = [p.shows for p in screen.pages]
        assert shows[0] == "overview" and "problems" in shows  # the overview is page one
        await pilot.press("space")  # hold
        held = screen.page_index
        await pilot.pause(0.8)
        assert screen.page_index == held and "(held)" in screen_lines(h.app)[0]
        assert f"page {held + 1}/{len(shows)}" in screen_lines(h.app)[0]
        await pilot.press("n")
        assert screen.page_index == (held + 1) % len(shows)
        await pilot.press("space")  # resume
        await pilot.pause(0.8)
        assert screen.page_index != (held + 1) % len(shows)


async def test_small_fleet_fits_one_page(make_app: Callable[..., Any]) -> None:
    h = wall(make_app)
    async with h.app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = h.app.screen
        assert isinstance(screen, WallScreen)
        assert [p.shows for p in screen.pages] == ["both"]
        assert "page " not in screen_lines(h.app)[0]


async def test_a_stopped_collector_shows_its_banner(make_app: Callable[..., Any]) -> None:
    h = wall(make_app)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        beat = Heartbeat(at=NOW - timedelta(minutes=20), pid=1, host="noc", interval_s=60)
        down = CollectorState(State.DOWN, beat, timedelta(minutes=20), "no heartbeat")
        h.app.post_message(FleetUpdated(replace(h.app.fleet, collector=down)))
        await settle(pilot)
        banner = h.app.screen.query_one(CollectorBanner)
        assert banner.has_class("-down")
        assert any("collector not writing since" in line for line in screen_lines(h.app)[:3])
