"""SVG snapshots of the overview and the wall: the demo fleet at three terminal sizes,
10,000 clusters at 160x45, and every screen the docs show (tests/support/scenes.py,
drawn to PNG by docs/screenshots.py).

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
from tests.support.scenes import SCENES, Scene

SIZES = [(80, 24), (120, 40), (240, 60)]


async def overview(pilot: Pilot[Any]) -> None:
    await pilot.press("0")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_overview_at(snap_compare: Any, make_app: Callable[..., Any], size: Any) -> None:
    assert snap_compare(make_app().app, terminal_size=size, run_before=overview)


@pytest.mark.parametrize("size", [(80, 24), (240, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_wall_at(snap_compare: Any, make_app: Callable[..., Any], size: Any) -> None:
    assert snap_compare(make_app(wall=True).app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s.name)
def test_the_screens_docs_show(snap_compare: Any, scene: Scene) -> None:
    """docs/<name>.png is drawn from exactly this (docs/screenshots.py)."""
    assert snap_compare(scene.make(), terminal_size=scene.size, run_before=scene.prepare)


def test_wall_of_10000_clusters(snap_compare: Any, make_app: Callable[..., Any]) -> None:
    app = make_app(list(large_fleet(10000).values()), wall=True).app
    assert snap_compare(app, terminal_size=(160, 45), run_before=settle)
