"""Ctrl+C quits like k9s and htop; a filter that matches nothing says so and why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.keys import _character_to_key
from textual.pilot import Pilot

from dashboard.screens.fleet import FleetScreen
from dashboard.widgets.filter_input import FleetFilter, no_match_text
from dashboard.widgets.fleet_table import FleetTable
from tests.dashboard.conftest import demo_statuses

SIZE = (120, 40)


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*(_character_to_key(c) for c in text))


def table_lines(table: FleetTable) -> str:
    return "\n".join(table.render_line(y).text for y in range(table.size.height))


async def test_ctrl_c_quits_from_the_table(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not h.app.is_running
    assert not any("[b]" in n.message for n in h.app._notifications)


async def test_ctrl_c_quits_while_typing_a_filter(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await type_text(pilot, "emea")
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not h.app.is_running


async def test_ctrl_q_quits(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not h.app.is_running


async def test_a_filter_with_no_match_says_so(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await type_text(pilot, "region=mars")
        await pilot.press("enter")
        await pilot.pause()
        screen = h.app.screen
        assert isinstance(screen, FleetScreen)
        assert screen.table.row_count == 0
        shown = table_lines(screen.table)
        assert "No cluster matches 'region=mars'" in shown
        assert "No cluster has a tag" not in shown  # region is a tag key here


async def test_an_unknown_tag_key_is_named(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await type_text(pilot, "severity=warning")
        await pilot.press("enter")
        await pilot.pause()
        screen = h.app.screen
        assert isinstance(screen, FleetScreen)
        shown = " ".join(table_lines(screen.table).split())
        assert "No cluster has a tag 'severity'" in shown
        assert "type the word alone: warning" in shown
        assert "region" in shown  # the keys that do exist are offered


def test_no_match_text_names_only_unknown_keys() -> None:
    statuses = demo_statuses()
    keys = sorted({k for s in statuses for k in s.tags})
    assert keys, "the demo fleet has tags"
    known = FleetFilter.parse(f"{keys[0]}=nowhere foo=bar")
    assert known.unknown_tag_keys(statuses) == ["foo"]
    text = no_match_text(known, statuses)
    assert "'foo'" in text and f"'{keys[0]}'" not in text.split("(")[1]
    assert FleetFilter.parse("critical").unknown_tag_keys(statuses) == []
