"""A store directory on this host as a source: read-only, following its change token."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from collectors.errors import SourceError, StoreError
from collectors.results import ClusterStatus, ErrorInfo
from collectors.sources.base import SourceState, no_acknowledgements
from collectors.store.records import ClusterHistory, FailureEvent, Transition

_NOTHING = object()


def changed_names(
    old: Mapping[str, ClusterStatus], new: Mapping[str, ClusterStatus]
) -> frozenset[str]:
    """Clusters added, removed or whose status differs between two tables."""
    out = {n for n, s in new.items() if (o := old.get(n)) is not s and o != s}
    out.update(n for n in old if n not in new)
    return frozenset(out)


class StoreSource:
    """The store in ``directory``, opened read-only (a collector may be writing it)."""

    def __init__(self, name: str, directory: Path) -> None:
        self.name = name
        self.directory = directory
        self.location = str(directory)
        self._lock = threading.Lock()
        self._store: Any = None
        self._seen: object = _NOTHING
        self._state = SourceState(name, self.location)

    def _open(self) -> Any:
        if self._store is None:
            from collectors.store import SnapshotStore

            if not self.directory.is_dir():
                raise StoreError(f"no store at {self.directory}")
            self._store = SnapshotStore.open(self.directory, readonly=True)
        return self._store

    def _drop(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def fetch(self, now: datetime) -> SourceState:
        with self._lock:
            last = self._state
            try:
                store = self._open()
                token = store.change_token()
                statuses, policy, changed = last.statuses, last.policy, frozenset[str]()
                if token != self._seen:
                    statuses = MappingProxyType(dict(store.latest()))
                    policy = store.policy()
                    changed = changed_names(last.statuses, statuses)
                collector = store.collector_state(now)
            except Exception as exc:
                self._drop()  # open afresh next time (the store may appear or be repaired)
                error = ErrorInfo.from_exception(
                    SourceError(f"source {self.name} ({self.location}): {exc}", source=self.name)
                )
                self._state = SourceState(
                    self.name,
                    self.location,
                    last.statuses,
                    last.policy,
                    last.collector,
                    error,
                    last.last_ok,
                    frozenset(),
                )
                return self._state
            self._seen = token
            self._state = SourceState(
                self.name, self.location, statuses, policy, collector, None, now, changed
            )
            return self._state

    def _query(self, what: str, run: Any) -> Any:
        with self._lock:
            try:
                return run(self._open())
            except StoreError as exc:
                self._drop()
                raise SourceError(
                    f"source {self.name}: cannot read {what}: {exc}", source=self.name
                ) from exc

    def history(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> ClusterHistory:
        history: ClusterHistory = self._query(
            "history", lambda s: s.history(cluster, since=since, until=until)
        )
        return history

    def transitions(self, since: datetime, until: datetime | None = None) -> list[Transition]:
        return list(self._query("transitions", lambda s: s.transitions(since, until)))

    def failures(
        self, cluster: str | None = None, since: datetime | None = None
    ) -> list[FailureEvent]:
        return list(self._query("failures", lambda s: s.failures(cluster=cluster, since=since)))

    def entitlement_series(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, list[tuple[datetime, int]]]:
        return dict(
            self._query(
                "entitlement series",
                lambda s: s.entitlement_series(cluster, since=since, until=until),
            )
        )

    def problems(self) -> list[str]:
        """Damaged files met so far (each names the file and what became of it)."""
        with self._lock:
            return [str(p) for p in self._store.problems] if self._store is not None else []

    def acknowledge(self, cluster: str, **details: Any) -> None:
        raise no_acknowledgements(self.name, self.location, cluster)

    def close(self) -> None:
        with self._lock:
            self._drop()
