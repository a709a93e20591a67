"""Remediation hints: each state gets a concrete action, worst first, errors by kind."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from collectors.model import (
    AuthorizationStatus,
    EntitlementStatus,
    LicenseSnapshot,
    RegistrationStatus,
    Severity,
)
from collectors.results import ClusterStatus, ErrorInfo
from dashboard.remediation import LICENSE_MANAGEMENT, error_hint, hints_for


def status_of(snap: LicenseSnapshot | None, **kw: object) -> ClusterStatus:
    return ClusterStatus(cluster="c1", last_good=snap, **kw)  # type: ignore[arg-type]


def with_auth(snap: LicenseSnapshot, status: AuthorizationStatus, **kw: object) -> LicenseSnapshot:
    auth = snap.authorization.model_copy(update={"status": status, **kw})
    return snap.model_copy(update={"authorization": auth})


def with_reg(snap: LicenseSnapshot, status: RegistrationStatus, **kw: object) -> LicenseSnapshot:
    reg = snap.registration.model_copy(update={"status": status, **kw})
    return snap.model_copy(update={"registration": reg})


def test_healthy_cluster_needs_nothing(healthy_snapshot: LicenseSnapshot, now: datetime) -> None:
    assert hints_for(status_of(healthy_snapshot), now) == []


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (AuthorizationStatus.EVALUATION_EXPIRED, ("Evaluation expired", "Register")),
        (AuthorizationStatus.OUT_OF_COMPLIANCE, ("Out of compliance", "virtual account")),
        (
            AuthorizationStatus.AUTHORIZATION_EXPIRED,
            ("Authorization expired", "Renew Authorization Now"),
        ),
        (AuthorizationStatus.NOT_AUTHORIZED_RESERVED, ("reservation", "authorization code")),
    ],
)
def test_critical_authorization_states_are_critical_with_an_action(
    healthy_snapshot: LicenseSnapshot,
    now: datetime,
    status: AuthorizationStatus,
    words: tuple[str, str],
) -> None:
    hints = hints_for(status_of(with_auth(healthy_snapshot, status)), now)
    assert hints[0].severity is Severity.CRITICAL
    assert words[0] in hints[0].problem
    assert words[1] in hints[0].action


def test_evaluation_mode_says_days_left_and_how_to_register(
    healthy_snapshot: LicenseSnapshot, now: datetime
) -> None:
    snap = with_auth(
        healthy_snapshot, AuthorizationStatus.EVALUATION, evaluation_remaining_days=12.0
    )
    [hint] = hints_for(status_of(snap), now)
    assert hint.severity is Severity.WARNING
    assert "12 days left" in hint.problem
    assert f"{LICENSE_MANAGEMENT} > Register" in hint.action


def test_unregistered_points_at_smart_software_manager_token(
    healthy_snapshot: LicenseSnapshot, now: datetime
) -> None:
    [hint] = hints_for(status_of(with_reg(healthy_snapshot, RegistrationStatus.UNREGISTERED)), now)
    assert "Unregistered" in hint.problem
    assert "token from Smart Software Manager" in hint.action
    assert "System > Licensing > License Management > Register" in hint.action


def test_registration_expired_asks_to_reregister(
    healthy_snapshot: LicenseSnapshot, now: datetime
) -> None:
    snap = with_reg(healthy_snapshot, RegistrationStatus.REGISTRATION_EXPIRED)
    [hint] = hints_for(status_of(snap), now)
    assert hint.severity is Severity.CRITICAL
    assert "Reregister" in hint.action


def test_failed_renewal_and_communication_each_get_a_hint_with_the_reason(
    healthy_snapshot: LicenseSnapshot, now: datetime
) -> None:
    snap = with_reg(
        healthy_snapshot,
        RegistrationStatus.REGISTERED,
        last_renewal_result="failed",
        failure_reason="Communication send error",
    )
    snap = with_auth(snap, AuthorizationStatus.AUTHORIZED, last_communication_result="failed")
    hints = hints_for(status_of(snap), now)
    problems = [h.problem for h in hints]
    assert any("registration renewal failed (Communication send error)" in p for p in problems)
    assert any("authorization renewal failed" in p for p in problems)
    assert all("smartreceiver.cisco.com" in h.action for h in hints)


def test_uncovered_entitlement_is_named(healthy_snapshot: LicenseSnapshot, now: datetime) -> None:
    bad = healthy_snapshot.entitlements[0].model_copy(
        update={"status": EntitlementStatus.OUT_OF_COMPLIANCE}
    )
    snap = healthy_snapshot.model_copy(
        update={"entitlements": (bad, *healthy_snapshot.entitlements[1:])}
    )
    [hint] = hints_for(status_of(snap), now)
    assert hint.severity is Severity.CRITICAL
    assert "CUWL" in hint.problem


def test_hard_deadline_within_a_week_is_critical(
    healthy_snapshot: LicenseSnapshot, now: datetime
) -> None:
    # The shared factory's authorization expires 80 days after NOW, before the
    # registration (200 days): the nearest hard deadline is the authorization's.
    expiry = healthy_snapshot.authorization.expires
    assert expiry is not None
    hints = hints_for(status_of(healthy_snapshot), expiry - timedelta(days=3))
    assert hints and hints[0].severity is Severity.CRITICAL
    assert "authorization expiry is in 3 d" in hints[0].problem


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("auth", "AXL API Access"),
        ("tls", "CA bundle"),
        ("not_found", "Cisco AXL Web Service"),
        ("read_timeout", "timeout"),
        ("connect_timeout", "firewalls"),
        ("ssh_auth", "platform administrator"),
    ],
)
def test_poll_errors_map_to_actions_by_kind(kind: str, expected: str) -> None:
    hint = error_hint(ErrorInfo(kind=kind, message="boom", cluster="c1"))
    assert expected in hint.action
    assert f"({kind})" in hint.problem


def test_unknown_error_kind_falls_back_to_the_errors_own_hint() -> None:
    hint = error_hint(ErrorInfo(kind="weird", message="x", hint="Check the weird thing."))
    assert hint.action == "Check the weird thing."


def test_unreachable_cluster_leads_with_the_error_and_keeps_state_hints(
    healthy_snapshot: LicenseSnapshot, now: datetime
) -> None:
    snap = with_auth(healthy_snapshot, AuthorizationStatus.OUT_OF_COMPLIANCE)
    status = status_of(
        snap,
        consecutive_failures=2,
        last_error=ErrorInfo(kind="auth", message="HTTP 401", cluster="c1"),
    )
    hints = hints_for(status, now)
    assert hints[0].severity is Severity.CRITICAL  # the licensing state is worse
    assert any("Polling fails (auth)" in h.problem for h in hints)


def test_never_polled_cluster_suggests_a_connection_check(now: datetime) -> None:
    [hint] = hints_for(status_of(None), now)
    assert hint.severity is Severity.UNKNOWN
    assert "config check" in hint.action
