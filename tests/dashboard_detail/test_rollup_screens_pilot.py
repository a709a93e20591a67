"""DeadlinesScreen, EntitlementsScreen and EventsScreen: grouping, drill-in, live updates."""

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
from dashboard.widgets.entitlement_rollup import HolderTable, RollupTable
from dashboard.widgets.event_tables import FailureTable, TransitionTable

SIZE = (120, 40)


def texts(table: Any, row: int) -> list[str]:
    return [str(getattr(c, "plain", c)) for c in table.get_row_at(row)]


def column(table: Any, index: int) -> list[str]:
    return [texts(table, i)[index] for i in range(table.row_count)]


async def test_deadlines_are_grouped_and_in_time_order(make_app: Any) -> None:
    app = make_app(DeadlinesScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DeadlineList)
        rows = [texts(table, i) for i in range(table.row_count)]
        # each group's label heads its first row
        assert [r[0] for r in rows if r[0]] == [
            "overdue (1)",
            "≤ 7 days (2)",
            "≤ 30 days (3)",
            "later (6)",
        ]
        assert [r[1] for r in rows] == sorted(r[1] for r in rows)
        assert rows[0][3:] == ["2 d ago", "amer-nyc-cucm2", "authorization expiry", "■ hard"]
        assert rows[1][3:] == ["in 20 h", "amer-nyc-cucm2", "registration renewal", "  soft"]
        # a stale cluster's deadlines are marked as coming from aged data
        assert any(r[4] == "⌛ emea-par-cucm4" for r in rows)
        # the evaluation end is shown in the cluster's own zone too
        eval_row = next(r for r in rows if r[5] == "evaluation end")
        assert eval_row[2].endswith("AEDT")


async def test_enter_on_a_deadline_opens_its_cluster_and_esc_returns(make_app: Any) -> None:
    app = make_app(DeadlinesScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("j", "j", "j", "enter")  # the evaluation end
        await pilot.pause()
        assert isinstance(app.screen, ClusterScreen)
        assert app.screen.cluster == "apac-syd-cucm3"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DeadlinesScreen)


async def test_deadlines_follow_the_clock_and_keep_the_cursor(make_app: Any) -> None:
    app = make_app(DeadlinesScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DeadlineList)
        await pilot.press("G")
        key = table.cursor_key
        app.update_fleet({}, now=app.now + timedelta(days=6))
        await pilot.pause()
        labels = [c for c in column(table, 0) if c]
        # the 20-hour renewal and the 5-day registration expiry are now overdue too
        assert labels[0] == "overdue (3)"
        assert table.cursor_key == key


async def test_a_changed_deadline_moves_its_row_without_losing_the_cursor(
    make_app: Any, statuses: dict[str, ClusterStatus]
) -> None:
    app = make_app(DeadlinesScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DeadlineList)
        await pilot.press("j", "j")
        key = table.cursor_key
        nyc = statuses["amer-nyc-cucm2"]
        assert nyc.last_good is not None
        renewed = tuple(
            d.model_copy(update={"at": d.at + timedelta(days=400)})
            if d.kind.value == "authorization_expiry"
            else d
            for d in nyc.last_good.deadlines
        )
        snap = nyc.last_good.model_copy(update={"deadlines": renewed})
        app.update_fleet({"amer-nyc-cucm2": nyc.model_copy(update={"last_good": snap})})
        await pilot.pause()
        rows = [texts(table, i) for i in range(table.row_count)]
        assert [r[1] for r in rows] == sorted(r[1] for r in rows)
        assert rows[-1][4:6] == ["amer-nyc-cucm2", "authorization expiry"]
        assert next(r[0] for r in rows if r[0]) == "≤ 7 days (2)"  # nothing overdue now
        assert table.cursor_key == key


