"""What only the disk backend has: files, modes, the lock, damage, migration, readers."""

from __future__ import annotations

import gzip
import json
import os
import stat
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from tinydb import TinyDB

from collectors.errors import StoreError, StoreLockedError
from collectors.model import RegistrationStatus
from collectors.store import AtomicJSONStorage, SnapshotStore, latest_table, schema
from collectors.store.backends import DiskBackend
from tests.support.factory import CUWL, bad, good, minutes, snapshot
from tests.support.factory import WEEK_START as T0


def _filled(root: Path) -> None:
    with SnapshotStore.open(root) as store:
        store.write_batch([good(snapshot(at=T0)), bad("amer-nyc", T0)])
        store.write_batch([good(snapshot(at=T0 + minutes(5), counts={CUWL: 3}))])


COMMIT_FILES = ("latest.json", "latest.journal", "latest.journal.prev")


def _commit_files(root: Path) -> dict[str, bytes | None]:
    """The files that commit a cycle (the latest table's base and journals)."""
    return {n: (root / n).read_bytes() if (root / n).exists() else None for n in COMMIT_FILES}


def _restore(root: Path, saved: dict[str, bytes | None]) -> None:
    for name, blob in saved.items():
        if blob is None:
            (root / name).unlink(missing_ok=True)
        else:
            (root / name).write_bytes(blob)


