"""Fixtures for the headless tests: cluster statuses built from model objects."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from collectors.model import (
    Authorization,
    AuthorizationStatus,
    Deadline,
    DeadlineKind,
    Entitlement,
    EntitlementStatus,
    LicenseSnapshot,
    Registration,
    RegistrationStatus,
    Severity,
)
from collectors.results import ClusterStatus, ErrorInfo

NOW = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
CUWL = "regid.2017-02.com.cisco.UCM_CUWL,12.0_cc59375a-1cd8-4b36-8366-6f4d2abba965"
ENHANCED = "regid.2016-07.com.cisco.UCM_Enhanced,12.0_66d0d1cf-4863-4761-91d0-d01d3eb1949a"


def make_snapshot(
    cluster: str,
    severity: Severity = Severity.OK,
    *,
    collected_at: datetime = NOW,
    registration: RegistrationStatus = RegistrationStatus.REGISTERED,
    authorization: AuthorizationStatus = AuthorizationStatus.AUTHORIZED,
    expiry_days: float = 200.0,
    auth_days: float = 80.0,
    eval_days: float | None = None,
    entitlements: tuple[Entitlement, ...] | None = None,
) -> LicenseSnapshot:
    """A snapshot with the given severity; registration expires ``expiry_days`` after
    ``collected_at``, authorization ``auth_days`` after, evaluation (if given) ``eval_days``."""
    reg_expires = collected_at + timedelta(days=expiry_days)
    auth_expires = collected_at + timedelta(days=auth_days)
    evaluation = (
        ()
        if eval_days is None
        else (
            Deadline(
                kind=DeadlineKind.EVALUATION_END,
                at=collected_at + timedelta(days=eval_days),
                days_left=eval_days,
                hard=True,
            ),
        )
    )
    if entitlements is None:
        entitlements = (
            Entitlement(
                tag=CUWL,
                name="CUWL",
                count=120,
                status=EntitlementStatus.IN_COMPLIANCE,
                raw_status="InCompliance",
            ),
            Entitlement(
                tag=ENHANCED,
                name="Enhanced",
                count=7,
                status=EntitlementStatus.INIT,
                raw_status="Init",
            ),
        )
    return LicenseSnapshot(
        cluster=cluster,
        publisher=f"{cluster}.example.net",
        source="axl",
        collected_at=collected_at,
        smart_licensing="enabled",
        registration=Registration(status=registration, raw="Registered", expires=reg_expires),
        authorization=Authorization(status=authorization, raw="Authorized", expires=auth_expires),
        entitlements=entitlements,
        severity=severity,
        reasons=() if severity is Severity.OK else (f"test {severity.value}",),
        deadlines=(
            Deadline(
                kind=DeadlineKind.REGISTRATION_EXPIRY,
                at=reg_expires,
                days_left=expiry_days,
                hard=True,
            ),
            Deadline(
                kind=DeadlineKind.AUTHORIZATION_EXPIRY,
                at=auth_expires,
                days_left=auth_days,
                hard=True,
            ),
            *evaluation,
            Deadline(
                kind=DeadlineKind.AUTHORIZATION_RENEWAL,
                at=collected_at + timedelta(days=20),
                days_left=20,
                hard=False,
            ),
        ),
    )


def make_status(
    cluster: str,
    severity: Severity | None = Severity.OK,
    *,
    age: timedelta = timedelta(minutes=1),
    failures: int = 0,
    error_kind: str | None = None,
    stale: bool = False,
    tags: dict[str, str] | None = None,
    expiry_days: float = 200.0,
    now: datetime = NOW,
    **snapshot_args: Any,
) -> ClusterStatus:
    """A cluster's status: ``severity=None`` means never polled successfully.

    ``snapshot_args`` go to :func:`make_snapshot` (statuses, deadlines, entitlements)."""
    seen = now - age
    snap = (
        None
        if severity is None
        else make_snapshot(
            cluster, severity, collected_at=seen, expiry_days=expiry_days, **snapshot_args
        )
    )
    error = (
        ErrorInfo(kind=error_kind, message=f"{error_kind} talking to {cluster}", cluster=cluster)
        if error_kind
        else None
    )
    return ClusterStatus(
        cluster=cluster,
        tags=tags if tags is not None else {"region": "emea"},
        last_good=snap,
        last_seen=seen if snap else None,
        last_attempt=seen if snap and not failures else now - timedelta(seconds=30),
        last_duration_s=0.25,
        consecutive_failures=failures,
        last_error=error,
        stale=stale,
        transport="axl",
        axl_version="14.0",
    )


StatusFactory = Callable[..., ClusterStatus]


@pytest.fixture
def status_factory() -> StatusFactory:
    return make_status


@pytest.fixture
def snapshot_factory() -> Callable[..., LicenseSnapshot]:
    return make_snapshot


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def promtool() -> str:
    """The path of ``promtool``; skips where it is not installed, fails in CI.

    ``.ci/run`` installs it (Debian package ``prometheus``), so in CI a missing promtool
    is a broken set-up, not a reason to pass quietly.
    """
    import os
    import shutil

    path = shutil.which("promtool")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing in CI: .ci/run should have installed it")
        pytest.skip("promtool not installed (apt-get install prometheus); structural checks ran")
    return path
