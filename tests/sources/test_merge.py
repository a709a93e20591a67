"""The one merge rule: keys and the ``source`` tag, collisions, unreachable sources kept
and marked, each cluster judged by its own collector's policy, and values reused when
nothing changed."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType

from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus, ErrorInfo
from collectors.sources.base import SourceState
from collectors.sources.merge import Collision, FleetMerger, Owner
from tests.support.factory import NOW, snapshot, status


def look(name: str, *clusters: str, error: ErrorInfo | None = None, **kwargs) -> SourceState:
    table = {c: status(c, snapshot(c, NOW - timedelta(minutes=3))) for c in clusters}
    return SourceState(
        name, f"https://{name}:9465", MappingProxyType(table), error=error, last_ok=NOW, **kwargs
    )


def test_names_tags_and_collisions() -> None:
    merged = FleetMerger().merge([look("emea", "lon", "par"), look("amer", "nyc", "par")])
    assert sorted(merged.statuses) == ["amer/par", "emea/par", "lon", "nyc"]
    assert merged.collisions == (Collision("par", ("emea", "amer")),)
    shared = merged.statuses["amer/par"]
    assert shared.cluster == "amer/par" and shared.last_good is not None
    assert shared.last_good.cluster == "amer/par"
    assert shared.tags == {"region": "emea", "source": "amer"}
    assert merged.owner("amer/par") == Owner("amer", "par")
    assert merged.owner("lon") == Owner("emea", "lon")
    assert merged.key_of("amer", "par") == "amer/par" and merged.key_of("amer", "nyc") == "nyc"
    assert "par is in sources emea, amer" in merged.collisions[0].text()


def test_an_unreachable_source_keeps_its_clusters_marked() -> None:
    failure = ErrorInfo(kind="source", message="source amer (https://amer:9465): refused")
    merged = FleetMerger().merge([look("emea", "lon"), look("amer", "nyc", error=failure)])
    kept = merged.statuses["nyc"]
    assert kept.unreachable and kept.last_error is not None
    assert kept.last_error.message == failure.message and kept.last_error.cluster == "nyc"
    assert kept.last_good is not None  # last known, ageing by the policy
    assert not merged.statuses["lon"].unreachable
    assert [h.state for h in merged.sources] == ["up", "unreachable"]
    assert [h.name for h in merged.problems] == ["amer"]


def test_each_cluster_is_judged_by_its_own_collectors_policy() -> None:
    fast = FreshnessPolicy(stale_after_s=60, cluster_stale_after_s={"lon": 30}, origin="store")
    slow = FreshnessPolicy(stale_after_s=3600, warning_days=60, critical_days=14, origin="store")
    merged = FleetMerger().merge(
        [look("emea", "lon", "par", policy=fast), look("amer", "nyc", "par", policy=slow)]
    )
    policy = merged.policy
    assert policy.stale_after("lon") == timedelta(seconds=30)
    assert policy.stale_after("emea/par") == timedelta(seconds=60)
    assert policy.stale_after("amer/par") == timedelta(hours=1)
    assert policy.is_stale(merged.statuses["emea/par"], NOW)  # 3 min > 60 s
    assert not policy.is_stale(merged.statuses["amer/par"], NOW)
    assert (policy.warning_days, policy.critical_days) == (60, 14)  # the widest bands
    assert merged.notes and "deadline bands differ" in merged.notes[0]


def test_what_did_not_change_keeps_its_value() -> None:
    merger = FleetMerger()
    emea, amer = look("emea", "lon", "par"), look("amer", "nyc")
    first = merger.merge([emea, amer])
    moved: ClusterStatus = status("nyc", snapshot("nyc", NOW))
    amer2 = SourceState("amer", amer.location, MappingProxyType({"nyc": moved}), last_ok=NOW)
    second = merger.merge([emea, amer2])
    assert second.changed == {"nyc"}
    assert second.statuses["lon"] is first.statuses["lon"]
    assert second.statuses["nyc"] is not first.statuses["nyc"]
    third = merger.merge([emea, look("amer", "nyc", "par")])  # a name starts to collide
    assert {"par", "emea/par", "amer/par"} <= third.changed
    assert "par" not in third.statuses
