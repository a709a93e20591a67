"""collectors.store.ack_files: acknowledgements on disk, their audit trail and its rules.

Who records an automatic end (once), the day files, damage and leftovers, the two
locks, and a restart that keeps everything. The concurrent writers and the SIGKILL loop
have their own modules (test_ack_concurrency, test_ack_crash).
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from collectors.errors import AckError, AcksBusyError
from collectors.model import RegistrationStatus
from collectors.policy import DEFAULT_POLICY
from collectors.results import ClusterStatus
from collectors.store import SnapshotStore
from collectors.store.ack_files import ACKS_FILE, AUDIT_DIR, AckStore
from tests.support.factory import NOW, days, snapshot, status

ROOT = Path(__file__).resolve().parents[2]
HOUR = timedelta(hours=1)


class Clock:
    """A clock a test moves by hand."""

    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def expired(cluster: str = "lon") -> ClusterStatus:
    return status(cluster, snapshot(cluster, registration=RegistrationStatus.REGISTRATION_EXPIRED))


def healthy(cluster: str = "lon") -> ClusterStatus:
    return status(cluster, snapshot(cluster))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    path.mkdir()
    return path


def test_acknowledge_edit_remove_and_note_each_leave_one_audit_event(root: Path) -> None:
    clock = Clock()
    acks = AckStore(root, clock=clock)
    first = acks.acknowledge("lon", expired(), by="alice", reason="INC42")
    assert first.action == "acknowledge" and first.ack is not None
    assert [a.id for a in acks.book().get("lon")] == [first.ack.id]
    clock.at += HOUR
    edit = acks.acknowledge(
        "lon", expired(), by="bob", reason="INC42, Cisco case 7", until=NOW + days(1)
    )
    assert edit.action == "edit" and edit.ack is not None and edit.ack.id == first.ack.id
    assert acks.book().get("lon")[0].by == "bob"  # one acknowledgement, edited
    clock.at += HOUR
    acks.note("quiet shift", by="bob")
    removed = acks.remove("lon", by="carol", reason="fixed by hand")
    assert [e.action for e in removed] == ["remove"] and not acks.book().by_cluster
    trail = acks.events()
    assert [(e.seq, e.action, e.by) for e in trail] == [
        (1, "acknowledge", "alice"),
        (2, "edit", "bob"),
        (3, "note", "bob"),
        (4, "remove", "carol"),
    ]
    assert acks.events(NOW + HOUR / 2) == trail[1:]
    assert acks.events(cluster="lon") == [trail[0], trail[1], trail[3]]


def test_what_cannot_be_acknowledged_is_refused_and_nothing_is_written(root: Path) -> None:
    acks = AckStore(root, clock=Clock())
    with pytest.raises(AckError, match="nothing to acknowledge"):
        acks.acknowledge("lon", healthy(), by="a", reason="why")
    with pytest.raises(AckError, match="reason is required"):
        acks.acknowledge("lon", expired(), by="a", reason="  ")
    with pytest.raises(AckError, match="already passed"):
        acks.acknowledge("lon", expired(), by="a", reason="r", until=NOW - HOUR)
    with pytest.raises(AckError, match="no acknowledgement or snooze"):
        acks.remove("lon", by="a")
    assert not (root / ACKS_FILE).exists()
    snooze = acks.acknowledge("lon", healthy(), by="a", reason="CHG1", kind="snooze")
    assert snooze.ack is not None and snooze.ack.until == NOW + timedelta(hours=4)


def test_an_automatic_end_is_recorded_once_whoever_settles_first(root: Path) -> None:
    clock = Clock()
    AckStore(root, clock=clock).acknowledge("lon", expired(), by="alice", reason="INC42")
    collector, dashboard = AckStore(root, clock=clock), AckStore(root, clock=clock)
    before = collector.token()
    assert collector.settle({"lon": expired()}, DEFAULT_POLICY, NOW + HOUR) == []
    assert collector.token() == before  # nothing ended: nothing written, no lock taken
    fixed = {"lon": healthy()}
    first = collector.settle(fixed, DEFAULT_POLICY, NOW + 2 * HOUR)
    second = dashboard.settle(fixed, DEFAULT_POLICY, NOW + 3 * HOUR)
    assert [(e.action, e.by, e.text) for e in first] == [
        ("clear", "licdash", "the cluster recovered")
    ]
    assert second == []
    assert [e.action for e in collector.events()] == ["acknowledge", "clear"]


def test_an_expiry_is_recorded_at_its_end_even_for_a_cluster_gone_from_the_fleet(
    root: Path,
) -> None:
    acks = AckStore(root, clock=Clock())
    acks.acknowledge("gone", expired("gone"), by="a", reason="r", until=NOW + HOUR)
    assert acks.settle({}, DEFAULT_POLICY, NOW + HOUR / 2) == []  # no status: time only
    (event,) = acks.settle({}, DEFAULT_POLICY, NOW + 5 * HOUR)
    assert event.action == "expire" and event.at == NOW + HOUR
    assert event.text.startswith("expired (until 2026-03-01 13:00 UTC)")


def test_changing_acknowledgements_settles_the_others_in_the_same_write(root: Path) -> None:
    clock = Clock()
    acks = AckStore(root, clock=clock)
    acks.acknowledge("lon", expired(), by="a", reason="r1")
    clock.at += HOUR
    fleet = {"lon": healthy(), "par": expired("par")}
    acks.acknowledge(
        "par", fleet["par"], by="b", reason="r2", statuses=fleet, policy=DEFAULT_POLICY
    )
    assert [e.action for e in acks.events()] == ["acknowledge", "acknowledge", "clear"]
    assert list(acks.book().by_cluster) == ["par"]


def test_older_days_move_to_day_files_and_the_trail_reads_across_them(root: Path) -> None:
    clock = Clock()
    acks = AckStore(root, clock=clock)
    acks.acknowledge("lon", expired(), by="a", reason="day one")
    clock.at += days(1)
    acks.note("day two", by="b")
    doc = json.loads((root / ACKS_FILE).read_text())
    assert [e["text"] for e in doc["events"].values()] == ["day two"]
    day = json.loads((root / AUDIT_DIR / "2026-03-01.json").read_text())
    assert [e["text"] for e in day["events"].values()] == ["day one"]
    assert [e.text for e in acks.events()] == ["day one", "day two"]
    assert [e.text for e in acks.events(NOW + HOUR)] == ["day two"]
    assert acks.book().get("lon")[0].reason == "day one"  # still in force


def test_a_kill_between_the_day_file_and_acks_json_duplicates_nothing(root: Path) -> None:
    clock = Clock()
    acks = AckStore(root, clock=clock)
    acks.acknowledge("lon", expired(), by="a", reason="day one")
    stale_main = (root / ACKS_FILE).read_bytes()
    clock.at += days(1)
    acks.note("day two", by="b")
    (root / ACKS_FILE).write_bytes(stale_main)  # as if killed after the day file only
    assert [e.seq for e in acks.events()] == [1]
    acks.note("again", by="c")  # the next write archives seq 1 a second time
    assert [(e.seq, e.text) for e in acks.events()] == [(1, "day one"), (2, "again")]


def test_a_damaged_acks_json_is_set_aside_and_rebuilt_from_the_day_files(root: Path) -> None:
    clock = Clock()
    acks = AckStore(root, clock=clock)
    acks.acknowledge("lon", expired(), by="a", reason="kept")
    clock.at += days(1)
    acks.acknowledge("par", expired("par"), by="a", reason="today, lost with the file")
    reader = AckStore(root)
    assert len(reader.book()) == 2
    (root / ACKS_FILE).write_bytes(b'{"acks": {"x": ')  # torn by a disk, not by licdash
    assert len(reader.book()) == 2 and reader.problems  # a reader keeps the last book
    acks.note("after the damage", by="b")
    assert list(root.glob(f"{ACKS_FILE}.corrupt-*"))
    assert [a.reason for a in acks.book().all()] == ["kept"]
    assert [e.text for e in acks.events()] == ["kept", "after the damage"]
    assert [e.seq for e in acks.events()] == [1, 2]


def test_leftover_temp_files_go_with_the_next_write_but_never_with_a_collector(
    root: Path,
) -> None:
    acks = AckStore(root, clock=Clock())
    acks.acknowledge("lon", expired(), by="a", reason="r")
    in_flight = root / ".acktmp-acks.json.deadbeef"
    in_flight.write_bytes(b"{")
    with SnapshotStore.open(root):  # a collector starting sweeps its own .tmp-* only
        pass
    assert in_flight.exists()
    acks.note("n", by="a")
    assert not in_flight.exists()
    assert AckStore(root).book().get("lon")


def test_the_collectors_writer_lock_never_blocks_an_acknowledgement(root: Path) -> None:
    with SnapshotStore.open(root):  # holds writer.lock for its whole life
        AckStore(root, clock=Clock()).acknowledge("lon", expired(), by="a", reason="r")
    fd = os.open(root / "acks.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # someone stuck inside a change
        with pytest.raises(AcksBusyError, match="stayed locked"):
            AckStore(root, lock_timeout=0.2).note("n", by="a")
        assert AckStore(root).book().get("lon")  # reading never waits
    finally:
        os.close(fd)


def test_a_restart_keeps_every_acknowledgement(root: Path) -> None:
    acks = AckStore(root)
    now = datetime.now(NOW.tzinfo)
    made = [
        acks.acknowledge(f"c{n}", expired(f"c{n}"), by="a", reason=f"r{n}", until=now + days(2))
        for n in range(5)
    ]
    code = (
        "import sys; from pathlib import Path\n"
        "from collectors.store.ack_files import AckStore\n"
        "print(' '.join(sorted(a.id for a in AckStore(Path(sys.argv[1])).book().all())))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.split() == sorted(e.ack.id for e in made if e.ack)
