"""Severity, reasons and deadlines of one snapshot at a reference time ``now``.

Rules (domain notes, section 5): critical beats unknown beats warning beats ok. Reasons
are short sentences for a NOC engineer, worst first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from collectors.model import (
    Authorization,
    AuthorizationStatus,
    Deadline,
    DeadlineKind,
    Entitlement,
    EntitlementStatus,
    Registration,
    RegistrationStatus,
    Severity,
    to_utc_second,
)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Days before a hard deadline at which a cluster turns warning, then critical."""

    warning_days: float = 30
    critical_days: float = 7

    def __post_init__(self) -> None:
        if self.critical_days < 0 or self.warning_days < self.critical_days:
            raise ValueError("thresholds need 0 <= critical_days <= warning_days")


DEFAULT_THRESHOLDS: Final = Thresholds()

_R = RegistrationStatus
_A = AuthorizationStatus
_E = EntitlementStatus

_REGISTRATION_RULES: dict[RegistrationStatus, tuple[Severity, str]] = {
    _R.REGISTRATION_EXPIRED: (Severity.CRITICAL, "Registration expired"),
    _R.UNREGISTERED: (Severity.WARNING, "Not registered with Cisco"),
    _R.RESERVATION_IN_PROGRESS: (Severity.WARNING, "Licence reservation in progress"),
}
_AUTHORIZATION_RULES: dict[AuthorizationStatus, tuple[Severity, str]] = {
    _A.EVALUATION_EXPIRED: (Severity.CRITICAL, "Evaluation period expired"),
    _A.OUT_OF_COMPLIANCE: (Severity.CRITICAL, "Out of compliance"),
    _A.AUTHORIZATION_EXPIRED: (Severity.CRITICAL, "Authorization expired"),
    _A.NOT_AUTHORIZED_RESERVED: (Severity.CRITICAL, "Reserved licences not authorized"),
    _A.EVALUATION: (Severity.WARNING, "In evaluation mode"),
}
_ENTITLEMENT_RULES: dict[EntitlementStatus, tuple[Severity, str]] = {
    _E.OUT_OF_COMPLIANCE: (Severity.CRITICAL, "is out of compliance"),
    _E.EVALUATION_EXPIRED: (Severity.CRITICAL, "has an expired evaluation"),
    _E.AUTHORIZATION_EXPIRED: (Severity.CRITICAL, "has an expired authorization"),
    _E.NOT_AUTHORIZED: (Severity.CRITICAL, "is not authorized"),
    _E.EVALUATION: (Severity.WARNING, "is in evaluation"),
    _E.WAITING: (Severity.WARNING, "is waiting for authorization"),
}
_DEADLINE_WORDS: dict[DeadlineKind, str] = {
    DeadlineKind.REGISTRATION_EXPIRY: "Registration expires",
    DeadlineKind.AUTHORIZATION_EXPIRY: "Authorization expires",
    DeadlineKind.EVALUATION_END: "Evaluation ends",
}
_PAST_WORDS: dict[DeadlineKind, str] = {
    DeadlineKind.REGISTRATION_EXPIRY: "Registration expiry date passed",
    DeadlineKind.AUTHORIZATION_EXPIRY: "Authorization deadline passed",
    DeadlineKind.EVALUATION_END: "Evaluation period ended",
}


def days_between(now: datetime, at: datetime) -> float:
    return round((at - now).total_seconds() / 86400, 2)


def deadlines_of(
    registration: Registration, authorization: Authorization, now: datetime
) -> tuple[Deadline, ...]:
    """Every known deadline, sorted by time (``now`` must be aware)."""
    now = to_utc_second(now)
    found: list[tuple[DeadlineKind, datetime]] = []
    pairs = (
        (DeadlineKind.REGISTRATION_RENEWAL, registration.next_renewal_attempt),
        (DeadlineKind.REGISTRATION_EXPIRY, registration.expires),
        (DeadlineKind.AUTHORIZATION_RENEWAL, authorization.next_communication_attempt),
        (DeadlineKind.AUTHORIZATION_EXPIRY, authorization.expires),
    )
    found.extend((kind, at) for kind, at in pairs if at is not None)
    remaining = authorization.evaluation_remaining_days
    if authorization.status is _A.EVALUATION and remaining is not None:
        with contextlib.suppress(OverflowError):
            found.append((DeadlineKind.EVALUATION_END, now + timedelta(days=remaining)))
    return tuple(
        Deadline.model_construct(
            kind=kind, at=to_utc_second(at), days_left=days_between(now, at), hard=kind.hard
        )
        for kind, at in sorted(found, key=lambda pair: pair[1])
    )


