"""Fixtures for the detail screens: a fixed fleet on the reference time, the fake source
and the host app of tests/support (so these tests do not depend on the real app)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen

from collectors.model import (
    Authorization,
    AuthorizationStatus,
    EntitlementStatus,
    LicenseSnapshot,
    Registration,
    RegistrationStatus,
    Severity,
)
from collectors.results import ClusterStatus, ErrorInfo
from tests.support.factory import CUWL, ENHANCED, ENHANCED_PLUS, NOW, entitlement, snapshot
from tests.support.host import ZONES, HostApp, screen_lines
from tests.support.source import FakeFailure, FakeHistory, FakeSource, FakeTransition

ENH, ENHP = ENHANCED, ENHANCED_PLUS
E = EntitlementStatus
RAW_XML = (
    '<?xml version="1.0"?><soapenv:Envelope><soapenv:Body><getSmartLicenseStatusResponse>'
    "<LicenseDetails><SmartLicensing>ENABLED</SmartLicensing></LicenseDetails>"
    "</getSmartLicenseStatusResponse></soapenv:Body></soapenv:Envelope>"
)


def snap_ok(
    cluster: str = "emea-lon-cucm1", at: datetime = NOW, cuwl: int = 120
) -> LicenseSnapshot:
    """A registered, authorized cluster with nothing due within 30 days."""
    return snapshot(
        cluster,
        at,
        detailed=True,
        udi="PID:UCM,SN:1234ABCD",
        entitlements=(entitlement(CUWL, cuwl), entitlement(ENH, 40, E.INIT)),
    )


def snap_ooc() -> LicenseSnapshot:
    return snapshot(
        "amer-nyc-cucm2",
        NOW - timedelta(minutes=4),
        registration=Registration(
            status=RegistrationStatus.REGISTERED,
            raw="Registered",
            smart_account="ACME Corp",
            virtual_account="Voice US",
            last_renewal_attempt=NOW - timedelta(days=2),
            last_renewal_result="failed",
            failure_reason="Communication send error",
            next_renewal_attempt=NOW + timedelta(hours=20),
            expires=NOW + timedelta(days=5),
        ),
        authorization=Authorization(
            status=AuthorizationStatus.OUT_OF_COMPLIANCE,
            raw="Out of Compliance",
            expires=NOW - timedelta(days=2),
        ),
        entitlements=(
            entitlement(ENHP, 310, E.OUT_OF_COMPLIANCE),
            entitlement(ENH, 12),
        ),
        severity=Severity.CRITICAL,
        reasons=("Out of Compliance", "registration expires in 5 d"),
    )


def snap_eval() -> LicenseSnapshot:
    return snapshot(
        "apac-syd-cucm3",
        NOW - timedelta(minutes=2),
        registration=Registration(status=RegistrationStatus.UNREGISTERED, raw="UNREGISTERED"),
        authorization=Authorization(
            status=AuthorizationStatus.EVALUATION, raw="EVAL MODE", evaluation_remaining_days=20
        ),
        entitlements=(entitlement(ENH, 8, E.EVALUATION),),
        severity=Severity.WARNING,
        reasons=("Evaluation Mode", "Unregistered"),
        publisher=None,
        source="cli",
        smart_licensing=None,
    )


def fleet_statuses() -> dict[str, ClusterStatus]:
    timeout = ErrorInfo(
        kind="read_timeout",
        message="no answer from emea-par-cucm4.example.net:8443 within 15 s",
        cluster="emea-par-cucm4",
        hint="Connected but no answer in time; the AXL service may be busy or hung.",
    )
    auth = ErrorInfo(
        kind="auth",
        message="HTTP 401 from amer-chi-cucm5.example.net:8443",
        cluster="amer-chi-cucm5",
        hint="Check the application user's password and that it holds the AXL API role.",
    )
    stale_at = NOW - timedelta(hours=3)
    return {
        "emea-lon-cucm1": ClusterStatus(
            cluster="emea-lon-cucm1",
            tags={"region": "emea", "environment": "prod"},
            last_good=snap_ok(),
            last_seen=NOW - timedelta(minutes=1),
            last_attempt=NOW - timedelta(minutes=1),
            transport="axl",
            axl_version="14.0",
        ),
        "amer-nyc-cucm2": ClusterStatus(
            cluster="amer-nyc-cucm2",
            tags={"region": "amer"},
            last_good=snap_ooc(),
            last_seen=NOW - timedelta(minutes=4),
            transport="axl",
            axl_version="15.0",
        ),
        "apac-syd-cucm3": ClusterStatus(
            cluster="apac-syd-cucm3",
            tags={"region": "apac"},
            last_good=snap_eval(),
            last_seen=NOW - timedelta(minutes=2),
            transport="cli",
        ),
        "emea-par-cucm4": ClusterStatus(
            cluster="emea-par-cucm4",
            tags={"region": "emea"},
            last_good=snap_ok("emea-par-cucm4", at=stale_at, cuwl=55),
            last_seen=stale_at,
            last_attempt=NOW - timedelta(minutes=5),
            consecutive_failures=36,
            last_error=timeout,
            stale=True,
            transport="axl",
            axl_version="12.5",
        ),
        "amer-chi-cucm5": ClusterStatus(
            cluster="amer-chi-cucm5",
            tags={"region": "amer"},
            last_attempt=NOW - timedelta(minutes=3),
            consecutive_failures=4,
            last_error=auth,
            transport="axl",
        ),
    }


def fake_source() -> FakeSource:
    lon_changes = (
        snap_ok(at=NOW - timedelta(days=10), cuwl=100).model_copy(
            update={
                "authorization": Authorization(
                    status=AuthorizationStatus.EVALUATION, raw="Evaluation Mode"
                ),
                "severity": Severity.WARNING,
            }
        ),
        snap_ok(at=NOW - timedelta(days=6), cuwl=110),
        snap_ok(at=NOW - timedelta(days=1), cuwl=120),
    )
    par_failures = tuple(
        FakeFailure(
            "emea-par-cucm4",
            NOW - timedelta(minutes=5 * i),
            "read_timeout",
            "no answer from emea-par-cucm4.example.net:8443 within 15 s",
        )
        for i in range(1, 4)
    )
    return FakeSource(
        histories={
            "emea-lon-cucm1": FakeHistory("emea-lon-cucm1", changes=lon_changes),
            "emea-par-cucm4": FakeHistory("emea-par-cucm4", failures=par_failures),
        },
        series={
            "emea-lon-cucm1": {
                CUWL: [(NOW - timedelta(days=d), 100 + (10 - d) * 2) for d in range(10, -1, -1)],
                ENH: [(NOW - timedelta(days=10), 40)],
            }
        },
        all_transitions=[
            FakeTransition(
                "amer-nyc-cucm2",
                NOW - timedelta(hours=2),
                "authorization",
                "authorized",
                "out_of_compliance",
            ),
            FakeTransition("apac-syd-cucm3", NOW - timedelta(hours=9), "severity", "ok", "warning"),
            FakeTransition(
                "emea-lon-cucm1",
                NOW - timedelta(hours=30),
                "authorization",
                "evaluation",
                "authorized",
            ),
        ],
        all_failures=[
            *par_failures,
            FakeFailure(
                "amer-chi-cucm5",
                NOW - timedelta(minutes=3),
                "auth",
                "HTTP 401 from amer-chi-cucm5.example.net:8443",
            ),
        ],
        raws={"emea-lon-cucm1": RAW_XML},
    )


AppFactory = Callable[..., HostApp]


@pytest.fixture
def source() -> FakeSource:
    return fake_source()


@pytest.fixture
def statuses() -> dict[str, ClusterStatus]:
    return fleet_statuses()


@pytest.fixture
def make_app(source: FakeSource, statuses: dict[str, ClusterStatus]) -> AppFactory:
    def factory(screen: Callable[[], Screen[Any]], **kw: Any) -> HostApp:
        return HostApp(screen, kw.get("source", source), kw.get("statuses", statuses))

    return factory


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def healthy_snapshot() -> LicenseSnapshot:
    """A registered, authorized cluster with nothing due within 30 days."""
    return snap_ok()


@pytest.fixture
def read_screen() -> Callable[[App[Any]], str]:
    return lambda app: "\n".join(screen_lines(app))


@pytest.fixture
def zones() -> dict[str, str]:
    """IANA zones of the fixed fleet's clusters."""
    return dict(ZONES)


@pytest.fixture
def raw_xml() -> str:
    return RAW_XML


@pytest.fixture(autouse=True)
def _redraw_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Screens redraw on every update in tests (the throttle has its own unit test)."""
    from dashboard.screens.detail_host import RedrawThrottle

    monkeypatch.setattr(RedrawThrottle, "share", 1.0)
