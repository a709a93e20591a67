"""The headless collector: the store writer, ``collect`` and ``config check`` end to end."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from collectors.daemon import Daemon
from collectors.errors import StoreError
from collectors.mock import MockFleet
from collectors.mock.testing import small_fleet
from collectors.results import PollUpdate
from collectors.store import SnapshotStore

ROOT = Path(__file__).resolve().parents[2]


class FlakyStore:
    """Refuses the first write, then records everything."""

    def __init__(self) -> None:
        self.batches: list[list[PollUpdate]] = []
        self.refusals = 1
        self.closed = False

    def write_batch(self, updates: Sequence[PollUpdate]) -> None:
        if self.refusals:
            self.refusals -= 1
            raise StoreError("disk full (test)")
        self.batches.append(list(updates))

    def close(self) -> None:
        self.closed = True


async def test_run_once_writes_every_result_to_the_store(fleet_cfg: Any) -> None:
    async with small_fleet(["healthy", "evaluation", "refused"]) as fleet:
        store = SnapshotStore.open(backend="memory")
        daemon = Daemon(fleet_cfg(fleet), store)
        seen: list[PollUpdate] = []
        daemon.add_listener(seen.append)
        report = await daemon.run_once()
    assert (report.polled, report.ok, report.failed) == (3, 2, 1)
    assert re.fullmatch(r"polled 3 publishers: 2 ok, 1 failed in \d+\.\d s", report.line())
    latest = store.latest()
    assert set(latest) == {p.name for p in fleet.publishers}
    assert latest[fleet.publishers[0].name].last_good is not None
    assert latest[fleet.publishers[2].name].last_error is not None
    assert len(seen) == 3 and daemon.written == 3


async def test_a_refused_store_write_is_retried(fleet_cfg: Any) -> None:
    async with small_fleet(["healthy", "evaluation"]) as fleet:
        store = FlakyStore()
        daemon = Daemon(fleet_cfg(fleet), store, flush_interval=0.05)
        await daemon.run_once()
    written = [u.result.cluster for batch in store.batches for u in batch]
    assert sorted(written) == sorted(p.name for p in fleet.publishers)
    assert daemon.dropped == 0


async def test_run_until_stop_flushes_the_store(fleet_cfg: Any) -> None:
    async with small_fleet(["healthy", "refused"]) as fleet:
        store = SnapshotStore.open(backend="memory")
        daemon = Daemon(fleet_cfg(fleet), store)
        got: list[PollUpdate] = []

        def listen(update: PollUpdate) -> None:
            got.append(update)
            if len(got) == 2:
                daemon.stop()

        daemon.add_listener(listen)
        await daemon.run()
    assert set(store.latest()) == {p.name for p in fleet.publishers}


# ----- the commands as subprocesses ------------------------------------------------


def _write_config(fleet: MockFleet, tmp_path: Path, toml: str) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "fleet.toml"
    path.write_text(toml, encoding="utf-8")
    env = dict(os.environ)
    for i, p in enumerate(fleet.publishers):
        env[f"LICDASH_TEST_PW_{i}"] = p.password
    return path, env


async def _run(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_collect_once_end_to_end(tmp_path: Path, fleet_toml_text: Any) -> None:
    scenarios = ["healthy", "evaluation", "refused", "auth_failure"]
    async with small_fleet(scenarios) as fleet:
        config, env = _write_config(fleet, tmp_path, fleet_toml_text(fleet))
        store_dir = tmp_path / "store"
        code, out, err = await _run(
            "collectors.commands.collect_cmd",
            "--config",
            str(config),
            "--store",
            str(store_dir),
            "--once",
            env=env,
        )
    assert code == 3, err  # EXITCODES: a poll failed, every result was written
    last = out.strip().splitlines()[-1]
    assert re.fullmatch(r"polled 4 publishers: 2 ok, 2 failed in \d+\.\d s", last), out
    with SnapshotStore.open(store_dir, readonly=True) as store:
        latest = store.latest()
    assert set(latest) == {p.name for p in fleet.publishers}
    by_scenario = {p.scenario: latest[p.name] for p in fleet.publishers}
    assert by_scenario["healthy"].last_good is not None
    assert by_scenario["auth_failure"].last_error is not None
    assert by_scenario["auth_failure"].last_error.kind == "auth"
    everything = (
        out
        + err
        + "".join(f.read_text(errors="replace") for f in store_dir.rglob("*") if f.is_file())
    )
    for p in fleet.publishers:
        assert p.password not in everything


async def test_collect_runs_until_sigterm(tmp_path: Path, fleet_toml_text: Any) -> None:
    async with small_fleet(["healthy", "refused"]) as fleet:
        config, env = _write_config(fleet, tmp_path, fleet_toml_text(fleet))
        store_dir = tmp_path / "store"
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "collectors.commands.collect_cmd",
            "--config",
            str(config),
            "--store",
            str(store_dir),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        latest: dict[str, Any] = {}
        for _ in range(300):  # wait (bounded) until both results are in the store
            if (store_dir / "latest.json").exists():
                with SnapshotStore.open(store_dir, readonly=True) as store:
                    latest = store.latest()
                if len(latest) == 2:
                    break
            await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert set(latest) == {p.name for p in fleet.publishers}


async def test_config_check_exit_codes(tmp_path: Path, fleet_toml_text: Any) -> None:
    async with small_fleet(["healthy", "refused"]) as fleet:
        config, env = _write_config(fleet, tmp_path, fleet_toml_text(fleet))
        code, out, err = await _run(
            "collectors.commands.config_cmd", "check", "--config", str(config), env=env
        )
        assert code == 1, err
        lines = {line.split()[1]: line for line in out.splitlines() if line[:4] in ("ok  ", "FAIL")}
        healthy, refused = (p.name for p in fleet.publishers)
        assert lines[healthy].startswith("ok")
        assert lines[refused].startswith("FAIL") and "refused" in lines[refused]
        code, out, err = await _run(
            "collectors.commands.config_cmd",
            "check",
            "--config",
            str(config),
            "--no-connect",
            env=env,
        )
        assert code == 0, err
        only_ok = tmp_path / "ok.toml"
        text = config.read_text()
        only_ok.write_text(text[: text.index("[[clusters]]", text.index("[[clusters]]") + 1)])
        code, out, err = await _run(
            "collectors.commands.config_cmd", "check", "--config", str(only_ok), env=env
        )
        assert code == 0, out + err
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("timezone =", 'timezone = "Mars/Olympus"\n#', 1))
    code, out, err = await _run(
        "collectors.commands.config_cmd", "check", "--config", str(bad), env=env
    )
    assert code == 2
    assert str(bad) in err and "timezone" in err and healthy in err


async def test_the_collector_records_the_end_of_acknowledgements_after_a_batch(
    fleet_cfg: Any, tmp_path: Path
) -> None:
    """An acknowledgement made while a cluster was critical clears itself when the
    collector sees it healthy: the Daemon records that once, as ``licdash``, in the same
    breath as its heartbeat; an expired snooze too."""
    from datetime import UTC, datetime, timedelta

    from collectors.model import RegistrationStatus
    from collectors.store.ack_files import AckStore
    from tests.support.factory import snapshot, status

    async with small_fleet(["healthy", "healthy"]) as fleet:
        healed, snoozed = (p.name for p in fleet.publishers)
        root = tmp_path / "store"
        store = SnapshotStore.open(root)
        acks = AckStore(root)
        was = snapshot(healed, registration=RegistrationStatus.REGISTRATION_EXPIRED)
        acks.acknowledge(healed, status(healed, was), by="alice", reason="INC42")
        soon = datetime.now(UTC) + timedelta(seconds=1)
        acks.acknowledge(snoozed, None, by="bob", reason="CHG7", kind="snooze", until=soon)
        await asyncio.sleep(1.1)
        daemon = Daemon(fleet_cfg(fleet), store)
        assert daemon.acks is not None and daemon.acks.root == root
        await daemon.run_once()
        store.close()
    ended = [(e.action, e.cluster, e.by) for e in acks.events() if e.seq > 2]
    assert sorted(ended) == sorted([("clear", healed, "licdash"), ("expire", snoozed, "licdash")])
    assert not acks.book().by_cluster


async def test_a_restarted_collector_keeps_the_acknowledgements_of_unchanged_clusters(
    fleet_cfg: Any, tmp_path: Path
) -> None:
    """A new collector's engine knows nothing yet (every cluster "never polled"); it must
    judge by the store, which remembers, so a restart ends no acknowledgement."""
    from collectors.store.ack_files import AckStore

    root = tmp_path / "store"
    async with small_fleet(["evaluation_expired"]) as fleet:
        store = SnapshotStore.open(root)
        await Daemon(fleet_cfg(fleet), store).run_once()
        (name,) = store.latest()
        acks = AckStore(root)
        acks.acknowledge(name, store.latest()[name], by="alice", reason="INC42")
        store.close()
        store = SnapshotStore.open(root)  # the restart: a new store handle, a new engine
        await Daemon(fleet_cfg(fleet), store).run_once()
        store.close()
    assert [e.action for e in acks.events()] == ["acknowledge"]
    assert acks.book().get(name)
