"""Damaged stores: valid JSON with invalid values, broken shards and day files, full
disks, read-only files and a second writer. Nothing crashes, the damaged file is named,
the other clusters stay known, ``collect`` keeps running and says what it lost."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from collectors.store import SnapshotStore
from tests.adversarial.harness import GOOD_SECRET, Harness

ROOT = Path(__file__).resolve().parents[2]
Doc = dict[str, Any]


async def _filled(harness: Harness) -> Path:
    """A store with two good cycles and one failure of ``hostile``."""
    await harness.cycle()
    harness.fleet.publishers["hostile"].behaviour = "status_503"
    await harness.cycle()
    harness.fleet.publishers["hostile"].behaviour = "healthy"
    await harness.cycle()
    return harness.store_dir


def _edit_latest(store: Path, change: Callable[[Doc], None]) -> None:
    path = store / "latest.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def _record(doc: Doc, cluster: str) -> Doc:
    return next(r for r in doc["clusters"].values() if r["cluster"] == cluster)


def _bad_timestamp(doc: Doc) -> None:
    _record(doc, "hostile")["last_good"]["collected_at"] = "X026-12-02T10:00:00Z"


def _bad_count(doc: Doc) -> None:
    _record(doc, "hostile")["last_good"]["entitlements"][0]["count"] = "4x"


def _bad_failures(doc: Doc) -> None:
    _record(doc, "hostile")["consecutive_failures"] = "many"


def _record_is_a_list(doc: Doc) -> None:
    key = next(k for k, r in doc["clusters"].items() if r["cluster"] == "hostile")
    doc["clusters"][key] = ["not", "a", "record"]


def _bad_internal(doc: Doc) -> None:
    _record(doc, "hostile")["_run"] = "yesterday"


def _bad_generation(doc: Doc) -> None:
    doc["meta"]["1"]["generation"] = "abc"


DAMAGE = {
    "timestamp": _bad_timestamp,
    "count": _bad_count,
    "failures": _bad_failures,
    "list_record": _record_is_a_list,
    "internal_field": _bad_internal,
    "generation": _bad_generation,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
async def test_one_bad_value_in_latest_never_blinds_the_fleet(
    harness: Harness, damage: str
) -> None:
    store = await _filled(harness)
    _edit_latest(store, DAMAGE[damage])
    with SnapshotStore.open(store, readonly=True) as reader:
        latest = reader.latest()
        problems = [str(p) for p in reader.problems]
    assert set(latest) == {"good-a", "hostile", "good-b"}
    assert all(s.last_good is not None for s in latest.values()), "rebuilt from history"
    if damage != "generation":
        assert any("latest.json" in p and "invalid" in p for p in problems), problems
    # a writer repairs it and keeps a copy of the damaged file
    with SnapshotStore.open(store) as writer:
        assert set(writer.latest()) == {"good-a", "hostile", "good-b"}
    if damage != "generation":
        assert list(store.glob("latest.json.corrupt-*")), "the damaged file was not kept"
    with SnapshotStore.open(store, readonly=True) as again:
        again.latest()
        assert not again.problems, "the writer left it damaged"


async def test_status_names_the_file_and_shows_the_other_clusters(harness: Harness) -> None:
    store = await _filled(harness)
    _edit_latest(store, _bad_timestamp)
    code, out, err = await _licdash("status", "--store", str(store), "--format", "json")
    assert code == 0, err  # rebuilt: every cluster is known and ok
    clusters = {c["cluster"]: c for c in json.loads(out)["clusters"]}
    assert set(clusters) == {"good-a", "hostile", "good-b"}
    assert "latest.json" in err and "Traceback" not in err


async def test_collect_starts_on_a_damaged_store_instead_of_crash_looping(
    harness: Harness,
) -> None:
    store = await _filled(harness)
    _edit_latest(store, _bad_count)
    code, out, err = await _licdash(
        "collect", "--config", str(harness.config_file()), "--store", str(store), "--once"
    )
    assert code == 0, err
    assert "polled 3 publishers: 3 ok, 0 failed" in out
    assert "Traceback" not in err and "latest.json" in err


async def test_export_of_a_damaged_store_is_a_warning_not_a_traceback(harness: Harness) -> None:
    store = await _filled(harness)
    _edit_latest(store, _record_is_a_list)
    code, out, err = await _licdash("export", "--store", str(store), "--format", "csv")
    assert code == 0, err
    assert "hostile" in out and "good-a" in out
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 3


def _shards(store: Path, cluster: str) -> list[Path]:
    return sorted(store.glob(f"history/*/{cluster}.json.gz"))


async def test_a_bad_snapshot_in_history_is_skipped_and_named(harness: Harness) -> None:
    store = await _filled(harness)
    shard = _shards(store, "hostile")[-1]
    doc = json.loads(gzip.decompress(shard.read_bytes()))
    first = next(iter(doc["changes"]))
    doc["changes"][first]["snap"]["severity"] = "apocalyptic"
    shard.write_bytes(gzip.compress(json.dumps(doc).encode()))
    with SnapshotStore.open(store, readonly=True) as reader:
        history = reader.history("hostile")
        assert reader.problems and str(shard) in str(reader.problems[-1])
    assert history.cluster == "hostile"


async def test_a_truncated_history_shard_is_set_aside(harness: Harness) -> None:
    store = await _filled(harness)
    shard = _shards(store, "good-a")[-1]
    shard.write_bytes(shard.read_bytes()[:20])
    with SnapshotStore.open(store) as writer:
        writer.history("good-a")
        assert any("damaged" in str(p) for p in writer.problems)
    assert list(shard.parent.glob(f"{shard.name}.corrupt-*"))


@pytest.mark.parametrize("folder", ["failures", "events"])
@pytest.mark.parametrize(
    "line",
    [b'{"id": "999", "cluster": 7, "at": "not a time"}\n', b"\x00\xff not json at all\n"],
    ids=["bad-values", "not-json"],
)
async def test_a_bad_record_in_a_day_file_is_skipped(
    harness: Harness, folder: str, line: bytes
) -> None:
    store = await _filled(harness)
    (day,) = sorted((store / folder).glob("*.jsonl"))[-1:]
    with day.open("ab") as f:
        f.write(line)
    from datetime import UTC, datetime, timedelta

    with SnapshotStore.open(store, readonly=True) as reader:
        since = datetime.now(UTC) - timedelta(days=2)
        found = reader.failures() if folder == "failures" else reader.transitions(since)
        assert found, "the good records are still there"
        assert any(str(day) in str(p) for p in reader.problems), reader.problems


async def test_a_full_disk_exits_4_and_says_how_many_results_were_lost(
    harness: Harness,
) -> None:
    store = await _filled(harness)
    # No write gets past a file's first byte: like a disk that is full. (Since the journal
    # holds deltas, a cycle of unchanged clusters appends a line of a few hundred bytes,
    # which a 512-byte limit let through whenever the journal had just been folded.)
    code, out, err = await _licdash(
        "collect",
        "--config",
        str(harness.config_file()),
        "--store",
        str(store),
        "--once",
        max_file_bytes=1,
    )
    assert code == 4, (out, err)
    assert "3 of 3 results LOST" in out and "0 failed" not in out
    assert "results were not written" in err
    leftovers = [p for p in store.rglob("*") if p.name.startswith(".tmp")]
    assert not leftovers, leftovers
    with SnapshotStore.open(store, readonly=True) as reader:  # still readable
        assert set(reader.latest()) == {"good-a", "hostile", "good-b"}


def test_a_failed_replace_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collectors.store import files

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(PermissionError):
        files.atomic_write_bytes(tmp_path / "latest.json", b"{}")
    assert list(tmp_path.iterdir()) == []


async def test_a_failed_poll_exits_3_with_every_result_written(harness: Harness) -> None:
    await harness.cycle()
    harness.fleet.publishers["hostile"].behaviour = "status_401"
    code, out, err = await _licdash(
        "collect",
        "--config",
        str(harness.config_file()),
        "--store",
        str(harness.store_dir),
        "--once",
    )
    assert code == 3, err
    assert "2 ok, 1 failed" in out
    assert harness.latest()["hostile"].last_error is not None


async def test_a_second_writer_is_refused_with_exit_1(harness: Harness) -> None:
    store = await _filled(harness)
    with SnapshotStore.open(store):
        code, _out, err = await _licdash(
            "collect", "--config", str(harness.config_file()), "--store", str(store), "--once"
        )
    assert code == 1, err
    assert "Traceback" not in err


async def _licdash(*args: str, max_file_bytes: int | None = None) -> tuple[int, str, str]:
    env = {**os.environ, "ADV_GOOD_PW": GOOD_SECRET, "NO_COLOR": "1"}

    def limit() -> None:  # in the child: writes past the limit fail with EFBIG
        import resource

        if max_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "collectors.cli",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=limit if max_file_bytes is not None else None,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()
