"""The merged view's data source without a network: two stores, queries and
acknowledgements routed by the merged key to the store that owns the cluster (a source
read-only in the config refuses, naming itself), the sources' acknowledgements merged
under the merged keys, and an update posted only when something shown changed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from collectors.errors import SourceUnsupportedError
from collectors.sources.store_source import StoreSource
from collectors.store.ack_files import AckStore
from dashboard.sources import MergedViewer
from tests.support.factory import NOW, snapshot, status
from tests.support.store import write_store


@pytest.fixture
def viewer(tmp_path: Path) -> MergedViewer:
    emea = write_store(tmp_path / "emea", [status(n, snapshot(n, NOW)) for n in ("lon", "par")])
    amer = write_store(
        tmp_path / "amer",
        [status(n, snapshot(n, NOW - timedelta(hours=1))) for n in ("nyc", "par")],
    )
    sources = [StoreSource("emea", emea), StoreSource("amer", amer)]
    return MergedViewer(sources, clock=lambda: NOW)


def test_queries_go_to_the_owning_store(viewer: MergedViewer) -> None:
    try:
        for source in viewer.sources:
            viewer.take(source.fetch(NOW))
        fleet = viewer.fleet
        assert sorted(fleet.statuses) == ["amer/par", "emea/par", "lon", "nyc"]
        assert [h.name for h in fleet.sources] == ["emea", "amer"]
        assert fleet.notices and "par is in sources emea, amer" in fleet.notices[0]
        history = viewer.history("amer/par", since=NOW - timedelta(days=2))
        assert history.cluster == "amer/par"
        assert [s.collected_at for s in history.changes] == [NOW - timedelta(hours=1)]
        assert viewer.failures("nyc") == []
        assert viewer.take(viewer.sources[0].fetch(NOW)) is None  # nothing new: no post
    finally:
        viewer.close()


def test_an_acknowledgement_goes_to_the_owning_store(viewer: MergedViewer) -> None:
    emea, amer = viewer.sources
    try:
        for source in viewer.sources:
            viewer.take(source.fetch(NOW))
        assert viewer.acks.target("amer/par") == f"source amer ({amer.location})"
        event = viewer.acks.acknowledge(
            "amer/par", by="noc", reason="CHG42 window", kind="snooze", until=None
        )
        assert event.cluster == "amer/par" and event.ack is not None
        assert event.ack.cluster == "amer/par"  # under the merged key, as shown
        (stored,) = AckStore(Path(amer.location)).book().get("par")
        assert (stored.cluster, stored.by, stored.kind) == ("par", "noc", "snooze")
        assert AckStore(Path(emea.location)).book().all() == []

        fleet = viewer.take(amer.fetch(NOW))
        assert fleet is not None, "a new acknowledgement is worth a post"
        assert [a.reason for a in fleet.acks.get("amer/par")] == ["CHG42 window"]
        assert fleet.acks.get("emea/par") == () and fleet.acks.get("par") == ()
        assert [e.cluster for e in viewer.acks.events(cluster="amer/par")] == ["amer/par"]

        removed = viewer.acks.remove("amer/par", by="noc", reason="done")
        assert [e.action for e in removed] == ["remove"]
        assert AckStore(Path(amer.location)).book().all() == []
    finally:
        viewer.close()


def test_a_source_read_only_in_the_config_refuses_naming_itself(tmp_path: Path) -> None:
    lab = write_store(tmp_path / "lab", [status("lab1", snapshot("lab1", NOW))])
    viewer = MergedViewer([StoreSource("lab", lab, read_only=True)], clock=lambda: NOW)
    try:
        viewer.take(viewer.sources[0].fetch(NOW))
        why = viewer.acks.refusal("lab1")
        assert why == (
            f"source lab ({lab}): read-only in the config (read_only = true): it takes no "
            "acknowledgements"
        )
        with pytest.raises(SourceUnsupportedError, match=r"source lab \(.*lab\): read-only"):
            viewer.acks.acknowledge("lab1", by="noc", reason="r", kind="snooze")
        assert AckStore(lab).book().all() == []
    finally:
        viewer.close()
