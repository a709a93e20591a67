"""Fixed fleets on the reference time ``NOW``: the twelve-cluster demo fleet (every
severity, stale, unreachable, never polled), numbered copies of it, and a large fleet
with regions and customers for the overview, the wall and their benchmark.

The screenshots in ``docs/`` (``docs/screenshots.py``) and the snapshot tests draw the
same fleets, so a screenshot shows what a test holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from collectors.model import (
    AuthorizationStatus,
    EntitlementStatus,
    LicenseSnapshot,
    RegistrationStatus,
)
from collectors.results import ClusterStatus
from tests.support.factory import CUWL, ENHANCED, NOW, entitlement, status
from tests.support.factory import snapshot as build_snapshot


def snapshot(
    cluster: str,
    *,
    ent_status: EntitlementStatus = EntitlementStatus.IN_COMPLIANCE,
    count: int = 120,
    at: datetime = NOW - timedelta(minutes=3),
    auth_expires_days: float | None = 60,
    **kwargs: Any,
) -> LicenseSnapshot:
    """The demo fleet's shape: CUWL and Enhanced (``count``, in ``ent_status``)."""
    entitlements = (entitlement(CUWL, count // 4), entitlement(ENHANCED, count, ent_status))
    return build_snapshot(
        cluster, at, entitlements=entitlements, auth_expires_days=auth_expires_days, **kwargs
    )


def demo_statuses() -> list[ClusterStatus]:
    """Twelve clusters: every severity, stale, unreachable and never polled."""
    R, A, E = RegistrationStatus, AuthorizationStatus, EntitlementStatus
    two_hours_ago = NOW - timedelta(hours=2)
    emea = {"region": "emea", "customer": "acme"}
    amer = {"region": "amer", "customer": "globex"}
    apac = {"region": "apac", "customer": "initech"}
    return [
        status("emea-lon-cucm1", tags=emea, snap=snapshot("emea-lon-cucm1")),
        status(
            "emea-par-cucm1",
            tags=emea,
            snap=snapshot(
                "emea-par-cucm1", authorization=A.EVALUATION, auth_expires_days=None, eval_days=12
            ),
        ),
        status(
            "emea-ber-cucm1",
            tags=emea,
            snap=snapshot(
                "emea-ber-cucm1", authorization=A.OUT_OF_COMPLIANCE, ent_status=E.OUT_OF_COMPLIANCE
            ),
        ),
        status("amer-nyc-cucm1", tags=amer, snap=snapshot("amer-nyc-cucm1", reg_expires_days=4)),
        status(
            "amer-chi-cucm1",
            tags=amer,
            snap=snapshot(
                "amer-chi-cucm1",
                registration=R.UNREGISTERED,
                reg_expires_days=None,
                authorization=A.EVALUATION,
                auth_expires_days=None,
                eval_days=40,
            ),
        ),
        status(
            "amer-sfo-cucm1",
            tags=amer,
            snap=snapshot("amer-sfo-cucm1", at=two_hours_ago),
            error="read_timeout",
            failures=6,
        ),
        status(
            "amer-dal-cucm1",
            tags=amer,
            snap=snapshot(
                "amer-dal-cucm1",
                authorization=A.EVALUATION_EXPIRED,
                auth_expires_days=None,
                eval_days=0,
            ),
        ),
        status(
            "apac-syd-cucm1",
            tags=apac,
            snap=snapshot(
                "apac-syd-cucm1", registration=R.REGISTRATION_EXPIRED, reg_expires_days=-3
            ),
        ),
        status(
            "apac-sin-cucm1",
            tags=apac,
            snap=snapshot(
                "apac-sin-cucm1",
                registration=R.REGISTERED_SLR,
                authorization=A.AUTHORIZED_RESERVED,
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


REGIONS = ("emea", "amer", "apac", "latam", "mea")
CUSTOMERS = tuple(f"cust{n:02d}" for n in range(17))


def large_fleet(count: int, *, variant: int = 0) -> dict[str, ClusterStatus]:
    """``count`` clusters named ``<region>-<site>-cucm<k>`` over five regions and 17
    customers; about 1 in 37 critical, 1 in 11 warning, 1 in 53 unreachable, 1 in 89
    stale, 1 in 149 never polled, the rest ok. ``variant`` changes every cluster's
    content (a different licence count), for refresh benchmarks."""
    R, A, E = RegistrationStatus, AuthorizationStatus, EntitlementStatus
    base = NOW - timedelta(minutes=3)
    out: dict[str, ClusterStatus] = {}
    for index in range(count):
        region = REGIONS[index % len(REGIONS)]
        name = f"{region}-s{index // 3:04d}-cucm{index % 3 + 1}"
        tags = {"region": region, "customer": CUSTOMERS[(index * 7) % len(CUSTOMERS)]}
        at = NOW - timedelta(hours=2) if index % 89 == 7 else base
        kwargs: dict[str, Any] = {}
        if index % 37 == 3:
            kwargs = {"registration": R.REGISTRATION_EXPIRED, "reg_expires_days": -2}
        elif index % 11 == 5:
            kwargs = {"authorization": A.EVALUATION, "auth_expires_days": None, "eval_days": 20}
        entitlements = (
            entitlement(CUWL, 10 + index % 7),
            entitlement(ENHANCED, 100 + variant + index % 50, E.IN_COMPLIANCE),
        )
        snap = None
        if index % 149 != 11:
            snap = build_snapshot(name, at, entitlements=entitlements, **kwargs)
        failing = index % 53 == 13
        out[name] = status(
            name,
            snap,
            tags=tags,
            failures=3 if failing else 0,
            error="connect_timeout" if failing else None,
            attempt_ago=timedelta(seconds=30 + variant),
        )
    return out


def long_names() -> list[ClusterStatus]:
    """The demo fleet with names as long as real ones (three publishers per site)."""
    out = []
    for known in demo_statuses():
        name = known.cluster.replace("-cucm", "-cucm-pub") + ".corp"
        snap = known.last_good.model_copy(update={"cluster": name}) if known.last_good else None
        out.append(known.model_copy(update={"cluster": name, "last_good": snap}))
    return out


def shifted(statuses: Sequence[ClusterStatus], by: timedelta) -> list[ClusterStatus]:
    """``statuses`` with every time in them moved by ``by`` (a fleet on the real clock,
    for a screen that cannot be given the frozen one: the browser view)."""

    def move(value: Any) -> Any:
        if isinstance(value, datetime):
            return value + by
        if isinstance(value, dict):
            return {k: move(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(move(v) for v in value)
        return value

    return [ClusterStatus.model_validate(move(s.model_dump())) for s in statuses]