async def test_entitlement_rollup_counts_clusters_per_status(make_app: Any) -> None:
    app = make_app(EntitlementsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(RollupTable)
        rows = {texts(table, i)[0]: texts(table, i) for i in range(table.row_count)}
        # name, worst, total, clusters, in compliance, init, evaluation, ooc, expired, unknown
        assert rows["Enhanced"] == [
            "Enhanced",
            "▲ warning",
            "100",
            "4",
            "1",
            "2",
            "1",
            "·",
            "·",
            "·",
        ]
        assert rows["Enhanced Plus"][1:4] == ["✖ critical", "310", "1"]
        assert rows["Enhanced Plus"][7] == "1"
        assert rows["CUWL"][2:5] == ["175", "2", "2"]
        assert list(rows) == ["Enhanced Plus", "CUWL", "Enhanced"]  # biggest total first


async def test_enter_lists_holders_then_opens_a_cluster(make_app: Any) -> None:
    app = make_app(EntitlementsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("j", "j", "enter")  # Enhanced
        await pilot.pause()
        holders = app.screen.query_one(HolderTable)
        assert holders.has_focus
        # worst status first, then the biggest users
        assert column(holders, 0) == [
            "apac-syd-cucm3",
            "emea-lon-cucm1",
            "⌛ emea-par-cucm4",
            "amer-nyc-cucm2",
        ]
        assert "Enhanced: 100 in use on 4 clusters" in str(
            app.screen.query_one("#holder-heading", Static).render()
        )
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ClusterScreen)
        assert app.screen.cluster == "apac-syd-cucm3"
        await pilot.press("backspace")
        await pilot.pause()
        await pilot.press("escape")  # leaves the holders list, not the screen
        assert isinstance(app.screen, EntitlementsScreen)
        assert app.screen.query_one(RollupTable).has_focus


async def test_rollup_updates_in_place_on_fleet_update(
    make_app: Any, statuses: dict[str, ClusterStatus]
) -> None:
    app = make_app(EntitlementsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(RollupTable)
        await pilot.press("j")
        old = statuses["emea-lon-cucm1"]
        assert old.last_good is not None
        cuwl = old.last_good.entitlements[0].model_copy(update={"count": 200})
        snap = old.last_good.model_copy(
            update={"entitlements": (cuwl, *old.last_good.entitlements[1:])}
        )
        app.update_fleet({"emea-lon-cucm1": old.model_copy(update={"last_good": snap})})
        await pilot.pause()
        assert texts(table, 1)[:3] == ["CUWL", "✔ ok", "255"]
        assert table.cursor_row == 1


async def test_events_default_to_last_12_hours_and_widen(make_app: Any, source: Any) -> None:
    app = make_app(EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(TransitionTable)
        assert column(table, 2) == ["amer-nyc-cucm2", "apac-syd-cucm3"]
        assert texts(table, 0)[3:] == ["authorization", "authorized", "out of compliance"]
        failures = app.screen.query_one(FailureTable)
        assert column(failures, 2)[0] == "amer-chi-cucm5"
        open_now = str(app.screen.query_one("#open-now", Static).render())
        assert "1 critical: amer-nyc-cucm2" in open_now
        assert "1 stale: emea-par-cucm4" in open_now
        assert "1 unreachable: amer-chi-cucm5" in open_now
        heading = str(app.screen.query_one("#heading", Static).render())
        assert "last 12 h" in heading and "2 state changes, 4 failures" in heading
        await pilot.press("w", "w")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert column(table, 2)[-1] == "emea-lon-cucm1"
        assert "last 3 d" in str(app.screen.query_one("#heading", Static).render())
        assert not any(source.on_main_thread)


async def test_events_enter_opens_the_cluster(make_app: Any) -> None:
    app = make_app(EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ClusterScreen)
        assert app.screen.cluster == "amer-nyc-cucm2"


async def test_events_report_a_broken_store(make_app: Any, source: Any) -> None:
    source.broken = True
    app = make_app(EventsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        problem = app.screen.query_one("#problem", Static)
        assert problem.display
        assert "Transitions unavailable" in str(problem.render())


async def test_deadlines_move_with_the_clock_without_any_update(make_app: Any) -> None:
    """Polling paused: no update arrives, yet deadlines come due."""
    app = make_app(DeadlinesScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DeadlinesScreen)
        table = screen.query_one(DeadlineList)
        app.now += timedelta(days=6)  # the clock moves; the fleet does not change
        screen._tick()  # what the screen's interval timer runs
        await pilot.pause()
        labels = [c for c in column(table, 0) if c]
        assert labels[0] == "overdue (3)"


async def test_a_cluster_reporting_a_tag_twice_is_listed_twice_and_opens(
    make_app: Any, statuses: dict[str, ClusterStatus]
) -> None:
    nyc = statuses["amer-nyc-cucm2"]
    assert nyc.last_good is not None
    twice = (*nyc.last_good.entitlements, nyc.last_good.entitlements[0])
    snap = nyc.last_good.model_copy(update={"entitlements": twice})
    fleet = {**statuses, nyc.cluster: nyc.model_copy(update={"last_good": snap})}
    app = make_app(EntitlementsScreen, statuses=fleet)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # the biggest licence: only amer-nyc-cucm2 holds it
        await pilot.pause()
        holders = app.screen.query_one(HolderTable)
        assert column(holders, 0) == ["amer-nyc-cucm2", "amer-nyc-cucm2"]
        await pilot.press("j", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ClusterScreen)
        assert app.screen.cluster == "amer-nyc-cucm2"
