"""A reader's copy of the latest table, kept up to date from the journal.

A viewer that re-reads after each cycle reads only the journal lines written since it
last looked and validates only the records they touched (see
:mod:`collectors.store.latest_table`); :meth:`LatestView.changes` tells it which.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from collectors.results import ClusterStatus
from collectors.store import latest_table, recovery
from collectors.store.backends import Backend, Doc
from collectors.store.validate import DAMAGE, checked_patch, status_of


@dataclass(frozen=True, slots=True)
class LatestChanges:
    """An answer of :meth:`~collectors.store.SnapshotStore.latest_changes`."""

    statuses: dict[str, ClusterStatus]
    """The changed clusters' statuses (every cluster's when ``full``)."""
    full: bool
    """True: ``statuses`` is the whole table; a viewer replaces what it holds."""
    generation: int
    """The cycles the store had written when read."""


class LatestView:
    """The records and statuses a reader holds, the journal cursor and what changed."""

    def __init__(
        self,
        backend: Backend,
        read: Callable[[str], Doc | None],
        check: Callable[..., tuple[dict[str, dict[str, Any]], dict[str, ClusterStatus]]],
    ) -> None:
        self._backend = backend
        self._read = read
        self._check = check
        self._token: object = object()
        self._cursor: latest_table.Cursor | None = None
        self.records: dict[str, dict[str, Any]] = {}
        self.statuses: dict[str, ClusterStatus] = {}
        self.generation = 0
        self._unasked: set[str] | None = None
        """Clusters changed since :meth:`changes` last answered; None: everything."""

    def refresh(self, token: object, base_damaged: Callable[[], bool]) -> None:
        """Follow the journal when ``token`` (the store's change token) moved."""
        if token == self._token:
            return
        read, doc = latest_table.follow(self._backend, self._cursor, self.records, self._read)
        unreadable = read.full and base_damaged()  # latest.json itself, not the journal
        fast: dict[str, tuple[dict[str, Any], ClusterStatus]] = {}
        if not read.full:
            # A patch keeps the snapshot content this view holds, validated already:
            # only its time-derived part needs checking (a fifth of the work).
            for name in read.patched:
                held = self.statuses.get(name)
                if held is not None and held.last_good is not None:
                    with contextlib.suppress(*DAMAGE):
                        fast[name] = checked_patch(read.records[name], held)
            for name in fast:
                del read.records[name]
        records, statuses = self._check(read, set_aside=False)
        for name, (rec, status) in fast.items():
            read.records[name] = rec
            records[name], statuses[name] = rec, status
        if read.full:
            if unreadable or (not doc and self._backend.children("history")):
                # a reader cannot repair the file, but can still show the fleet
                records = recovery.rebuild_records(self._backend, self._read)
                statuses = {name: status_of(rec) for name, rec in records.items()}
            self.records = records
            self.statuses = dict(sorted(statuses.items()))
            self._unasked = None
        else:
            for name in read.records.keys() - records.keys():  # damaged, not rebuilt
                self.records.pop(name, None)
                self.statuses.pop(name, None)
            self.records.update(records)
            added = not statuses.keys() <= self.statuses.keys()
            self.statuses.update(statuses)
            if added:
                self.statuses = dict(sorted(self.statuses.items()))
            if self._unasked is not None:
                self._unasked |= read.records.keys()
        self._cursor, self._token = read.cursor, token
        self.generation = read.cursor.generation

    def changes(self) -> LatestChanges:
        """The statuses changed since the last call (all of them the first time)."""
        unasked, self._unasked = self._unasked, set()
        if unasked is None:
            return LatestChanges(dict(self.statuses), full=True, generation=self.generation)
        changed = {n: self.statuses[n] for n in sorted(unasked) if n in self.statuses}
        return LatestChanges(changed, full=False, generation=self.generation)
