"""Fixtures for the detail screens: a frozen clock, a fixed fleet, a fake source, a host app.

The host app offers exactly what ``LicdashApp`` offers the detail screens (``fleet``,
``source``, ``clock()``, ``cluster_zone()``, forwarding ``FleetUpdated`` to the active
screen), so these tests do not depend on the real app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from types import MappingProxyType
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

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
from collectors.results import ClusterStatus, ErrorInfo
from dashboard.format import zone
from dashboard.messages import FleetUpdated
from dashboard.state import FleetState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CUWL = "regid.2017-02.com.cisco.UCM_CUWL,12.0_cc59375a-1cd8-4b36-8366-6f4d2abba965"
ENH = "regid.2016-07.com.cisco.UCM_Enhanced,12.0_66d0d1cf-4863-4761-91d0-d01d3eb1949a"
ENHP = "regid.2016-07.com.cisco.UCM_EnhancedPlus,12.0_d8372792-588c-4caa-b279-8587e5ce2f82"
ZONES = {
    "emea-lon-cucm1": "Europe/London",
    "amer-nyc-cucm2": "America/New_York",
    "apac-syd-cucm3": "Australia/Sydney",
    "emea-par-cucm4": "Europe/Paris",
}
RAW_XML = (
    '<?xml version="1.0"?><soapenv:Envelope><soapenv:Body><getSmartLicenseStatusResponse>'
    "<LicenseDetails><SmartLicensing>ENABLED</SmartLicensing></LicenseDetails>"
    "</getSmartLicenseStatusResponse></soapenv:Body></soapenv:Envelope>"
)


def ent(tag: str, name: str, count: int, status: EntitlementStatus, raw: str) -> Entitlement:
    return Entitlement(tag=tag, name=name, count=count, status=status, raw_status=raw)


def deadlines(*items: tuple[DeadlineKind, datetime], now: datetime = NOW) -> tuple[Deadline, ...]:
    return tuple(
        Deadline(kind=k, at=at, days_left=(at - now).total_seconds() / 86400, hard=k.hard)
        for k, at in items
    )


def snap_ok(
    cluster: str = "emea-lon-cucm1", at: datetime = NOW, cuwl: int = 120
) -> LicenseSnapshot:
    reg_exp, auth_exp = NOW + timedelta(days=200), NOW + timedelta(days=80)
    return LicenseSnapshot(
        cluster=cluster,
        publisher=f"{cluster}.example.net",
        source="axl",
        collected_at=at,
        smart_licensing="enabled",
        udi="PID:UCM,SN:1234ABCD",
        registration=Registration(
            status=RegistrationStatus.REGISTERED,
            raw="Registered",
            smart_account="ACME Corp",
            virtual_account="Voice",
            export_controlled="allowed",
            initial_registration=NOW - timedelta(days=400),
            last_renewal_attempt=NOW - timedelta(days=20),
            last_renewal_result="succeeded",
            next_renewal_attempt=NOW + timedelta(days=160),
            expires=reg_exp,
        ),
        authorization=Authorization(
            status=AuthorizationStatus.AUTHORIZED,
            raw="Authorized",
            last_communication_attempt=NOW - timedelta(days=3),
            last_communication_result="succeeded",
            next_communication_attempt=NOW + timedelta(days=27),
            expires=auth_exp,
        ),
        entitlements=(
            ent(CUWL, "CUWL", cuwl, EntitlementStatus.IN_COMPLIANCE, "InCompliance"),
            ent(ENH, "Enhanced", 40, EntitlementStatus.INIT, "Init"),
        ),
        severity=Severity.OK,
        deadlines=deadlines(
            (DeadlineKind.REGISTRATION_RENEWAL, NOW + timedelta(days=160)),
            (DeadlineKind.REGISTRATION_EXPIRY, reg_exp),
            (DeadlineKind.AUTHORIZATION_RENEWAL, NOW + timedelta(days=27)),
            (DeadlineKind.AUTHORIZATION_EXPIRY, auth_exp),
        ),
    )


def snap_ooc() -> LicenseSnapshot:
    reg_exp = NOW + timedelta(days=5)
    return LicenseSnapshot(
        cluster="amer-nyc-cucm2",
        publisher="amer-nyc-cucm2.example.net",
        source="axl",
        collected_at=NOW - timedelta(minutes=4),
        smart_licensing="enabled",
        registration=Registration(
            status=RegistrationStatus.REGISTERED,
            raw="Registered",
            smart_account="ACME Corp",
            virtual_account="Voice US",
            last_renewal_attempt=NOW - timedelta(days=2),
            last_renewal_result="failed",
            failure_reason="Communication send error",
            next_renewal_attempt=NOW + timedelta(hours=20),
            expires=reg_exp,
        ),
        authorization=Authorization(
            status=AuthorizationStatus.OUT_OF_COMPLIANCE,
            raw="Out of Compliance",
            expires=NOW - timedelta(days=2),
        ),
        entitlements=(
            ent(ENHP, "Enhanced Plus", 310, EntitlementStatus.OUT_OF_COMPLIANCE, "OutOfCompliance"),
            ent(ENH, "Enhanced", 12, EntitlementStatus.IN_COMPLIANCE, "InCompliance"),
        ),
        severity=Severity.CRITICAL,
        reasons=("Out of Compliance", "registration expires in 5 d"),
        deadlines=deadlines(
            (DeadlineKind.REGISTRATION_RENEWAL, NOW + timedelta(hours=20)),
            (DeadlineKind.REGISTRATION_EXPIRY, reg_exp),
            (DeadlineKind.AUTHORIZATION_EXPIRY, NOW - timedelta(days=2)),
        ),
    )


def snap_eval() -> LicenseSnapshot:
    return LicenseSnapshot(
        cluster="apac-syd-cucm3",
        source="cli",
        collected_at=NOW - timedelta(minutes=2),
        registration=Registration(status=RegistrationStatus.UNREGISTERED, raw="UNREGISTERED"),
        authorization=Authorization(
            status=AuthorizationStatus.EVALUATION,
            raw="EVAL MODE",
            evaluation_remaining_days=20,
        ),
        entitlements=(ent(ENH, "Enhanced", 8, EntitlementStatus.EVALUATION, "EVAL MODE"),),
        severity=Severity.WARNING,
        reasons=("Evaluation Mode", "Unregistered"),
        deadlines=deadlines((DeadlineKind.EVALUATION_END, NOW + timedelta(days=20))),
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


@dataclass(frozen=True)
class FakeFailure:
    cluster: str
    at: datetime
    kind: str
    message: str


@dataclass(frozen=True)
class FakeTransition:
    cluster: str
    at: datetime
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class FakeHistory:
    cluster: str
    changes: tuple[LicenseSnapshot, ...] = ()
    coverage: tuple[tuple[datetime, datetime], ...] = ()
    failures: tuple[FakeFailure, ...] = ()


@dataclass
class FakeSource:
    """Answers the detail screens' blocking queries from fixed data and records the calls."""

    histories: dict[str, FakeHistory] = field(default_factory=dict)
    series: dict[str, dict[str, list[tuple[datetime, int]]]] = field(default_factory=dict)
    all_transitions: list[FakeTransition] = field(default_factory=list)
    all_failures: list[FakeFailure] = field(default_factory=list)
    raws: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    broken: bool = False

    on_main_thread: list[bool] = field(default_factory=list)

    def _check(self) -> None:
        self.on_main_thread.append(threading.current_thread() is threading.main_thread())
        if self.broken:
            raise OSError("store directory /var/lib/licdash is not readable")

    def history(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> FakeHistory:
        self.calls.append(("history", cluster))
        self._check()
        return self.histories.get(cluster, FakeHistory(cluster))

    def transitions(self, since: datetime) -> list[FakeTransition]:
        self.calls.append(("transitions", since))
        self._check()
        return [t for t in self.all_transitions if t.at >= since]

    def failures(
        self, cluster: str | None = None, since: datetime | None = None
    ) -> list[FakeFailure]:
        self.calls.append(("failures", (cluster, since)))
        self._check()
        return [
            f
            for f in self.all_failures
            if (cluster is None or f.cluster == cluster) and (since is None or f.at >= since)
        ]

    def entitlement_series(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, list[tuple[datetime, int]]]:
        self.calls.append(("series", cluster))
        self._check()
        return self.series.get(cluster, {})

    def raw(self, cluster: str) -> str | None:
        self.calls.append(("raw", cluster))
        self._check()
        return self.raws.get(cluster)


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


class _Base(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Static("base screen", id="base")


class DetailApp(App[None]):
    """Hosts one detail screen the way LicdashApp does."""

    def __init__(
        self,
        screen: Callable[[], Screen[Any]],
        source: FakeSource,
        statuses: Mapping[str, ClusterStatus],
        now: datetime = NOW,
    ) -> None:
        super().__init__()
        self._make_screen = screen
        self.source = source
        self.fleet = FleetState(statuses=MappingProxyType(dict(statuses)), updated_at=now)
        self.now = now
        self.pushed: list[Screen[Any]] = []
        self.stale_after = timedelta(minutes=15)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {
            "sev-ok": "#4EBF71",
            "sev-warning": "#FEA62B",
            "sev-critical": "#E5484D",
            "sev-unknown": "#8E8E93",
            "stale": "#7A7A7A",
        }

    def clock(self) -> datetime:
        return self.now

    def cluster_zone(self, name: str) -> tzinfo:
        return zone(ZONES.get(name))

    def on_mount(self) -> None:
        self.push_screen(_Base())
        self.push_screen(self._make_screen())

    def update_fleet(
        self, changed: Mapping[str, ClusterStatus], now: datetime | None = None
    ) -> None:
        """What the real app does on a poll: new frozen state, forwarded to the screen."""
        self.now = now or self.now
        self.fleet = self.fleet.with_statuses(changed, at=self.now)
        for screen in self.screen_stack:  # LicdashApp forwards to every screen of the stack
            screen.post_message(FleetUpdated(self.fleet, frozenset(changed)))


AppFactory = Callable[..., DetailApp]


@pytest.fixture
def source() -> FakeSource:
    return fake_source()


@pytest.fixture
def statuses() -> dict[str, ClusterStatus]:
    return fleet_statuses()


@pytest.fixture
def make_app(source: FakeSource, statuses: dict[str, ClusterStatus]) -> AppFactory:
    def factory(screen: Callable[[], Screen[Any]], **kw: Any) -> DetailApp:
        return DetailApp(screen, kw.get("source", source), kw.get("statuses", statuses))

    return factory


__all__: Sequence[str] = ()


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def healthy_snapshot() -> LicenseSnapshot:
    """A registered, authorized cluster with nothing due within 30 days."""
    return snap_ok()


def screen_lines(app: App[Any]) -> list[str]:
    """The visible screen as plain text lines (what a user reads)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


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
