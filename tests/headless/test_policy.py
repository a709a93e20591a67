"""collectors.policy: the one staleness rule, the deadline bands and the one count (here
beside the status factory; the tests of collectors.liveness are in tests/collectors)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from collectors.config import parse_config
from collectors.fleet_summary import CRITICAL, UNKNOWN, WARNING, exit_code, summarise
from collectors.liveness import Heartbeat, judge
from collectors.model import AuthorizationStatus, DeadlineKind, Severity
from collectors.policy import DEFAULT_POLICY, Band, Due, FreshnessPolicy, snapshot_dues, status_dues
from collectors.results import ClusterStatus

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CONFIG = """
[settings]
interval = 60
stale_after = 3
warning_days = 60
critical_days = 10

[[clusters]]
name = "fast"
publisher = "fast.example.net"
username = "u"
password_env = "NOPE"

[[clusters]]
name = "hourly"
publisher = "hourly.example.net"
username = "u"
password_env = "NOPE"
interval = 3600
"""


def seen(name: str, ago: timedelta | None, *, flag: bool = False) -> ClusterStatus:
    return ClusterStatus(cluster=name, last_seen=None if ago is None else NOW - ago, stale=flag)


def test_per_cluster_thresholds_come_from_each_clusters_own_interval() -> None:
    policy = FreshnessPolicy.from_config(parse_config(CONFIG))
    assert policy.origin == "config"
    assert policy.stale_after("fast") == timedelta(minutes=3)
    assert policy.stale_after("hourly") == timedelta(hours=3)
    assert policy.stale_after("unlisted") == timedelta(minutes=3)  # the global one
    forty = timedelta(minutes=40)
    assert policy.is_stale(seen("fast", forty), NOW)
    assert not policy.is_stale(seen("hourly", forty), NOW)
    assert (policy.warning_days, policy.critical_days) == (60, 10)


def test_never_polled_is_not_stale_and_the_flag_always_is() -> None:
    policy = FreshnessPolicy.uniform(timedelta(minutes=15))
    assert not policy.is_stale(seen("n", None), NOW)
    assert policy.until_stale(seen("n", None), NOW) is None
    assert policy.is_stale(seen("f", timedelta(seconds=1), flag=True), NOW)
    assert policy.until_stale(seen("f", timedelta(seconds=1), flag=True), NOW) == timedelta(0)
    assert policy.until_stale(seen("a", timedelta(minutes=5)), NOW) == timedelta(minutes=10)
    assert policy.until_stale(seen("b", timedelta(minutes=20)), NOW) == timedelta(0)
    boundary = seen("c", timedelta(minutes=15))
    assert not policy.is_stale(boundary, NOW)  # older than, not as old as
    assert policy.is_stale(boundary, NOW + timedelta(seconds=1))


@pytest.mark.parametrize(
    ("days", "band"),
    [(-0.01, Band.OVERDUE), (0, Band.CRITICAL), (10, Band.CRITICAL), (10.5, Band.WARNING),
     (60, Band.WARNING), (60.1, Band.LATER)],
)  # fmt: skip
def test_bands_follow_the_thresholds(days: float, band: Band) -> None:
    policy = FreshnessPolicy(warning_days=60, critical_days=10)
    assert policy.band(NOW + timedelta(days=days), NOW) is band


def test_urgency_is_at_most_a_warning_for_a_soft_deadline() -> None:
    policy = FreshnessPolicy(warning_days=60, critical_days=10)
    hard = Due("c", DeadlineKind.REGISTRATION_EXPIRY, NOW + timedelta(days=45))
    soft = Due("c", DeadlineKind.REGISTRATION_RENEWAL, NOW - timedelta(days=1))
    assert policy.urgency(hard, NOW) is Severity.WARNING  # 45 d: warning at 60, not at 30
    assert DEFAULT_POLICY.urgency(hard, NOW) is Severity.OK
    assert policy.urgency(soft, NOW) is Severity.WARNING
    overdue = Due("c", DeadlineKind.EVALUATION_END, NOW - timedelta(days=1))
    assert policy.urgency(overdue, NOW) is Severity.CRITICAL


def test_an_expired_evaluation_is_an_overdue_hard_deadline(snapshot_factory) -> None:  # type: ignore[no-untyped-def]
    snap = snapshot_factory(
        "c", Severity.CRITICAL, authorization=AuthorizationStatus.EVALUATION_EXPIRED
    )
    dues = snapshot_dues("c", snap)
    expired = [d for d in dues if d.expired]
    assert [(d.kind, d.hard) for d in expired] == [(DeadlineKind.EVALUATION_END, True)]
    assert expired[0].at <= snap.collected_at
    counts = DEFAULT_POLICY.count_deadlines(dues, snap.collected_at + timedelta(seconds=1))
    assert counts.overdue >= 1 and counts.hard[Band.OVERDUE] == counts.overdue


def test_the_count_separates_hard_and_soft() -> None:
    dues = [
        Due("a", DeadlineKind.REGISTRATION_EXPIRY, NOW - timedelta(days=1)),
        Due("a", DeadlineKind.REGISTRATION_RENEWAL, NOW - timedelta(days=1)),
        Due("b", DeadlineKind.AUTHORIZATION_EXPIRY, NOW + timedelta(days=5)),
        Due("b", DeadlineKind.AUTHORIZATION_RENEWAL, NOW + timedelta(days=500)),
    ]
    counts = DEFAULT_POLICY.count_deadlines(dues, NOW)
    assert counts.as_dict() == {
        "hard": {"overdue": 1, "critical": 1, "warning": 0, "later": 0},
        "soft": {"overdue": 1, "critical": 0, "warning": 0, "later": 1},
    }


def test_the_policy_is_a_frozen_value_that_round_trips() -> None:
    policy = FreshnessPolicy.from_config(parse_config(CONFIG))
    back = FreshnessPolicy.from_doc(policy.to_doc())
    assert back.origin == "store"
    assert back.model_copy(update={"origin": "config"}) == policy
    with pytest.raises(ValidationError):
        policy.warning_days = 1  # type: ignore[misc]
    over = policy.overridden(timedelta(hours=2))
    assert over.origin == "override" and over.stale_after("fast") == timedelta(hours=2)
    assert over.warning_days == 60  # the bands stay the collector's
    assert "fallback" in DEFAULT_POLICY.describe() and "15 min" in DEFAULT_POLICY.describe()


def test_a_stopped_collector_makes_status_unknown_unless_critical(status_factory) -> None:  # type: ignore[no-untyped-def]
    hb = Heartbeat(at=NOW - timedelta(minutes=10), pid=1, host="h", interval_s=60)
    down = judge(hb, NOW, has_data=True)
    warning = summarise({"a": status_factory("a", Severity.WARNING, now=NOW)}, NOW, DEFAULT_POLICY)
    critical = summarise(
        {"a": status_factory("a", Severity.CRITICAL, now=NOW)}, NOW, DEFAULT_POLICY
    )
    assert exit_code(warning) == WARNING
    assert exit_code(warning, down) == UNKNOWN
    assert exit_code(critical, down) == CRITICAL


def test_counts_add_up_so_a_group_changes_by_what_changed() -> None:
    """``tally``: the overview keeps each cluster's count and adds them up; the sum is
    the policy's count of the whole, and taking a cluster out is the count without it."""
    from collectors.policy import tally
    from tests.support.fleets import large_fleet

    policy = FreshnessPolicy.uniform(timedelta(minutes=15))
    statuses = list(large_fleet(300).values())
    whole = policy.count(statuses, NOW)
    ones = [policy.count([s], NOW) for s in statuses]
    assert tally(ones) == whole
    assert [policy.count_one(s, NOW, status_dues(s)) for s in statuses] == ones
    assert tally([whole], minus=ones[:10]) == policy.count(statuses[10:], NOW)
    assert tally([]).clusters == 0


