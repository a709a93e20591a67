"""Keys and habits on the detail screens: a key per cluster-screen tab, flaps grouped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.widgets import TabbedContent

from dashboard.screens.cluster import ClusterScreen
from dashboard.screens.events import EventsScreen
from dashboard.screens.help import collect_key_help
from dashboard.widgets.event_tables import TransitionEntry, TransitionTable, group_flaps
from tests.dashboard_detail.conftest import NOW, FakeTransition

SIZE = (120, 40)


async def test_every_cluster_tab_has_a_key_that_help_lists(make_app: Any) -> None:
    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tabs = app.screen.query_one(TabbedContent)
        for key, tab in (("h", "tab-history"), ("x", "tab-errors"), ("l", "tab-entitlements")):
            await pilot.press(key)
            await pilot.pause()
            assert tabs.active == tab, key
        await pilot.press("v")
        await pilot.pause()
        assert tabs.active == "tab-raw"
        # What ``?`` lists is collect_key_help of the screen underneath.
        listed = {(k, h.description) for h in collect_key_help(app.screen) for k in h.keys}
        for key, label in (("l", "Licences"), ("h", "History"), ("x", "Errors")):
            assert (key, label) in listed
        labels = [str(tab.label) for tab in app.screen.query("ContentTab")]
        assert any("(h)" in label for label in labels) and any("(x)" in label for label in labels)


def _flip(cluster: str, minutes: int, old: str, new: str) -> TransitionEntry:
    return TransitionEntry(
        NOW - timedelta(minutes=minutes), cluster, "reachability", None, old, new
    )


def test_flaps_of_one_cluster_become_one_counted_row() -> None:
    entries = [  # newest first, as transition_entries gives them
        _flip("a", 1, "unreachable", "reachable"),
        TransitionEntry(NOW - timedelta(minutes=2), "b", "severity", None, "ok", "warning"),
        _flip("a", 3, "reachable", "unreachable"),
        _flip("a", 5, "unreachable", "reachable"),
        _flip("a", 7, "reachable", "unreachable"),
        _flip("c", 8, "reachable", "unreachable"),
        _flip("c", 9, "unreachable", "reachable"),
    ]
    grouped = group_flaps(entries)
    assert [(e.cluster, e.count) for e in grouped] == [("a", 4), ("b", 1), ("c", 1), ("c", 1)]
    flap = grouped[0]
    assert (flap.old, flap.new, flap.at, flap.first_at) == (
        "reachable",
        "reachable",
        entries[0].at,
        entries[-3].at,
    )


async def test_events_screen_shows_a_flapping_cluster_once(make_app: Any, source: Any) -> None:
    source.all_transitions = [
        FakeTransition(
            "emea-par-cucm4",
            NOW - timedelta(minutes=10 * i),
            "reachability",
            "reachable" if i % 2 else "unreachable",
            "unreachable" if i % 2 else "reachable",
        )
        for i in range(1, 9)
    ]
    app = make_app(EventsScreen, source=source)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(20):
            await pilot.pause()
            table = app.screen.query_one(TransitionTable)
            if table.row_count and not table.cursor_key.startswith("none"):
                break
        rows = [[t.plain for t in table.get_row_at(i)] for i in range(table.row_count)]
        flapping = [r for r in rows if r[2] == "emea-par-cucm4"]
        assert len(flapping) == 1
        assert "×8" in flapping[0][3]
