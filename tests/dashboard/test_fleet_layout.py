"""Layouts for every terminal: the column priority, and SVG snapshots at three sizes.

Update the snapshots after an intended change with ``--snapshot-update`` and look at
them (``__snapshots__/test_fleet_layout``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from dashboard.fleet_layout import DROP_ORDER, GIVE_WAY, PROTECTED, layout_widths
from dashboard.fleet_rows import COLUMN_GAP, COLUMNS
from dashboard.screens.fleet import FleetScreen
from dashboard.widgets.fleet_table import FleetTable
from tests.support.fleets import long_names

KEYS = [c.key for c in COLUMNS]
SIZES = [(80, 24), (120, 40), (240, 60)]


def shown(widths: list[int]) -> int:
    visible = [w for w in widths if w]
    return sum(visible) + COLUMN_GAP * (len(visible) - 1)


@pytest.mark.parametrize("available", [80, 96, 100, 120, 140, 160, 240, 320])
@pytest.mark.parametrize("name_width", [14, 24, 28])
def test_layout_fits_and_never_cuts_name_or_deadline(available: int, name_width: int) -> None:
    widths = layout_widths(COLUMNS, name_width, available, {"tags": 40, "worst": 30})
    assert shown(widths) <= available
    assert widths[KEYS.index("cluster")] >= name_width
    assert widths[KEYS.index("deadline")] >= len("renew 100 d ago")
    assert all(widths[KEYS.index(key)] for key in PROTECTED)
    # Columns give way in order: a later one is hidden only if every earlier one is.
    hidden = [key for key in DROP_ORDER if not widths[KEYS.index(key)]]
    assert hidden == list(DROP_ORDER[: len(hidden)]) or set(hidden) <= set(GIVE_WAY)


def test_extra_width_goes_to_tags_and_entitlement_names() -> None:
    natural = {"tags": 40, "worst": 30}
    at_150 = layout_widths(COLUMNS, 14, 150, natural)
    at_180 = layout_widths(COLUMNS, 14, 180, natural)
    grown = {k for k, a, b in zip(KEYS, at_150, at_180, strict=True) if a != b}
    assert grown == {"tags", "worst"}  # first the columns whose values are cut
    at_320 = layout_widths(COLUMNS, 14, 320, natural)
    for key in ("tags", "worst"):
        assert at_320[KEYS.index(key)] >= natural[key] > at_150[KEYS.index(key)] > 0
    assert shown(at_320) == 320  # then every column widens: the line spans the screen
    assert all(b >= a for a, b in zip(at_180, at_320, strict=True))


def test_narrow_terminals_drop_tags_source_product_and_worst_first() -> None:
    at_80 = dict(zip(KEYS, layout_widths(COLUMNS, 14, 80, {}), strict=True))
    assert at_80["tags"] == at_80["product"] == at_80["source"] == at_80["worst"] == 0
    assert at_80["registration"] and at_80["authorization"] and at_80["age"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_names_and_deadlines_are_whole_on_screen(
    make_app: Callable[..., Any], size: tuple[int, int]
) -> None:
    h = make_app(long_names())
    async with h.app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = h.app.screen
        assert isinstance(screen, FleetScreen)
        table = screen.table
        body = [table.render_line(y).text for y in range(1, table.size.height)]
        for row, name in enumerate(table.clusters[: len(body)]):
            cells = table.cells(name)
            line = body[row]
            assert name in line, line
            deadline = cells[KEYS.index("deadline")]
            assert deadline in line, (deadline, line)
            assert len(line) <= size[0]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_fleet_screen_at(snap_compare: Any, make_app: Callable[..., Any], size: Any) -> None:
    assert snap_compare(make_app(long_names()).app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cluster_screen_at(snap_compare: Any, make_app: Callable[..., Any], size: Any) -> None:
    async def open_worst(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app().app, terminal_size=size, run_before=open_worst)


async def test_cluster_screen_keeps_its_header_at_80x24(make_app: Callable[..., Any]) -> None:
    h = make_app()
    async with h.app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = h.app.screen.query_one(FleetTable)
        name = table.selected_cluster
        assert name is not None
        await pilot.press("enter")
        await pilot.pause()
        await h.app.workers.wait_for_complete()
        await pilot.pause()
        lines = [s.text for s in h.app.screen._compositor.render_strips()]
        assert name in lines[0]  # the title line names the cluster
        assert any("Entitlements (l)" in line for line in lines)  # the tabs stay reachable
