"""Issue 17's Done-when, end to end with the real commands (subprocesses on loopback).

``licdash mock --products cucm,unity,expressway --clusters 30 --write-config F``, then
``licdash collect --config F --once --store S`` and ``licdash status --store S``: every
product is there with real states (read from the mock's answers, not unknown), the
Expressway peers as rows of their own, Unity 12.0 named ``unsupported``.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mock_process import LICDASH, running_mock


@pytest.fixture
def mock_config(tmp_path: Path) -> Iterator[Path]:
    args = ("--products", "cucm,unity,expressway", "--clusters", "30")
    with running_mock(tmp_path, *args) as config:
        # A short per-poll timeout: the demo mix has a hanging publisher.
        text = re.sub(r"^timeout = \d+$", "timeout = 3", config.read_text(), flags=re.M)
        config.write_text(text)
        yield config


def test_collect_once_then_status_shows_every_product(mock_config: Path, tmp_path: Path) -> None:
    store = tmp_path / "S"
    collect = subprocess.run(
        [*LICDASH, "collect", "--config", str(mock_config), "--once", "--store", str(store)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert collect.returncode in (0, 3), collect.stderr  # 3: some fault scenarios failed
    table = subprocess.run(
        [*LICDASH, "status", "--store", str(store)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    lines = table.stdout.splitlines()
    header = lines[0].split()
    assert header[:2] == ["CLUSTER", "PRODUCT"]
    shown = Counter(line.split()[1] for line in lines[1:] if line.split()[:1] != ["hard"])
    assert {"CUCM", "Unity", "Expwy"} <= set(shown), table.stdout

    doc = json.loads(
        subprocess.run(
            [*LICDASH, "status", "--store", str(store), "--format", "json"],
            capture_output=True, text=True, timeout=60, check=False,
        ).stdout
    )  # fmt: skip
    clusters = doc["clusters"]
    assert len(clusters) == 30
    by_product: dict[str, list[dict[str, object]]] = {}
    for cluster in clusters:
        by_product.setdefault(str(cluster["product"]), []).append(cluster)
    assert {k: len(v) for k, v in by_product.items()} == {"cucm": 10, "unity": 10, "expressway": 10}
    for product, source in (("cucm", None), ("unity", "cupi"), ("expressway", "rest")):
        polled = [c for c in by_product[product] if "registration" in c]
        assert len(polled) >= 6, product  # most answered
        assert all(c["registration"]["status"] != "unknown" for c in polled)  # type: ignore[index]
        assert all(c["authorization"]["status"] != "unknown" for c in polled)  # type: ignore[index]
        assert len({c["severity"] for c in polled}) >= 2, product  # the scenarios differ
        if source is not None:
            assert {c["source"] for c in polled} == {source}
    peers = [c["cluster"] for c in by_product["expressway"] if "/peer" in str(c["cluster"])]
    assert any(str(p).endswith("/peer2") for p in peers)
    assert all(c["entitlements"] == [] for c in by_product["expressway"] if "entitlements" in c)
    errors = {c["last_error"]["kind"] for c in clusters if c["last_error"]}  # type: ignore[index]
    assert "unsupported" in errors  # a Unity Connection 12.0 publisher
