"""Store fixtures: one ``store`` per backend, so every contract test runs on both."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # for ``from store_factory import ...``

from collectors.store import SnapshotStore


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SnapshotStore]:
    s = SnapshotStore.open(tmp_path / "store", backend=request.param)
    yield s
    s.close()
