"""Builders for store tests, the crash writer and the benchmark (no parser needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
from collectors.results import ClusterStatus, ErrorInfo, PollResult, PollUpdate

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # a Monday
TAGS = {
    "regid.2017-02.com.cisco.UCM_CUWL,12.0_cc59375a-1cd8-4b36-8366-6f4d2abba965": "CUWL",
    "regid.2016-07.com.cisco.UCM_Enhanced,12.0_66d0d1cf-4863-4761-91d0-d01d3eb1949a": "Enhanced",
    "regid.2016-07.com.cisco.UCM_Basic,12.0_ef827a2f-f4ae-4ebb-887f-052737063d3a": "Basic",
}
CUWL, ENHANCED, BASIC = TAGS


def snapshot(
    cluster: str = "emea-lon",
    at: datetime = T0,
    *,
    counts: dict[str, int] | None = None,
    registration: RegistrationStatus = RegistrationStatus.REGISTERED,
    authorization: AuthorizationStatus = AuthorizationStatus.AUTHORIZED,
    severity: Severity = Severity.OK,
    statuses: dict[str, EntitlementStatus] | None = None,
) -> LicenseSnapshot:
    counts = counts if counts is not None else {CUWL: 10, ENHANCED: 20, BASIC: 30}
    statuses = statuses or {}
    expires = datetime(2027, 6, 1, tzinfo=UTC)
    return LicenseSnapshot(
        cluster=cluster,
        publisher=f"{cluster}-pub.example.net",
        source="axl",
        collected_at=at,
        smart_licensing="enabled",
        registration=Registration(
            status=registration, raw=registration.value, smart_account="ACME", expires=expires
        ),
        authorization=Authorization(status=authorization, raw=authorization.value),
        entitlements=tuple(
            Entitlement(
                tag=tag,
                name=TAGS.get(tag, tag),
                count=count,
                status=statuses.get(tag, EntitlementStatus.IN_COMPLIANCE),
                raw_status="InCompliance",
            )
            for tag, count in counts.items()
        ),
        severity=severity,
        reasons=("registered and authorized",),
        deadlines=(
            Deadline(
                kind=DeadlineKind.REGISTRATION_EXPIRY,
                at=expires,
                days_left=round((expires - at).total_seconds() / 86400, 2),
                hard=True,
            ),
        ),
    )


def good(snap: LicenseSnapshot, tags: dict[str, str] | None = None) -> PollUpdate:
    return PollUpdate(
        result=PollResult(
            cluster=snap.cluster,
            started_at=snap.collected_at,
            duration_s=0.25,
            snapshot=snap,
            transport="axl",
            axl_version="14.0",
        ),
        status=ClusterStatus(
            cluster=snap.cluster,
            tags=tags or {"region": "emea"},
            last_good=snap,
            last_seen=snap.collected_at,
            last_attempt=snap.collected_at,
            transport="axl",
            axl_version="14.0",
        ),
    )


def bad(
    cluster: str, at: datetime, kind: str = "connect_timeout", message: str = "no answer"
) -> PollUpdate:
    error = ErrorInfo(kind=kind, message=message, cluster=cluster)
    return PollUpdate(
        result=PollResult(cluster=cluster, started_at=at, duration_s=15.0, error=error),
        status=ClusterStatus(
            cluster=cluster, last_attempt=at, consecutive_failures=1, last_error=error
        ),
    )


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
