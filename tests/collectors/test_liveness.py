"""collectors.liveness: the heartbeat rule, and the heartbeat and policy in a real store."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from collectors.config import parse_config
from collectors.daemon import Daemon
from collectors.liveness import Heartbeat, State, judge, make_heartbeat
from collectors.mock.testing import small_fleet
from collectors.policy import FreshnessPolicy
from collectors.store import SnapshotStore

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def beat(ago: float, **kw: Any) -> Heartbeat:
    args: dict[str, Any] = {"pid": os.getpid(), "host": socket.gethostname(), "interval_s": 60}
    return Heartbeat(at=NOW - timedelta(seconds=ago), **(args | kw))


def test_judge_each_state() -> None:
    assert judge(None, NOW, has_data=False).state is State.NEVER
    assert "nobody" not in judge(None, NOW, has_data=False).text()
    assert judge(None, NOW, has_data=True).state is State.UNKNOWN
    assert judge(beat(119), NOW, has_data=True).state is State.UP
    late = judge(beat(121), NOW, has_data=True)
    assert late.down and "collector not writing since 11:57 UTC, 2 min" in late.text()
    assert judge(beat(1, stopped=True), NOW, has_data=True).reason == "stopped"
    gone = judge(beat(1), NOW, has_data=True, writer_alive=False)
    assert gone.down and gone.reason == "writer process gone"
    # a --once run holds no lock between runs: only the age counts
    assert judge(beat(1, mode="once"), NOW, has_data=True, writer_alive=False).state is State.UP


def test_store_keeps_policy_and_heartbeat_and_survives_a_damaged_one(tmp_path: Path) -> None:
    store = SnapshotStore.open(tmp_path / "s")
    policy = FreshnessPolicy(cluster_stale_after_s={"x": 7200}, warning_days=45)
    store.record_policy(policy)
    store.record_heartbeat(make_heartbeat(now=NOW, poll_interval_s=300, mode="daemon"))
    reader = SnapshotStore.open(tmp_path / "s", readonly=True)
    assert reader.policy() == policy.model_copy(update={"origin": "store"})
    hb = reader.heartbeat()
    assert hb is not None and hb.interval_s == 60 and hb.pid == os.getpid()  # capped at 1 min
    # the writer holds the lock under this PID: alive; judged at NOW it is fresh
    assert reader.collector_state(NOW).state is State.UP
    store.close()  # a clean release empties the lock: a daemon writer is then gone
    assert reader.collector_state(NOW).reason == "writer process gone"
    (tmp_path / "s" / "heartbeat.json").write_bytes(b'{"heartbeat": {"1": {"at": ')
    assert reader.heartbeat() is None and reader.latest() == {}
    assert reader.collector_state(NOW).state is State.NEVER
    reader.close()


def test_a_killed_writers_pid_reads_as_gone(tmp_path: Path) -> None:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    dead = int(child.stdout)
    store = SnapshotStore.open(tmp_path / "s")
    store.record_heartbeat(beat(1).model_copy(update={"pid": dead}))
    store.close()
    (tmp_path / "s" / "writer.lock").write_text(f"{dead}\n")  # what SIGKILL leaves
    reader = SnapshotStore.open(tmp_path / "s", readonly=True)
    assert reader.collector_state(NOW).reason == "writer process gone"
    reader.close()


async def test_the_daemon_records_policy_and_heartbeat(fleet_cfg: Any) -> None:
    async with small_fleet(["healthy", "refused"]) as fleet:
        store = SnapshotStore.open(backend="memory")
        config = fleet_cfg(fleet, settings={"interval": 30, "stale_after": 2, "warning_days": 45})
        daemon = Daemon(config, store)
        await daemon.run_once()
        once = store.heartbeat()
        assert once is not None and once.mode == "once" and not once.stopped
        assert once.interval_s == 30 and once.last_cycle_end is not None
        policy = store.policy()
        assert policy is not None and policy.warning_days == 45
        assert policy.stale_after(fleet.publishers[0].name) == timedelta(seconds=60)

        daemon = Daemon(config, store, flush_interval=0.05)
        polls = 0

        def listen(_update: Any) -> None:
            nonlocal polls
            polls += 1
            if polls == 2:
                daemon.reload(config.model_copy(update={"settings": config.settings.model_copy(
                    update={"warning_days": 50})}))  # fmt: skip
                daemon.stop()

        daemon.add_listener(listen)
        await daemon.run()
    last = store.heartbeat()
    assert last is not None and last.mode == "daemon" and last.stopped  # a clean stop
    recorded = store.policy()
    assert recorded is not None and recorded.warning_days == 50  # the reload was recorded
    assert daemon.collector_state().down


def test_an_unwritten_config_policy_is_not_invented() -> None:
    config = parse_config('[[clusters]]\nname = "a"\npublisher = "h"\nusername = "u"\n'
                          'password_env = "N"\n')  # fmt: skip
    assert FreshnessPolicy.from_config(config).stale_after("a") == timedelta(seconds=900)
