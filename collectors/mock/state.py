"""Living licence state: a pure function of (publisher profile, simulated time).

Values only (status words as AXL spells them, aware UTC datetimes in simulated time,
entitlement counts), so an AXL renderer and a VOS CLI renderer can show the same state.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

DAY: Final = timedelta(days=1)
REGISTRATION_RENEWAL: Final = timedelta(days=182, hours=12)
REGISTRATION_VALIDITY: Final = timedelta(days=365)
AUTHORIZATION_RENEWAL: Final = timedelta(days=30)
AUTHORIZATION_VALIDITY: Final = timedelta(days=90)
EVALUATION_PERIOD: Final = timedelta(days=90)
USAGE_REPORT: Final = timedelta(hours=8)

SUCCEEDED: Final = "SUCCEEDED"
FAILED: Final = "FAILED"
SUCCESSFUL: Final = "Successful."


@dataclass(frozen=True, slots=True)
class Timer:
    """A periodic renewal: success every ``period`` from ``anchor`` until ``fail_from``.

    After ``fail_from`` every attempt fails and is retried every ``retry``; the grant
    lapses ``validity`` after the last success.
    """

    anchor: datetime
    period: timedelta
    validity: timedelta
    retry: timedelta = DAY
    fail_from: datetime | None = None
    failure_reason: str = "Communication send error."


@dataclass(frozen=True, slots=True)
class TimerState:
    last_attempt: datetime
    succeeded: bool
    next_attempt: datetime
    last_success: datetime
    expires: datetime
    failure_reason: str


def timer_at(timer: Timer, at: datetime) -> TimerState:
    """Where a renewal timer stands at simulated time ``at``."""
    end_ok = at if timer.fail_from is None else min(at, timer.fail_from)
    k = max(0, math.floor((end_ok - timer.anchor) / timer.period))
    last_success = timer.anchor + k * timer.period
    due = last_success + timer.period
    expires = last_success + timer.validity
    if due > at:
        return TimerState(last_success, True, due, last_success, expires, SUCCESSFUL)
    n = math.floor((at - due) / timer.retry)
    last = due + n * timer.retry
    return TimerState(last, False, last + timer.retry, last_success, expires, timer.failure_reason)


@dataclass(frozen=True, slots=True)
class EntitlementPlan:
    """One entitlement's demand: ``base`` drifting by up to ``amplitude`` over time."""

    tag: str
    base: int
    amplitude: int
    phase: float
    status: str  # the word shown while in use (InCompliance, Eval, OutOfCompliance)


@dataclass(frozen=True, slots=True)
class LicencePlan:
    """Everything that decides a publisher's licence state over simulated time."""

    key: str  # seeds the count noise
    kind: str  # registered | evaluation | unregistered | reserved
    smart_account: str | None
    virtual_account: str | None
    udi: str
    export_control: str
    entitlements: tuple[EntitlementPlan, ...]
    registration: Timer | None = None
    authorization: Timer | None = None
    authorized_word: str = "Authorized"
    evaluation_start: datetime | None = None
    evaluation_days_frozen: int = 90


@dataclass(frozen=True, slots=True)
class RegistrationState:
    status: str
    smart_account: str | None
    virtual_account: str | None
    last_renewal_attempt: datetime | None
    next_renewal_attempt: datetime | None
    last_renewal_status: str | None
    failure_reason: str | None
    expires: datetime | None
    udi: str
    export_control: str
    initial_registration: datetime | None = None
    """When the renewals began (Expressway states it; AXL does not)."""
    last_success: datetime | None = None
    """The last successful registration or renewal (Unity states it)."""


@dataclass(frozen=True, slots=True)
class AuthorizationState:
    status: str
    last_communication_attempt: datetime | None
    next_communication_attempt: datetime | None
    last_communication_status: str | None
    failure_reason: str | None
    expires: datetime | None
    evaluation_remaining_days: int
    last_success: datetime | None = None
    """The last successful communication."""


