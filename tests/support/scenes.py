"""The screens the docs show, built once: ``docs/screenshots.py`` draws them to PNG and
the snapshot tests hold them (tests/dashboard/test_overview_snapshots.py and
test_fleet_layout.py), so a screenshot in docs/ is always a screen a test covers.

Each scene is the real app on the fixed fleets of :mod:`tests.support.fleets`, on the
frozen clock ``NOW``, at a fixed terminal size.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from collectors.results import ClusterStatus
from dashboard.app import LicdashApp
from dashboard.sources import StaticSource
from dashboard.state import CycleInfo
from tests.support.factory import NOW
from tests.support.fleets import demo_statuses, large_fleet, long_names
from tests.support.host import settle


def demo_app(statuses: Sequence[ClusterStatus] | None = None, **kwargs: Any) -> LicdashApp:
    """The dashboard on ``statuses`` (default: the demo fleet) as a live source that
    finished a cycle a minute before ``NOW``."""
    source = StaticSource(
        demo_statuses() if statuses is None else statuses,
        last_cycle=CycleInfo(
            finished_at=NOW - timedelta(minutes=1), duration_s=4.2, polled=12, failed=3
        ),
        zones={"emea-lon-cucm1": "Europe/London"},
    )
    kwargs.setdefault("clock", lambda: NOW)
    kwargs.setdefault("stale_after", timedelta(minutes=15))
    return LicdashApp(source, **kwargs)


async def _overview(pilot: Any) -> None:
    await pilot.press("0")
    await settle(pilot)


@dataclass(frozen=True)
class Scene:
    name: str
    """The PNG's name in docs/."""
    caption: str
    make: Callable[[], LicdashApp]
    size: tuple[int, int]
    prepare: Callable[[Any], Awaitable[None]] = field(default=settle)


SCENES: tuple[Scene, ...] = (
    Scene(
        "wall",
        "The wall (licdash dash --wall): big counts, every cluster, the problems",
        lambda: demo_app(wall=True),
        (120, 40),
    ),
    Scene(
        "overview-10000",
        "The overview (key 0) of 10,000 clusters in a 160x45 terminal",
        lambda: demo_app(list(large_fleet(10000).values())),
        (160, 45),
        _overview,
    ),
    Scene(
        "fleet-80x24",
        "The fleet screen in an 80x24 terminal: names and deadlines are never cut",
        lambda: demo_app(long_names()),
        (80, 24),
    ),
)
