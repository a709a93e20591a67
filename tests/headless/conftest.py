"""Fixtures for the headless tests: cluster statuses built from model objects."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from collectors.model import EntitlementStatus, LicenseSnapshot, Severity
from collectors.results import ClusterStatus
from tests.support.factory import CUWL, ENHANCED, NOW, entitlement, snapshot, status

HEADLESS_ENTITLEMENTS = (
    entitlement(CUWL, 120),
    entitlement(ENHANCED, 7, EntitlementStatus.INIT),
)


def make_snapshot(
    cluster: str,
    severity: Severity = Severity.OK,
    *,
    collected_at: datetime = NOW,
    expiry_days: float = 200.0,
    auth_days: float = 80.0,
    **kwargs: Any,
) -> LicenseSnapshot:
    """A snapshot whose severity is ``severity`` whatever its content (the headless faces
    count severities; the rules have their own tests). Registration expires
    ``expiry_days`` after ``collected_at``, authorization ``auth_days`` after; renewals
    are due as a real registered cluster reports them."""
    offset = (collected_at - NOW).total_seconds() / 86400
    if "counts" not in kwargs:
        kwargs.setdefault("entitlements", HEADLESS_ENTITLEMENTS)
    return snapshot(
        cluster,
        collected_at,
        detailed=True,
        reg_expires_days=offset + expiry_days,
        auth_expires_days=offset + auth_days,
        severity=severity,
        reasons=() if severity is Severity.OK else (f"test {severity.value}",),
        **kwargs,
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
    """A cluster's status: ``severity=None`` means never polled successfully; its last
    good poll was ``age`` before ``now``. ``snapshot_args`` go to :func:`make_snapshot`."""
    seen = now - age
    snap = (
        None
        if severity is None
        else make_snapshot(
            cluster, severity, collected_at=seen, expiry_days=expiry_days, **snapshot_args
        )
    )
    return status(
        cluster,
        snap,
        now=now,
        tags=tags,
        failures=failures,
        error=error_kind,
        stale=stale,
        attempt_ago=age if snap and not failures else timedelta(seconds=30),
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
