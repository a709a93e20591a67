"""The one merge rule: keys and the ``source`` tag, collisions, unreachable sources kept
and marked, each cluster judged by its own collector's policy, and values reused when
nothing changed."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType

from collectors.acks import Ack, AckBook, problem_of
from collectors.model import Severity
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


def ack(cluster: str, by: str = "noc") -> Ack:
    return Ack(id=f"{cluster}-{by}"[:32], cluster=cluster, by=by, at=NOW, reason="known",
               severity=Severity.CRITICAL, problems=("Registration expired",))  # fmt: skip


def test_acknowledgements_come_under_the_merged_keys() -> None:
    emea_book = AckBook.of([ack("par", "ann"), ack("lon", "ann"), ack("gone", "ann")], "e1")
    amer_book = AckBook.of([ack("par", "bob")], "a1")
    merger = FleetMerger()
    states = [
        look("emea", "lon", "par", acks=emea_book),
        look("amer", "nyc", "par", acks=amer_book),
    ]
    merged = merger.merge(states)
    book = merged.acks
    assert sorted(book.by_cluster) == ["amer/par", "emea/gone", "emea/par", "lon"]
    assert [a.by for a in book.get("amer/par")] == ["bob"]
    assert [a.cluster for a in book.get("emea/par")] == ["emea/par"]  # the key every face uses
    assert merged.owner("emea/gone") == Owner("emea", "gone")  # only an ack names it now
    assert merged.key_of("emea", "gone") == "emea/gone"
    assert merged.owner("amer/par") == Owner("amer", "par")

    again = merger.merge(states)
    assert again.acks is book  # nothing changed: the same book, nothing to re-judge
    moved = AckBook.of([ack("nyc", "bob")], "a2")
    later = merger.merge([states[0], look("amer", "nyc", "par", acks=moved)])
    assert later.acks is not book and [a.by for a in later.acks.get("nyc")] == ["bob"]
    assert later.acks.get("amer/par") == ()


def test_the_one_policy_counts_every_sources_acknowledgements() -> None:
    from collectors.fleet_summary import summarise
    from collectors.model import RegistrationStatus

    def critical(name: str) -> ClusterStatus:
        expired = snapshot(
            name, NOW, registration=RegistrationStatus.REGISTRATION_EXPIRED, reg_expires_days=-2
        )
        return status(name, expired)

    def source(name: str, clusters: tuple[str, ...], acked: tuple[str, ...]) -> SourceState:
        table = {c: critical(c) for c in clusters}
        acks = [
            Ack(id=f"{name}{c}", cluster=c, by="noc", at=NOW, reason="r",
                severity=table[c].severity, problems=tuple(sorted(problem_of(table[c]).keys)))
            for c in acked
        ]  # fmt: skip
        return SourceState(name, name, MappingProxyType(table), acks=AckBook.of(acks), last_ok=NOW)

    states = [source("emea", ("lon", "par"), ("par",)), source("amer", ("par", "nyc"), ("par",))]
    merged = FleetMerger().merge(states)
    counts = merged.policy.count(merged.statuses.values(), NOW, acks=merged.acks)
    assert counts.acknowledged_total == 2  # emea/par and amer/par: both keys judged
    rows = summarise(merged.statuses, NOW, merged.policy, merged.acks)
    assert sorted(r.status.cluster for r in rows if r.acknowledged) == ["amer/par", "emea/par"]
    assert [r.status.cluster for r in rows][-2:] == ["amer/par", "emea/par"]  # sorted after


def test_losing_sight_of_a_source_ends_no_acknowledgement() -> None:
    """The view cannot read amer: its clusters stay marked unreachable through it, but
    that is not the cluster getting worse, so their acknowledgements hold; a publisher
    that really stops answering still ends them."""
    from collectors.model import RegistrationStatus

    expired = snapshot(
        "nyc", NOW, registration=RegistrationStatus.REGISTRATION_EXPIRED, reg_expires_days=-2
    )
    table = {"nyc": status("nyc", expired)}
    acked = Ack(
        id="a1", cluster="nyc", by="noc", at=NOW, reason="INC7 with Cisco",
        severity=table["nyc"].severity, problems=tuple(sorted(problem_of(table["nyc"]).keys)),
    )  # fmt: skip
    book = AckBook.of([acked])
    failure = ErrorInfo(kind="connect_timeout", message="source amer: connecting timed out")
    lost = SourceState(
        "amer", "https://amer:9465", MappingProxyType(table), error=failure, acks=book
    )
    merged = FleetMerger().merge([look("emea", "lon"), lost])
    seen = merged.statuses["nyc"]
    assert seen.unreachable and seen.last_error is not None and seen.last_error.of_source
    assert merged.policy.acknowledgement(seen, merged.acks, NOW).acknowledged

    publisher_down = seen.model_copy(
        update={"last_error": ErrorInfo(kind="connect_timeout", message="publisher timed out")}
    )
    assert not merged.policy.acknowledgement(publisher_down, merged.acks, NOW).acknowledged
