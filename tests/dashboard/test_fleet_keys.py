"""Pilot tests for every key the shell and the fleet screen own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.binding import Binding
from textual.keys import _character_to_key
from textual.pilot import Pilot

from collectors.model import Severity
from dashboard.screens.fleet import FleetScreen
from dashboard.screens.help import HelpScreen
from dashboard.widgets.filter_input import FilterInput
from dashboard.widgets.fleet_table import COLUMN_KEYS, FleetTable
from dashboard.widgets.summary_bar import SummaryBar

SIZE = (120, 40)


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*(_character_to_key(c) for c in text))


def table_of(app: Any) -> FleetTable:
    screen = app.screen
    assert isinstance(screen, FleetScreen)
    return screen.table


async def test_rows_fill_worst_first(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = table_of(h.app)
        assert table.row_count == 12
        ranks = [h.source.fleet.statuses[n].severity.rank for n in table.clusters]
        assert ranks == sorted(ranks, reverse=True)
        assert h.source.fleet.statuses[table.clusters[0]].severity is Severity.CRITICAL
        # Among the fine: stale, then unreachable, then by nearest deadline (none last).
        assert table.clusters[-4:] == (
            "amer-sfo-cucm1",
            "emea-mad-cucm1",
            "emea-lon-cucm1",
            "apac-sin-cucm1",
        )


async def test_cursor_keys(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = table_of(h.app)
        names = table.clusters
        assert table.selected_cluster == names[0]
        await pilot.press("j", "down")
        assert table.selected_cluster == names[2]
        await pilot.press("k")
        assert table.selected_cluster == names[1]
        await pilot.press("G")
        assert table.selected_cluster == names[-1]
        await pilot.press("up")
        assert table.selected_cluster == names[-2]
        await pilot.press("g")
        assert table.selected_cluster == names[0]
        await pilot.press("k")  # stays at the top
        assert table.selected_cluster == names[0]


async def test_sort_current_column_and_reverse(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = table_of(h.app)
        selected = table.selected_cluster
        await pilot.press(*["left"] * len(COLUMN_KEYS))  # to the first column: cluster
        assert COLUMN_KEYS[table.cursor_column] == "cluster"
        await pilot.press("s")
        assert list(table.clusters) == sorted(table.clusters)
        assert table.selected_cluster == selected  # the cursor follows its cluster
        await pilot.press("S")
        assert list(table.clusters) == sorted(table.clusters, reverse=True)
        await pilot.press("S")
        assert list(table.clusters) == sorted(table.clusters)
        await pilot.press("right", "s")  # the next column this terminal shows
        shown = [k for k, w in zip(COLUMN_KEYS, table.column_widths(), strict=True) if w]
        assert table.sort_column == shown[1]


async def test_filter_by_tag_state_and_text(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = table_of(h.app)
        statuses = h.source.fleet.statuses
        await pilot.press("slash")
        assert isinstance(h.app.focused, FilterInput)
        await type_text(pilot, "region=emea")
        await pilot.press("enter")
        assert isinstance(h.app.focused, FleetTable)
        assert table.clusters and all(statuses[n].tags["region"] == "emea" for n in table.clusters)
        assert h.app.screen.query_one(SummaryBar).filter_text == "region=emea"
        # Keys work on the filtered table; escape on the table clears the filter.
        await pilot.press("escape")
        assert table.row_count == 12
        for query, expected in [
            ("critical", {n for n, s in statuses.items() if s.severity is Severity.CRITICAL}),
            ("stale", {"amer-sfo-cucm1"}),
            ("evaluation", {"emea-par-cucm1", "amer-chi-cucm1", "amer-dal-cucm1"}),
            ("sfo", {"amer-sfo-cucm1"}),
            ("read_timeout", {"amer-sfo-cucm1"}),
            ("region=apac !unknown", {"apac-syd-cucm1", "apac-sin-cucm1"}),
        ]:
            await pilot.press("slash")
            await type_text(pilot, query)
            assert set(table.clusters) == expected, query
            await pilot.press("escape")  # in the input: clears and closes
            assert table.row_count == 12


async def test_update_keeps_cursor_sort_and_filter(
    make_app: Callable[..., Any], make_status: Callable[..., Any], make_snapshot: Callable[..., Any]
) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = table_of(h.app)
        await pilot.press("slash")
        await type_text(pilot, "!region=apac")
        await pilot.press("enter", "j", "j")
        chosen = table.selected_cluster
        assert chosen is not None
        # Every cluster changes: the chosen one becomes critical and moves to the top.
        from collectors.model import AuthorizationStatus, EntitlementStatus

        changed = {}
        for name, old in h.source.fleet.statuses.items():
            snap = (
                make_snapshot(
                    name,
                    authorization=AuthorizationStatus.OUT_OF_COMPLIANCE,
                    ent_status=EntitlementStatus.OUT_OF_COMPLIANCE,
                )
                if name == chosen
                else (
                    old.last_good.model_copy(
                        update={"entitlements": old.last_good.entitlements[:1]}
                    )
                    if old.last_good
                    else None
                )
            )
            changed[name] = old.model_copy(update={"last_good": snap})
        h.source.push(changed)
        await pilot.pause()
        assert table.selected_cluster == chosen
        assert table.fleet_filter.text == "!region=apac"
        assert all(not n.startswith("apac") for n in table.clusters)
        assert table.sort_column == "severity"
        assert h.app.fleet.statuses[chosen] is changed[chosen]


async def test_stale_cluster_shows_age_and_error(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = table_of(h.app)
        cells = dict(zip(COLUMN_KEYS, table.cells("amer-sfo-cucm1"), strict=True))
        assert cells["age"] == "⌛ 2 h · read_timeout"
        assert cells["severity"] == "✔ ok ⌛"  # last known severity, marked stale
        never = dict(zip(COLUMN_KEYS, table.cells("apac-hkg-cucm1"), strict=True))
        assert never["severity"] == "? unknown"
        failing = dict(zip(COLUMN_KEYS, table.cells("apac-tok-cucm1"), strict=True))
        assert failing["severity"] == "? unknown" and "auth" in failing["age"]
        blip = dict(zip(COLUMN_KEYS, table.cells("emea-mad-cucm1"), strict=True))
        assert blip["age"] == "↯ 3 min · busy"


async def test_help_lists_every_key(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        fleet_screen = h.app.screen
        await pilot.press("question_mark")
        assert isinstance(h.app.screen, HelpScreen)
        listed = {item.description for item in h.app.screen.keys}
        for binding in [*FleetTable.BINDINGS, *FleetScreen.BINDINGS, *type(h.app).BINDINGS]:
            assert isinstance(binding, Binding) and binding.description in listed
        assert "Command palette" in listed or any("palette" in d.lower() for d in listed)
        await pilot.press("escape")
        assert h.app.screen is fleet_screen


async def test_theme_cycles_and_is_remembered(make_app: Callable[..., Any], tmp_path: Any) -> None:
    prefs = tmp_path / "ui.json"
    h = make_app(prefs_path=prefs)
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert h.app.theme == "dark"
        await pilot.press("t")
        assert h.app.theme == "light"
        await pilot.press("t")
        assert h.app.theme == "high-contrast"
        await pilot.pause()
        await h.app.workers.wait_for_complete()
    import json

    assert json.loads(prefs.read_text())["theme"] == "high-contrast"


async def test_bad_theme_is_reported_not_fatal(make_app: Callable[..., Any]) -> None:
    h = make_app(theme="no-such-theme")
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert h.app.theme == "dark"
        assert any("no-such-theme" in n.message for n in h.app._notifications)


async def test_no_color_runs_monochrome(make_app: Callable[..., Any], monkeypatch: Any) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert h.app.theme == "monochrome"
        assert table_of(h.app).row_count == 12
        await pilot.press("j", "question_mark", "escape")


async def test_pause_and_poll_reach_the_source(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = table_of(h.app)
        await pilot.press("j", "r")
        assert h.source.polls == [table.selected_cluster]
        await pilot.press("R")
        assert h.source.polls[-1] is None
        await pilot.press("p")
        await pilot.pause()
        assert h.source.paused and h.app.fleet.paused
        assert "PAUSED" in str(h.app.screen.query_one(SummaryBar).render())
        await pilot.press("p")
        await pilot.pause()
        assert not h.source.paused


async def test_readonly_source_refuses_polling(make_app: Callable[..., Any]) -> None:
    from dashboard.sources import StaticSource

    from_store = StaticSource([], kind="store", readonly=True)
    h = make_app(source=from_store)
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.press("r", "R", "p")
        await pilot.pause()
        assert from_store.polls == [] and not from_store.paused
        assert any("read-only viewer" in n.message for n in h.app._notifications)


async def test_palette_jumps_to_cluster(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await type_text(pilot, "apac-sin")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert table_of(h.app).selected_cluster == "apac-sin-cucm1"


async def test_palette_shows_markup_in_tags_as_text(
    make_app: Callable[..., Any], fleet_statuses: list[Any]
) -> None:
    tagged = [s.model_copy(update={"tags": {"site": "[/lab]"}}) for s in fleet_statuses]
    h = make_app(tagged)
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await type_text(pilot, "apac-sin")
        await pilot.pause(0.3)  # the hit, with its tags as help text, is drawn
        await pilot.press("enter")
        await pilot.pause()
        assert table_of(h.app).selected_cluster == "apac-sin-cucm1"


async def test_palette_runs_actions(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await type_text(pilot, "poll all now")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert h.source.polls == [None]


async def test_drill_in_and_back(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        fleet_screen = h.app.screen
        await pilot.press("enter")
        await pilot.pause()
        assert h.app.screen is not fleet_screen
        assert len(h.app.screen_stack) == 2
        await pilot.press("escape")
        await pilot.pause()
        assert h.app.screen is fleet_screen
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("backspace")
        await pilot.pause()
        assert h.app.screen is fleet_screen


async def test_number_keys_switch_screens(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for key, mode in [
            ("2", "deadlines"),
            ("3", "entitlements"),
            ("4", "events"),
            ("1", "fleet"),
        ]:
            await pilot.press(key)
            await pilot.pause()
            assert h.app.current_mode == mode
        await pilot.press("4", "1")
        await pilot.pause()
        assert h.app.current_mode == "fleet"
        assert isinstance(h.app.screen, FleetScreen)


async def test_mouse_header_sorts_and_rows_select(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = table_of(h.app)
        await pilot.click(FleetTable, offset=(2, 0))  # the "Cluster" header
        assert table.sort_column == "cluster" and not table.sort_reverse
        await pilot.click(FleetTable, offset=(2, 0))
        assert table.sort_reverse
        third = table.clusters[2]
        await pilot.click(FleetTable, offset=(2, 3))
        assert table.selected_cluster == third
        await pilot.double_click(FleetTable, offset=(2, 3))
        await pilot.pause()
        assert len(h.app.screen_stack) == 2


async def test_export_key_opens_dialog_or_says_why(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        opened = len(h.app.screen_stack) == 2
        explained = any("export" in n.message for n in h.app._notifications)
        assert opened or explained


async def test_quit_stops_the_source(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert h.source.started and h.source.stopped
    assert h.app.return_code in (0, None)


async def test_typing_in_the_filter_never_triggers_app_keys(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await type_text(pilot, "q1234pert?")
        await pilot.pause()
        assert isinstance(h.app.screen, FleetScreen) and h.app.current_mode == "fleet"
        assert h.app.screen.query_one(FilterInput).value == "q1234pert?"
        assert h.source.polls == [] and not h.source.paused and h.app.theme == "dark"
        assert h.app.is_running


async def test_source_errors_are_shown_with_cluster_and_hint(make_app: Callable[..., Any]) -> None:
    from collectors.errors import StoreLockedError
    from collectors.results import ErrorInfo
    from dashboard.messages import SourceError

    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        error = StoreLockedError("store /x is locked by PID 42", cluster=None)
        h.app.post_message(SourceError(ErrorInfo.from_exception(error)))
        await pilot.pause()
        shown = [n for n in h.app._notifications if n.title == "store_locked"]
        assert shown and "PID 42" in shown[0].message and StoreLockedError.hint in shown[0].message


async def test_a_notification_shows_brackets_as_text(make_app: Callable[..., Any]) -> None:
    from textual.widgets._toast import Toast

    from collectors.results import ErrorInfo
    from dashboard.messages import SourceError

    h = make_app()
    async with h.app.run_test(size=SIZE, notifications=True) as pilot:
        message = "cannot open /srv/[/x]/store: [red]denied"
        h.app.post_message(SourceError(ErrorInfo(kind="store", message=message)))
        await pilot.pause()
        await pilot.pause()
        toasts = [str(t.render()) for t in h.app.screen.query(Toast)]
        assert any(message in text for text in toasts)


async def test_update_keeps_scroll_position(
    make_app: Callable[..., Any], make_fleet: Callable[[int], list[Any]]
) -> None:
    statuses = make_fleet(300)
    h = make_app(statuses)
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = table_of(h.app)
        await pilot.press("pagedown", "pagedown", "pagedown")
        await pilot.pause()
        scroll, chosen = table.scroll_y, table.selected_cluster
        assert scroll > 0
        # Every cluster is seen again a minute later: all rows change, order stays.
        h.source.push([s.model_copy(update={"last_attempt": s.last_attempt}) for s in statuses])
        await pilot.pause()
        assert table.scroll_y == scroll and table.selected_cluster == chosen
        assert (
            h.app.fleet.statuses[chosen]
            is not statuses[[s.cluster for s in statuses].index(chosen)]
        )
