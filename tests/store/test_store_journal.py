"""The latest table as a base plus a journal: a cycle costs what it touched, readers
follow the journal, and a kill, a torn line or a damaged one never loses a commit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from collectors.store import SnapshotStore, latest_table, schema
from collectors.store.writer import sealed
from tests.support.factory import CUWL, bad, good, minutes, snapshot
from tests.support.factory import WEEK_START as T0

FLEET = ("amer-nyc", "apac-syd", "emea-lon")


def _cycle(store: SnapshotStore, i: int, *, only: tuple[str, ...] = FLEET, count: int = 1) -> None:
    at = T0 + minutes(5 * i)
    store.write_batch([good(snapshot(c, at, counts={CUWL: count})) for c in only])


def _lines(root: Path) -> list[dict[str, object]]:
    """The journal's cycle lines (after its header)."""
    text = (root / "latest.journal").read_text()
    return [json.loads(line) for line in text.splitlines()[1:]]


def _killed(store: SnapshotStore) -> None:
    """Leave the files as a kill would: no fold of the journal on close."""
    store._table.fold = lambda *_: None  # type: ignore[method-assign]


def _same_as_fresh_reader(root: Path, statuses: dict[str, object]) -> None:
    with SnapshotStore.open(root, readonly=True) as fresh:
        assert fresh.latest() == statuses


