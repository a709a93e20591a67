"""Five processes acknowledge twenty clusters each while a collector writes: none is lost.

The collector is a forked child holding the store's writer lock for the whole test; it
writes a poll cycle after another and settles acknowledgements after each (as
``Daemon`` does), recording the expiry of ten short snoozes that end meanwhile. Five more
children each make twenty acknowledgements through their own :class:`AckStore`. Every
one of the 100 must be in the audit trail and in force, every expiry recorded once, the
sequence numbers unbroken, and the collector must have written cycles while they ran.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from collectors.model import RegistrationStatus
from collectors.policy import DEFAULT_POLICY
from collectors.results import ClusterStatus
from collectors.store import SnapshotStore
from collectors.store.ack_files import AckStore
from tests.support.factory import good, snapshot, status
from tests.support.forked import finish, fork
from tests.support.store import write_store

WRITERS = 5
EACH = 20
SNOOZES = 10


def _critical(name: str, at: datetime) -> ClusterStatus:
    snap = snapshot(name, at, registration=RegistrationStatus.REGISTRATION_EXPIRED)
    return status(name, snap, now=at)


def _collector(root: Path, names: list[str], stop: Path, write: Callable[[str], None]) -> None:
    with SnapshotStore.open(root) as store:
        acks = AckStore(root)
        while not stop.exists():
            at = datetime.now(UTC).replace(microsecond=0)
            store.write_batch([good(s) for n in names if (s := _critical(n, at).last_good)])
            acks.settle(store.latest(), DEFAULT_POLICY, datetime.now(UTC))
            write(f"batch {time.time()}")


def _acknowledger(root: Path, writer: int, write: Callable[[str], None]) -> None:
    acks = AckStore(root, lock_timeout=30)
    now = datetime.now(UTC)
    for n in range(EACH):
        name = f"c{writer * EACH + n:03d}"
        acks.acknowledge(name, _critical(name, now), by=f"noc{writer}", reason=f"INC{n}")
        write(f"ack {time.time()}")


def test_five_processes_acknowledge_while_a_collector_writes(tmp_path: Path) -> None:
    root = tmp_path / "store"
    now = datetime.now(UTC).replace(microsecond=0)
    names = [f"c{n:03d}" for n in range(WRITERS * EACH)] + [f"x{n}" for n in range(SNOOZES)]
    write_store(root, [_critical(n, now) for n in names])
    seed = AckStore(root)
    for n in range(SNOOZES):  # ending while the writers write: the collector records them
        until = now + timedelta(seconds=2 + n % 3)
        seed.acknowledge(f"x{n}", None, by="seed", reason="window", kind="snooze", until=until)
    stop = tmp_path / "stop"
    collector = fork(_collector, root, names, stop)
    writers = [fork(_acknowledger, root, w) for w in range(WRITERS)]
    acked: list[float] = []
    errors: list[str] = []
    for pid, fd in writers:
        lines, _ = finish(pid, fd)
        errors += [line for line in lines if line.startswith("error")]
        acked += [float(line.split()[1]) for line in lines if line.startswith("ack ")]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(AckStore(root).book().all()) > WRITERS * EACH:
        time.sleep(0.1)  # until the collector recorded every expiry
    stop.touch()
    lines, _ = finish(*collector)
    errors += [line for line in lines if line.startswith("error")]
    assert errors == []

    trail = AckStore(root).events()
    made = [e for e in trail if e.action == "acknowledge"]
    assert len(made) == WRITERS * EACH
    assert sorted(e.cluster or "" for e in made) == sorted(names[: WRITERS * EACH])
    assert sorted(e.cluster or "" for e in trail if e.action == "expire") == [
        f"x{n}" for n in range(SNOOZES)
    ]  # each once, by the collector
    assert all(e.by == "licdash" for e in trail if e.action == "expire")
    assert [e.seq for e in trail] == list(range(1, len(trail) + 1))
    assert len(trail) == SNOOZES + WRITERS * EACH + SNOOZES
    in_force = AckStore(root).book()
    assert sorted(in_force.by_cluster) == names[: WRITERS * EACH]
    batches = [float(line.split()[1]) for line in lines if line.startswith("batch ")]
    during = [b for b in batches if min(acked) <= b <= max(acked)]
    assert len(during) >= 2, (len(batches), max(acked) - min(acked))
    print(
        f"{len(acked)} acknowledgements by {WRITERS} processes in "
        f"{max(acked) - min(acked):.2f} s while the collector wrote {len(during)} cycles"
    )
