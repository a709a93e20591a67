"""The overview's judgement: tiles, groups and counts by the one policy, re-judged only
where something changed."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType

import pytest

from collectors.model import Severity
from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus
from dashboard.overview_looks import Look, Tone, look_of, short_names
from dashboard.overview_model import OverviewModel, next_grouping
from tests.support.factory import NOW
from tests.support.fleets import demo_statuses, large_fleet

POLICY = FreshnessPolicy.uniform(timedelta(minutes=15))


def fleet() -> dict[str, ClusterStatus]:
    return {s.cluster: s for s in demo_statuses()}


def test_counts_are_the_policys_count_for_the_fleet_and_each_group() -> None:
    statuses = fleet()
    layout = OverviewModel().judge(statuses, NOW, POLICY)
    assert layout.total == POLICY.count(statuses.values(), NOW, dues=lambda s: ())
    for group in layout.groups:
        members = [statuses[n] for n in group.members]
        assert group.counts == POLICY.count(members, NOW, dues=lambda s: ())
        assert all(statuses[n].tags["region"] == group.name for n in group.members)
    assert layout.group_by == "region"
    assert sum(len(g.members) for g in layout.groups) == len(statuses)


def test_tiles_are_worst_first_and_what_we_cannot_see_is_loud() -> None:
    statuses = fleet()
    layout = OverviewModel().judge(statuses, NOW, POLICY)
    for group in layout.groups:
        assert list(group.looks) == sorted(group.looks)
    looks = {n: look for g in layout.groups for n, look in zip(g.members, g.looks, strict=True)}
    # stale ok data is shown in the unknown tone, never as a quiet ok
    assert looks["amer-sfo-cucm1"] is Look.STALE and Look.STALE.tone is Tone.UNKNOWN
    assert looks["apac-tok-cucm1"] is Look.UNKNOWN_UNREACHABLE
    assert looks["emea-mad-cucm1"] is Look.OK_UNREACHABLE and Look.OK_UNREACHABLE.problem
    assert looks["emea-lon-cucm1"] is Look.OK and not Look.OK.problem
    # the group with the most critical clusters comes first
    assert layout.groups[0].name == "amer"
    assert layout.problems[0] in {n for n, s in statuses.items() if s.severity is Severity.CRITICAL}
    assert "emea-lon-cucm1" not in layout.problems


def test_a_stale_critical_stays_critical() -> None:
    status = fleet()["apac-syd-cucm1"]
    assert look_of(status, stale=True) is Look.CRITICAL_STALE
    assert Look.CRITICAL_STALE.tone is Tone.CRITICAL


def test_only_changed_clusters_are_judged_again(monkeypatch: pytest.MonkeyPatch) -> None:
    statuses = large_fleet(600)
    model = OverviewModel()
    first = model.judge(MappingProxyType(statuses), NOW, POLICY)
    calls: list[str] = []
    original = FreshnessPolicy.is_stale

    def counting(self: FreshnessPolicy, status: ClusterStatus, now: object) -> bool:
        calls.append(status.cluster)
        return original(self, status, now)  # type: ignore[arg-type]

    monkeypatch.setattr(FreshnessPolicy, "is_stale", counting)
    changed_name = next(iter(statuses))
    changed = dict(statuses)
    changed[changed_name] = statuses[changed_name].model_copy(update={"consecutive_failures": 4})
    calls.clear()
    second = model.judge(MappingProxyType(changed), NOW, POLICY)
    judged_once = [n for n in calls if n == changed_name]
    assert judged_once, "the changed cluster was judged again"
    # the per-cluster judgement ran for it alone; the counts of its group (and the fleet)
    # are the policy's count again, other groups are kept as they were
    region = statuses[changed_name].tags["region"]
    others = [g for g in second.groups if g.name != region]
    old = {g.name: g for g in first.groups}
    assert all(g is old[g.name] for g in others)
    assert next(g for g in second.groups if g.name == region).version != old[region].version


def test_time_alone_turns_a_cluster_stale_when_the_policy_says() -> None:
    statuses = fleet()
    model = OverviewModel()
    model.judge(statuses, NOW, POLICY)
    lon = statuses["emea-lon-cucm1"]  # last good poll 3 min before NOW, stale after 15
    assert model.due_at is not None
    assert not model.due(NOW + timedelta(minutes=5))
    later = NOW + timedelta(minutes=13)
    assert model.due(later)
    layout = model.judge(statuses, later, POLICY)
    looks = {n: look for g in layout.groups for n, look in zip(g.members, g.looks, strict=True)}
    assert POLICY.is_stale(lon, later)
    assert looks["emea-lon-cucm1"] is Look.STALE
    assert layout.total.stale == POLICY.count(statuses.values(), later).stale


def test_grouping_cycles_through_the_tags_then_none() -> None:
    statuses = fleet()
    layout = OverviewModel().judge(statuses, NOW, POLICY)
    assert layout.tag_keys == ("region", "customer")
    assert next_grouping("region", layout.tag_keys) == "customer"
    assert next_grouping("customer", layout.tag_keys) == ""
    assert next_grouping("", layout.tag_keys) == "region"
    by_customer = OverviewModel().judge(statuses, NOW, POLICY, "customer")
    assert {g.name for g in by_customer.groups} == {"acme", "globex", "initech"}
    whole = OverviewModel().judge(statuses, NOW, POLICY, "")
    assert len(whole.groups) == 1 and len(whole.groups[0].members) == len(statuses)


def test_short_names_drop_what_all_share_but_stay_distinct() -> None:
    assert short_names(["emea-lon-cucm1", "emea-par-cucm1"]) == ("lon", "par")
    assert short_names(["emea-lon-cucm1", "emea-lon-cucm2"]) == ("cucm1", "cucm2")
    assert short_names(["a-x.corp", "b-y.corp"]) == ("a-x", "b-y")
    assert short_names(["solo"]) == ("solo",)
    cut = short_names(["emea-s1-cucm1", "emea-s1-cucm2", "emea-s2-cucm1"])
    assert len(set(cut)) == 3


def test_newest_data_and_whether_even_it_is_stale() -> None:
    statuses = fleet()
    layout = OverviewModel().judge(statuses, NOW, POLICY)
    assert layout.newest == NOW - timedelta(minutes=3)
    assert not layout.newest_stale
    assert OverviewModel().judge(statuses, NOW + timedelta(hours=1), POLICY).newest_stale


def test_problems_of_one_look_come_most_urgent_first() -> None:
    from collectors.policy import next_hard, status_dues

    statuses = fleet()
    layout = OverviewModel().judge(statuses, NOW, POLICY)
    critical = [n for n in layout.problems if statuses[n].severity is Severity.CRITICAL]
    when = [next_hard(status_dues(statuses[n])) for n in critical]
    stamps = [d.at if d is not None else None for d in when]
    assert all(s is not None for s in stamps)
    assert stamps == sorted(stamps)  # type: ignore[type-var]
    assert critical[0] == "apac-syd-cucm1"  # its registration expired three days ago
