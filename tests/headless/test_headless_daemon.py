"""``licdash collect`` as a service: signals, reload, the store lock, metrics and logs.

Each test runs the collector as a real subprocess (``python -m
collectors.commands.collect_cmd``) against a mock fleet served from this process.
Waits are bounded polls of the store or of stderr, never timed assertions.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from collectors.mock import ThreadedFleet
from collectors.results import ClusterStatus
from collectors.store import SnapshotStore
from tests.support.collector import WAIT_S, Collector, wait_for_store, write_config


@pytest.fixture
def collectors() -> Iterator[Callable[..., Collector]]:
    started: list[Collector] = []

    def start(*args: str) -> Collector:
        c = Collector(*args)
        started.append(c)
        return c

    yield start
    for c in started:
        c.kill()


def good(latest: dict[str, ClusterStatus]) -> set[str]:
    return {name for name, s in latest.items() if s.last_good is not None}


def test_sigterm_during_a_cycle_loses_nothing(tmp_path: Path, collectors) -> None:
    scenarios = ["healthy"] * 5 + ["slow"]
    with ThreadedFleet(scenarios=scenarios, slow_ms=20_000) as fleet:
        config = write_config(fleet, tmp_path / "licdash.toml", timeout=60, interval=3600)
        store = tmp_path / "store"
        collector = collectors("--config", str(config), "--store", str(store))
        assert fleet.fleet is not None
        servers = fleet.fleet.servers  # each counts the requests it received
        fast = [p.name for p in fleet.publishers if p.scenario == "healthy"]
        slow = next(p.name for p in fleet.publishers if p.scenario == "slow")
        deadline = time.monotonic() + WAIT_S
        while not all(servers[n].requests for n in [*fast, slow]):
            assert time.monotonic() < deadline and collector.proc.poll() is None, collector.stderr
            time.sleep(0.02)
        time.sleep(0.2)  # the fast answers land; the slow poll is still in flight
        collector.signal(signal.SIGTERM)
        assert collector.finish() == 0, collector.stderr
    with SnapshotStore.open(store, readonly=True) as reader:
        latest = reader.latest()
    # Every result the cycle produced before the signal is in the store.
    assert good(latest) == set(fast)
    assert slow not in good(latest)


def test_second_collector_on_the_same_store_is_refused(tmp_path: Path, collectors) -> None:
    with ThreadedFleet(scenarios=["healthy"]) as fleet:
        config = write_config(fleet, tmp_path / "licdash.toml", interval=3600)
        store = tmp_path / "store"
        first = collectors("--config", str(config), "--store", str(store))
        wait_for_store(store, lambda s: len(good(s)) == 1, "the first poll")
        second = collectors("--config", str(config), "--store", str(store))
        assert second.finish() == 1
        assert f"PID {first.proc.pid}" in second.stderr
        assert str(store) in second.stderr
        assert "another licdash collector" in second.stderr.lower()
        assert first.proc.poll() is None  # the first one is untouched
        first.signal(signal.SIGINT)
        assert first.finish() == 0


def test_sighup_with_a_broken_config_keeps_running_and_a_good_one_applies(
    tmp_path: Path, collectors
) -> None:
    with ThreadedFleet(scenarios=["healthy", "healthy", "evaluation"]) as fleet:
        full = fleet.config_toml()
        config = tmp_path / "licdash.toml"
        # Start with the first two clusters only.
        blocks = full.split("\n[[clusters]]\n")
        config.write_text("\n[[clusters]]\n".join(blocks[:3]), encoding="utf-8")
        store = tmp_path / "store"
        collector = collectors("--config", str(config), "--store", str(store))
        names = [p.name for p in fleet.publishers]
        wait_for_store(store, lambda s: good(s) == set(names[:2]), "the first two clusters")

        config.write_text(full.replace("[settings]", "[settings"), encoding="utf-8")
        collector.signal(signal.SIGHUP)
        line = collector.wait_for_line(lambda x: "reload" in x and "ERROR" in x, "refusing it")
        assert str(config) in line and "keeping the old config" in line
        assert collector.proc.poll() is None

        config.write_text(full, encoding="utf-8")
        collector.signal(signal.SIGHUP)
        line = collector.wait_for_line(lambda x: "config reloaded" in x, "applying it")
        assert "1 added" in line and names[2] in line
        wait_for_store(store, lambda s: good(s) == set(names), "the added cluster")
        collector.signal(signal.SIGTERM)
        assert collector.finish() == 0


def test_metrics_port_serves_a_scrapeable_page(tmp_path: Path, collectors) -> None:
    with ThreadedFleet(scenarios=["healthy", "out_of_compliance"]) as fleet:
        config = write_config(fleet, tmp_path / "licdash.toml", interval=3600)
        store = tmp_path / "store"
        collector = collectors(
            "--config", str(config), "--store", str(store), "--metrics-port", "0"
        )
        line = collector.wait_for_line(lambda x: "/metrics" in x, "with the metrics URL")
        url = next(word for word in line.split() if word.startswith("http://127.0.0.1:"))
        wait_for_store(store, lambda s: len(good(s)) == 2, "both clusters")
        assert url.startswith("http://127.0.0.1:")  # loopback unless told otherwise
        with urllib.request.urlopen(url, timeout=10) as response:
            page = response.read().decode()
        collector.signal(signal.SIGTERM)
        assert collector.finish() == 0
        names = {p.scenario: p.name for p in fleet.publishers}
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(page)
        for s in family.samples
    }
    assert samples[("licdash_up", (("cluster", names["healthy"]),))] == 1
    ooc = (("cluster", names["out_of_compliance"]), ("state", "out_of_compliance"))
    assert samples[("licdash_authorization_state", ooc)] == 1
    assert samples[("licdash_clusters", ())] == 2


def test_json_logs_parse_and_hold_no_password(tmp_path: Path, collectors) -> None:
    with ThreadedFleet(scenarios=["healthy", "auth_failure", "malformed"]) as fleet:
        config = write_config(fleet, tmp_path / "licdash.toml", interval=3600)
        store = tmp_path / "store"
        collector = collectors(
            "--config", str(config), "--store", str(store), "--log-format", "json"
        )
        wait_for_store(store, lambda s: len(s) == 3, "all three clusters")
        collector.signal(signal.SIGTERM)
        assert collector.finish() == 0
        passwords = [p.password for p in fleet.publishers]
    lines = [json.loads(line) for line in collector.lines if line.strip()]
    assert lines, "the collector logged nothing"
    assert any(entry["level"] == "warning" and "auth" in entry["message"] for entry in lines)
    assert passwords and all(len(pw) >= 8 for pw in passwords)
    for password in passwords:
        assert password not in collector.stderr


class BrokenStore:
    """A store whose writes fail with an error the writer does not expect (a bug)."""

    def write_batch(self, updates: object) -> None:
        raise ValueError("a bug in the store")

    def close(self) -> None:
        pass


async def test_a_writer_that_dies_stops_the_collector(tmp_path: Path) -> None:
    """If the store writer dies, polling on would only look healthy (metrics, logs)
    while nothing is stored: the daemon must stop and say why."""
    from collectors.config import parse_config
    from collectors.daemon import Daemon
    from collectors.mock.testing import small_fleet

    async with small_fleet(["healthy"]) as fleet:
        config = parse_config(write_config(fleet, tmp_path / "l.toml", interval=1).read_text())
        daemon = Daemon(config, BrokenStore(), flush_interval=0.05)
        run = asyncio.create_task(daemon.run())
        done, _ = await asyncio.wait({run}, timeout=WAIT_S)
        if not done:  # still polling with no writer: stop it to fail cleanly
            daemon.stop()
            await asyncio.gather(run, return_exceptions=True)
        assert done, "the collector kept polling after its store writer died"
        with pytest.raises(ValueError, match="a bug in the store"):
            run.result()
