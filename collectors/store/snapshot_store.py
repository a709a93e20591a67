"""``SnapshotStore``: open, write one poll cycle durably, and answer the queries."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from collectors.errors import StoreCorruptError, StoreError
from collectors.gc_pause import gc_paused
from collectors.liveness import CollectorState, Heartbeat, judge, writer_alive
from collectors.model import LicenseSnapshot, to_utc_second
from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus, PollUpdate
from collectors.store import (
    collector_meta,
    day_files,
    files,
    latest_table,
    queries,
    recovery,
    retention,
    schema,
    validate,
)
from collectors.store.backends import Backend, DiskBackend, Doc, MemoryBackend
from collectors.store.latest_table import BASE_KEY as LATEST_KEY
from collectors.store.latest_table import JOURNAL_KEY
from collectors.store.latest_view import LatestChanges, LatestView
from collectors.store.records import (
    ClusterHistory,
    FailureEvent,
    Transition,
)
from collectors.store.validate import status_of
from collectors.store.writer import CycleWriter, complete_record

log = logging.getLogger("licdash.store")


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class SnapshotStore:
    """The licensing history of a fleet. Open with :meth:`open`; see the package docs.

    One object belongs to one thread (TinyDB-style files are not shared across threads);
    async callers run it through ``asyncio.to_thread``.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        readonly: bool,
        retention_days: int,
        max_gap: timedelta,
        lock: files.WriterLock | None = None,
    ) -> None:
        self.backend = backend
        self.readonly = readonly
        self.retention_days = retention_days
        self.max_gap = max_gap
        self.problems: list[StoreCorruptError] = []
        """Damaged files met so far (each message names the file and where it went)."""
        self._lock = lock
        self._closed = False
        self.generation = 0
        """How many cycles this store has written (from ``latest.json``)."""
        self._state: dict[str, dict[str, Any]] = {}
        self._prev: dict[str, LicenseSnapshot] = {}
        self._content: dict[str, dict[str, Any]] = {}
        self._compacted_on: date | None = None
        self._latest_cache: tuple[object, dict[str, ClusterStatus]] | None = None
        self._days = day_files.DayWriter(backend)
        self._table = latest_table.TableWriter(backend)
        self._follow = LatestView(backend, self._read, self._checked)
        self._needs_repair = False
        self._needs_load = False
        """A writer opened with ``defer_load`` that has not read its latest table yet."""
        self._view = queries.StoreView(backend, self._read, self._records, self._damaged)

    # ----- opening ------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        directory: str | Path | None = None,
        *,
        readonly: bool = False,
        retention_days: int = 400,
        backend: Literal["disk", "memory"] = "disk",
        max_gap: timedelta = timedelta(minutes=15),
        defer_load: bool = False,
    ) -> SnapshotStore:
        """Open (a writer creates) the store in ``directory``.

        A writer takes the exclusive lock (``StoreLockedError`` if another holds it),
        removes leftovers of interrupted writes and migrates an older layout. A reader
        takes no lock and sees the last complete cycle. ``max_gap`` is the shortest
        silence that breaks a coverage run (three observed poll intervals if longer).

        ``defer_load`` (a writer of the current layout): read the latest table, and
        repair what a kill left in the day files, when a method first needs them (the
        first :meth:`write_batch` at the latest) instead of now. The collector opens
        its store so and polls meanwhile: at 10,000 clusters the read is a third of a
        second of its start-up. The lock, the leftovers and the layout are dealt with
        at once all the same; an unreadable table is then reported by that method.
        """
        if backend == "memory":
            store = cls(
                MemoryBackend(), readonly=False, retention_days=retention_days, max_gap=max_gap
            )
            store._init_schema()
            return store
        if directory is None:
            from collectors.paths import default_store_dir

            directory = default_store_dir()
        root = Path(directory).expanduser()
        if readonly:
            if not root.is_dir():
                raise StoreError(f"no store at {root}")
            store = cls(
                DiskBackend(root, writable=False),
                readonly=True,
                retention_days=retention_days,
                max_gap=max_gap,
            )
            store._init_schema()
            return store
        lock = files.WriterLock(root)
        try:
            files.ensure_dir(root)
            lock.acquire()
        except OSError as exc:  # unwritable, not a directory, ...: a person must look
            raise StoreError(
                f"cannot open the store {root} for writing: {exc.strerror or exc}"
            ) from exc
        try:
            files.remove_temp_files(root)
            store = cls(
                DiskBackend(root, writable=True),
                readonly=False,
                retention_days=retention_days,
                max_gap=max_gap,
                lock=lock,
            )
            store._init_schema(defer_load=defer_load)
        except BaseException:
            lock.release()
            raise
        return store

    def _init_schema(self, *, defer_load: bool = False) -> None:
        try:
            version = schema.detect_version(self.backend)
        except StoreCorruptError as exc:  # the data is still there: assume this layout
            log.warning("%s", exc)
            self.problems.append(exc)
            version = schema.CURRENT_VERSION
            if not self.readonly:
                self.backend.write_many([(schema.META_KEY, schema.meta_doc(version))])
        if version is None:
            if self.readonly:
                raise StoreError(f"no licdash store at {self.backend.location('')}")
            self.backend.write_many([(schema.META_KEY, schema.meta_doc(schema.CURRENT_VERSION))])
            version = schema.CURRENT_VERSION
        if version > schema.CURRENT_VERSION:
            raise StoreError(
                f"store {self.backend.location('')} has version {version}; this licdash "
                f"reads up to {schema.CURRENT_VERSION} (upgrade licdash)"
            )
        if not self.readonly and defer_load and version == schema.CURRENT_VERSION:
            self._needs_load = True
        elif not self.readonly:
            self._load_state()
        if version < schema.CURRENT_VERSION:
            if self.readonly and version >= schema.READABLE_FROM:
                return  # read as it is; its writer migrates it
            if self.readonly:
                raise StoreError(
                    f"store {self.backend.location('')} has the old version {version}; "
                    "open it once with a writer (licdash collect) to migrate it"
                )
            schema.migrate(self, version)

    def _load_state(self, *, repair: bool = True) -> None:
        """Load the latest table; a writer also repairs what a crash or a hand left.

        A damaged or missing ``latest.json`` beside existing history is rebuilt from it;
        otherwise the records of a cycle that never reached the journal are dropped (see
        :mod:`collectors.store.recovery`). A damaged journal counts up to its last good
        line: the cycles after it never committed.
        """
        with gc_paused():
            self._load_table(repair=repair)

    def _load_deferred(self) -> None:
        """Read the latest table now if ``open(defer_load=True)`` left it for later (a
        failure leaves it for the next call)."""
        if not self._needs_load:
            return
        self._needs_load = False
        try:
            self._load_state()
        except BaseException:
            self._needs_load = True
            raise

    def _load_table(self, *, repair: bool) -> None:
        problems = len(self.problems)
        read, doc = latest_table.read_full(self.backend, self._read, trust=True)
        damaged = len(self.problems) > problems  # latest.json itself was unreadable
        # The writer needs sound records, not statuses: a sealed base's records are what
        # a writer encoded from validated values, and skip validation (at 10,000
        # clusters that is two seconds of a collector's start-up).
        trusted = {name: complete_record(name, read.records.pop(name)) for name in read.sealed}
        self._state, _ = self._checked(read, set_aside=repair)
        self._state.update(trusted)
        self.generation = read.cursor.generation
        invalid = len(self.problems) > problems
        self._table.opened(read)
        self._needs_repair = not repair
        if not repair:
            return
        lost = not doc and bool(self.backend.children("history"))
        if invalid and not (damaged or lost):
            self._table.checkpoint(self._state, self.generation)
            log.warning("repaired %s", self.backend.location(LATEST_KEY))
        if damaged or lost:
            self._state = recovery.rebuild_records(self.backend, self._read)
            self._table.checkpoint(self._state, self.generation)
            log.warning("rebuilt %s from the history", self.backend.location(LATEST_KEY))
        else:
            self.repair_day_files()

    def repair_day_files(self) -> None:
        """Drop from the day files what a cycle that never committed left there."""
        self._load_deferred()
        self.backend.write_many(recovery.drop_uncommitted(self.backend, self._state))
        self._days.forget()

    def _checked(
        self, read: latest_table.TableRead, *, set_aside: bool
    ) -> tuple[dict[str, dict[str, Any]], dict[str, ClusterStatus]]:
        """The records a read found, each validated, and their statuses. A damaged
        record is rebuilt from the history when it has that cluster, else dropped; each
        is reported with its file named, and a writer keeps a copy of that file."""
        for key, what in read.damage:
            self._damaged(key, what, "the cycles from there on were not applied")
        state, statuses, bad = validate.check_records(read.records)
        if not bad:
            return state, statuses
        rebuilt = recovery.rebuild_records(self.backend, self._read)
        asides: dict[str, str] = {}
        for name, what, cause in bad:
            key = JOURNAL_KEY if name in read.journalled else LATEST_KEY
            if name in read.patched:
                what = f"{what} (as updated by {JOURNAL_KEY})"
            if key not in asides:
                aside = self.backend.keep_copy(key) if set_aside and not self.readonly else None
                asides[key] = f"; the damaged file was copied to {aside}" if aside else ""
            if name is not None and name in rebuilt and name not in state:
                state[name] = rebuilt[name]
                outcome = "rebuilt from the history"
            elif name is None:
                outcome = "rebuilt from the history where it has the cluster"
            else:
                outcome = "dropped"
            self._damaged(key, what, f"{cause}; {outcome}{asides[key]}")
        unknown = any(name is None for name, _, _ in bad)  # which cluster it was is unknown
        for name, rec in rebuilt.items():
            if name in state or not (unknown or any(name == b[0] for b in bad)):
                continue
            state[name] = rec
        for name in state.keys() - statuses.keys():
            statuses[name] = status_of(state[name])
        return state, statuses

    def _damaged(self, key: str, what: str, cause: str) -> None:
        """Report one damaged record (once per file, record and cause)."""
        message = f"{self.backend.location(key)}: {what} is invalid ({cause})"
        if any(p.message == message for p in self.problems):
            return
        log.warning("%s", message)
        self.problems.append(StoreCorruptError(message))

    def forget_state(self) -> None:
        """Start from an empty latest table (a migration that replays from scratch)."""
        self._needs_load = False
        self._state.clear()
        self._prev.clear()
        self._content.clear()
        self._days.forget()
        self.generation = 0
        self._table.rebase = True

    def _read(self, key: str) -> Doc | None:
        try:
            return self.backend.read(key)
        except StoreCorruptError as exc:
            log.warning("%s", exc)
            self.problems.append(exc)
            return None

    # ----- writing ------------------------------------------------------------------

    def write_batch(self, updates: Sequence[PollUpdate]) -> None:
        """Record one poll cycle (in order); every file is fsynced when this returns."""
        self._check_writable()
        if not updates:
            return
        with gc_paused():
            self._write_batch(updates)

    def _write_batch(self, updates: Sequence[PollUpdate]) -> None:
        self._load_deferred()
        if self._needs_repair:
            self._load_state()
        cycle = CycleWriter(
            self._state, self._prev, self._content, self._read, self.max_gap, self._days
        )
        try:
            for update in updates:
                cycle.apply(update)
            create, appends = self._days.take()
            self.backend.write_many([*cycle.dirty.items(), *create])
            self._days.append(appends)
            self.generation += 1
            touched = {
                name: latest_table.journal_record(
                    self._state[name], whole=name in cycle.whole, before=cycle.before.get(name)
                )
                for name in sorted(cycle.touched)
            }
            self._table.commit(self._state, touched, self.generation)
        except BaseException:
            # What reached disk is consistent; forget what did not.
            self._days.forget()
            self._prev.clear()
            self._content.clear()
            self._load_state(repair=False)  # repaired before the next cycle
            raise
        newest = max(to_utc_second(u.result.started_at) for u in updates)
        if self._compacted_on != newest.date():
            self.compact(newest)

    def compact(self, now: datetime | None = None) -> list[str]:
        """Delete shards and event days that ended before ``now - retention_days``;
        returns them. Each cluster's state in force at the cutoff is kept (see
        :mod:`collectors.store.retention`)."""
        self._check_writable()
        now = to_utc_second(now or _utcnow())
        cutoff = now - timedelta(days=self.retention_days)
        removed, keep = retention.plan_history(self.backend, self._read, cutoff)
        removed += retention.expired_days(self.backend, cutoff)
        self.backend.write_many(keep)  # before any delete: a kill leaves the old shard
        for key in removed:
            self.backend.delete_prefix(key)
        if removed:
            self._days.forget()
        self._compacted_on = now.date()
        return removed

    def _check_writable(self) -> None:
        if self._closed:
            raise StoreError(f"store {self.backend.location('')} is closed")
        if self.readonly:
            raise StoreError(f"store {self.backend.location('')} was opened read-only")

    # ----- the collector's own records ----------------------------------------------

    def record_policy(self, policy: FreshnessPolicy) -> None:
        """Record the policy the writer judges by, so readers judge alike."""
        self._check_writable()
        self.backend.write_many([(collector_meta.POLICY_KEY, collector_meta.policy_doc(policy))])

    def record_heartbeat(self, heartbeat: Heartbeat) -> None:
        self._check_writable()
        self.backend.write_many(
            [(collector_meta.HEARTBEAT_KEY, collector_meta.heartbeat_doc(heartbeat))]
        )

    def policy(self) -> FreshnessPolicy | None:
        """The policy the collector recorded (origin ``store``), or None."""
        return collector_meta.read_policy(self.backend)

    def heartbeat(self) -> Heartbeat | None:
        return collector_meta.read_heartbeat(self.backend)

    def collector_state(self, now: datetime) -> CollectorState:
        """Whether a collector is writing this store (see :mod:`collectors.liveness`)."""
        beat = self.heartbeat()
        root = self.backend.root if isinstance(self.backend, DiskBackend) else None
        alive = writer_alive(beat, collector_meta.lock_pid(root)) if root else None
        return judge(beat, now, has_data=bool(self._records()), writer_alive=alive)

    # ----- reading ------------------------------------------------------------------

    def change_token(self) -> object:
        """Changes whenever a cycle is written (two ``stat`` calls): a viewer asks for
        :meth:`latest` or :meth:`latest_changes` only then."""
        return (self.backend.change_token(LATEST_KEY), self.backend.change_token(JOURNAL_KEY))

    def _records(self) -> dict[str, dict[str, Any]]:
        if not self.readonly:
            self._load_deferred()
            return self._state
        self._refresh()
        return self._follow.records

    def _refresh(self) -> None:
        problems = len(self.problems)
        with gc_paused():
            self._follow.refresh(self.change_token(), lambda: len(self.problems) > problems)
        self.generation = self._follow.generation

    def latest(self) -> dict[str, ClusterStatus]:
        """Every cluster's status after the last written cycle."""
        if self.readonly:
            self._refresh()
            return dict(self._follow.statuses)
        self._load_deferred()
        token = self.change_token()
        if self._latest_cache is not None and self._latest_cache[0] == token:
            return dict(self._latest_cache[1])
        with gc_paused():
            out = {name: status_of(rec) for name, rec in sorted(self._state.items())}
        self._latest_cache = (token, out)
        return dict(out)

    def latest_changes(self) -> LatestChanges:
        """What changed in the latest table since this reader last asked: the statuses
        of the clusters the cycles written since then touched, read from the journal
        alone (everything on the first call, or when the reader fell too far behind)."""
        if not self.readonly:
            return LatestChanges(self.latest(), full=True, generation=self.generation)
        self._refresh()
        return self._follow.changes()

    def clusters(self) -> list[str]:
        return sorted(self._records())

    def history(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> ClusterHistory:
        """One cluster's changes, poll coverage and failures in [since, until]."""
        with gc_paused():
            return queries.history(self._view, cluster, since, until)

    def transitions(self, since: datetime, until: datetime | None = None) -> list[Transition]:
        """Every watched state change across the fleet in [since, until], oldest first."""
        return queries.transitions(self._view, since, until)

    def failures(
        self, cluster: str | None = None, since: datetime | None = None
    ) -> list[FailureEvent]:
        """Failure episodes that started at or after ``since``, plus any still going on."""
        return queries.failures(self._view, cluster, since)

    def entitlement_series(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, list[tuple[datetime, int]]]:
        """Per entitlement tag, (time, count) at each change of its count; a point at
        ``since`` carries the count in force then; a tag no longer reported drops to 0."""
        return queries.entitlement_series(self._view, cluster, since, until)

    # ----- closing ------------------------------------------------------------------

    def close(self) -> None:
        """Close; a writer first folds the journal into ``latest.json`` (one file for
        the next reader), unless the last write failed or it never read the table."""
        unread = self._needs_repair or self._needs_load
        if not self._closed and not self.readonly and not unread:
            try:
                self._table.fold(self._state, self.generation)
            except (OSError, StoreError) as exc:
                log.warning("could not fold the journal into %s: %s", LATEST_KEY, exc)
        self._closed = True
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> SnapshotStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
