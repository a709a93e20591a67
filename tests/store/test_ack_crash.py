"""SIGKILL a process in the middle of acknowledging, again and again: the files always read.

The writer is a forked child that acknowledges, snoozes, edits, removes, settles and
writes shift notes in a loop, on a clock that moves two hours per change (so the day
files are written often and a kill lands between a day file and ``acks.json`` too). It
prints the sequence numbers of each change after the change returned. After each kill
the acknowledgements must read without damage, every reported change must be in the
audit trail exactly once, and the next writer must sweep the leftover temp files.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from collectors.errors import AckError
from collectors.model import RegistrationStatus
from collectors.policy import DEFAULT_POLICY
from collectors.results import ClusterStatus
from collectors.store import files
from collectors.store.ack_files import ACKS_FILE, AckStore
from tests.support.factory import NOW, snapshot, status
from tests.support.forked import finish, fork

KILLS = 100
CLUSTERS = [f"c{n}" for n in range(6)]


def _critical(name: str) -> ClusterStatus:
    return status(name, snapshot(name, registration=RegistrationStatus.REGISTRATION_EXPIRED))


def _healthy(name: str) -> ClusterStatus:
    return status(name, snapshot(name))


def _child(root: Path, start: int, write: Callable[[str], None]) -> None:
    step = [start]

    def clock() -> datetime:
        return NOW + timedelta(hours=2 * step[0])

    acks = AckStore(root, clock=clock)
    for i in range(start, start + 100_000):
        step[0] = i
        name = CLUSTERS[i % len(CLUSTERS)]
        op = i % 5
        try:
            if op in (0, 3):
                kind = "snooze" if op == 3 else "ack"
                events = [
                    acks.acknowledge(name, _critical(name), by="noc", reason=f"r{i}", kind=kind)
                ]
            elif op == 1:
                events = [acks.note(f"note {i}", by="noc")]
            elif op == 2:
                events = acks.remove(name, by="noc")
            else:
                fleet = {n: _healthy(n) for n in CLUSTERS}
                events = acks.settle(fleet, DEFAULT_POLICY, clock())
        except AckError:
            events = []  # nothing to remove
        write(f"ok {i} " + " ".join(f"{e.seq}:{e.action}" for e in events))


def test_sigkill_never_leaves_unreadable_acknowledgements(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir()
    rng = random.Random(15)
    reported: dict[int, str] = {}
    next_step = 0
    killed = 0
    ops = 0
    for _ in range(KILLS):
        pid, fd = fork(_child, root, next_step)
        lines, signalled = finish(pid, fd, kill_after=rng.uniform(0.0, 0.06), after_first=True)
        ops += len(lines)
        killed += signalled
        assert not [line for line in lines if line.startswith("error")], lines
        for line in lines:
            _, step, *events = line.split()
            next_step = int(step) + 1
            for item in events:
                seq, action = item.split(":")
                reported[int(seq)] = action
        if (root / ACKS_FILE).exists():
            files.read_json_file(root / ACKS_FILE)  # never torn: raises if it were
        reader = AckStore(root)
        reader.book()
        trail = reader.events()
        assert reader.problems == []
        seqs = [e.seq for e in trail]
        assert seqs == list(range(1, len(seqs) + 1))  # unique, nothing lost in the middle
        by_seq = {e.seq: e.action for e in trail}
        assert all(by_seq.get(seq) == action for seq, action in reported.items())
    AckStore(root).note("after the last kill", by="noc")  # sweeps what the kill left
    assert not list(root.rglob(".acktmp-*"))
    assert killed == KILLS
    assert ops > KILLS, ops  # the writers made progress beyond their first change
    days = len(list((root / "acks-audit").glob("*.json")))
    assert days > 3
    print(f"{KILLS} kills, {len(reported)} changes reported and kept, {days} day files")
