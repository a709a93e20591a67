"""ClusterScreen: state, timers, entitlements, history, errors, raw view, live updates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.widgets import Static, TabbedContent

from collectors.results import ClusterStatus
from dashboard.fleet_rows import UNREACHABLE_GLYPH
from dashboard.screens.cluster import ClusterScreen
from dashboard.widgets.count_sparkline import CountSparkline
from dashboard.widgets.entitlements_table import EntitlementsTable
from dashboard.widgets.error_list import ErrorList
from dashboard.widgets.raw_view import RawView
from dashboard.widgets.state_timeline import StateTimeline

SIZE = (120, 40)
ReadScreen = Callable[[App[Any]], str]


def cell_texts(table: Any, row: int) -> list[str]:
    return [str(getattr(c, "plain", c)) for c in table.get_row_at(row)]


async def test_shows_state_accounts_and_every_timer_in_zone_utc_and_relative(
    make_app: Any, read_screen: ReadScreen
) -> None:
    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = read_screen(app)
        for expected in (
            "registered  (Registered)",
            "authorized  (Authorized)",
            "ACME Corp",
            "PID:UCM,SN:1234ABCD",
            "Export control   allowed",
            # registration expiry: cluster zone (BST in September), UTC, relative
            "2026-09-17 13:00 BST  2026-09-17 12:00 UTC  in 200 d",
            "Last renewal attempt     2026-02-09 12:00 GMT  2026-02-09 12:00 UTC  20 d ago",
            "Nothing to do: licensing is healthy.",
        ):
            assert expected in text, expected


async def test_stale_cluster_shows_age_and_last_error_and_is_not_shown_as_fine(
    make_app: Any, read_screen: ReadScreen
) -> None:
    app = make_app(lambda: ClusterScreen("emea-par-cucm4"))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        banner = str(app.screen.query_one("#banner", Static).render())
        assert "STALE" in banner
        assert "last good poll 3 h ago" in banner
        assert "read_timeout: no answer from emea-par-cucm4.example.net:8443" in banner
        assert "36 failed polls in a row" in banner
        title = str(app.screen.query_one("#title", Static).render())
        assert "stale  last known" in title
        # the store's failure episodes reach the errors tab, newest first
        errors = app.screen.query_one(ErrorList)
        assert cell_texts(errors, 0)[1] == "read_timeout"
        assert "Polling fails (read_timeout)" in read_screen(app)


async def test_critical_cluster_lists_remediation_and_worst_entitlement_first(
    make_app: Any, read_screen: ReadScreen
) -> None:
    app = make_app(lambda: ClusterScreen("amer-nyc-cucm2"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = read_screen(app)
        assert "✖ Out of compliance" in text
        assert "✖ critical" in text
        table = app.screen.query_one(EntitlementsTable)
        first = cell_texts(table, 0)
        assert first[:3] == ["Enhanced Plus", "310", "✖ out of compliance"]


async def test_history_comes_from_a_thread_worker_as_timeline_and_sparkline(
    make_app: Any, source: Any
) -> None:
    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert ("history", "emea-lon-cucm1") in source.calls
        assert source.on_main_thread and not any(source.on_main_thread)
        timeline = app.screen.query_one(StateTimeline)
        changes = [cell_texts(timeline, i)[3] for i in range(timeline.row_count)]
        assert "authorization evaluation → authorized" in changes
        assert changes[-1] == "first seen: registered, evaluation"
        spark = app.screen.query_one(CountSparkline)
        assert set(spark.series) == {k for k in source.series["emea-lon-cucm1"]}
        caption = str(spark.query_one("Label").render())
        assert "Licences in use, 2026-02-19 to 2026-03-01: 160 now, 140 at the start" in caption
        # the unchanged Enhanced count gets a caption, not a flat bar
        labels = [str(label.render()) for label in spark.query("Label")]
        assert "Enhanced: 40 (unchanged)" in labels
        assert len(spark.query("Sparkline")) == 2  # the total and CUWL


async def test_v_toggles_the_raw_response(make_app: Any, source: Any) -> None:
    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tabs = app.screen.query_one(TabbedContent)
        await pilot.press("v")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert tabs.active == "tab-raw"
        assert app.screen.query_one(RawView).raw == source.raws["emea-lon-cucm1"]
        await pilot.press("v")
        assert tabs.active == "tab-entitlements"


async def test_raw_view_says_so_when_the_source_keeps_none(make_app: Any) -> None:
    app = make_app(lambda: ClusterScreen("apac-syd-cucm3"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await app.workers.wait_for_complete()
        await pilot.pause()
        raw_text = str(app.screen.query_one("#raw-text", Static).render())
        assert "No raw response is kept" in raw_text


async def test_fleet_update_changes_cells_in_place_and_keeps_the_cursor(
    make_app: Any, statuses: dict[str, ClusterStatus]
) -> None:
    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(EntitlementsTable)
        table.focus()
        await pilot.press("j")
        assert table.cursor_row == 1
        old = statuses["emea-lon-cucm1"]
        assert old.last_good is not None
        cuwl = old.last_good.entitlements[0].model_copy(update={"count": 130})
        snap = old.last_good.model_copy(
            update={"entitlements": (cuwl, *old.last_good.entitlements[1:])}
        )
        app.update_fleet({"emea-lon-cucm1": old.model_copy(update={"last_good": snap})})
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert cell_texts(table, 0)[1] == "130"
        assert table.cursor_row == 1


async def test_update_for_another_cluster_does_not_requery(
    make_app: Any, source: Any, statuses: dict[str, ClusterStatus]
) -> None:
    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        before = source.calls.count(("history", "emea-lon-cucm1"))
        app.update_fleet({"apac-syd-cucm3": statuses["apac-syd-cucm3"]})
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert source.calls.count(("history", "emea-lon-cucm1")) == before


async def test_broken_store_is_reported_and_the_screen_still_works(
    make_app: Any, source: Any, read_screen: ReadScreen
) -> None:
    source.broken = True
    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        problem = str(app.screen.query_one("#load-error", Static).render())
        assert "History of emea-lon-cucm1 unavailable" in problem
        assert "not readable" in problem
        assert "registered  (Registered)" in read_screen(app)


async def test_escape_and_backspace_go_back(make_app: Any) -> None:
    for key in ("escape", "backspace"):
        app = make_app(lambda: ClusterScreen("emea-lon-cucm1"))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ClusterScreen)


async def test_unknown_cluster_does_not_crash(make_app: Any, read_screen: ReadScreen) -> None:
    app = make_app(lambda: ClusterScreen("nowhere"))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "nowhere  ? not in the fleet" in read_screen(app)


async def test_publisher_text_with_brackets_is_shown_literally(
    make_app: Any, statuses: dict[str, ClusterStatus], read_screen: ReadScreen
) -> None:
    from collectors.results import ErrorInfo

    lon = statuses["emea-lon-cucm1"]
    assert lon.last_good is not None
    ent = lon.last_good.entitlements[0].model_copy(update={"raw_status": "[/bold][Weird]"})
    snap = lon.last_good.model_copy(update={"entitlements": (ent,)})
    error = ErrorInfo(kind="soap_fault", message="[emea-lon] fault [/x] <Fault>")
    broken = lon.model_copy(
        update={"last_good": snap, "consecutive_failures": 1, "last_error": error}
    )
    app = make_app(
        lambda: ClusterScreen("emea-lon-cucm1"), statuses={**statuses, "emea-lon-cucm1": broken}
    )
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = read_screen(app)
        assert "[/bold][Weird]" in text
        assert "last error soap_fault: [emea-lon] fault [/x] <Fault>" in text
        errors = app.screen.query_one(ErrorList)
        assert cell_texts(errors, 0)[2] == "[emea-lon] fault [/x] <Fault>"


async def test_an_unreachable_cluster_is_marked_as_on_the_fleet_table(make_app: Any) -> None:
    app = make_app(lambda: ClusterScreen("amer-chi-cucm5"))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        title = str(app.screen.query_one("#title", Static).render())
        assert f"{UNREACHABLE_GLYPH} unreachable" in title and "⌛" not in title


async def test_no_entitlements_and_a_tag_listed_twice_read_plainly(
    make_app: Any, statuses: dict[str, ClusterStatus]
) -> None:
    lon = statuses["emea-lon-cucm1"]
    assert lon.last_good is not None
    twice = (*lon.last_good.entitlements, lon.last_good.entitlements[0])
    fleet = {
        **statuses,
        "emea-lon-cucm1": lon.model_copy(
            update={"last_good": lon.last_good.model_copy(update={"entitlements": twice})}
        ),
        "amer-nyc-cucm2": statuses["amer-nyc-cucm2"].model_copy(
            update={
                "last_good": statuses["amer-nyc-cucm2"].last_good.model_copy(  # type: ignore[union-attr]
                    update={"entitlements": ()}
                )
            }
        ),
    }
    for cluster, expected in [
        ("amer-nyc-cucm2", "No entitlements reported (no licences in use)."),
        ("amer-chi-cucm5", "No successful poll yet."),
    ]:
        app = make_app(lambda c=cluster: ClusterScreen(c), statuses=fleet)
        async with app.run_test(size=SIZE) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            table = app.screen.query_one(EntitlementsTable)
            assert table.row_count == 1 and str(table.get_row_at(0)[4]) == expected
    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"), statuses=fleet)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one(EntitlementsTable).row_count == len(twice)
