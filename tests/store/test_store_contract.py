"""The store contract: every test runs on the memory and the disk backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from collectors.model import (
    AuthorizationStatus,
    EntitlementStatus,
    RegistrationStatus,
    Severity,
)
from collectors.store import CoverageRun, SnapshotStore
from collectors.store.writer import content_json, derived_json, same_content
from tests.support.factory import BASIC, CUWL, ENHANCED, bad, good, minutes, snapshot
from tests.support.factory import WEEK_START as T0


def _poll_every_5_min(store: SnapshotStore, n: int, start=T0, **kw: object) -> None:
    for i in range(n):
        store.write_batch([good(snapshot(at=start + minutes(5 * i), **kw))])  # type: ignore[arg-type]


def test_identical_polls_add_no_records(store: SnapshotStore) -> None:
    _poll_every_5_min(store, 12)
    hist = store.history("emea-lon", T0, T0 + timedelta(hours=2))
    assert [s.collected_at for s in hist.changes] == [T0]
    status = store.latest()["emea-lon"]
    assert status.last_seen == T0 + minutes(55)
    assert status.last_good is not None and status.last_good.collected_at == T0 + minutes(55)


def test_a_changed_count_adds_exactly_one_record(store: SnapshotStore) -> None:
    _poll_every_5_min(store, 3)
    changed = {CUWL: 11, ENHANCED: 20, BASIC: 30}
    _poll_every_5_min(store, 4, start=T0 + minutes(15), counts=changed)
    hist = store.history("emea-lon", T0, T0 + timedelta(hours=1))
    assert [s.collected_at for s in hist.changes] == [T0, T0 + minutes(15)]
    assert hist.changes[-1].entitlements[0].count == 11
    assert hist.changes[-1] == snapshot(at=T0 + minutes(15), counts=changed)


def test_a_severity_change_alone_is_recorded_with_a_transition(store: SnapshotStore) -> None:
    store.write_batch([good(snapshot(at=T0))])
    store.write_batch([good(snapshot(at=T0 + minutes(5), severity=Severity.WARNING))])
    hist = store.history("emea-lon", T0, T0 + minutes(10))
    assert [s.severity for s in hist.changes] == [Severity.OK, Severity.WARNING]
    [t] = store.transitions(T0, T0 + minutes(10))
    assert (t.field, t.old, t.new, t.at) == ("severity", "ok", "warning", T0 + minutes(5))


def test_content_equality_agrees_with_content_digest() -> None:
    a = snapshot(at=T0)
    later = snapshot(at=T0 + timedelta(days=3), severity=Severity.WARNING)
    other = snapshot(at=T0, counts={CUWL: 1})
    assert same_content(a, later) and a.content_digest() == later.content_digest()
    assert not same_content(a, other) and a.content_digest() != other.content_digest()


def test_hand_built_derived_json_matches_the_model() -> None:
    snap = snapshot(at=T0 + timedelta(seconds=7))
    full = snap.to_json_dict()
    assert {**content_json(full), **derived_json(snap)} == full


def test_latest_status_fields(store: SnapshotStore) -> None:
    store.write_batch([good(snapshot(at=T0), tags={"region": "emea", "customer": "acme"})])
    store.write_batch([bad("emea-lon", T0 + minutes(5), kind="auth", message="HTTP 401")])
    store.write_batch([bad("amer-nyc", T0 + minutes(5))])
    latest = store.latest()
    assert sorted(latest) == ["amer-nyc", "emea-lon"]
    lon = latest["emea-lon"]
    assert lon.tags == {"region": "emea", "customer": "acme"}
    assert lon.last_good == snapshot(at=T0)
    assert (lon.last_seen, lon.last_attempt) == (T0, T0 + minutes(5))
    assert lon.consecutive_failures == 1 and lon.unreachable
    assert lon.last_error is not None and lon.last_error.kind == "auth"
    assert (lon.transport, lon.axl_version) == ("axl", "14.0")
    assert latest["amer-nyc"].last_good is None


def test_coverage_and_failure_episode(store: SnapshotStore) -> None:
    _poll_every_5_min(store, 7)  # 0..30 min
    store.write_batch([bad("emea-lon", T0 + minutes(35))])
    store.write_batch([bad("emea-lon", T0 + minutes(40))])
    _poll_every_5_min(store, 4, start=T0 + minutes(45))  # 45..60
    hist = store.history("emea-lon", T0, T0 + minutes(60))
    assert hist.seen == (
        CoverageRun(T0, T0 + minutes(30)),
        CoverageRun(T0 + minutes(45), T0 + minutes(60)),
    )
    assert hist.gaps() == [(T0 + minutes(30), T0 + minutes(45))]
    [episode] = hist.failures
    assert (episode.at, episode.last_at, episode.attempts) == (
        T0 + minutes(35),
        T0 + minutes(40),
        2,
    )
    assert episode.ended_at == T0 + minutes(45) and not episode.ongoing
    moves = [(t.old, t.new, t.at) for t in store.transitions(T0, T0 + minutes(60))]
    assert moves == [
        ("reachable", "unreachable", T0 + minutes(35)),
        ("unreachable", "reachable", T0 + minutes(45)),
    ]


def test_ongoing_failure_is_live_and_kind_change_starts_a_new_episode(
    store: SnapshotStore,
) -> None:
    store.write_batch([good(snapshot(at=T0))])
    for i in range(1, 4):
        store.write_batch([bad("emea-lon", T0 + minutes(5 * i))])
    store.write_batch([bad("emea-lon", T0 + minutes(20), kind="refused", message="port 8443")])
    first, second = store.failures("emea-lon")
    assert (first.kind, first.attempts, first.ended_at) == ("connect_timeout", 3, T0 + minutes(20))
    assert (second.kind, second.attempts, second.ongoing) == ("refused", 1, True)
    store.write_batch([bad("emea-lon", T0 + minutes(25), kind="refused", message="port 8443")])
    assert store.failures("emea-lon", since=T0 + minutes(18))[-1].attempts == 2
    assert store.failures("amer-nyc") == []


def test_a_long_silence_breaks_coverage(store: SnapshotStore) -> None:
    _poll_every_5_min(store, 3)
    _poll_every_5_min(store, 2, start=T0 + timedelta(hours=3))
    hist = store.history("emea-lon", T0, T0 + timedelta(hours=4))
    assert [(r.start, r.end) for r in hist.seen] == [
        (T0, T0 + minutes(10)),
        (T0 + timedelta(hours=3), T0 + timedelta(hours=3, minutes=5)),
    ]


def test_coverage_spanning_weeks_is_one_run(store: SnapshotStore) -> None:
    start = T0 + timedelta(days=6, hours=15)  # Sunday 23:00
    _poll_every_5_min(store, 30, start=start)
    store.write_batch([bad("emea-lon", start + minutes(150))])
    hist = store.history("emea-lon", start - timedelta(days=1), start + timedelta(days=1))
    assert hist.seen == (CoverageRun(start, start + minutes(145)),)
    clipped = store.history("emea-lon", start + minutes(60), start + minutes(90))
    assert clipped.seen == (CoverageRun(start + minutes(60), start + minutes(90)),)


def test_transitions_fleet_wide_in_time_order(store: SnapshotStore) -> None:
    store.write_batch([good(snapshot("a", T0)), good(snapshot("b", T0))])
    store.write_batch(
        [
            good(
                snapshot(
                    "b",
                    T0 + minutes(5),
                    authorization=AuthorizationStatus.OUT_OF_COMPLIANCE,
                    statuses={BASIC: EntitlementStatus.OUT_OF_COMPLIANCE},
                    severity=Severity.CRITICAL,
                )
            ),
            good(snapshot("a", T0 + minutes(5))),
        ]
    )
    store.write_batch(
        [
            good(
                snapshot(
                    "a", T0 + minutes(10), registration=RegistrationStatus.REGISTRATION_EXPIRED
                )
            )
        ]
    )
    got = [(t.cluster, t.field, t.old, t.new, t.subject) for t in store.transitions(T0)]
    assert got == [
        ("b", "authorization", "authorized", "out_of_compliance", None),
        ("b", "entitlement", "in_compliance", "out_of_compliance", BASIC),
        ("b", "severity", "ok", "critical", None),
        ("a", "registration", "registered", "registration_expired", None),
        ("a", "severity", "ok", "critical", None),  # by the real rules
    ]
    assert [t.cluster for t in store.transitions(T0 + minutes(8))] == ["a", "a"]
    assert store.transitions(T0, T0 + minutes(4)) == []


def test_history_range_and_state_before(store: SnapshotStore) -> None:
    for day in range(20):  # one change a day for 20 days: spans three week shards
        store.write_batch([good(snapshot(at=T0 + timedelta(days=day), counts={CUWL: day}))])
    since, until = T0 + timedelta(days=9, hours=1), T0 + timedelta(days=12)
    hist = store.history("emea-lon", since, until)
    assert [s.entitlements[0].count for s in hist.changes] == [10, 11, 12]
    assert hist.before is not None and hist.before.entitlements[0].count == 9
    assert len(store.history("emea-lon").changes) == 20
    assert store.history("nobody").changes == ()


def test_entitlement_series(store: SnapshotStore) -> None:
    store.write_batch([good(snapshot(at=T0, counts={CUWL: 5, BASIC: 1}))])
    store.write_batch([good(snapshot(at=T0 + minutes(5), counts={CUWL: 5, BASIC: 2}))])
    store.write_batch([good(snapshot(at=T0 + minutes(10), counts={CUWL: 7}))])
    series = store.entitlement_series("emea-lon", until=T0 + minutes(20))
    assert series == {
        CUWL: [(T0, 5), (T0 + minutes(10), 7)],
        BASIC: [(T0, 1), (T0 + minutes(5), 2), (T0 + minutes(10), 0)],
    }
    from_since = store.entitlement_series("emea-lon", T0 + minutes(7), T0 + minutes(20))
    assert from_since[CUWL] == [(T0 + minutes(7), 5), (T0 + minutes(10), 7)]


def test_retention_deletes_whole_old_shards(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for backend in ("memory", "disk"):
        store = SnapshotStore.open(tmp_path / backend, backend=backend, retention_days=30)  # type: ignore[arg-type]
        store.write_batch([good(snapshot(at=T0))])
        store.write_batch([bad("emea-lon", T0 + minutes(5))])
        assert store.history("emea-lon").changes
        late = T0 + timedelta(days=45)
        store.write_batch([good(snapshot(at=late, counts={CUWL: 1}))])
        hist = store.history("emea-lon", until=late)
        assert [s.collected_at for s in hist.changes] == [late]
        assert store.failures() == [] and store.transitions(T0, T0 + timedelta(days=1)) == []
        assert store.latest()["emea-lon"].last_seen == late
        store.close()


@pytest.mark.parametrize("n", [1, 3])
def test_batches_apply_updates_in_order(store: SnapshotStore, n: int) -> None:
    updates = [good(snapshot(at=T0 + minutes(5 * i), counts={CUWL: i})) for i in range(n)]
    store.write_batch(updates)
    assert len(store.history("emea-lon", T0).changes) == n
    assert store.generation == 1


def test_a_flapping_cluster_keeps_every_run(store: SnapshotStore) -> None:
    for i in range(20):  # more runs than are parked in the latest table at once
        store.write_batch([good(snapshot(at=T0 + minutes(10 * i)))])
        store.write_batch([bad("emea-lon", T0 + minutes(10 * i + 5))])
    hist = store.history("emea-lon", T0, T0 + minutes(200))
    assert [(r.start, r.end) for r in hist.seen] == [
        (T0 + minutes(10 * i), T0 + minutes(10 * i)) for i in range(20)
    ]
    assert len(hist.failures) == 20 and len(hist.changes) == 1


def test_retention_keeps_the_state_in_force_of_a_cluster_that_never_changed(
    store: SnapshotStore,
) -> None:
    """A cluster whose licensing has not changed since before the cutoff has its only
    change in an expired shard: deleting it would leave the cluster with no history."""
    store.retention_days = 30
    store.write_batch([good(snapshot(at=T0)), good(snapshot("amer-nyc", T0))])
    late = T0 + timedelta(days=45)
    store.write_batch([good(snapshot(at=late)), good(snapshot("amer-nyc", late, counts={}))])
    # the second cycle's new UTC day ran the compaction
    assert store.compact(late) == []  # nothing left to remove, and nothing lost by repeating
    since = late - timedelta(days=1)
    hist = store.history("emea-lon", since, late)
    assert hist.changes == () and hist.before is not None
    assert hist.before.collected_at == T0
    assert store.entitlement_series("emea-lon", since, late)[CUWL] == [(since, 10)]
    old = store.history("emea-lon", until=T0 + timedelta(days=1))
    assert [s.collected_at for s in old.changes] == [T0]
    [week, *_] = store.backend.children("history")
    assert store.backend.children(f"history/{week}") == ["emea-lon.json.gz"]
    assert [s.collected_at for s in store.history("amer-nyc", until=late).changes] == [late]