def _in_days(days: float) -> str:
    if days < 1:
        return f"in {max(int(days * 24), 0)} h"
    return f"in {int(days)} d"


def _attempt_reason(what: str, result: str | None, reason: str | None) -> str | None:
    if result == "failed":
        return f"Last {what} failed" + (f": {reason}" if reason else "")
    if reason:
        return f"{what.capitalize()} problem: {reason}"
    return None


def assess(
    registration: Registration,
    authorization: Authorization,
    entitlements: Sequence[Entitlement],
    now: datetime,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    notes: Iterable[str] = (),
) -> tuple[Severity, tuple[str, ...], tuple[Deadline, ...]]:
    """``(severity, reasons, deadlines)`` of one snapshot's content at ``now``.

    ``notes`` are informational lines (an unreadable date, say) added after the
    severity reasons; they do not change the severity.
    """
    found: list[tuple[Severity, str]] = []

    rule = _REGISTRATION_RULES.get(registration.status)
    if rule:
        found.append(rule)
    elif registration.status is _R.UNKNOWN:
        found.append(
            (Severity.UNKNOWN, f"Unknown registration status '{registration.raw}'")
            if registration.raw
            else (Severity.UNKNOWN, "No registration status reported")
        )

    rule = _AUTHORIZATION_RULES.get(authorization.status)
    if rule:
        severity, text = rule
        days = authorization.evaluation_remaining_days
        if authorization.status is _A.EVALUATION and days is not None:
            text = f"{text} ({days:g} d left)"
        found.append((severity, text))
    elif authorization.status is _A.UNKNOWN:
        found.append(
            (Severity.UNKNOWN, f"Unknown authorization status '{authorization.raw}'")
            if authorization.raw
            else (Severity.UNKNOWN, "No authorization status reported")
        )

    for ent in entitlements:
        rule = _ENTITLEMENT_RULES.get(ent.status)
        if rule:
            found.append((rule[0], f"Entitlement {ent.name} {rule[1]}"))
        elif ent.status is _E.UNKNOWN:
            raw = ent.raw_status or "(none)"
            found.append((Severity.UNKNOWN, f"Entitlement {ent.name} has unknown status '{raw}'"))

    for what, result, reason in (
        ("registration renewal", registration.last_renewal_result, registration.failure_reason),
        (
            "authorization renewal",
            authorization.last_communication_result,
            authorization.failure_reason,
        ),
    ):
        attempt_text = _attempt_reason(what, result, reason)
        if attempt_text:
            found.append((Severity.WARNING, attempt_text))

    deadlines = deadlines_of(registration, authorization, now)
    already = {
        DeadlineKind.REGISTRATION_EXPIRY: registration.status is _R.REGISTRATION_EXPIRED,
        DeadlineKind.AUTHORIZATION_EXPIRY: authorization.status is _A.AUTHORIZATION_EXPIRED,
        DeadlineKind.EVALUATION_END: False,
    }
    for deadline in deadlines:
        if not deadline.hard or already[deadline.kind]:
            continue
        day = deadline.at.strftime("%Y-%m-%d")
        if deadline.days_left <= 0:
            found.append((Severity.CRITICAL, f"{_PAST_WORDS[deadline.kind]} ({day})"))
            continue
        if deadline.days_left <= thresholds.critical_days:
            severity = Severity.CRITICAL
        elif deadline.days_left <= thresholds.warning_days:
            severity = Severity.WARNING
        else:
            continue
        when = _in_days(deadline.days_left)
        found.append((severity, f"{_DEADLINE_WORDS[deadline.kind]} {when} ({day})"))

    severity = max((s for s, _ in found), key=lambda s: s.rank, default=Severity.OK)
    ordered = sorted(found, key=lambda pair: -pair[0].rank)  # stable: keeps rule order
    reasons = tuple(text for _, text in ordered) + tuple(notes)
    return severity, reasons, deadlines
