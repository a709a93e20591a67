"""Fixtures for the dashboard shell tests: a deterministic fleet on a frozen clock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from collectors.model import (
    Authorization,
    AuthorizationStatus,
    Entitlement,
    EntitlementStatus,
    LicenseSnapshot,
    Registration,
    RegistrationStatus,
)
from collectors.results import ClusterStatus, ErrorInfo
from collectors.severity import assess
from dashboard.app import LicdashApp
from dashboard.sources import StaticSource
from dashboard.state import CycleInfo

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TAG_CUWL = "regid.2017-02.com.cisco.UCM_CUWL,12.0_cc59375a-1cd8-4b36-8366-6f4d2abba965"
TAG_ENH = "regid.2016-07.com.cisco.UCM_Enhanced,12.0_66d0d1cf-4863-4761-91d0-d01d3eb1949a"


def snapshot(
    cluster: str,
    *,
    reg: RegistrationStatus = RegistrationStatus.REGISTERED,
    auth: AuthorizationStatus = AuthorizationStatus.AUTHORIZED,
    reg_expires_days: float | None = 200,
    auth_expires_days: float | None = 60,
    eval_days: float | None = None,
    ent_status: EntitlementStatus = EntitlementStatus.IN_COMPLIANCE,
    count: int = 120,
    collected: datetime = NOW - timedelta(minutes=3),
) -> LicenseSnapshot:
    """A snapshot whose severity, reasons and deadlines come from the real rules."""
    registration = Registration(
        status=reg,
        raw=reg.value,
        expires=collected + timedelta(days=reg_expires_days) if reg_expires_days else None,
    )
    authorization = Authorization(
        status=auth,
        raw=auth.value,
        expires=collected + timedelta(days=auth_expires_days) if auth_expires_days else None,
        evaluation_remaining_days=eval_days,
    )
    entitlements = (
        Entitlement(
            tag=TAG_CUWL,
            name="CUWL",
            count=count // 4,
            status=EntitlementStatus.IN_COMPLIANCE,
            raw_status="InCompliance",
        ),
        Entitlement(
            tag=TAG_ENH,
            name="Enhanced",
            count=count,
            status=ent_status,
            raw_status=ent_status.value,
        ),
    )
    severity, reasons, deadlines = assess(registration, authorization, entitlements, collected)
    return LicenseSnapshot(
        cluster=cluster,
        publisher=f"{cluster}.example.net",
        source="axl",
        collected_at=collected,
        registration=registration,
        authorization=authorization,
        entitlements=entitlements,
        severity=severity,
        reasons=reasons,
        deadlines=deadlines,
    )


def status(
    cluster: str,
    *,
    tags: dict[str, str] | None = None,
    snap: LicenseSnapshot | None = None,
    error: str | None = None,
    failures: int = 0,
    seen_ago: timedelta | None = None,
    stale: bool = False,
) -> ClusterStatus:
    last_seen = None
    if snap is not None:
        last_seen = NOW - (seen_ago if seen_ago is not None else timedelta(minutes=3))
    return ClusterStatus(
        cluster=cluster,
        tags=tags or {},
        last_good=snap,
        last_seen=last_seen,
        last_attempt=NOW - timedelta(minutes=1),
        last_duration_s=0.4,
        consecutive_failures=failures,
        last_error=ErrorInfo(kind=error, message=f"{error} talking to {cluster}", cluster=cluster)
        if error
        else None,
        stale=stale,
        transport="axl",
        axl_version="14.0" if snap is not None else None,
    )


def demo_statuses() -> list[ClusterStatus]:
    """Twelve clusters: every severity, stale, unreachable and never polled."""
    R, A, E = RegistrationStatus, AuthorizationStatus, EntitlementStatus
    emea = {"region": "emea", "customer": "acme"}
    amer = {"region": "amer", "customer": "globex"}
    apac = {"region": "apac", "customer": "initech"}
    return [
        status("emea-lon-cucm1", tags=emea, snap=snapshot("emea-lon-cucm1")),
        status(
            "emea-par-cucm1",
            tags=emea,
            snap=snapshot(
                "emea-par-cucm1", auth=A.EVALUATION, auth_expires_days=None, eval_days=12
            ),
        ),
        status(
            "emea-ber-cucm1",
            tags=emea,
            snap=snapshot(
                "emea-ber-cucm1", auth=A.OUT_OF_COMPLIANCE, ent_status=E.OUT_OF_COMPLIANCE
            ),
        ),
        status("amer-nyc-cucm1", tags=amer, snap=snapshot("amer-nyc-cucm1", reg_expires_days=4)),
        status(
            "amer-chi-cucm1",
            tags=amer,
            snap=snapshot(
                "amer-chi-cucm1",
                reg=R.UNREGISTERED,
                reg_expires_days=None,
                auth=A.EVALUATION,
                auth_expires_days=None,
                eval_days=40,
            ),
        ),
        status(
            "amer-sfo-cucm1",
            tags=amer,
            snap=snapshot("amer-sfo-cucm1"),
            error="read_timeout",
            failures=6,
            seen_ago=timedelta(hours=2),
        ),
        status(
            "amer-dal-cucm1",
            tags=amer,
            snap=snapshot(
                "amer-dal-cucm1", auth=A.EVALUATION_EXPIRED, auth_expires_days=None, eval_days=0
            ),
        ),
        status(
            "apac-syd-cucm1",
            tags=apac,
            snap=snapshot("apac-syd-cucm1", reg=R.REGISTRATION_EXPIRED, reg_expires_days=-3),
        ),
        status(
            "apac-sin-cucm1",
            tags=apac,
            snap=snapshot(
                "apac-sin-cucm1",
                reg=R.REGISTERED_SLR,
                auth=A.AUTHORIZED_RESERVED,
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