def test_acknowledged_counts_add_up_too() -> None:
    from collectors.acks import AckBook
    from collectors.policy import tally
    from tests.support.factory import acknowledgement
    from tests.support.fleets import demo_statuses

    policy = FreshnessPolicy.uniform(timedelta(minutes=15))
    statuses = demo_statuses()
    target = next(s for s in statuses if s.severity is Severity.CRITICAL)
    ack = acknowledgement(target)
    book = AckBook.of([ack])
    whole = policy.count(statuses, NOW, acks=book)
    assert whole.acknowledged_total == 1
    assert tally(policy.count([s], NOW, acks=book) for s in statuses) == whole
    ones = [policy.count_one(s, NOW, status_dues(s), book) for s in statuses]
    assert ones == [policy.count([s], NOW, acks=book) for s in statuses]
    assert tally(ones) == whole


def test_next_change_is_when_time_alone_changes_the_judgement() -> None:
    """Until ``next_change`` the cluster is counted the same; just after it, not."""
    from tests.support.fleets import large_fleet

    policy = FreshnessPolicy.uniform(timedelta(minutes=15))
    for status in list(large_fleet(150).values()):
        dues = status_dues(status)
        now = NOW
        for _ in range(6):  # walk through its stale flip and deadline bands
            change = policy.next_change(status, now, dues)
            if change is None:
                break
            assert change > now
            before = policy.count([status], change - timedelta(microseconds=1))
            assert policy.count([status], now) == before
            assert policy.count([status], change) != before
            now = change
