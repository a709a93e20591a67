"""SVG snapshots of the shell's screens at 120x40, frozen clock, fixed fleet.

Update after an intended change with ``pytest tests/dashboard --snapshot-update`` and
review the SVGs in ``__snapshots__``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

SIZE = (120, 40)


def test_fleet_screen(snap_compare: Any, make_app: Callable[..., Any]) -> None:
    assert snap_compare(make_app().app, terminal_size=SIZE, press=["j", "j"])


def test_fleet_screen_filtered_and_sorted(snap_compare: Any, make_app: Callable[..., Any]) -> None:
    keys = ["slash", *"emea", "enter", "left", "left", "left", "left", "S"]
    assert snap_compare(make_app().app, terminal_size=SIZE, press=keys)


def test_help_screen(snap_compare: Any, make_app: Callable[..., Any]) -> None:
    assert snap_compare(make_app().app, terminal_size=SIZE, press=["question_mark"])


@pytest.mark.parametrize("theme", ["light", "colour-blind", "monochrome"])
def test_fleet_screen_themes(snap_compare: Any, make_app: Callable[..., Any], theme: str) -> None:
    assert snap_compare(make_app(theme=theme).app, terminal_size=SIZE)
