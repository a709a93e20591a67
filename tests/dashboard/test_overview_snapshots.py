"""SVG snapshots of the overview and the wall: the demo fleet at three terminal sizes,
10,000 clusters at 160x45. The screenshots in docs/ (docs/screenshots.py) show the same
screens with the same data.

Update after an intended change with ``--snapshot-update`` and look at the SVGs in
``__snapshots__/test_overview_snapshots``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.support.fleets import large_fleet
from tests.support.host import settle

SIZES = [(80, 24), (120, 40), (240, 60)]


async def overview(pilot: Pilot[Any]) -> None:
    await pilot.press("0")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_overview_at(snap_compare: Any, make_app: Callable[..., Any], size: Any) -> None:
    assert snap_compare(make_app().app, terminal_size=size, run_before=overview)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_wall_at(snap_compare: Any, make_app: Callable[..., Any], size: Any) -> None:
    assert snap_compare(make_app(wall=True).app, terminal_size=size, run_before=settle)


def test_overview_of_10000_clusters(snap_compare: Any, make_app: Callable[..., Any]) -> None:
    app = make_app(list(large_fleet(10000).values())).app
    assert snap_compare(app, terminal_size=(160, 45), run_before=overview)


def test_wall_of_10000_clusters(snap_compare: Any, make_app: Callable[..., Any]) -> None:
    app = make_app(list(large_fleet(10000).values()), wall=True).app
    assert snap_compare(app, terminal_size=(160, 45), run_before=settle)