def test_a_cycle_appends_what_it_touched_and_leaves_latest_json_alone(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        _cycle(store, 0)  # the first cycle writes the base
        base = (root / "latest.json").read_bytes()
        _cycle(store, 1, only=("emea-lon",))
        _cycle(store, 2, only=("emea-lon",), count=7)  # its content changes
        assert (root / "latest.json").read_bytes() == base
        lines = _lines(root)
        assert [line["g"] for line in lines] == [2, 3]
        assert [list(line["r"]) for line in lines] == [["emea-lon"], ["emea-lon"]]  # type: ignore[call-overload]
        same, changed = (line["r"]["emea-lon"] for line in lines)  # type: ignore[index]
        # unchanged content goes as a delta: the fields the poll moved, of the snapshot
        # only its time-derived ones
        assert same["_lg"] == "delta" and same["cluster"] == "emea-lon"
        assert "collected_at" in same["last_good"]
        assert set(same["last_good"]) <= {"collected_at", "severity", "reasons", "deadlines"}
        assert {"last_seen", "last_attempt"} <= same.keys()
        assert not {"tags", "product", "transport"} & same.keys()  # unchanged: left out
        assert "_lg" not in changed and changed["last_good"]["entitlements"][0]["count"] == 7
        _same_as_fresh_reader(root, store.latest())


def test_a_clean_close_folds_the_journal_into_latest_json(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        for i in range(4):
            _cycle(store, i)
        held = store.latest()
    assert _lines(root) == []  # everything is in the base now
    doc = json.loads((root / "latest.json").read_text())
    assert doc["meta"]["1"]["generation"] == 4
    _same_as_fresh_reader(root, held)


def test_a_reader_follows_only_the_changes_across_a_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(latest_table, "MIN_CHECKPOINT", 0)  # checkpoint as soon as due
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        _cycle(store, 0)
        reader = SnapshotStore.open(root, readonly=True)
        first = reader.latest_changes()
        assert first.full and set(first.statuses) == set(FLEET)
        checkpoints = 0
        for i in range(1, 12):
            journal = (root / "latest.journal").read_text().splitlines()[0]
            _cycle(store, i, only=("apac-syd",), count=i)
            checkpoints += (root / "latest.journal").read_text().splitlines()[0] != journal
            changes = reader.latest_changes()
            assert not changes.full, i  # never the whole table: one line, or the rest of
            assert set(changes.statuses) == {"apac-syd"}  # the previous journal and one line
            assert changes.generation == i + 1
            assert reader.latest() == store.latest()
        assert checkpoints >= 2
        assert reader.latest_changes().statuses == {}  # nothing new
        reader.close()


def test_a_reader_two_checkpoints_behind_reads_the_whole_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(latest_table, "MIN_CHECKPOINT", 0)
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        _cycle(store, 0)
        reader = SnapshotStore.open(root, readonly=True)
        reader.latest_changes()
        for i in range(1, 30):
            _cycle(store, i, only=("amer-nyc",), count=i)
        changes = reader.latest_changes()
        assert changes.full and changes.statuses == store.latest()
        reader.close()


def test_a_torn_journal_line_is_not_a_commit(tmp_path: Path) -> None:
    """A kill inside an append leaves a line without its newline: readers ignore it and
    the next writer cuts it off; the cycle before it is whole."""
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        _cycle(store, 0)
        _cycle(store, 1)
        committed = store.latest()
    journal = root / "latest.journal"
    with journal.open("ab") as f:
        f.write(b'{"g":3,"r":{"emea-lon":{"cluster":"emea-lon","consecutive_fa')
    with SnapshotStore.open(root, readonly=True) as reader:
        assert reader.latest() == committed and reader.problems == []
    with SnapshotStore.open(root) as store:
        assert store.latest() == committed and store.problems == []
        _cycle(store, 2, count=5)
        after = store.latest()
        assert all(json.loads(line) for line in journal.read_text().splitlines())
    _same_as_fresh_reader(root, after)
    assert after["emea-lon"].last_good is not None
    assert after["emea-lon"].last_good.entitlements[0].count == 5


def test_a_damaged_journal_line_keeps_every_cycle_before_it(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        _cycle(store, 0)
        _cycle(store, 1, count=2)
        before = store.latest()
        _cycle(store, 2, count=3)
        _cycle(store, 3, count=4)
        _killed(store)
    journal = root / "latest.journal"
    lines = journal.read_text().splitlines(keepends=True)
    lines[-2] = "{not json}\n"  # the cycle of generation 3, damaged on disk
    journal.write_text("".join(lines))
    with SnapshotStore.open(root, readonly=True) as reader:
        assert reader.latest() == before
        assert any("latest.journal" in str(p) and "damaged" in str(p) for p in reader.problems)
    with SnapshotStore.open(root) as store:  # a writer goes on from the last good line
        assert store.latest() == before
        _cycle(store, 4, count=9)
        assert store.latest()["amer-nyc"].last_good.entitlements[0].count == 9  # type: ignore[union-attr]
        _same_as_fresh_reader(root, store.latest())


def test_a_damaged_value_in_a_patch_is_named_and_the_cluster_rebuilt(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        _cycle(store, 0)
        _cycle(store, 1)
        _killed(store)
    journal = root / "latest.journal"
    header, line = journal.read_text().splitlines()
    entry = json.loads(line)
    entry["r"]["apac-syd"]["last_good"]["collected_at"] = "X026-03-02T08:05:00Z"
    journal.write_text(f"{header}\n{json.dumps(entry)}\n")
    with SnapshotStore.open(root, readonly=True) as reader:
        latest = reader.latest()
        problems = [str(p) for p in reader.problems]
    assert set(latest) == set(FLEET)
    assert latest["apac-syd"].last_good is not None, "rebuilt from the history"
    assert any("apac-syd" in p and "latest.journal" in p for p in problems), problems


def test_a_failed_poll_keeps_the_snapshot_through_a_patch(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        _cycle(store, 0, count=4)
        reader = SnapshotStore.open(root, readonly=True)
        reader.latest_changes()
        store.write_batch([bad("emea-lon", T0 + minutes(5))])
        changes = reader.latest_changes()
        status = changes.statuses["emea-lon"]
        assert set(changes.statuses) == {"emea-lon"} and status.consecutive_failures == 1
        assert status.last_good is not None and status.last_good.entitlements[0].count == 4
        assert reader.latest() == store.latest()
        reader.close()


def test_a_version_1_store_is_refused_by_readers_and_migrated_by_a_writer(
    tmp_path: Path,
) -> None:
    """Version 1 had no journal: an older licdash reading a version-2 store would show
    a table frozen at its last checkpoint, so the version says so."""
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        _cycle(store, 0, count=3)
        held = store.latest()
    (root / "latest.journal").unlink()
    (root / "store.json").write_text(json.dumps(schema.meta_doc(1)))
    with pytest.raises(Exception, match="old version 1"):
        SnapshotStore.open(root, readonly=True)
    with SnapshotStore.open(root) as store:
        assert store.latest() == held
        _cycle(store, 1, count=4)
    with SnapshotStore.open(root, readonly=True) as reader:
        assert reader.latest()["emea-lon"].last_good.entitlements[0].count == 4  # type: ignore[union-attr]
    assert json.loads((root / "store.json").read_text())["meta"]["1"]["version"] == (
        schema.CURRENT_VERSION
    )


def test_a_version_2_store_is_read_as_it_is_and_migrated_by_a_writer(tmp_path: Path) -> None:
    """Version 3 only adds delta lines to the journal: a reader reads a version-2 store
    without waiting for a writer; the writer's migration marks it version 3, which an
    older licdash (that would misread a delta) refuses."""
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        _cycle(store, 0, count=3)
        held = store.latest()
    (root / "store.json").write_text(json.dumps(schema.meta_doc(2)))
    with SnapshotStore.open(root, readonly=True) as reader:
        assert reader.latest() == held
    with SnapshotStore.open(root) as store:
        _cycle(store, 1, count=3)
    assert json.loads((root / "store.json").read_text())["meta"]["1"]["version"] == 4


def test_a_version_2_patch_and_a_delta_merge_to_the_same_record(tmp_path: Path) -> None:
    """A version-2 journal's patch (every field, ``last_good``'s derived ones) still
    reads as the delta a version-3 writer journals for the same cycle."""
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        _cycle(store, 0)
        before = json.loads(json.dumps(store._state["emea-lon"]))
        _killed(store)
        _cycle(store, 1, only=("emea-lon",))
        after = json.loads(json.dumps(store._state["emea-lon"]))
    delta = _lines(root)[0]["r"]["emea-lon"]  # type: ignore[index]
    good_after = after["last_good"]
    patch = {
        **after,
        "last_good": {
            k: good_after[k] for k in ("collected_at", "severity", "reasons", "deadlines")
        },
        "_lg": "derived",
    }
    records = {"emea-lon": before}
    assert latest_table.merge(records, "emea-lon", patch) == after
    assert latest_table.merge(records, "emea-lon", delta) == after
    assert latest_table.merge({}, "emea-lon", delta) is None  # nothing to apply it to


def test_the_seal_lets_a_writer_skip_validating_only_untouched_records(tmp_path: Path) -> None:
    """``latest.json`` carries a digest of its records: a writer opening the store trusts
    them only while it matches; any edit (even one that stays valid JSON) breaks it."""
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        _cycle(store, 0, count=3)
    blob = (root / "latest.json").read_bytes()
    assert sealed(blob)
    edited = blob.replace(b'"consecutive_failures":0', b'"consecutive_failures":"many"', 1)
    assert edited != blob and not sealed(edited)
    (root / "latest.json").write_bytes(edited)
    with SnapshotStore.open(root) as store:  # validated after all: named and repaired
        assert any("consecutive_failures" in str(p) for p in store.problems)
        assert set(store.latest()) == set(FLEET)
