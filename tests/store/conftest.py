"""Store fixtures: one ``store`` per backend, so every contract test runs on both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collectors.store import SnapshotStore


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SnapshotStore]:
    s = SnapshotStore.open(tmp_path / "store", backend=request.param)
    yield s
    s.close()
