"""Every face tells the same truth about one store at one moment.

One real store, written by the collector's own loop (``Daemon.run_once``) from a mock
fleet over loopback: per-cluster intervals of 1 s, 30 s and 3600 s, custom thresholds
(``warning_days = 100``, ``critical_days = 10``), a cluster gone stale, one never polled
(connection refused), an expired evaluation, and a writer that stopped (its ``--once``
heartbeat ages past two intervals). Then ``status`` (table and JSON), the metrics page,
the summary bar, the fleet rows, the Deadlines screen and the store viewer are asked,
and must agree on severity, stale, overdue and collector state.

What each assertion catches (the drifts of issue 11):
- ``stale`` sets/counts equal across faces, the 3600 s cluster fresh: the viewer's fixed
  15 min, and the live dashboard's global-interval threshold (a per-cluster interval
  ignored would make ``hourly``/``medium`` stale, or ``fast`` fresh under 15 min).
- the fleet row deadline colour ``sev-warning`` for a deadline 60-90 days out: the
  fleet table's own 30/7 days instead of ``warning_days``/``critical_days``.
- ``overdue`` equal in the summary bar, the Deadlines heading, status and metrics, and
  the expired evaluation's row reading ``eval expired`` and sorting first by deadline:
  the summary bar and the Deadlines screen counting differently, and "—"/last for an
  ``evaluation_expired`` cluster.
- collector state ``down`` in status (JSON and its line), metrics, the viewer's banner:
  a stopped collector being invisible ("no poll cycle finished yet").
- ``never`` not stale anywhere: ``ClusterStatus.is_stale_at``'s opposite rule.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from collectors.commands import status_cmd
from collectors.config import LicdashConfig, parse_config
from collectors.daemon import Daemon
from collectors.metrics import fleet_registry, render
from collectors.mock import ThreadedFleet
from collectors.store import SnapshotStore
from collectors.store.ack_files import AckStore
from dashboard.app import LicdashApp
from dashboard.fleet_rows import COLUMN_KEYS, row_cells
from dashboard.screens.deadlines import DeadlinesScreen
from dashboard.screens.fleet import FleetScreen
from dashboard.sources import StoreViewer
from dashboard.widgets.collector_banner import CollectorBanner

SIZE = (160, 40)
SCENARIOS = {
    "fast": "healthy",  # interval 1 s: stale after 2 s
    "medium": "healthy",  # interval 30 s: stale after 60 s
    "hourly": "healthy",  # interval 3600 s: stale after 2 h
    "expired": "evaluation_expired",
    "expiring": "registration_expiring",
    "never": "refused",
}
INTERVALS = {"fast": None, "medium": 30, "hourly": 3600, "expired": 30, "expiring": 30}


def _config(fleet: ThreadedFleet) -> tuple[LicdashConfig, dict[str, str]]:
    assert fleet.fleet is not None
    settings = {"interval": 1, "stale_after": 2, "timeout": 5, "warning_days": 100}
    settings["critical_days"] = 10
    config = parse_config(fleet.fleet.config_toml(settings=settings))
    roles = dict(zip(SCENARIOS, (p.name for p in fleet.publishers), strict=True))
    by_name = {name: role for role, name in roles.items()}
    clusters = [
        c.model_copy(update={"interval": INTERVALS.get(by_name[c.name])}) for c in config.clusters
    ]
    return config.model_copy(update={"clusters": clusters}), roles


def _status(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    status_cmd.add_arguments(parser)
    code = status_cmd.run(parser.parse_args(list(argv)))
    return code, capsys.readouterr().out


def _metrics(store_dir: Path) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    store = SnapshotStore.open(store_dir, readonly=True)
    try:
        page = render(
            fleet_registry(
                store.latest,
                policy=lambda: store.policy() or pytest.fail("no policy recorded"),
                collector=lambda: store.collector_state(datetime.now(UTC)),
                acks=AckStore(store_dir).book,
            )
        )
    finally:
        store.close()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(page)
        for s in family.samples
    }


async def _until(predicate: Callable[[], bool], pilot: Any, limit: float = 15.0) -> None:
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:
        await pilot.pause(0.05)


@pytest.fixture(scope="module")
def written_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The store after one ``collect --once`` and 2.5 s of silence."""
    store_dir = tmp_path_factory.mktemp("cross-face") / "store"
    fleet = ThreadedFleet(scenarios=list(SCENARIOS.values()))
    fleet.start()
    try:
        config, roles = _config(fleet)
        store = SnapshotStore.open(store_dir)
        try:
            report = asyncio.run(Daemon(config, store).run_once())
        finally:
            store.close()
        assert (report.polled, report.failed) == (6, 1)
    finally:
        fleet.stop()
    time.sleep(2.5)  # fast (2 s) is stale now; so is the once-writer's heartbeat (2 x 1 s)
    return store_dir, roles


