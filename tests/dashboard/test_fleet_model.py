"""The fleet table's judgement: the order, filter, counts and nearest deadline of the
whole fleet, as judging it afresh would say, kept by judging only what changed (a
status, the clock passing a point the policy names, an acknowledgement)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

import pytest

from collectors.acks import AckBook
from collectors.policy import Due, FreshnessPolicy
from collectors.results import ClusterStatus
from dashboard import fleet_rows
from dashboard.fleet_model import FleetModel, FleetView, Order
from dashboard.fleet_rows import COLUMN_KEYS, FactsCache, RowContext, sort_key
from dashboard.state import FleetState
from dashboard.widgets.filter_input import FleetFilter
from tests.support.factory import NOW, acknowledgement
from tests.support.fleets import demo_statuses, large_fleet

POLICY = FreshnessPolicy.uniform(timedelta(minutes=15))


def state(statuses: Mapping[str, ClusterStatus], acks: AckBook | None = None) -> FleetState:
    if acks is None:
        return FleetState(statuses=MappingProxyType(dict(statuses)))
    return FleetState(statuses=MappingProxyType(dict(statuses)), acks=acks)


def reference(fleet: FleetState, now: datetime, order: Order) -> tuple[list[str], Due | None]:
    """What judging every row afresh says: the shown order and the nearest deadline."""
    ctx = RowContext(now=now, policy=POLICY, acks=fleet.acks)
    rows = [s for s in fleet.statuses.values() if order.fleet_filter.matches(s, ctx.is_stale(s))]
    rows.sort(key=sort_key(order.column, ctx), reverse=order.reverse)
    facts = FactsCache()
    ahead = [d for s in fleet.statuses.values() if (d := facts.get(s).deadline) and d.at >= now]
    return [s.cluster for s in rows], min(ahead, key=lambda d: (d.at, d.cluster), default=None)


def assert_judged(view: FleetView, fleet: FleetState, now: datetime) -> None:
    rows, nearest = reference(fleet, now, view.order)
    assert list(view.rows) == rows
    assert dict(view.index) == {name: n for n, name in enumerate(rows)}
    statuses = fleet.statuses.values()
    assert view.counts == POLICY.count(statuses, now, acks=fleet.acks)
    assert view.nearest == nearest


@pytest.mark.parametrize("column", COLUMN_KEYS)
@pytest.mark.parametrize("reverse", [False, True])
def test_every_column_sorts_as_judging_afresh_would(column: str, reverse: bool) -> None:
    fleet = state({s.cluster: s for s in demo_statuses()})
    view = FleetModel().update(fleet, POLICY, NOW, Order(column, reverse))
    assert_judged(view, fleet, NOW)
    assert view.judged == len(fleet.statuses)


def test_an_update_judges_what_changed_and_matches_a_fresh_judgement() -> None:
    first, second = large_fleet(400), large_fleet(400, variant=1)
    model = FleetModel()
    model.update(state(first), POLICY, NOW, Order())
    picked = list(first)[::37]
    changed = {**first, **{n: second[n] for n in picked}}
    told = model.update(state(changed), POLICY, NOW, Order(), frozenset(picked))
    assert told.judged == len(picked)
    assert_judged(told, state(changed), NOW)
    # Without being told what changed, the model finds it (by identity), same result.
    again = {**changed, **{n: first[n] for n in picked[:3]}}
    found = model.update(state(again), POLICY, NOW, Order())
    assert found.judged == 3
    assert_judged(found, state(again), NOW)


def test_many_changed_rows_and_clusters_that_come_and_go() -> None:
    first, second = large_fleet(300), large_fleet(300, variant=1)
    model = FleetModel()
    model.update(state(first), POLICY, NOW, Order())
    names = list(first)
    fewer = {n: second[n] for n in names[100:]}  # a third gone, the rest changed
    view = model.update(state(fewer), POLICY, NOW, Order(), frozenset(names))
    assert view.total == 200
    assert_judged(view, state(fewer), NOW)
    more = {**fewer, **{n: first[n] for n in names[:10]}}  # ten come back, not named
    view = model.update(state(more), POLICY, NOW, Order("cluster"))
    assert view.judged == 10
    assert_judged(view, state(more), NOW)


def test_time_alone_rejudges_only_the_clusters_the_policy_names() -> None:
    statuses = large_fleet(300)
    fleet = state(statuses)
    model = FleetModel()
    stale_now = model.update(fleet, POLICY, NOW, Order()).counts.stale
    # The factory's data is 3 minutes old: in 12 minutes and a bit it turns stale.
    later = NOW + timedelta(minutes=12, seconds=1)
    assert not model.due(NOW + timedelta(minutes=11)) and model.due(later)
    view = model.update(fleet, POLICY, later, Order())
    assert 0 < view.judged < len(statuses)
    assert view.counts.stale > stale_now
    assert_judged(view, fleet, later)
    # Deadlines move between bands (and the nearest one passes) with the clock too.
    far = NOW + timedelta(days=25)
    assert_judged(model.update(fleet, POLICY, far, Order()), fleet, far)


def test_stale_rows_sort_and_count_as_stale_once_the_clock_passes() -> None:
    statuses = large_fleet(120)
    fleet = state(statuses)
    model = FleetModel()
    before = model.update(fleet, POLICY, NOW, Order())
    later = NOW + timedelta(minutes=13)
    after = model.update(fleet, POLICY, later, Order())
    assert after.counts.stale > before.counts.stale
    assert list(after.rows) != list(before.rows)
    assert_judged(after, fleet, later)


def test_the_filter_shows_what_it_matches_and_follows_updates() -> None:
    first, second = large_fleet(200), large_fleet(200, variant=1)
    model = FleetModel()
    order = Order("severity", False, FleetFilter.parse("critical"))
    view = model.update(state(first), POLICY, NOW, order)
    assert view.rows and len(view.rows) < len(first)
    assert_judged(view, state(first), NOW)
    changed = {**first, **{n: second[n] for n in list(first)[:20]}}
    assert_judged(model.update(state(changed), POLICY, NOW, order), state(changed), NOW)
    cleared = model.update(state(changed), POLICY, NOW, Order())
    assert len(cleared.rows) == len(changed)


def test_acknowledged_clusters_are_counted_apart_and_sorted_after() -> None:
    statuses = {s.cluster: s for s in demo_statuses()}
    target = statuses["apac-syd-cucm1"]
    ack = acknowledgement(target)
    model = FleetModel()
    model.update(state(statuses), POLICY, NOW, Order())
    acked = state(statuses, AckBook.of([ack]))
    view = model.update(acked, POLICY, NOW, Order())
    assert view.counts.acknowledged_total == 1
    assert view.judged == 1
    assert_judged(view, acked, NOW)


def test_a_new_policy_judges_everything_again() -> None:
    fleet = state({s.cluster: s for s in demo_statuses()})
    model = FleetModel()
    model.update(fleet, POLICY, NOW, Order())
    strict = FreshnessPolicy.uniform(timedelta(minutes=1))
    view = model.update(fleet, strict, NOW, Order())
    assert view.judged == len(fleet.statuses)
    assert view.counts == strict.count(fleet.statuses.values(), NOW)


def test_a_first_judgement_derives_each_clusters_deadlines_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The sort key shares the model's facts: an empty cache (falsy, it has a length)
    # once made the key derive every cluster's deadlines a second time, apart.
    derived: list[str] = []
    real = fleet_rows.status_dues

    def counted(status: ClusterStatus) -> tuple[Due, ...]:
        derived.append(status.cluster)
        return real(status)

    monkeypatch.setattr(fleet_rows, "status_dues", counted)
    fleet = state({s.cluster: s for s in demo_statuses()})
    FleetModel().update(fleet, POLICY, NOW, Order())
    assert sorted(derived) == sorted(fleet.statuses)
