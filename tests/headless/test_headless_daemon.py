"""``licdash collect`` as a service: signals, reload, the store lock, metrics and logs.

Each test runs the collector as a real subprocess (``python -m
collectors.commands.collect_cmd``) against a mock fleet served from this process.
Waits are bounded polls of the store or of stderr, never timed assertions.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from collectors.mock import ThreadedFleet
from collectors.results import ClusterStatus
from collectors.store import SnapshotStore

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 30.0


class Collector:
    """A ``licdash collect`` subprocess whose stderr is gathered by a thread."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "collectors.commands.collect_cmd", *args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        with self.proc.stderr:
            for line in self.proc.stderr:
                self.lines.append(line.rstrip("\n"))

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, predicate: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + WAIT_S
        seen = 0
        while time.monotonic() < deadline:
            for line in self.lines[seen:]:
                if predicate(line):
                    return line
            seen = len(self.lines)
            if self.proc.poll() is not None and seen == len(self.lines):
                break
            time.sleep(0.05)
        raise AssertionError(f"no log line {what}; stderr:\n{self.stderr}")

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def finish(self) -> int:
        code = self.proc.wait(timeout=WAIT_S)
        self._reader.join(timeout=5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=WAIT_S)
        self._reader.join(timeout=5)


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


def wait_for_store(
    store: Path, predicate: Callable[[dict[str, ClusterStatus]], bool], what: str
) -> dict[str, ClusterStatus]:
    deadline = time.monotonic() + WAIT_S
    latest: dict[str, ClusterStatus] = {}
    while time.monotonic() < deadline:
        if (store / "latest.json").exists():  # a reader needs a store a writer created
            with SnapshotStore.open(store, readonly=True) as reader:
                latest = reader.latest()
            if predicate(latest):
                return latest
        time.sleep(0.1)
    raise AssertionError(f"store never showed {what}; it has {sorted(latest)}")


def write_config(fleet: Any, path: Path, **settings: Any) -> Path:
    """The fleet's own config with ``settings`` set in its ``[settings]`` table."""
    text = fleet.config_toml()
    for key, value in settings.items():
        text, found = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text, count=1)
        if not found:
            text = text.replace("[settings]\n", f"[settings]\n{key} = {value}\n", 1)
    path.write_text(text, encoding="utf-8")
    return path


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