async def test_every_face_gives_the_same_counts(
    written_store: tuple[Path, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    store_dir, roles = written_store
    name = roles.__getitem__

    # ----- status, JSON and table (no config: the collector's recorded policy) ---------
    code, out = _status(capsys, "--store", str(store_dir), "--format", "json")
    doc = json.loads(out)
    assert doc["policy"]["origin"] == "store" and doc["policy"]["warning_days"] == 100
    stale_status = {c["cluster"] for c in doc["clusters"] if c["stale"]}
    severity_status = {s: doc["totals"][s] for s in ("ok", "warning", "critical", "unknown")}
    overdue_status = doc["deadlines"]["hard"]["overdue"]
    assert doc["collector"]["state"] == "down"
    assert code == doc["exit_code"] == 2  # critical clusters outrank the stopped collector

    # What the fleet is, known from the scenarios (not from the code under test):
    assert stale_status == {name("fast")}  # 1 s interval; 30 s and 3600 s ones are fresh
    assert severity_status == {"ok": 0, "warning": 3, "critical": 2, "unknown": 1}
    assert overdue_status == 1  # the expired evaluation

    code_t, table = _status(capsys, "--store", str(store_dir))
    assert code_t == code
    totals = table.splitlines()[-1]
    assert totals == (
        f"6 clusters: {severity_status['critical']} critical, {severity_status['unknown']} "
        f"unknown, {severity_status['warning']} warning, {severity_status['ok']} ok; "
        f"{len(stale_status)} stale, 1 failing"
    )
    assert f"hard deadlines: {overdue_status} overdue" in table
    assert "collector not writing since" in table
    expired_line = next(line for line in table.splitlines() if line.startswith(name("expired")))
    assert "evaluation expired" in expired_line

    # ----- the metrics page over the same store ------------------------------------------
    samples = _metrics(store_dir)
    by_sev = {
        s: samples[("licdash_clusters_by_severity", frozenset({("severity", s)}))]
        for s in severity_status
    }
    assert by_sev == severity_status
    assert samples[("licdash_stale_clusters", frozenset())] == len(stale_status)
    stale_metric = {
        dict(labels)["cluster"]
        for (metric, labels), value in samples.items()
        if metric == "licdash_stale" and value == 1
    }
    assert stale_metric == stale_status
    overdue_key = ("licdash_deadlines", frozenset({("band", "overdue"), ("type", "hard")}))
    assert samples[overdue_key] == overdue_status
    assert samples[("licdash_collector_up", frozenset())] == 0

    # ----- the viewer: summary bar, fleet rows, banner, Deadlines screen ----------------
    app = LicdashApp(StoreViewer(store_dir, interval=0.1))
    async with app.run_test(size=SIZE) as pilot:
        await _until(
            lambda: app.fleet.collector is not None and len(app.fleet.statuses) == 6, pilot
        )
        assert isinstance(app.screen, FleetScreen)
        assert app.fleet.collector is not None and app.fleet.collector.down
        assert app.policy.origin == "store" and app.policy.warning_days == 100
        await pilot.pause()
        summary = str(app.screen.summary.render())
        bar = {
            s: int(m.group(1)) for s in severity_status if (m := re.search(rf"(\d+) {s}", summary))
        }
        assert bar == severity_status
        assert f"⌛ {len(stale_status)} stale" in summary
        assert f"{overdue_status} hard deadline" in summary and "overdue" in summary
        assert "collector down" in summary

        banner = app.screen.query_one(CollectorBanner)
        assert banner.display and "collector not writing since" in str(banner.render())

        table = app.screen.table
        rows = {n: table.cells(n) for n in table.clusters}
        keys = list(COLUMN_KEYS)
        sev_col, deadline_col = keys.index("severity"), keys.index("deadline")
        assert {n for n, cells in rows.items() if "⌛" in cells[sev_col]} == stale_status
        row_sev = {s: sum(s in cells[sev_col] for cells in rows.values()) for s in severity_status}
        assert row_sev == severity_status
        assert rows[name("expired")][deadline_col] == "eval expired"
        # warning_days = 100 colours a deadline 60-90 days out (auth expiry of healthy ones)
        role = row_cells(app.fleet.statuses[name("medium")], table._ctx)[deadline_col][1]
        assert role == "sev-warning"
        table.sort_by("deadline")
        assert table.clusters[0] == name("expired")  # overdue sorts first

        await pilot.press("2")
        await _until(lambda: isinstance(app.screen, DeadlinesScreen), pilot)
        await pilot.pause(0.2)
        heading = str(app.screen.query_one("#heading").render())
        assert f"hard: {overdue_status} overdue" in heading
        await pilot.press("q")


async def test_every_face_counts_an_acknowledged_cluster_alike(
    written_store: tuple[Path, dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """One critical cluster acknowledged with ``licdash ack``: it keeps its severity
    everywhere, and status (JSON, table, Nagios), the metrics and the viewer's summary bar
    and rows all count it as acknowledged, through the policy's one judgement."""
    import shutil

    from collectors.cli import main

    source, roles = written_store
    store_dir = tmp_path / "store"
    shutil.copytree(source, store_dir)
    expired = roles["expired"]
    assert main(["ack", expired, "--store", str(store_dir), "-m", "INC42", "--by", "alice"]) == 0
    capsys.readouterr()

    code, out = _status(capsys, "--store", str(store_dir), "--format", "json")
    doc = json.loads(out)
    acked = {c["cluster"] for c in doc["clusters"] if c["acknowledged"]}
    assert acked == {expired} and doc["totals"]["acknowledged"] == 1
    assert doc["totals"]["critical"] == 2 and code == 2  # the other critical is nobody's
    _, table = _status(capsys, "--store", str(store_dir))
    assert table.splitlines()[-1].endswith("; 1 acknowledged")
    _, nagios = _status(capsys, "--store", str(store_dir), "--format", "nagios")
    assert "2 critical" in nagios.splitlines()[0] and "1 acknowledged" in nagios.splitlines()[0]

    samples = _metrics(store_dir)
    metric = {
        dict(labels)["cluster"]
        for (name, labels), value in samples.items()
        if name == "licdash_acknowledged" and value == 1
    }
    assert metric == acked
    key = ("licdash_acknowledged_clusters", frozenset({("severity", "critical")}))
    assert samples[key] == 1

    app = LicdashApp(StoreViewer(store_dir, interval=0.1))
    app.acks_desk.interval = 0.1
    async with app.run_test(size=SIZE) as pilot:
        await _until(
            lambda: len(app.fleet.statuses) == 6 and bool(app.fleet.acks.by_cluster), pilot
        )
        await pilot.pause()
        assert isinstance(app.screen, FleetScreen)
        summary = str(app.screen.summary.render())
        assert "✖ 1 critical" in summary and "✓ 1 acknowledged" in summary
        sev_col = list(COLUMN_KEYS).index("severity")
        table = app.screen.table
        marked = {n for n in table.clusters if table.cells(n)[sev_col].startswith("✓")}
        assert marked == acked
        await pilot.press("q")
