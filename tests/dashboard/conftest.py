"""Fixtures for the dashboard shell tests: a deterministic fleet on a frozen clock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from collectors.model import LicenseSnapshot
from collectors.results import ClusterStatus
from dashboard.app import LicdashApp
from dashboard.sources import StaticSource
from dashboard.state import CycleInfo
from tests.support.factory import NOW, status
from tests.support.fleets import demo_statuses, numbered_statuses, snapshot

__all__ = ["demo_statuses", "numbered_statuses", "snapshot"]


@dataclass
class Harness:
    app: LicdashApp
    source: StaticSource


@pytest.fixture
def frozen_clock() -> Callable[[], datetime]:
    return lambda: NOW


@pytest.fixture
def make_app(frozen_clock: Callable[[], datetime]) -> Callable[..., Harness]:
    """A factory: ``make_app(statuses=None, **app_kwargs) -> Harness``."""

    def make(
        statuses: list[ClusterStatus] | None = None, *, source: Any = None, **kwargs: Any
    ) -> Harness:
        if source is None:
            source = StaticSource(
                demo_statuses() if statuses is None else statuses,
                last_cycle=CycleInfo(
                    finished_at=NOW - timedelta(minutes=1), duration_s=4.2, polled=12, failed=3
                ),
                zones={"emea-lon-cucm1": "Europe/London"},
            )
        kwargs.setdefault("clock", frozen_clock)
        kwargs.setdefault("stale_after", timedelta(minutes=15))
        return Harness(LicdashApp(source, **kwargs), source)

    return make


@pytest.fixture(autouse=True)
def _no_color_unset(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests choose NO_COLOR explicitly; the developer's environment must not leak in."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield


@pytest.fixture
def threads_before() -> set[threading.Thread]:
    return set(threading.enumerate())


@pytest.fixture
def fleet_statuses() -> list[ClusterStatus]:
    """The twelve-cluster demo fleet (see :func:`demo_statuses`)."""
    return demo_statuses()


@pytest.fixture
def make_fleet() -> Callable[[int], list[ClusterStatus]]:
    """``make_fleet(n)``: n clusters cycling through the demo shapes."""
    return numbered_statuses


@pytest.fixture
def make_status() -> Callable[..., ClusterStatus]:
    return status


@pytest.fixture
def make_snapshot() -> Callable[..., LicenseSnapshot]:
    return snapshot
