"""Pure helpers behind the detail widgets: timers, sparkline sampling, deadline groups,
timeline diffs and the fleet roll-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from collectors.model import AuthorizationStatus, DeadlineKind, LicenseSnapshot
from collectors.results import ClusterStatus
from dashboard.widgets.count_sparkline import resample, total_series, value_at
from dashboard.widgets.deadline_list import DeadlineEntry, group_of, snapshot_deadlines
from dashboard.widgets.entitlement_rollup import rollup
from dashboard.widgets.state_timeline import coverage_gaps, diff, timeline
from dashboard.widgets.timers import timer_rows, timer_severity


def test_evaluation_balance_of_a_registered_cluster_is_not_a_deadline(
    healthy_snapshot: LicenseSnapshot, now: datetime
) -> None:
    auth = healthy_snapshot.authorization.model_copy(update={"evaluation_remaining_days": 3.0})
    rows = timer_rows(healthy_snapshot.model_copy(update={"authorization": auth}))
    last = rows[-1]
    assert (last.label, last.kind) == ("Evaluation (unused)", "past")
    assert timer_severity(last, now) is None


def test_evaluation_end_in_evaluation_mode_is_hard_and_urgent(
    healthy_snapshot: LicenseSnapshot, now: datetime
) -> None:
    auth = healthy_snapshot.authorization.model_copy(
        update={"status": AuthorizationStatus.EVALUATION, "evaluation_remaining_days": 3.0}
    )
    last = timer_rows(healthy_snapshot.model_copy(update={"authorization": auth}))[-1]
    assert (last.label, last.kind, last.note) == ("Evaluation ends", "hard", "3 d left")
    assert timer_severity(last, now) is not None and timer_severity(last, now).value == "critical"  # type: ignore[union-attr]


def test_failed_attempt_is_flagged_but_a_successful_one_is_neutral(
    healthy_snapshot: LicenseSnapshot, now: datetime
) -> None:
    rows = {r.label: r for r in timer_rows(healthy_snapshot)}
    assert timer_severity(rows["Last renewal attempt"], now) is None
    reg = healthy_snapshot.registration.model_copy(update={"last_renewal_result": "failed"})
    failed = {
        r.label: r for r in timer_rows(healthy_snapshot.model_copy(update={"registration": reg}))
    }
    assert timer_severity(failed["Last renewal attempt"], now).value == "warning"  # type: ignore[union-attr]


def test_resample_is_a_step_function_over_time(now: datetime) -> None:
    t0 = now - timedelta(days=10)
    series = {"a": [(t0, 10), (t0 + timedelta(days=5), 20)], "b": [(t0 + timedelta(days=8), 1)]}
    assert value_at(series["a"], t0 - timedelta(seconds=1)) is None
    assert value_at(series["a"], t0 + timedelta(days=6)) == 20
    sampled = resample(series, t0, now, n=11)  # one sample a day
    assert sampled["a"] == [10] * 5 + [20] * 6
    assert sampled["b"] == [0] * 8 + [1] * 3
    assert total_series(series, t0, now, n=11) == [10] * 5 + [20] * 3 + [21] * 3


def test_deadline_groups_split_at_now_7_and_30_days(now: datetime) -> None:
    def group(days: float) -> str:
        entry = DeadlineEntry("c", DeadlineKind.REGISTRATION_EXPIRY, now + timedelta(days=days))
        return group_of(entry, now)

    assert [group(d) for d in (-0.01, 0, 7, 7.01, 30, 30.01)] == [
        "overdue",
        "within 7 days",
        "within 7 days",
        "within 30 days",
        "within 30 days",
        "later",
    ]


def test_deadlines_are_derived_from_timers_when_the_snapshot_has_none(
    healthy_snapshot: LicenseSnapshot,
) -> None:
    bare = healthy_snapshot.model_copy(update={"deadlines": ()})
    kinds = {kind for kind, _ in snapshot_deadlines(bare)}
    assert kinds == {
        DeadlineKind.REGISTRATION_RENEWAL,
        DeadlineKind.REGISTRATION_EXPIRY,
        DeadlineKind.AUTHORIZATION_RENEWAL,
        DeadlineKind.AUTHORIZATION_EXPIRY,
    }


def test_timeline_reads_the_window_start_state_as_before(
    healthy_snapshot: LicenseSnapshot, now: datetime
) -> None:
    auth = healthy_snapshot.authorization.model_copy(
        update={"status": AuthorizationStatus.OUT_OF_COMPLIANCE}
    )
    later = healthy_snapshot.model_copy(
        update={"authorization": auth, "collected_at": now + timedelta(hours=1)}
    )
    assert diff(healthy_snapshot, later) == ["authorization authorized → out of compliance"]
    entries = timeline([later], before=healthy_snapshot)
    assert [e.what for e in entries] == ["authorization authorized → out of compliance"]
    assert timeline([later])[0].what.startswith("first seen")


def test_rollup_skips_never_polled_clusters(statuses: dict[str, ClusterStatus]) -> None:
    rolled = {r.name: r for r in rollup(statuses)}
    assert sum(len(r.holders) for r in rolled.values()) == 2 + 4 + 1  # CUWL, Enhanced, E.Plus
    assert "amer-chi-cucm5" not in {h.cluster for r in rolled.values() for h in r.holders}


def test_coverage_gaps_are_the_silences_between_runs(now: datetime) -> None:
    from types import SimpleNamespace

    runs = [
        SimpleNamespace(start=now - timedelta(hours=10), end=now - timedelta(hours=8)),
        SimpleNamespace(start=now - timedelta(hours=5), end=now - timedelta(hours=1)),
        SimpleNamespace(start=now - timedelta(minutes=30), end=now),
    ]
    gaps = coverage_gaps(runs)
    assert [g.what for g in gaps] == [
        "no good poll for 30 min (until 03-01 11:30 UTC)",
        "no good poll for 3 h (until 03-01 07:00 UTC)",
    ]
    assert coverage_gaps(runs[:1]) == []


def test_worker_messages_carry_frozen_copies() -> None:
    from dashboard.screens.cluster import ClusterScreen
    from dashboard.screens.events import EventsScreen

    when = datetime(2026, 3, 1, tzinfo=UTC)
    series: dict[str, list[tuple[datetime, int]]] = {"tag": [(when, 1)]}
    entries: list[Any] = []
    loaded = ClusterScreen.HistoryLoaded(1, entries, series, entries, None)
    series["tag"].append((when, 2))  # the worker's own lists change afterwards
    entries.append("later")
    assert loaded.series["tag"] == ((when, 1),) and loaded.entries == () and loaded.errors == ()
    with pytest.raises(TypeError):
        loaded.series["other"] = ()  # type: ignore[index]
    events = EventsScreen.EventsLoaded(when, entries, entries, None)
    entries.append("even later")
    assert events.transitions == ("later",) and events.failures == ("later",)
