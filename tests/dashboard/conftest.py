"""Fixtures for the dashboard shell tests: a deterministic fleet on a frozen clock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from collectors.model import (
    AuthorizationStatus,
    EntitlementStatus,
    LicenseSnapshot,
    RegistrationStatus,
)
from collectors.results import ClusterStatus
from dashboard.app import LicdashApp
from dashboard.sources import StaticSource
from dashboard.state import CycleInfo
from tests.support.factory import CUWL, ENHANCED, NOW, entitlement, status
from tests.support.factory import snapshot as build_snapshot


def snapshot(
    cluster: str,
    *,
    ent_status: EntitlementStatus = EntitlementStatus.IN_COMPLIANCE,
    count: int = 120,
    at: datetime = NOW - timedelta(minutes=3),
    auth_expires_days: float | None = 60,
    **kwargs: Any,
) -> LicenseSnapshot:
    """The demo fleet's shape: CUWL and Enhanced (``count``, in ``ent_status``)."""
    entitlements = (entitlement(CUWL, count // 4), entitlement(ENHANCED, count, ent_status))
    return build_snapshot(
        cluster, at, entitlements=entitlements, auth_expires_days=auth_expires_days, **kwargs
    )


def demo_statuses() -> list[ClusterStatus]:
    """Twelve clusters: every severity, stale, unreachable and never polled."""
    R, A, E = RegistrationStatus, AuthorizationStatus, EntitlementStatus
    two_hours_ago = NOW - timedelta(hours=2)
    emea = {"region": "emea", "customer": "acme"}
    amer = {"region": "amer", "customer": "globex"}
    apac = {"region": "apac", "customer": "initech"}
    return [
        status("emea-lon-cucm1", tags=emea, snap=snapshot("emea-lon-cucm1")),
        status(
            "emea-par-cucm1",
            tags=emea,
            snap=snapshot(
                "emea-par-cucm1", authorization=A.EVALUATION, auth_expires_days=None, eval_days=12
            ),
        ),
        status(
            "emea-ber-cucm1",
            tags=emea,
            snap=snapshot(
                "emea-ber-cucm1", authorization=A.OUT_OF_COMPLIANCE, ent_status=E.OUT_OF_COMPLIANCE
            ),
        ),
        status("amer-nyc-cucm1", tags=amer, snap=snapshot("amer-nyc-cucm1", reg_expires_days=4)),
        status(
            "amer-chi-cucm1",
            tags=amer,
            snap=snapshot(
                "amer-chi-cucm1",
                registration=R.UNREGISTERED,
                reg_expires_days=None,
                authorization=A.EVALUATION,
                auth_expires_days=None,
                eval_days=40,
            ),
        ),
        status(
            "amer-sfo-cucm1",
            tags=amer,
            snap=snapshot("amer-sfo-cucm1", at=two_hours_ago),
            error="read_timeout",
            failures=6,
        ),
        status(
            "amer-dal-cucm1",
            tags=amer,
            snap=snapshot(
                "amer-dal-cucm1",
                authorization=A.EVALUATION_EXPIRED,
                auth_expires_days=None,
                eval_days=0,
            ),
        ),
        status(
            "apac-syd-cucm1",
            tags=apac,
            snap=snapshot(
                "apac-syd-cucm1", registration=R.REGISTRATION_EXPIRED, reg_expires_days=-3
            ),
        ),
        status(
            "apac-sin-cucm1",
            tags=apac,
            snap=snapshot(
                "apac-sin-cucm1",
                registration=R.REGISTERED_SLR,
                authorization=A.AUTHORIZED_RESERVED,
                reg_expires_days=None,
                auth_expires_days=None,
            ),
        ),
        status("apac-tok-cucm1", tags=apac, error="auth", failures=3),
        status("apac-hkg-cucm1", tags=apac),
        status(
            "emea-mad-cucm1", tags=emea, snap=snapshot("emea-mad-cucm1"), error="busy", failures=1
        ),
    ]


def numbered_statuses(count: int, *, minutes_ago: int = 3) -> list[ClusterStatus]:
    """``count`` clusters, each one of a few shapes, for scale tests and benchmarks."""
    shapes = demo_statuses()
    out = []
    for index in range(count):
        base = shapes[index % len(shapes)]
        name = f"{base.cluster.rsplit('-', 1)[0]}-{index:04d}"
        snap = (
            base.last_good.model_copy(
                update={"cluster": name, "collected_at": NOW - timedelta(minutes=minutes_ago)}
            )
            if base.last_good
            else None
        )
        out.append(base.model_copy(update={"cluster": name, "last_good": snap}))
    return out


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