def test_files_are_private_and_readable_with_tinydb(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _filled(root)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    paths = [p for p in root.rglob("*")]
    assert {p.name for p in paths} >= {"store.json", "latest.json", "writer.lock"}
    for path in paths:
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    [shard] = root.glob("history/*/emea-lon.json.gz")
    with TinyDB(shard, storage=AtomicJSONStorage) as db:
        assert [d["snap"]["entitlements"][0]["count"] for d in db.table("changes")] == [10, 3]


def test_state_survives_reopen(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _filled(root)
    with SnapshotStore.open(root) as store:
        store.write_batch([good(snapshot(at=T0 + minutes(10), counts={CUWL: 3}))])
        assert len(store.history("emea-lon", T0, T0 + minutes(10)).changes) == 2
        assert store.latest()["amer-nyc"].consecutive_failures == 1
        assert store.generation == 3


def test_second_writer_is_refused_while_readers_open(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _filled(root)
    script = textwrap.dedent(
        f"""
        import sys, time
        from collectors.store import SnapshotStore
        s = SnapshotStore.open({str(root)!r})
        print("locked", flush=True)
        sys.stdin.read()
        """
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with pytest.raises(StoreLockedError) as info:
            SnapshotStore.open(root)
        assert str(root) in str(info.value) and f"PID {holder.pid}" in str(info.value)
        with SnapshotStore.open(root, readonly=True) as reader:
            assert reader.latest()["emea-lon"].last_good is not None
            with pytest.raises(StoreError, match="read-only"):
                reader.write_batch([good(snapshot(at=T0))])
    finally:
        holder.communicate("", timeout=30)
    SnapshotStore.open(root).close()  # the lock went with the holder


def test_reader_sees_new_cycles_via_change_token(tmp_path: Path) -> None:
    root = tmp_path / "store"
    writer = SnapshotStore.open(root)
    writer.write_batch([good(snapshot(at=T0))])
    reader = SnapshotStore.open(root, readonly=True)
    token = reader.change_token()
    assert reader.latest()["emea-lon"].last_seen == T0
    writer.write_batch([good(snapshot(at=T0 + minutes(5)))])
    assert reader.change_token() != token
    assert reader.latest()["emea-lon"].last_seen == T0 + minutes(5)
    assert reader.history("emea-lon", T0, T0 + minutes(5)).seen[0].end == T0 + minutes(5)
    writer.close()
    reader.close()


def test_missing_store_for_reader(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store"):
        SnapshotStore.open(tmp_path / "nope", readonly=True)
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreError, match="no licdash store"):
        SnapshotStore.open(tmp_path / "empty", readonly=True)


def test_leftover_temp_files_are_removed_on_open(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _filled(root)
    [week] = (root / "history").iterdir()
    leftovers = [root / ".tmp-latest.json.abcd", week / ".tmp-x.json.gz.1234"]
    for path in leftovers:
        path.write_bytes(b'{"half')
    SnapshotStore.open(root).close()
    assert not any(p.exists() for p in leftovers)


def test_damaged_shard_is_reported_set_aside_and_the_rest_works(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _filled(root)
    [shard] = root.glob("history/*/emea-lon.json.gz")
    shard.write_bytes(shard.read_bytes()[:20])  # truncated by hand
    with SnapshotStore.open(root, readonly=True) as reader:
        assert reader.history("emea-lon", T0).changes == ()
        [problem] = reader.problems
        assert str(shard) in str(problem) and shard.exists()  # a reader only reports
    with SnapshotStore.open(root) as store:
        assert store.history("emea-lon", T0).changes == ()
        [problem] = store.problems
        assert str(shard) in str(problem) and "set aside" in str(problem)
        [aside] = shard.parent.glob("emea-lon.json.gz.corrupt-*")
        assert len(aside.read_bytes()) == 20  # kept, not dropped
        assert store.latest()["emea-lon"].last_good is not None
        store.write_batch([good(snapshot(at=T0 + minutes(10), counts={CUWL: 4}))])
        assert [s.entitlements[0].count for s in store.history("emea-lon", T0).changes] == [4]


def test_damaged_latest_is_set_aside_and_rebuilt_from_history(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _filled(root)
    with SnapshotStore.open(root, readonly=True) as reader:
        before = reader.latest()
    (root / "latest.json").write_text('{"clusters": {"1": ')
    with SnapshotStore.open(root, readonly=True) as reader:  # a reader rebuilds in memory
        assert set(reader.latest()) == {"emea-lon", "amer-nyc"}
        assert "latest.json" in str(reader.problems[0])
    assert not list(root.glob("latest.json.corrupt-*"))  # ... and touches nothing
    with SnapshotStore.open(root) as store:
        assert "latest.json" in str(store.problems[0])
        assert list(root.glob("latest.json.corrupt-*"))
        latest = store.latest()
        lon, nyc = latest["emea-lon"], latest["amer-nyc"]
        assert lon.last_good == before["emea-lon"].last_good  # the newest change
        assert lon.last_seen == T0 + minutes(5)
        assert lon.last_good is not None and lon.last_good.entitlements[0].count == 3
        assert nyc.last_good is None and nyc.unreachable  # its episode never ended
        assert nyc.last_error is not None and nyc.last_error.kind == "connect_timeout"
        assert store.history("emea-lon", T0).changes  # history is untouched
        # the writer goes on from the rebuilt state: an unchanged poll adds no change,
        # the unreachable cluster's recovery is a transition and ends its episode
        store.write_batch(
            [
                good(snapshot(at=T0 + minutes(10), counts={CUWL: 3})),
                good(snapshot("amer-nyc", T0 + minutes(10))),
            ]
        )
        assert len(store.history("emea-lon", T0).changes) == 2
        [episode] = store.failures("amer-nyc")
        assert episode.ended_at == T0 + minutes(10)
        assert [(t.cluster, t.new) for t in store.transitions(T0 + minutes(10))] == [
            ("amer-nyc", "reachable")
        ]
    with SnapshotStore.open(root, readonly=True) as reader:  # the rebuilt file was written
        assert reader.problems == [] and set(reader.latest()) == {"emea-lon", "amer-nyc"}


def test_missing_latest_beside_history_is_rebuilt_not_purged(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _filled(root)
    (root / "latest.json").unlink()
    with SnapshotStore.open(root) as store:
        assert set(store.latest()) == {"emea-lon", "amer-nyc"}
        assert [f.cluster for f in store.failures()] == ["amer-nyc"]  # not dropped


def test_v0_layout_is_migrated(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir()
    polls = [snapshot(at=T0 + minutes(5 * i), counts={CUWL: 1 + i // 3}) for i in range(7)]
    v0 = {"_default": {str(i + 1): s.to_json_dict() for i, s in enumerate(polls)}}
    (root / "snapshots.json").write_text(json.dumps(v0))
    with pytest.raises(StoreError, match="old version 0"):
        SnapshotStore.open(root, readonly=True)
    with SnapshotStore.open(root) as store:
        hist = store.history("emea-lon", T0, T0 + minutes(30))
        assert [s.entitlements[0].count for s in hist.changes] == [1, 2, 3]
        assert store.latest()["emea-lon"].last_seen == T0 + minutes(30)
        assert hist.seen[0].start == T0 and hist.seen[0].end == T0 + minutes(30)
    meta = json.loads((root / "store.json").read_text())
    assert meta["meta"]["1"]["version"] == schema.CURRENT_VERSION
    assert not (root / "snapshots.json").exists()
    kept = json.loads((root / "migrated" / "v0-snapshots.json").read_text())
    assert kept == v0
    SnapshotStore.open(root, readonly=True).close()


def test_a_newer_store_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _filled(root)
    (root / "store.json").write_text(
        json.dumps({"meta": {"1": {"format": "licdash-store", "version": 99}}})
    )
    with pytest.raises(StoreError, match="version 99"):
        SnapshotStore.open(root)


def test_history_shards_are_compact(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        for i in range(40):
            store.write_batch([good(snapshot(at=T0 + minutes(60 * i), counts={CUWL: i}))])
    [shard] = root.glob("history/*/emea-lon.json.gz")
    raw = gzip.decompress(shard.read_bytes())
    assert len(json.loads(raw)["changes"]) == 40
    assert os.path.getsize(shard) * 5 < len(raw)


def test_latest_file_matches_the_writers_view(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        for i in range(6):
            at = T0 + minutes(5 * i)
            store.write_batch(
                [
                    good(snapshot("a", at, counts={CUWL: i // 2})),
                    good(snapshot('b\u00e9\\"x', at)),  # escapes inside names survive
                    bad("c", at) if i % 2 else good(snapshot("c", at)),
                ]
            )
            disk = DiskBackend(root, writable=False)
            on_disk, _ = latest_table.read_full(disk, disk.read)  # base + journal
            assert on_disk.records == store._state
            with SnapshotStore.open(root, readonly=True) as reader:
                assert reader.latest() == store.latest()


def test_damaged_version_file_is_set_aside_and_rewritten(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _filled(root)
    (root / "store.json").write_bytes(b"\x00\x01garbage")
    with SnapshotStore.open(root, readonly=True) as reader:
        assert "store.json" in str(reader.problems[0])
        assert reader.latest()["emea-lon"].last_good is not None
    with SnapshotStore.open(root) as store:
        assert "set aside" in str(store.problems[0])
        assert store.history("emea-lon", T0).changes
    assert json.loads((root / "store.json").read_text())["meta"]["1"]["version"] == (
        schema.CURRENT_VERSION
    )
    assert list(root.glob("store.json.corrupt-*"))


def test_a_cycle_killed_before_latest_is_not_recorded_twice(tmp_path: Path) -> None:
    """A kill after the event files but before ``latest.json``: the next poll (later,
    possibly on another day) sees the same change again; it must be recorded once."""
    root = tmp_path / "store"
    _filled(root)
    committed = _commit_files(root)
    late = T0 + timedelta(hours=15, minutes=55)  # the unfinished cycle: 23:55 UTC
    with SnapshotStore.open(root) as store:
        store.write_batch([bad("emea-lon", late), good(snapshot("amer-nyc", late))])
    _restore(root, committed)  # as if killed before the journal line was written
    again = late + timedelta(hours=1)  # after the restart, the next UTC day
    with SnapshotStore.open(root) as store:
        assert store.problems == []
        store.write_batch([bad("emea-lon", again), good(snapshot("amer-nyc", again))])
        moves = [(t.cluster, t.new, t.at) for t in store.transitions(T0 + minutes(10))]
        assert moves == [
            ("amer-nyc", "reachable", again),
            ("emea-lon", "unreachable", again),
        ]
        episodes = [(f.cluster, f.at, f.ended_at) for f in store.failures()]
        assert episodes == [("amer-nyc", T0, again), ("emea-lon", again, None)]


def test_a_day_file_line_naming_no_cluster_does_not_stop_a_writer(tmp_path: Path) -> None:
    """A line whose ``cluster`` is not a name (a hand edit, damage) is left for the
    readers' validation; the writer's repair used to look it up and died (unhashable)."""
    root = tmp_path / "store"
    _filled(root)
    (events,) = (root / "events").glob("*.jsonl")
    line = {"cluster": ["amer-nyc"], "at": "2030-01-01T00:00:00Z", "new": "unreachable"}
    with events.open("ab") as f:
        f.write(json.dumps(line).encode() + b"\n")
    with SnapshotStore.open(root) as store:
        store.write_batch([good(snapshot(at=T0 + minutes(10), counts={CUWL: 3}))])
    assert json.dumps(line).encode() in events.read_bytes()


def test_the_newest_horizon_reads_any_spelling_of_a_time() -> None:
    """The writer's repair orders stamps in the store's own spelling by their text; one
    spelt otherwise (older files, hand edits) still counts by the time it names."""
    from collectors.store import recovery
    from collectors.store.writer import new_record

    def rec(attempt: str | None, collected: str | None) -> dict[str, object]:
        out = new_record("x")
        out["last_attempt"] = attempt
        out["last_good"] = {"collected_at": collected} if collected else None
        return out

    state = {
        "a": rec("2026-03-02T08:15:00Z", "2026-03-02T08:10:00Z"),
        "b": rec("2026-03-02T10:00:00+01:00", None),  # 09:00 UTC: the newest
        "c": rec(None, "2026-03-02T08:59:59Z"),
        "d": rec(None, None),
    }
    assert recovery.newest_horizon(state) == T0.replace(
        year=2026, month=3, day=2, hour=9, minute=0, second=0, microsecond=0
    )
    del state["b"]
    assert recovery.newest_horizon(state) == T0.replace(
        year=2026, month=3, day=2, hour=8, minute=59, second=59, microsecond=0
    )
    assert recovery.newest_horizon({"d": rec(None, None)}) is None


def test_a_deferred_writer_reads_the_table_and_repairs_before_its_first_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``open(defer_load=True)`` (the collector's) takes the lock and polls may start
    before the latest table is read; the first write still drops what a killed cycle
    left in the day files, and writes over the table the store holds."""
    root = tmp_path / "store"
    _filled(root)
    committed = _commit_files(root)
    late = T0 + timedelta(hours=15, minutes=55)
    with SnapshotStore.open(root) as store:
        store.write_batch([bad("emea-lon", late), good(snapshot("amer-nyc", late))])
    _restore(root, committed)  # as if killed before the journal line was written
    reads: list[str] = []
    read_full = latest_table.read_full
    monkeypatch.setattr(
        latest_table, "read_full", lambda *a, **k: reads.append("read") or read_full(*a, **k)
    )
    again = late + timedelta(hours=1)
    store = SnapshotStore.open(root, defer_load=True)
    try:
        assert reads == []
        with pytest.raises(StoreLockedError):
            SnapshotStore.open(root, defer_load=True)
        store.write_batch([bad("emea-lon", again), good(snapshot("amer-nyc", again))])
        assert reads == ["read"]
        moves = [(t.cluster, t.new, t.at) for t in store.transitions(T0 + minutes(10))]
        assert moves == [
            ("amer-nyc", "reachable", again),
            ("emea-lon", "unreachable", again),
        ]
        assert store.latest()["emea-lon"].last_good is not None  # kept from _filled
    finally:
        store.close()
    with SnapshotStore.open(root, defer_load=True) as idle:  # closed unread: untouched
        pass
    assert idle.problems == []
    with SnapshotStore.open(root, readonly=True) as reader:
        assert reader.latest()["emea-lon"].consecutive_failures == 1


@pytest.mark.parametrize("kill_before", ["latest.json", "store.json"])
def test_a_migration_killed_halfway_is_redone_without_duplicates(
    tmp_path: Path, kill_before: str
) -> None:
    """Killed after the history was written but before ``latest.json`` (or before the new
    version file): the next writer migrates again and records each change once."""
    root = tmp_path / "store"
    root.mkdir()
    polls = [snapshot(at=T0 + minutes(5 * i), counts={CUWL: 1 + i // 3}) for i in range(7)]
    expired = RegistrationStatus.REGISTRATION_EXPIRED
    polls.append(snapshot(at=T0 + minutes(35), counts={CUWL: 3}, registration=expired))
    v0 = {"_default": {str(i + 1): s.to_json_dict() for i, s in enumerate(polls)}}
    (root / "snapshots.json").write_text(json.dumps(v0))
    SnapshotStore.open(root).close()  # a full migration, then undo its last steps:
    (root / "snapshots.json").write_text(json.dumps(v0))
    (root / "store.json").unlink()
    if kill_before == "latest.json":
        (root / "latest.json").unlink()
    with SnapshotStore.open(root) as store:
        hist = store.history("emea-lon", T0, T0 + minutes(40))
        assert [s.entitlements[0].count for s in hist.changes] == [1, 2, 3, 3]
        assert [(t.field, t.new) for t in store.transitions(T0, T0 + minutes(40))] == [
            ("registration", "registration_expired"),
            ("severity", "critical"),
        ]
        assert store.latest()["emea-lon"].last_seen == T0 + minutes(35)


def test_a_store_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    """Not a raw OSError: ``collect`` maps StoreError to its 'needs a person' exit 1."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(StoreError, match=r"cannot open the store .*a-file/store for writing"):
        SnapshotStore.open(blocker / "store")


def _strip_product(value: object) -> object:
    """A record as a licdash before products wrote it: no ``product`` anywhere."""
    if isinstance(value, dict):
        return {k: _strip_product(v) for k, v in value.items() if k != "product"}
    if isinstance(value, list):
        return [_strip_product(v) for v in value]
    return value


def test_a_store_written_before_products_reads_as_cucm(tmp_path: Path) -> None:
    root = tmp_path / "store"
    _filled(root)
    latest = root / "latest.json"
    old = _strip_product(json.loads(latest.read_text()))
    assert "product" not in json.dumps(old)
    latest.write_text(json.dumps(old))
    for shard in root.glob("history/*/*.json.gz"):
        doc = json.loads(gzip.decompress(shard.read_bytes()))
        shard.write_bytes(gzip.compress(json.dumps(_strip_product(doc)).encode()))
    with SnapshotStore.open(root, readonly=True) as store:
        statuses = store.latest()
        assert not store.problems
        assert {s.product for s in statuses.values()} == {"cucm"}
        snap = statuses["emea-lon"].last_good
        assert snap is not None and snap.product == "cucm"
        assert [c.product for c in store.history("emea-lon", T0).changes] == ["cucm", "cucm"]
    with SnapshotStore.open(root) as store:  # the same content again: no new change
        store.write_batch([good(snapshot(at=T0 + minutes(10), counts={CUWL: 3}))])
        assert len(store.history("emea-lon", T0, T0 + minutes(10)).changes) == 2
        assert store.latest()["emea-lon"].product == "cucm"
