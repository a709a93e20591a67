"""The day files of transitions and failure episodes are appended to, never rewritten;
torn tails, damaged lines and version-3 day documents are read as the store promises."""

from __future__ import annotations

import json
from pathlib import Path

from collectors.store import SnapshotStore, day_files, schema
from tests.support.factory import WEEK_START as T0
from tests.support.factory import bad, good, minutes, snapshot


def _failures(root: Path) -> Path:
    (path,) = (root / "failures").glob("*.jsonl")
    return path


def _events(root: Path) -> Path:
    (path,) = (root / "events").glob("*.jsonl")
    return path


def test_a_cycle_appends_to_the_day_files_and_leaves_what_is_there(tmp_path: Path) -> None:
    """Until version 4 each cycle rewrote the whole day (and the writer held it in
    memory all day): the file's bytes so far must stay where they are, in the same file."""
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        store.write_batch([good(snapshot("a", T0)), bad("b", T0)])
        store.write_batch([bad("a", T0 + minutes(5)), bad("b", T0 + minutes(5))])
        failures, events = _failures(root), _events(root)
        before = {p: (p.stat().st_ino, p.read_bytes()) for p in (failures, events)}
        store.write_batch([good(snapshot("a", T0 + minutes(10))), bad("c", T0 + minutes(10))])
        for path, (inode, blob) in before.items():
            assert path.stat().st_ino == inode, f"{path.name} was replaced, not appended to"
            grown = path.read_bytes()
            assert grown.startswith(blob) and len(grown) > len(blob), path.name
        episodes = {(f.cluster, f.at, f.ended_at) for f in store.failures()}
    assert episodes == {
        ("b", T0, None),
        ("a", T0 + minutes(5), T0 + minutes(10)),
        ("c", T0 + minutes(10), None),
    }
    lines = [json.loads(line) for line in failures.read_bytes().splitlines()]
    assert [("at" in line, line["id"]) for line in lines] == [
        (True, "1"),
        (True, "2"),
        (False, "2"),  # a's episode ended: one line, not a rewrite
        (True, "3"),
    ]


