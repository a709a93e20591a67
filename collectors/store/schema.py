"""The store's schema version and the migrations that bring an older layout up to date.

``store.json`` holds ``{"meta": {"1": {"format": "licdash-store", "version": N}}}``.
``MIGRATIONS[n]`` turns a version-``n`` store into version ``n + 1``; a writer applies them
in order when it opens an older store (readers refuse and say so).

Version 0 is the prototype layout: one TinyDB file ``snapshots.json`` whose ``_default``
table holds one ``licdash.snapshot/1`` document per poll (naive TinyDB, no ``store.json``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from collectors.errors import StoreError
from collectors.model import LicenseSnapshot
from collectors.results import ClusterStatus, PollResult, PollUpdate

if TYPE_CHECKING:
    from collectors.store.backends import Backend

CURRENT_VERSION = 4
READABLE_FROM = 2
"""The oldest version a reader reads as it is: a version-3 journal differs only in
what its lines may hold (deltas), so a version-2 store needs no writer to read it; a
reader reads version 3's day documents where a day has no day file yet."""
FORMAT = "licdash-store"
log = logging.getLogger("licdash.store")
META_KEY = "store.json"
V0_KEY = "snapshots.json"


class MigratingStore(Protocol):
    """What a migration needs of the writer that opens an older store."""

    @property
    def backend(self) -> Backend: ...

    @property
    def generation(self) -> int:
        """Cycles written so far: 0 until a replay reached ``latest.json``."""
        ...

    max_gap: timedelta
    """The shortest silence that breaks a coverage run (a replay widens it)."""

    def forget_state(self) -> None: ...

    def write_batch(self, updates: Sequence[PollUpdate]) -> None: ...

    def repair_day_files(self) -> None:
        """Drop from the day files what a cycle that never committed left there."""
        ...


Migration = Callable[[MigratingStore], None]


def meta_doc(version: int) -> dict[str, Any]:
    return {"meta": {"1": {"format": FORMAT, "version": version}}}


def detect_version(backend: Backend) -> int | None:
    """The store's version; None for an empty (new) store."""
    doc = backend.read(META_KEY)
    if doc is not None:
        try:
            meta = doc["meta"]["1"]
            if meta["format"] != FORMAT:
                raise ValueError(meta["format"])
            return int(meta["version"])
        except (KeyError, TypeError, ValueError) as exc:
            where = backend.location(META_KEY)
            raise StoreError(f"{where} is not a licdash store version file ({exc})") from exc
    if V0_KEY in backend.children(""):
        return 0
    return None


def migrate_v0_to_v1(store: MigratingStore) -> None:
    """Replay every prototype snapshot through the change-only writer, then keep the
    old file as ``migrated/v0-snapshots.json`` (nothing is deleted).

    Safe to repeat after a kill: a replay that reached ``latest.json`` (generation 1 or
    more) is not redone; one that did not leaves only partial copies of what the replay
    writes, which are cleared first (a prototype store has no history of its own).
    """
    doc = store.backend.read(V0_KEY) or {}
    if store.generation == 0:
        for folder in ("history", "events", "failures"):
            store.backend.delete_prefix(folder)
        store.forget_state()
        _replay(store, doc)
    store.backend.write_many([("migrated/v0-snapshots.json", doc)])
    store.backend.delete_prefix(V0_KEY)


def _replay(store: MigratingStore, doc: dict[str, Any]) -> None:
    snaps = [LicenseSnapshot.model_validate(d) for d in doc.get("_default", {}).values()]
    snaps.sort(key=lambda s: (s.collected_at, s.cluster))
    updates = [
        PollUpdate(
            result=PollResult(
                cluster=s.cluster,
                started_at=s.collected_at,
                duration_s=0.0,
                snapshot=s,
                transport=s.source,
            ),
            status=ClusterStatus(cluster=s.cluster, last_good=s, last_seen=s.collected_at),
        )
        for s in snaps
    ]
    # The prototype kept no cadence: treat polls up to a day apart as continuous.
    saved = store.max_gap
    store.max_gap = timedelta(days=1)
    try:
        store.write_batch(updates)
    finally:
        store.max_gap = saved


def migrate_v1_to_v2(store: MigratingStore) -> None:
    """Nothing to move: a version-1 ``latest.json`` is a valid base with no journal
    after it, and the first cycle written starts one. Version 2 only tells an older
    licdash, which would not read the journal, to refuse the store rather than show
    a table frozen at the last checkpoint."""


def migrate_v2_to_v3(store: MigratingStore) -> None:
    """Nothing to move: a version-2 table is a valid version-3 one. Version 3 journals
    records as deltas (only the fields a cycle changed, ``"_lg": "delta"``), which a
    version-2 licdash would read as whole records with fields missing: the version
    makes it refuse the store instead."""


def migrate_v3_to_v4(store: MigratingStore) -> None:
    """Each day document (``events/<day>.json``, ``failures/<day>.json``) becomes an
    append-only day file (``<day>.jsonl``, see :mod:`collectors.store.day_files`), then
    the document is deleted. Safe to repeat after a kill: a day that still has its
    document is converted again (nothing appends to a day file before the migration
    ends). What an unfinished cycle left in the documents is dropped afterwards, as a
    writer does on opening."""
    from collectors.store import day_files

    backend = store.backend
    for folder in day_files.TABLES:
        for name in backend.children(folder):
            if not name.endswith(day_files.LEGACY_SUFFIX):
                continue
            key = f"{folder}/{name}"
            blob = backend.read_from(key, 0) or b""
            lines = day_files.legacy_lines(blob, folder)
            if lines is None:  # damaged: keep it for a person, start the day afresh
                kept = backend.keep_copy(key)
                log.warning("%s is not a day document; kept as %s", backend.location(key), kept)
            backend.write_many([(key + "l", lines or b"")])
            backend.delete_prefix(key)
    store.repair_day_files()


MIGRATIONS: dict[int, Migration] = {
    0: migrate_v0_to_v1,
    1: migrate_v1_to_v2,
    2: migrate_v2_to_v3,
    3: migrate_v3_to_v4,
}


def migrate(store: MigratingStore, version: int) -> None:
    while version < CURRENT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise StoreError(f"no migration from store version {version}")
        step(store)
        version += 1
        store.backend.write_many([(META_KEY, meta_doc(version))])
