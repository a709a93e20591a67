"""The merged view's data source without a network: two stores, queries routed by the
merged key to the store that owns the cluster, acknowledgements refused by that source
(the seam for issue 15), and an update posted only when something shown changed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from collectors.errors import SourceUnsupportedError
from collectors.sources.store_source import StoreSource
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
        with pytest.raises(SourceUnsupportedError, match=r"source amer \(.*amer\): ackn"):
            viewer.acknowledge("amer/par", by="noc", note="vendor case 123")
        assert viewer.take(viewer.sources[0].fetch(NOW)) is None  # nothing new: no post
    finally:
        viewer.close()
