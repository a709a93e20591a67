"""The one builder of test data: snapshots, cluster statuses and poll updates, all on
one reference time.

Dates inside a snapshot (expiries, renewals) are fixed offsets from ``NOW``, not from
the snapshot's ``at``, so two snapshots of the same content taken at different times
are equal but for ``collected_at`` (the store's change-only history relies on it).
Severity, reasons and deadlines come from the real rules (``collectors.severity``)
unless a test sets them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from collectors.model import (
    Authorization,
    AuthorizationStatus,
    Deadline,
    Entitlement,
    EntitlementStatus,
    LicenseSnapshot,
    Registration,
    RegistrationStatus,
    Severity,
)
from collectors.results import ClusterStatus, ErrorInfo, PollResult, PollUpdate
from collectors.severity import assess

NOW: Final = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
"""The reference time of every test and benchmark (a Sunday, noon UTC)."""
WEEK_START: Final = NOW + timedelta(hours=20)
"""Monday 08:00 after ``NOW``: the store's week shards begin on Mondays, so store tests
start here to keep a few days of polls in one shard."""

CUWL: Final = "regid.2017-02.com.cisco.UCM_CUWL,12.0_cc59375a-1cd8-4b36-8366-6f4d2abba965"
ENHANCED: Final = "regid.2016-07.com.cisco.UCM_Enhanced,12.0_66d0d1cf-4863-4761-91d0-d01d3eb1949a"
ENHANCED_PLUS: Final = (
    "regid.2016-07.com.cisco.UCM_EnhancedPlus,12.0_d8372792-588c-4caa-b279-8587e5ce2f82"
)
BASIC: Final = "regid.2016-07.com.cisco.UCM_Basic,12.0_ef827a2f-f4ae-4ebb-887f-052737063d3a"
ESSENTIAL: Final = "regid.2016-07.com.cisco.UCM_Essential,12.0_25f9c396-c67c-4519-aa98-d4b3ad18f805"
TELEPRESENCE: Final = (
    "regid.2016-07.com.cisco.UCM_TelePresenceRoom,12.0_d9a71418-29e9-4c9a-9d3a-1366ebe38e7c"
)
NAMES: Final = {
    CUWL: "CUWL",
    ENHANCED: "Enhanced",
    ENHANCED_PLUS: "Enhanced Plus",
    BASIC: "Basic",
    ESSENTIAL: "Essential",
    TELEPRESENCE: "TelePresence Room",
}
DEFAULT_COUNTS: Final = {CUWL: 10, ENHANCED: 20, BASIC: 30}

_RAW = {
    EntitlementStatus.IN_COMPLIANCE: "InCompliance",
    EntitlementStatus.OUT_OF_COMPLIANCE: "OutOfCompliance",
    EntitlementStatus.INIT: "Init",
    EntitlementStatus.EVALUATION: "EVAL MODE",
}


def _raw(status: RegistrationStatus | AuthorizationStatus) -> str:
    """The word a publisher prints for ``status``: ``Out of compliance``."""
    return status.value.replace("_", " ").capitalize()


def days(n: float) -> timedelta:
    return timedelta(days=n)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def entitlement(
    tag: str,
    count: int,
    status: EntitlementStatus = EntitlementStatus.IN_COMPLIANCE,
    *,
    name: str | None = None,
    raw: str | None = None,
) -> Entitlement:
    return Entitlement(
        tag=tag,
        name=name or NAMES.get(tag, tag),
        count=count,
        status=status,
        raw_status=raw or _RAW.get(status, status.value),
    )


def snapshot(
    cluster: str = "emea-lon",
    at: datetime = NOW,
    *,
    registration: RegistrationStatus | Registration = RegistrationStatus.REGISTERED,
    authorization: AuthorizationStatus | Authorization = AuthorizationStatus.AUTHORIZED,
    reg_expires_days: float | None = 200,
    auth_expires_days: float | None = 80,
    eval_days: float | None = None,
    detailed: bool = False,
    counts: Mapping[str, int] | None = None,
    statuses: Mapping[str, EntitlementStatus] | None = None,
    entitlements: Sequence[Entitlement] | None = None,
    severity: Severity | None = None,
    reasons: Sequence[str] | None = None,
    deadlines: Sequence[Deadline] | None = None,
    **fields: Any,
) -> LicenseSnapshot:
    """One cluster's snapshot collected at ``at``.

    ``registration``/``authorization``: a status (the record is built around it: it
    expires ``reg_expires_days``/``auth_expires_days`` after ``NOW``, None for never;
    ``eval_days`` left in evaluation) or a whole record. ``detailed`` adds what a real
    registered cluster reports besides (smart account, renewal attempts). Entitlements:
    ``entitlements``, or ``counts`` per tag with ``statuses`` per tag. ``severity``,
    ``reasons`` and ``deadlines`` default to the real rules' verdict at ``at``; other
    ``fields`` go to the snapshot as they are.
    """
    if not isinstance(registration, Registration):
        details: dict[str, Any] = {}
        if detailed:
            details = {
                "smart_account": "ACME Corp",
                "virtual_account": "Voice",
                "export_controlled": "allowed",
                "initial_registration": NOW - days(400),
                "last_renewal_attempt": NOW - days(20),
                "last_renewal_result": "succeeded",
                "next_renewal_attempt": NOW + days(160),
            }
        registration = Registration(
            status=registration,
            raw=_raw(registration),
            expires=None if reg_expires_days is None else NOW + days(reg_expires_days),
            **details,
        )
    if not isinstance(authorization, Authorization):
        details = {}
        if detailed:
            details = {
                "last_communication_attempt": NOW - days(3),
                "last_communication_result": "succeeded",
                "next_communication_attempt": NOW + days(27),
            }
        authorization = Authorization(
            status=authorization,
            raw=_raw(authorization),
            expires=None if auth_expires_days is None else NOW + days(auth_expires_days),
            evaluation_remaining_days=eval_days,
            **details,
        )
    if entitlements is None:
        chosen = dict(DEFAULT_COUNTS if counts is None else counts)
        marks = statuses or {}
        entitlements = [
            entitlement(tag, count, marks.get(tag, EntitlementStatus.IN_COMPLIANCE))
            for tag, count in chosen.items()
        ]
    ruled, why, due = assess(registration, authorization, entitlements, at)
    fields.setdefault("publisher", f"{cluster}.example.net")
    fields.setdefault("source", "axl")
    fields.setdefault("smart_licensing", "enabled")
    return LicenseSnapshot(
        cluster=cluster,
        collected_at=at,
        registration=registration,
        authorization=authorization,
        entitlements=tuple(entitlements),
        severity=ruled if severity is None else severity,
        reasons=why if reasons is None else tuple(reasons),
        deadlines=due if deadlines is None else tuple(deadlines),
        **fields,
    )


def error_info(
    cluster: str, kind: str = "connect_timeout", message: str | None = None
) -> ErrorInfo:
    return ErrorInfo(kind=kind, message=message or f"{kind} talking to {cluster}", cluster=cluster)


def status(
    cluster: str,
    snap: LicenseSnapshot | None = None,
    *,
    now: datetime = NOW,
    tags: Mapping[str, str] | None = None,
    failures: int = 0,
    error: str | None = None,
    stale: bool = False,
    attempt_ago: timedelta = timedelta(minutes=1),
    **fields: Any,
) -> ClusterStatus:
    """A cluster's status at ``now``: last good poll ``snap`` (None: never polled; its
    ``collected_at`` is the last good poll), the last attempt ``attempt_ago`` before
    ``now``, failing ``failures`` times in a row with an error of kind ``error``. Other
    ``fields`` go to the status as they are."""
    fields.setdefault("product", snap.product if snap is not None else "cucm")
    fields.setdefault("transport", "axl")
    fields.setdefault("axl_version", "14.0" if snap is not None else None)
    fields.setdefault("last_duration_s", 0.25)
    return ClusterStatus(
        cluster=cluster,
        tags=dict(tags) if tags is not None else {"region": "emea"},
        last_good=snap,
        last_seen=snap.collected_at if snap is not None else None,
        last_attempt=now - attempt_ago,
        consecutive_failures=failures,
        last_error=error_info(cluster, error) if error else None,
        stale=stale,
        **fields,
    )


def good(snap: LicenseSnapshot, tags: Mapping[str, str] | None = None) -> PollUpdate:
    """The update of a successful poll that returned ``snap``."""
    return PollUpdate(
        result=PollResult(
            cluster=snap.cluster,
            started_at=snap.collected_at,
            duration_s=0.25,
            snapshot=snap,
            transport="axl",
            axl_version="14.0",
        ),
        status=status(
            snap.cluster, snap, now=snap.collected_at, tags=tags, attempt_ago=timedelta(0)
        ),
    )


def bad(
    cluster: str,
    at: datetime,
    kind: str = "connect_timeout",
    message: str = "no answer",
    *,
    tags: Mapping[str, str] | None = None,
) -> PollUpdate:
    """The update of a failed poll of a cluster never polled successfully."""
    failure = error_info(cluster, kind, message)
    return PollUpdate(
        result=PollResult(cluster=cluster, started_at=at, duration_s=15.0, error=failure),
        status=ClusterStatus(
            cluster=cluster,
            tags=dict(tags or {}),
            last_attempt=at,
            consecutive_failures=1,
            last_error=failure,
        ),
    )


def acknowledgement(
    status: ClusterStatus,
    *,
    ack_id: str = "a1",
    by: str = "alice",
    ago: timedelta = timedelta(hours=1),
    reason: str = "INC42",
) -> Any:
    """An acknowledgement of every problem ``status`` has now, made ``ago`` before NOW."""
    from collectors.acks import Ack, problem_of

    return Ack(
        id=ack_id,
        cluster=status.cluster,
        kind="ack",
        by=by,
        at=NOW - ago,
        reason=reason,
        severity=status.severity,
        problems=tuple(sorted(problem_of(status).keys)),
    )
