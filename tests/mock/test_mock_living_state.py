"""The simulated clock drives the licence state: deadlines approach, timers renew or fail."""

from __future__ import annotations

from datetime import timedelta

from collectors.mock.clock import SimClock
from collectors.mock.profiles import make_profiles
from collectors.mock.state import LicencePlan, licence_state
from collectors.mock.testing import post_axl, small_fleet
from collectors.model import AuthorizationStatus, DeadlineKind
from collectors.parsing import parse_axl
from tests.support.factory import NOW

START = NOW  # the mock fleet starts at the tests' reference time
DAY = timedelta(days=1)


class ManualTime:
    """An injectable monotonic source moved by hand."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def plan(scenario: str, seed: int = 0) -> LicencePlan:
    return make_profiles([scenario], seed, START)[0].plan


def test_clock_maps_sim_time_to_the_real_clock() -> None:
    t = ManualTime()
    clock = SimClock(3600, start=START, elapsed=t)
    t.value += 10
    assert clock.now() == START + timedelta(hours=10)
    assert clock.real_now() == START + timedelta(seconds=10)
    event = clock.now() + timedelta(hours=5)  # five sim hours ahead
    assert clock.to_real(event) == clock.real_now() + timedelta(hours=5)


async def test_accelerated_clock_moves_a_deadline_seen_on_the_real_clock() -> None:
    t = ManualTime()
    clock = SimClock(86400, elapsed=t)  # a day per second
    async with small_fleet(["renewal_failing"], clock=clock) as fleet:
        pub = fleet.publishers[0]

        async def auth_expiry_days() -> float:
            resp = await post_axl(pub)
            snap = parse_axl(
                resp.content, cluster=pub.name, now=clock.real_now(), timezone=pub.timezone
            )
            (d,) = [d for d in snap.deadlines if d.kind is DeadlineKind.AUTHORIZATION_EXPIRY]
            return d.days_left

        before = await auth_expiry_days()
        t.value += 10  # ten real seconds: ten simulated days
        after = await auth_expiry_days()
        assert round(before - after) == 10
        t.value += before  # past the deadline: communication kept failing, so it lapses
        resp = await post_axl(pub)
        snap = parse_axl(resp.content, cluster=pub.name, now=clock.real_now())
        assert snap.authorization.status is AuthorizationStatus.AUTHORIZATION_EXPIRED


def test_evaluation_runs_out() -> None:
    p = plan("evaluation")
    first = licence_state(p, START)
    assert first.authorization.status == "Evaluation Mode"
    days = first.authorization.evaluation_remaining_days
    assert licence_state(p, START + 3 * DAY).authorization.evaluation_remaining_days == days - 3
    late = licence_state(p, START + (days + 1) * DAY)
    assert late.authorization.status == "Evaluation Expired"
    assert late.authorization.evaluation_remaining_days == 0


def test_healthy_renewals_succeed_and_push_deadlines_out() -> None:
    p = plan("healthy")
    now = licence_state(p, START)
    later = licence_state(p, START + 400 * DAY)
    assert later.registration.status == "Registered"
    assert later.authorization.status == "Authorized"
    assert later.authorization.last_communication_status == "SUCCEEDED"
    assert now.authorization.expires is not None and later.authorization.expires is not None
    assert later.authorization.expires > now.authorization.expires + 300 * DAY
    assert later.registration.expires != now.registration.expires


def test_registration_expiring_lapses_within_a_week() -> None:
    p = plan("registration_expiring")
    assert licence_state(p, START).registration.status == "Registered"
    after = licence_state(p, START + 7 * DAY).registration
    assert after.status == "Registration Expired"
    assert after.last_renewal_status == "FAILED"


def test_counts_drift_as_users_come_and_go() -> None:
    p = plan("healthy", seed=2)
    series = {
        tuple(e.count for e in licence_state(p, START + k * DAY).entitlements) for k in range(30)
    }
    assert len(series) > 1


def test_state_is_a_pure_function_of_seed_and_time() -> None:
    assert licence_state(plan("renewal_failing", 4), START + 5 * DAY) == licence_state(
        plan("renewal_failing", 4), START + 5 * DAY
    )
