"""Acknowledgements on disk, shared by every process that opens a store directory.

Files beside the snapshot store's own (mode 0600; the directory is the store's)::

    acks.json                 TinyDB: ``acks`` (in force, by id), ``events`` (the audit
                              events of the current UTC day, by sequence number) and
                              ``meta`` (format, version, the next sequence number)
    acks.lock                 flock held for one read-modify-write; never for reading
    acks-audit/<day>.json     the audit events of an earlier UTC day (``events``)

Rules:

* **Never blocked by the collector.** The collector's ``writer.lock`` is not involved:
  any number of dashboards and ``licdash ack`` processes write while a collector writes
  snapshots. Each change takes ``acks.lock`` for a few milliseconds (read, change,
  write), so two processes acknowledging at once both succeed, one after the other; a
  lock held longer than ``lock_timeout`` raises :class:`~collectors.errors.AcksBusyError`.
* **Crash-safe like the store.** Every file is replaced atomically (temp file, fsync,
  ``os.replace``, directory fsync; temp files named ``.acktmp-*`` so that a collector
  opening the store never removes one in flight). ``acks.json`` is the commit point: an
  action is durable, and in the audit trail, when it has been replaced. Events of an
  earlier day are first written to their day file, then dropped from ``acks.json``; a
  kill between the two leaves an event in both, and readers keep one by sequence number.
  Leftover temp files are removed by the next writer, under the lock.
* **Append-only audit.** Every acknowledge, snooze, edit, removal, expiry, automatic
  clear and shift note is one event with a sequence number; nothing rewrites an event.
* **Automatic ends are recorded once.** Every face judges acknowledgements at its own
  ``now`` (:meth:`~collectors.policy.FreshnessPolicy.acknowledgement`), so a void one stops
  counting at once everywhere; *recording* the end is done by :meth:`AckStore.settle`,
  under the lock, for acknowledgements still in ``acks.json``: the first process to
  settle moves it out and records it, the next finds nothing to do. The collector
  settles after every batch and heartbeat; every process that changes acknowledgements
  (``licdash ack``/``unack``/``handover --note``, a dashboard) settles in the same
  transaction. Read-only faces (``status``, metrics, a viewer without ``--allow-ack``)
  never write.
* **Damage.** A damaged ``acks.json`` is set aside (``acks.json.corrupt-<time>``, logged)
  by the next writer, and the acknowledgements in force are rebuilt by replaying the
  day files; a reader keeps the last book it read.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from collectors.acks import (
    AUTOMATIC,
    CLUSTER_SCOPE,
    DEFAULT_SNOOZE,
    Ack,
    AckBook,
    AckKind,
    problem_of,
)
from collectors.errors import AckError, AcksBusyError, StoreCorruptError, StoreError
from collectors.model import format_ts
from collectors.store import files
from collectors.store.ack_records import (
    EXPORT_FIELDS,
    AckEvent,
    Action,
    acks_of,
    audit_days,
    encode_doc,
    endings,
    events_of,
    replay,
    write_days,
)

if TYPE_CHECKING:
    from collectors.policy import FreshnessPolicy
    from collectors.results import ClusterStatus

log = logging.getLogger("licdash.acks")

__all__ = ["ACKS_FILE", "AUDIT_DIR", "EXPORT_FIELDS", "LOCK_FILE", "AckEvent", "AckStore"]
_T = TypeVar("_T")

ACKS_FILE: Final = "acks.json"
LOCK_FILE: Final = "acks.lock"
AUDIT_DIR: Final = "acks-audit"
TMP_PREFIX: Final = ".acktmp-"
FORMAT: Final = "licdash-acks"
VERSION: Final = 1
LOCK_TIMEOUT_S: Final = 10.0


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class _State:
    """``acks.json`` as one transaction sees it."""

    acks: dict[str, Ack]
    events: dict[int, AckEvent]
    next_seq: int
    now: datetime
    added: list[AckEvent]

    def record(
        self,
        action: Action,
        by: str,
        *,
        cluster: str | None = None,
        ack: Ack | None = None,
        text: str = "",
        at: datetime | None = None,
        via: str | None = None,
    ) -> AckEvent:
        event = AckEvent(
            seq=self.next_seq,
            at=at or self.now,
            action=action,
            by=by,
            cluster=cluster,
            ack_id=ack.id if ack else None,
            text=text,
            ack=ack,
            via=via,
        )
        self.next_seq += 1
        self.events[event.seq] = event
        self.added.append(event)
        return event


class AckStore:
    """The acknowledgements of the store in ``root``; see the module docs.

    Cheap to make (no file is touched until used) and safe to use from several threads:
    reads take no lock, every change takes ``acks.lock``.
    """

    def __init__(
        self,
        root: Path,
        *,
        lock_timeout: float = LOCK_TIMEOUT_S,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self.clock = clock
        self.problems: list[StoreCorruptError] = []
        """Damage met (each message names the file)."""
        self._book: AckBook = AckBook()

    @classmethod
    def beside(cls, store: object) -> AckStore | None:
        """The acknowledgements of a snapshot store on disk (None for a memory store)."""
        backend = getattr(store, "backend", None)
        root = getattr(backend, "root", None)
        return cls(root) if isinstance(root, Path) else None

    @property
    def path(self) -> Path:
        return self.root / ACKS_FILE

    # ----- reading (no lock) -----------------------------------------------------------

    def token(self) -> object:
        """One ``stat``: changes whenever ``acks.json`` is replaced."""
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def book(self) -> AckBook:
        """The acknowledgements in force as stored (re-read only when the file changed;
        a damaged file keeps the last good book)."""
        token = self.token()
        if token == self._book.token and self._book.token is not None:
            return self._book
        if token is None:  # no file (yet): the one empty book, so nothing looks changed
            if self._book.token is not None or self._book.by_cluster:
                self._book = AckBook()
            return self._book
        try:
            doc = files.read_json_file(self.path)
        except StoreError as exc:
            self._damaged(exc)
            return self._book
        self._book = AckBook.of(acks_of(doc or {}, self.path).values(), token)
        return self._book

    def events(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cluster: str | None = None,
    ) -> list[AckEvent]:
        """The audit trail in [since, until], oldest first."""
        found: dict[int, AckEvent] = {}
        first = since.astimezone(UTC).date() if since else None
        last = until.astimezone(UTC).date() if until else None
        for day, path in self._days():
            if (first and day < first) or (last and day > last):
                continue
            found.update(self._read_events(path))
        try:
            found.update(events_of(files.read_json_file(self.path) or {}, self.path))
        except StoreError as exc:
            self._damaged(exc)
        return [
            e
            for _, e in sorted(found.items())
            if (since is None or e.at >= since)
            and (until is None or e.at <= until)
            and (cluster is None or e.cluster == cluster)
        ]

    def _days(self) -> list[tuple[date, Path]]:
        return audit_days(self.root / AUDIT_DIR)

    def _read_events(self, path: Path) -> dict[int, AckEvent]:
        try:
            return events_of(files.read_json_file(path) or {}, path)
        except StoreError as exc:
            self._damaged(exc)
            return {}

    def _damaged(self, exc: StoreError) -> None:
        if not any(p.message == exc.message for p in self.problems):
            log.warning("%s", exc)
            self.problems.append(StoreCorruptError(exc.message))

    # ----- changing (under acks.lock) --------------------------------------------------

    def acknowledge(
        self,
        cluster: str,
        status: ClusterStatus | None,
        *,
        by: str,
        reason: str,
        kind: AckKind = "ack",
        until: datetime | None = None,
        scope: str = CLUSTER_SCOPE,
        statuses: Mapping[str, ClusterStatus] | None = None,
        policy: FreshnessPolicy | None = None,
        via: str | None = None,
    ) -> AckEvent:
        """Acknowledge (or snooze) ``scope`` of ``cluster`` as ``status`` shows it now; an
        acknowledgement of the same scope already in force is replaced (an ``edit``).

        Raises:
            AckError: empty reason; an acknowledgement of nothing (the cluster, or what
                ``scope`` names, has no problem; snooze it instead); an end that has passed.
        """
        from collectors.acks import in_scope, scope_text

        if not reason.strip():
            raise AckError("a reason is required (why, and who owns it)", cluster=cluster)
        problem = problem_of(status)
        covered = in_scope(scope, problem.keys)

        def change(state: _State) -> AckEvent:
            end = until
            if kind == "snooze" and end is None:
                end = state.now + DEFAULT_SNOOZE
            if end is not None and end <= state.now:
                raise AckError(f"the end {format_ts(end)} has already passed", cluster=cluster)
            if kind == "ack" and not covered:
                what = "it" if scope == CLUSTER_SCOPE else scope_text(scope)
                raise AckError(
                    f"nothing to acknowledge: {what} has no problem now "
                    "(snooze it to silence it ahead of planned work)",
                    cluster=cluster,
                )
            old = [a for a in state.acks.values() if a.cluster == cluster and a.scope == scope]
            record = Ack(
                id=old[0].id if old else secrets.token_hex(4),
                cluster=cluster,
                kind=kind,
                scope=scope,
                by=by,
                at=state.now,
                reason=reason,
                until=end,
                severity=problem.severity,
                problems=tuple(sorted(covered)),
            )
            for stale in old:
                del state.acks[stale.id]
            state.acks[record.id] = record
            action: Action = "edit" if old else ("snooze" if kind == "snooze" else "acknowledge")
            return state.record(action, by, cluster=cluster, ack=record, text=reason, via=via)

        return self._transact(change, statuses, policy)

    def remove(
        self,
        cluster: str,
        *,
        by: str,
        reason: str = "",
        ack_id: str | None = None,
        statuses: Mapping[str, ClusterStatus] | None = None,
        policy: FreshnessPolicy | None = None,
        via: str | None = None,
    ) -> list[AckEvent]:
        """Remove every acknowledgement and snooze of ``cluster`` (or only ``ack_id``).

        Raises:
            AckError: there is none to remove.
        """

        def change(state: _State) -> list[AckEvent]:
            gone = [
                a
                for a in state.acks.values()
                if a.cluster == cluster and (ack_id is None or a.id == ack_id)
            ]
            if not gone:
                which = f" with id {ack_id}" if ack_id else ""
                raise AckError(f"no acknowledgement or snooze{which} to remove", cluster=cluster)
            events = []
            for ack in gone:
                del state.acks[ack.id]
                events.append(
                    state.record("remove", by, cluster=cluster, ack=ack, text=reason, via=via)
                )
            return events

        return self._transact(change, statuses, policy)

    def note(
        self,
        text: str,
        *,
        by: str,
        statuses: Mapping[str, ClusterStatus] | None = None,
        policy: FreshnessPolicy | None = None,
        via: str | None = None,
    ) -> AckEvent:
        """Record a shift note in the audit trail."""
        if not text.strip():
            raise AckError("the shift note is empty")
        return self._transact(
            lambda state: state.record("note", by, text=text, via=via), statuses, policy
        )

    def settle(
        self, statuses: Mapping[str, ClusterStatus], policy: FreshnessPolicy, now: datetime
    ) -> list[AckEvent]:
        """Record the end of every acknowledgement that no longer holds at ``now`` (see
        the module docs: recorded once, by whoever settles first). Takes the lock only
        when the book read without it has something to end."""
        book = self.book()
        if not book.by_cluster or not endings(book.all(), statuses, policy, now):
            return []
        return self._transact(lambda state: state.added, statuses, policy, now=now)

    def _transact(
        self,
        change: Callable[[_State], _T],
        statuses: Mapping[str, ClusterStatus] | None,
        policy: FreshnessPolicy | None,
        *,
        now: datetime | None = None,
    ) -> _T:
        if not self.root.is_dir():
            raise StoreError(f"no store at {self.root} (run `licdash collect` first)")
        with self._locked():
            self._sweep()
            state = self._load(now or self.clock())
            result = change(state)
            if statuses is not None and policy is not None:
                self._settle_in(state, statuses, policy)
            if state.added:
                self._write(state)
        return result

    def _settle_in(
        self, state: _State, statuses: Mapping[str, ClusterStatus], policy: FreshnessPolicy
    ) -> None:
        for ack, end in endings(list(state.acks.values()), statuses, policy, state.now):
            del state.acks[ack.id]
            action: Action = "expire" if end.cause == "expired" else "clear"
            state.record(action, AUTOMATIC, cluster=ack.cluster, ack=ack, text=end.text, at=end.at)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, files.FILE_MODE)
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise AcksBusyError(
                            f"{self.root / LOCK_FILE} stayed locked for {self.lock_timeout:g} s"
                        ) from None
                    time.sleep(0.002)
            yield
        finally:
            os.close(fd)  # drops the lock

    def _sweep(self) -> None:
        """Remove temp files a killed writer left (safe: we hold the lock)."""
        for folder in (self.root, self.root / AUDIT_DIR):
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                for path in folder.iterdir():
                    if path.name.startswith(TMP_PREFIX):
                        with contextlib.suppress(FileNotFoundError):
                            path.unlink()

    def _load(self, now: datetime) -> _State:
        now = now.astimezone(UTC).replace(microsecond=0)
        try:
            doc = files.read_json_file(self.path)
        except StoreCorruptError as exc:
            aside = files.set_aside(self.path)
            self._damaged(StoreCorruptError(f"{exc.message}; set aside as {aside.name}"))
            return self._rebuilt(now)
        if doc is None:
            return self._rebuilt(now)
        events = events_of(doc, self.path)
        meta = doc.get("meta", {}).get("1", {}) if isinstance(doc.get("meta"), dict) else {}
        next_seq = meta.get("next_seq") if isinstance(meta, dict) else None
        if not isinstance(next_seq, int):
            next_seq = 1 + max([*events, *self._archived_seqs()], default=0)
        return _State(acks_of(doc, self.path), events, next_seq, now, [])

    def _archived_seqs(self) -> list[int]:
        return [seq for _, path in self._days() for seq in self._read_events(path)]

    def _rebuilt(self, now: datetime) -> _State:
        """No ``acks.json`` (new, or set aside): replay the day files."""
        replayed: dict[int, AckEvent] = {}
        for _, path in self._days():
            replayed.update(self._read_events(path))
        if replayed:
            log.warning("%s rebuilt from the audit trail in %s", self.path, AUDIT_DIR)
        return _State(replay(replayed.values()), {}, 1 + max(replayed, default=0), now, [])

    def _write(self, state: _State) -> None:
        today = state.now.date()
        older: dict[date, list[AckEvent]] = {}
        for seq, event in list(state.events.items()):
            day = event.at.astimezone(UTC).date()
            if day < today:
                older.setdefault(day, []).append(event)
                del state.events[seq]
        if older:  # first, so that a kill leaves them in both files, never in none
            write_days(self.root / AUDIT_DIR, older, self._read_events, prefix=TMP_PREFIX)
        doc: dict[str, Mapping[Any, Any]] = {
            "acks": {a.id: a for a in state.acks.values()},
            "events": state.events,
            "meta": {"1": {"format": FORMAT, "version": VERSION, "next_seq": state.next_seq}},
        }
        files.atomic_write_bytes(self.path, encode_doc(doc), prefix=TMP_PREFIX)
