"""Remediation never says "nothing to do" beside a cluster that is not ok."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from collectors.model import (
    AuthorizationStatus,
    Deadline,
    DeadlineKind,
    EntitlementStatus,
    LicenseSnapshot,
    RegistrationStatus,
    Severity,
)
from collectors.results import ClusterStatus, ErrorInfo
from dashboard.remediation import hints_for


def _status(snap: LicenseSnapshot | None, **kw: object) -> ClusterStatus:
    return ClusterStatus(cluster="c1", last_good=snap, **kw)  # type: ignore[arg-type]


def test_an_overdue_deadline_gets_a_critical_hint(
    healthy_snapshot: LicenseSnapshot, now: datetime
) -> None:
    overdue = Deadline(
        kind=DeadlineKind.REGISTRATION_EXPIRY, at=now - timedelta(days=3), days_left=-3, hard=True
    )
    snap = healthy_snapshot.model_copy(
        update={"deadlines": (overdue,), "severity": Severity.CRITICAL}
    )
    hints = hints_for(_status(snap), now)
    assert hints and hints[0].severity is Severity.CRITICAL
    assert "overdue" in hints[0].problem


@pytest.mark.parametrize("part", ["registration", "authorization", "entitlement"])
def test_unknown_states_get_a_hint(
    healthy_snapshot: LicenseSnapshot, now: datetime, part: str
) -> None:
    snap = healthy_snapshot
    if part == "registration":
        reg = snap.registration.model_copy(
            update={"status": RegistrationStatus.UNKNOWN, "raw": "WEIRD"}
        )
        snap = snap.model_copy(update={"registration": reg})
    elif part == "authorization":
        auth = snap.authorization.model_copy(update={"status": AuthorizationStatus.UNKNOWN})
        snap = snap.model_copy(update={"authorization": auth})
    else:
        ents = tuple(
            e.model_copy(update={"status": EntitlementStatus.UNKNOWN}) for e in snap.entitlements
        )
        snap = snap.model_copy(update={"entitlements": ents})
    hints = hints_for(_status(snap.model_copy(update={"severity": Severity.UNKNOWN})), now)
    assert any(h.severity is Severity.UNKNOWN and "unknown" in h.problem for h in hints)


@pytest.mark.parametrize("severity", [Severity.WARNING, Severity.CRITICAL, Severity.UNKNOWN])
def test_a_cluster_that_is_not_ok_always_has_a_hint(
    healthy_snapshot: LicenseSnapshot, now: datetime, severity: Severity
) -> None:
    snap = healthy_snapshot.model_copy(
        update={"severity": severity, "reasons": ("something the rules saw",)}
    )
    hints = hints_for(_status(snap), now)
    assert hints, "a not-ok cluster with nothing to do"
    assert any("something the rules saw" in h.problem.lower() for h in hints)


def test_stale_data_gets_a_hint(healthy_snapshot: LicenseSnapshot, now: datetime) -> None:
    hints = hints_for(_status(healthy_snapshot, stale=True), now)
    assert any("stale" in h.problem for h in hints)


def test_publisher_text_in_a_hint_is_one_inert_line(
    healthy_snapshot: LicenseSnapshot, now: datetime
) -> None:
    error = ErrorInfo(kind="soap_fault", message="x\n\x1b]0;t\x07y")
    hints = hints_for(_status(healthy_snapshot, consecutive_failures=1, last_error=error), now)
    assert all("\n" not in h.problem and "\x1b" not in h.problem for h in hints)