def test_a_torn_tail_is_ignored_and_cut_off_by_the_next_writer(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        store.write_batch([good(snapshot("a", T0)), good(snapshot("b", T0))])
        store.write_batch([bad("a", T0 + minutes(5))])
    events = _events(root)
    with events.open("ab") as f:  # a kill in the middle of an append
        f.write(b'{"at": "2026-03-02T08:1')
    with SnapshotStore.open(root, readonly=True) as reader:
        assert [t.cluster for t in reader.transitions(T0)] == ["a"]
        assert reader.problems == []
    with SnapshotStore.open(root) as store:
        store.write_batch([bad("b", T0 + minutes(10))])
        assert [t.cluster for t in store.transitions(T0)] == ["a", "b"]
    assert all(json.loads(line) for line in events.read_bytes().splitlines())


def test_an_episode_end_folds_into_its_start() -> None:
    blob = day_files.encode(
        [
            {"id": "1", "cluster": "a", "at": "t1", "last_at": "t1", "attempts": 1},
            {"id": "2", "cluster": "b", "at": "t2", "last_at": "t2", "attempts": 1},
            day_files.end_line("1", "a", "t3", 4, "t4"),
            day_files.end_line("9", "x", "t3", 1, "t4"),  # its start was dropped
        ]
    )
    day = day_files.fold(blob + b'{"id": "3", "at"', "failures")
    assert day.table["1"] == {
        "id": "1",
        "cluster": "a",
        "at": "t1",
        "last_at": "t3",
        "attempts": 4,
        "ended_at": "t4",
    }
    assert set(day.table) == {"1", "2"}
    assert (day.end, day.next_id) == (len(blob), 3)  # the torn start takes no id


def _as_version_3(root: Path) -> None:
    """Turn a version-4 store into what version 3 wrote: day documents, and latest
    records naming them."""
    for folder, table in day_files.TABLES.items():
        for path in (root / folder).glob("*.jsonl"):
            day = day_files.fold(path.read_bytes(), folder)
            path.with_suffix(".json").write_text(json.dumps({table: day.table}))
            path.unlink()
    for name in ("latest.json", "latest.journal"):
        path = root / name
        if path.exists():
            path.write_bytes(path.read_bytes().replace(b'.jsonl"', b'.json"'))
    (root / "store.json").write_text(json.dumps(schema.meta_doc(3)))


def test_a_version_3_store_is_read_then_migrated_to_day_files(tmp_path: Path) -> None:
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        store.write_batch([good(snapshot("a", T0)), good(snapshot("b", T0))])
        store.write_batch([bad("a", T0 + minutes(5)), bad("b", T0 + minutes(5))])
        store.write_batch([good(snapshot("b", T0 + minutes(10))), bad("a", T0 + minutes(10))])
        moves = store.transitions(T0)
        episodes = store.failures()
    assert [(f.cluster, f.ended_at) for f in episodes] == [
        ("a", None),
        ("b", T0 + minutes(10)),
    ]
    _as_version_3(root)
    assert not list(root.glob("*/*.jsonl"))
    with SnapshotStore.open(root, readonly=True) as reader:  # no writer needed to read
        assert reader.transitions(T0) == moves
        assert reader.failures() == episodes
        assert reader.failures("a") == episodes[:1]
    with SnapshotStore.open(root) as store:
        assert json.loads((root / "store.json").read_text())["meta"]["1"]["version"] == 4
        assert not list(root.glob("events/*.json")) and not list(root.glob("failures/*.json"))
        assert store.transitions(T0) == moves
        assert store.failures() == episodes
        # a's episode, opened under version 3, ends in its own day file
        store.write_batch([good(snapshot("a", T0 + minutes(15)))])
        ended = {f.cluster: f.ended_at for f in store.failures()}
    assert ended == {"a": T0 + minutes(15), "b": T0 + minutes(10)}
    (failures,) = (root / "failures").iterdir()
    assert failures.name.endswith(".jsonl")


def test_one_clusters_failures_are_found_however_its_name_is_spelt(tmp_path: Path) -> None:
    """``failures(cluster)`` parses only the lines that may name the cluster: an escaped
    spelling of the name (valid JSON, a hand or another tool) must still count."""
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        store.write_batch([bad("a", T0), bad("ab", T0), bad("b/a", T0)])
    path = _failures(root)
    escaped = {
        "id": "7",
        "cluster": "a",
        "at": "2026-03-02T09:00:00Z",
        "last_at": "2026-03-02T09:00:00Z",
        "attempts": 1,
        "kind": "connect_timeout",
        "message": "hand-written",
        "ended_at": "2026-03-02T09:05:00Z",
    }
    line = json.dumps(escaped).replace('"cluster": "a"', '"cluster": "\\u0061"')
    with path.open("a") as f:
        f.write(line + "\n")
    with SnapshotStore.open(root, readonly=True) as reader:
        everyone = reader.failures()
        for name in ("a", "ab", "b/a"):
            assert reader.failures(name) == [f for f in everyone if f.cluster == name], name
        assert [f.message for f in reader.failures("a")] == ["no answer", "hand-written"]


def test_a_clusters_lines_are_the_ones_a_whole_read_finds() -> None:
    """The lines found by searching for a cluster's name are those a line-by-line read
    keeps for it, numbered alike (a damaged one is named by its line)."""
    lines = []
    for i in range(30):
        name = ("a", "b", "ab")[i % 3]
        lines.append(
            {"id": str(i + 1), "cluster": name, "at": f"t{i}", "kind": "k", "message": "m"}
        )
    blob = (
        day_files.encode(lines)
        + b'not json, but about "a"\n'
        + day_files.encode([day_files.end_line("1", "a", "t9", 3, "t10")])
    )
    whole = day_files.fold(blob, "failures").table
    for name in ("a", "b", "ab"):
        needle = json.dumps(name).encode()
        found = day_files.fold(blob, "failures", needle).table
        expected = {
            k: v
            for k, v in whole.items()
            if (v.get("cluster") == name if isinstance(v, dict) else needle in v.encode())
        }
        assert found == expected, name
    assert whole["1"]["ended_at"] == "t10" and "line 31" in whole
