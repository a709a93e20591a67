"""Issue 11's Done-when, end to end with the real commands (subprocesses on loopback).

A mock fleet of 6 (``licdash mock --clusters 6 --write-config F``), a config at
``interval = 5, stale_after = 1`` with one cluster at its own ``interval = 3600``, one
``licdash collect --once``, 12 s of silence: ``licdash status --store DIR`` and the
dashboard viewer on DIR (summary bar) report the same stale count, the 3600 s cluster
fresh in both. Then a running ``licdash collect`` is killed (SIGKILL) and the viewer shows
the collector-down banner within two intervals. (A plain test: each viewer runs in its
own ``asyncio.run`` while the subprocesses and the wait block the test thread.)
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboard.app import LicdashApp
from dashboard.fleet_rows import COLUMN_KEYS
from dashboard.sources import StoreViewer
from dashboard.widgets.collector_banner import CollectorBanner
from tests.support.mock_process import running_mock

LICDASH = [sys.executable, "-m", "collectors.cli"]
SIZE = (160, 40)


def _wait_for(check: Callable[[], bool], limit: float, what: str) -> None:
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def mock_fleet(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """``licdash mock --clusters 6``: the config it wrote (edited) and the slow cluster."""
    with running_mock(tmp_path, "--clusters", "6") as config:
        text = config.read_text(encoding="utf-8")
        text = re.sub(r"^interval = \d+$", "interval = 5\nstale_after = 1", text, flags=re.M)
        first = re.search(r'^name = "([^"]+)"$', text, flags=re.M)
        assert first is not None and "stale_after = 1" in text
        slow = first.group(1)
        text = text.replace(first.group(0), f"{first.group(0)}\ninterval = 3600", 1)
        config.write_text(text, encoding="utf-8")
        yield config, slow


async def _viewer_summary(store: Path, pilot_check: Callable[[LicdashApp], bool]) -> Any:
    app = LicdashApp(StoreViewer(store, interval=0.2))
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.monotonic() + 20
        while not pilot_check(app) and time.monotonic() < deadline:
            await pilot.pause(0.1)
        # The app takes an update first and hands it to the screen in a message of its
        # own: let the screen draw it before reading the summary.
        await pilot.pause(0.3)
        screen: Any = app.screen
        found = (
            str(screen.summary.render()),
            {n: screen.table.cells(n) for n in screen.table.clusters},
            screen.query_one(CollectorBanner),
            app.fleet.collector,
        )
        banner = found[2]
        result = (found[0], found[1], bool(banner.display), str(banner.render()), found[3])
        await pilot.press("q")
    return result


def test_status_and_viewer_agree_and_a_killed_collector_is_seen(
    mock_fleet: tuple[Path, str], tmp_path: Path
) -> None:
    config, slow = mock_fleet
    store = tmp_path / "store"
    once = subprocess.run(
        [*LICDASH, "collect", "--once", "--config", str(config), "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert once.returncode in (0, 3), once.stderr
    time.sleep(12)

    status = subprocess.run(
        [*LICDASH, "status", "--store", str(store), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    doc = json.loads(status.stdout)
    status_stale = {c["cluster"] for c in doc["clusters"] if c["stale"]}
    polled = {c["cluster"] for c in doc["clusters"] if c["last_seen"]}
    assert slow in polled and slow not in status_stale  # its own 3600 s interval
    assert status_stale == polled - {slow}  # 12 s > 1 x 5 s for every other polled one
    assert doc["policy"]["origin"] == "store"
    assert doc["collector"]["state"] == "down"  # the --once heartbeat is 12 s > 2 x 5 s old

    def loaded(app: LicdashApp) -> bool:
        return app.fleet.collector is not None and len(app.fleet.statuses) == 6

    summary, rows, banner_on, banner_text, _ = asyncio.run(_viewer_summary(store, loaded))
    match = re.search(r"⌛ (\d+) stale", summary)
    assert match is not None and int(match.group(1)) == len(status_stale)
    severity_col = COLUMN_KEYS.index("severity")
    assert "⌛" not in rows[slow][severity_col]
    assert banner_on and "collector not writing since" in banner_text

    # A running collector, then SIGKILL: the viewer says so within two intervals (10 s).
    daemon = subprocess.Popen(
        [*LICDASH, "collect", "--config", str(config), "--store", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        beat = store / "heartbeat.json"
        _wait_for(lambda: f'"pid":{daemon.pid}' in beat.read_text(), 60, "the daemon's beat")

        def writing(app: LicdashApp) -> bool:
            return app.fleet.collector is not None and app.fleet.collector.state.value == "up"

        _, _, banner_on, _, collector = asyncio.run(_viewer_summary(store, writing))
        assert collector is not None and collector.state.value == "up" and not banner_on
        os.kill(daemon.pid, signal.SIGKILL)
        daemon.wait(10)
        killed_at = time.monotonic()

        def down(app: LicdashApp) -> bool:
            return app.fleet.collector is not None and app.fleet.collector.down

        _, _, banner_on, banner_text, collector = asyncio.run(_viewer_summary(store, down))
        assert collector is not None and collector.down and banner_on
        assert time.monotonic() - killed_at < 2 * 5
        assert "writer process gone" in banner_text
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
