"""Severity, reasons and deadlines (domain notes, section 5) on hand-built snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collectors.model import (
    Authorization,
    DeadlineKind,
    Entitlement,
    Registration,
    Severity,
)
from collectors.model import AuthorizationStatus as A
from collectors.model import EntitlementStatus as E
from collectors.model import RegistrationStatus as R
from collectors.severity import Thresholds, assess

NOW = datetime(2025, 1, 1, tzinfo=UTC)
GOOD_REG = Registration(status=R.REGISTERED, raw="Registered")
GOOD_AUTH = Authorization(status=A.AUTHORIZED, raw="Authorized")


def ent(status: E, raw: str = "x", name: str = "Enhanced") -> Entitlement:
    return Entitlement(tag="t", name=name, count=3, status=status, raw_status=raw)


@pytest.mark.parametrize(
    ("reg", "auth", "ents", "severity", "first_reason"),
    [
        (GOOD_REG, GOOD_AUTH, [ent(E.IN_COMPLIANCE), ent(E.INIT)], Severity.OK, None),
        (Registration(status=R.REGISTERED_SLR), Authorization(status=A.AUTHORIZED_RESERVED),
         [ent(E.RESERVED)], Severity.OK, None),
        (GOOD_REG, Authorization(status=A.NO_LICENSES_IN_USE), [], Severity.OK, None),
        (Registration(status=R.REGISTRATION_EXPIRED), GOOD_AUTH, [], Severity.CRITICAL,
         "Registration expired"),
        (GOOD_REG, Authorization(status=A.AUTHORIZATION_EXPIRED), [], Severity.CRITICAL,
         "Authorization expired"),
        (GOOD_REG, Authorization(status=A.EVALUATION_EXPIRED), [], Severity.CRITICAL,
         "Evaluation period expired"),
        (GOOD_REG, Authorization(status=A.OUT_OF_COMPLIANCE), [], Severity.CRITICAL,
         "Out of compliance"),
        (Registration(status=R.REGISTERED_SLR), Authorization(status=A.NOT_AUTHORIZED_RESERVED),
         [], Severity.CRITICAL, "Reserved licences not authorized"),
        (GOOD_REG, GOOD_AUTH, [ent(E.OUT_OF_COMPLIANCE)], Severity.CRITICAL,
         "Entitlement Enhanced is out of compliance"),
        (Registration(status=R.UNREGISTERED), Authorization(status=A.EVALUATION), [],
         Severity.WARNING, "Not registered with Cisco"),
        (Registration(status=R.RESERVATION_IN_PROGRESS), GOOD_AUTH, [], Severity.WARNING,
         "Licence reservation in progress"),
        (Registration(status=R.REGISTERED, last_renewal_result="failed"), GOOD_AUTH, [],
         Severity.WARNING, "Last registration renewal failed"),
        (GOOD_REG, Authorization(status=A.AUTHORIZED, failure_reason="Server unreachable"), [],
         Severity.WARNING, "Authorization renewal problem: Server unreachable"),
        (GOOD_REG, Authorization(status=A.UNKNOWN, raw="FOO BAR"), [], Severity.UNKNOWN,
         "Unknown authorization status 'FOO BAR'"),
        (GOOD_REG, GOOD_AUTH, [ent(E.UNKNOWN, raw="Weird")], Severity.UNKNOWN,
         "Entitlement Enhanced has unknown status 'Weird'"),
        # critical outranks unknown, unknown outranks warning
        (Registration(status=R.UNREGISTERED), Authorization(status=A.UNKNOWN, raw="?"),
         [ent(E.OUT_OF_COMPLIANCE)], Severity.CRITICAL, "Entitlement Enhanced is out"),
        (Registration(status=R.UNREGISTERED), Authorization(status=A.UNKNOWN, raw="?"), [],
         Severity.UNKNOWN, "Unknown authorization status '?'"),
        (Registration(), Authorization(), [], Severity.UNKNOWN, "No registration status"),
    ],
)  # fmt: skip
def test_status_rules(
    reg: Registration,
    auth: Authorization,
    ents: list[Entitlement],
    severity: Severity,
    first_reason: str | None,
) -> None:
    got, reasons, _ = assess(reg, auth, ents, NOW)
    assert got is severity
    if first_reason is None:
        assert reasons == ()
    else:
        assert reasons[0].startswith(first_reason)


@pytest.mark.parametrize(
    ("days", "severity"),
    [(40, Severity.OK), (30, Severity.WARNING), (8, Severity.WARNING),
     (7, Severity.CRITICAL), (0.5, Severity.CRITICAL), (-1, Severity.CRITICAL)],
)  # fmt: skip
def test_hard_deadline_thresholds(days: float, severity: Severity) -> None:
    auth = Authorization(status=A.AUTHORIZED, expires=NOW + timedelta(days=days))
    got, reasons, deadlines = assess(GOOD_REG, auth, [], NOW)
    assert got is severity
    assert [d.kind for d in deadlines] == [DeadlineKind.AUTHORIZATION_EXPIRY]
    assert deadlines[0].days_left == days and deadlines[0].hard
    if severity is not Severity.OK:
        assert "Authorization" in reasons[0]


def test_custom_thresholds() -> None:
    reg = Registration(status=R.REGISTERED, expires=NOW + timedelta(days=50))
    assert assess(reg, GOOD_AUTH, [], NOW)[0] is Severity.OK
    wide = Thresholds(warning_days=60, critical_days=55)
    severity, reasons, _ = assess(reg, GOOD_AUTH, [], NOW, wide)
    assert severity is Severity.CRITICAL
    assert reasons == ("Registration expires in 50 d (2025-02-20)",)
    with pytest.raises(ValueError):
        Thresholds(warning_days=5, critical_days=7)


def test_soft_deadlines_never_raise_severity() -> None:
    reg = Registration(status=R.REGISTERED, next_renewal_attempt=NOW + timedelta(days=1))
    auth = Authorization(status=A.AUTHORIZED, next_communication_attempt=NOW - timedelta(days=2))
    severity, _, deadlines = assess(reg, auth, [], NOW)
    assert severity is Severity.OK
    assert [(d.kind, d.hard) for d in deadlines] == [
        (DeadlineKind.AUTHORIZATION_RENEWAL, False),
        (DeadlineKind.REGISTRATION_RENEWAL, False),
    ]


def test_evaluation_end_only_while_in_evaluation() -> None:
    registered = Authorization(status=A.AUTHORIZED, evaluation_remaining_days=89)
    assert assess(GOOD_REG, registered, [], NOW)[2] == ()
    evaluating = Authorization(status=A.EVALUATION, evaluation_remaining_days=5.5)
    severity, reasons, deadlines = assess(GOOD_REG, evaluating, [], NOW)
    assert severity is Severity.CRITICAL
    assert deadlines[0].kind is DeadlineKind.EVALUATION_END
    assert deadlines[0].at == NOW + timedelta(days=5.5)
    assert reasons == ("Evaluation ends in 5 d (2025-01-06)", "In evaluation mode (5.5 d left)")


def test_expired_status_does_not_repeat_its_deadline() -> None:
    reg = Registration(status=R.REGISTRATION_EXPIRED, expires=NOW - timedelta(days=3))
    _, reasons, deadlines = assess(reg, GOOD_AUTH, [], NOW)
    assert reasons == ("Registration expired",)
    assert deadlines[0].days_left == -3


def test_notes_follow_reasons_without_changing_severity() -> None:
    severity, reasons, _ = assess(GOOD_REG, GOOD_AUTH, [], NOW, notes=["x: zone 'Q' unknown"])
    assert severity is Severity.OK
    assert reasons == ("x: zone 'Q' unknown",)
