"""A store directory on this host as a source: read-only, following its change token.

Its acknowledgements are the :class:`~collectors.store.ack_files.AckStore` beside it:
read on every look (one ``stat``), written under their own short lock like ``licdash
ack --store`` does, unless the config says ``read_only = true`` or this user may not
write the directory."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from collectors.acks import CLUSTER_SCOPE, AckKind
from collectors.errors import AckError, SourceError, StoreError
from collectors.policy import DEFAULT_POLICY, FreshnessPolicy
from collectors.results import ClusterStatus, ErrorInfo
from collectors.sources.base import SourceState, refused
from collectors.store.ack_files import AckEvent, AckStore
from collectors.store.records import ClusterHistory, FailureEvent, Transition
from collectors.text_safety import neutralise

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

    def __init__(self, name: str, directory: Path, *, read_only: bool = False) -> None:
        self.name = name
        self.directory = directory
        self.location = str(directory)
        self.read_only = read_only
        self.acks = AckStore(directory)
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
                acks = self.acks.book()
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
                    last.acks,
                    self.acks_refused(),
                )
                return self._state
            self._seen = token
            self._state = SourceState(
                self.name,
                self.location,
                statuses,
                policy,
                collector,
                None,
                now,
                changed,
                acks,
                self.acks_refused(),
            )
            return self._state

    def acks_refused(self) -> str | None:
        """Why acknowledgements cannot be written here (None: they can)."""
        if self.read_only:
            return "read-only in the config (read_only = true): it takes no acknowledgements"
        if not os.access(self.directory, os.W_OK):
            return (
                f"this user may not write the store directory {self.directory}, "
                "so it takes no acknowledgements from here"
            )
        return None

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

    # ----- acknowledgements ----------------------------------------------------------------

    def _for_write(
        self, cluster: str, *, gone_ok: bool = False
    ) -> tuple[dict[str, ClusterStatus], FreshnessPolicy]:
        """The latest table and policy a change is judged and settled by."""
        why = self.acks_refused()
        if why is not None:
            raise refused(self.name, self.location, why, cluster)
        statuses, policy = self._query(
            "the latest table", lambda s: (dict(s.latest()), s.policy() or DEFAULT_POLICY)
        )
        if cluster and cluster not in statuses and not gone_ok:
            raise AckError(
                f"source {self.name} has no cluster named {neutralise(cluster)!r}", cluster=cluster
            )
        return statuses, policy

    def acknowledge(
        self,
        cluster: str,
        *,
        by: str,
        reason: str,
        kind: AckKind = "ack",
        until: datetime | None = None,
        scope: str = CLUSTER_SCOPE,
    ) -> AckEvent:
        statuses, policy = self._for_write(cluster)
        return self.acks.acknowledge(
            cluster,
            statuses[cluster],
            by=by,
            reason=reason,
            kind=kind,
            until=until,
            scope=scope,
            statuses=statuses,
            policy=policy,
        )

    def unacknowledge(
        self, cluster: str, *, by: str, reason: str = "", ack_id: str | None = None
    ) -> list[AckEvent]:
        statuses, policy = self._for_write(cluster, gone_ok=True)
        return self.acks.remove(
            cluster, by=by, reason=reason, ack_id=ack_id, statuses=statuses, policy=policy
        )

    def note(self, text: str, *, by: str) -> AckEvent:
        statuses, policy = self._for_write("")
        return self.acks.note(text, by=by, statuses=statuses, policy=policy)

    def ack_events(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cluster: str | None = None,
    ) -> list[AckEvent]:
        return self.acks.events(since, until, cluster=cluster)

    def close(self) -> None:
        with self._lock:
            self._drop()