@dataclass(frozen=True, slots=True)
class EntitlementUsage:
    tag: str
    count: int
    status: str


@dataclass(frozen=True, slots=True)
class LicenceState:
    """One publisher's Smart Licensing state at simulated time ``at``."""

    at: datetime
    smart_licensing: str
    registration: RegistrationState
    authorization: AuthorizationState
    entitlements: tuple[EntitlementUsage, ...]


def _count(plan: LicencePlan, ent: EntitlementPlan, at: datetime) -> int:
    if ent.base == 0:
        return 0
    days = at.timestamp() / 86400.0
    bucket = int(at.timestamp() // USAGE_REPORT.total_seconds())
    noise = zlib.crc32(f"{plan.key}|{ent.tag}|{bucket}".encode()) % 3 - 1
    wave = ent.amplitude * math.sin(days / 9.0 + ent.phase)
    return max(1, ent.base + round(wave) + noise)


def licence_state(plan: LicencePlan, at: datetime) -> LicenceState:
    """The living state of ``plan`` at simulated time ``at`` (pure, cheap)."""
    eval_left = plan.evaluation_days_frozen
    entitlement_word: str | None = None
    if plan.kind == "evaluation" and plan.evaluation_start is not None:
        left = plan.evaluation_start + EVALUATION_PERIOD - at
        eval_left = max(0, math.floor(left / DAY))
        expired = left <= timedelta(0)
        auth = AuthorizationState(
            "Evaluation Expired" if expired else "Evaluation Mode",
            None, None, None, None, None, eval_left,
        )  # fmt: skip
        reg = RegistrationState(
            "Unregistered", None, None, None, None, None, None, None,
            plan.udi, plan.export_control,
        )  # fmt: skip
    elif plan.kind == "unregistered":
        auth = AuthorizationState("No Licenses in Use", None, None, None, None, None, eval_left)
        reg = RegistrationState(
            "Unregistered", None, None, None, None, None, None, None,
            plan.udi, plan.export_control,
        )  # fmt: skip
        entitlement_word = "Init"
    elif plan.kind == "reserved":
        auth = AuthorizationState("Authorized - Reserved", None, None, None, None, None, eval_left)
        reg = RegistrationState(
            "Registered - Specific License Reservation",
            plan.smart_account, plan.virtual_account, None, None, None, None, None,
            plan.udi, plan.export_control,
        )  # fmt: skip
    else:
        reg, auth = _registered(plan, at, eval_left)
    ents = []
    for ent in plan.entitlements:
        n = 0 if entitlement_word == "Init" else _count(plan, ent, at)
        word = "Init" if n == 0 else (entitlement_word or ent.status)
        ents.append(EntitlementUsage(ent.tag, n, word))
    return LicenceState(at, "ENABLED", reg, auth, tuple(ents))


def _registered(
    plan: LicencePlan, at: datetime, eval_left: int
) -> tuple[RegistrationState, AuthorizationState]:
    assert plan.registration is not None and plan.authorization is not None
    r = timer_at(plan.registration, at)
    a = timer_at(plan.authorization, at)
    reg = RegistrationState(
        "Registration Expired" if at >= r.expires else "Registered",
        plan.smart_account,
        plan.virtual_account,
        r.last_attempt,
        r.next_attempt,
        SUCCEEDED if r.succeeded else FAILED,
        r.failure_reason,
        r.expires,
        plan.udi,
        plan.export_control,
        initial_registration=plan.registration.anchor,
        last_success=r.last_success,
    )
    auth = AuthorizationState(
        "Authorization Expired" if at >= a.expires else plan.authorized_word,
        a.last_attempt,
        a.next_attempt,
        SUCCEEDED if a.succeeded else FAILED,
        a.failure_reason,
        a.expires,
        eval_left,
        last_success=a.last_success,
    )
    return reg, auth
