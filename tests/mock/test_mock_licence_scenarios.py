"""Each licence scenario, fetched over HTTPS and read by the Foundation parser."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from collectors.mock.axl_render import render_status
from collectors.mock.clock import SimClock
from collectors.mock.profiles import SITES, make_profiles
from collectors.mock.scenarios import LICENCE_SCENARIOS
from collectors.mock.state import licence_state
from collectors.mock.testing import post_axl, small_fleet
from collectors.model import AuthorizationStatus as A
from collectors.model import RegistrationStatus as R
from collectors.model import Severity as S
from collectors.parsing import parse_axl

EXPECTED = {
    "healthy": (R.REGISTERED, A.AUTHORIZED, S.OK),
    "evaluation": (R.UNREGISTERED, A.EVALUATION, S.WARNING),
    "evaluation_expired": (R.UNREGISTERED, A.EVALUATION_EXPIRED, S.CRITICAL),
    "unregistered": (R.UNREGISTERED, A.NO_LICENSES_IN_USE, S.WARNING),
    "out_of_compliance": (R.REGISTERED, A.OUT_OF_COMPLIANCE, S.CRITICAL),
    "authorization_expired": (R.REGISTERED, A.AUTHORIZATION_EXPIRED, S.CRITICAL),
    "registration_expired": (R.REGISTRATION_EXPIRED, A.AUTHORIZATION_EXPIRED, S.CRITICAL),
    "renewal_failing": (R.REGISTERED, A.AUTHORIZED, S.WARNING),
    "registration_expiring": (R.REGISTERED, A.AUTHORIZED, S.CRITICAL),
    "slr_reserved": (R.REGISTERED_SLR, A.AUTHORIZED_RESERVED, S.OK),
}


def test_every_licence_scenario_has_an_expectation() -> None:
    assert set(EXPECTED) == set(LICENCE_SCENARIOS)


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("scenario", LICENCE_SCENARIOS)
async def test_scenario_reads_as_intended(scenario: str, seed: int) -> None:
    async with small_fleet([scenario], seed=seed) as fleet:
        pub = fleet.publishers[0]
        resp = await post_axl(pub)
    assert resp.status_code == 200
    snap = parse_axl(resp.content, cluster=pub.name, now=datetime.now(UTC), timezone=pub.timezone)
    reg, auth, severity = EXPECTED[scenario]
    assert (snap.registration.status, snap.authorization.status, snap.severity) == (
        reg,
        auth,
        severity,
    ), snap.reasons
    assert snap.entitlements, "every scenario reports its entitlements"


async def test_renewal_failing_reports_failed_attempts_with_reasons() -> None:
    async with small_fleet(["renewal_failing"]) as fleet:
        pub = fleet.publishers[0]
        resp = await post_axl(pub)
    snap = parse_axl(resp.content, cluster=pub.name, now=datetime.now(UTC), timezone=pub.timezone)
    assert snap.registration.last_renewal_result == "failed"
    assert snap.authorization.last_communication_result == "failed"
    assert snap.authorization.failure_reason
    assert snap.authorization.next_communication_attempt is not None


async def test_dates_carry_the_publishers_zone_and_resolve() -> None:
    async with small_fleet(["healthy"] * 6, seed=3) as fleet:
        for pub in fleet.publishers:
            resp = await post_axl(pub)
            snap = parse_axl(
                resp.content, cluster=pub.name, now=datetime.now(UTC), timezone=pub.timezone
            )
            assert snap.authorization.expires is not None, pub.timezone
            assert snap.registration.expires is not None, pub.timezone


@pytest.mark.parametrize("zone", sorted({z for sites in SITES.values() for _, z in sites}))
def test_every_fleet_zone_renders_dates_the_parser_resolves(zone: str) -> None:
    clock = SimClock()
    (profile,) = make_profiles(["healthy"], 0, clock.start)
    body = render_status(
        licence_state(profile.plan, clock.now()),
        version="14.0",
        zone=ZoneInfo(zone),
        to_real=clock.to_real,
    )
    snap = parse_axl(body, cluster="zones", now=clock.real_now(), timezone=zone)
    expires = licence_state(profile.plan, clock.now()).authorization.expires
    assert expires is not None
    # speed 1: the rendered real-clock date is the simulated one, to the second.
    assert snap.authorization.expires == expires.replace(microsecond=0)
