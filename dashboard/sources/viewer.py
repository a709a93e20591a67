"""A read-only view of a store that a separate ``licdash collect`` writes.

One collector can feed many screens: each viewer checks the store's change token every
``interval`` seconds in its own thread and, only when a cycle was written, reads what
changed (``SnapshotStore.latest_changes``: the journal lines written since it last
looked, not the whole table) and the policy the collector recorded. It never takes the
writer lock.
Each check also judges the collector's heartbeat, so a collector that stopped writing
is on screen within one check of the moment it counts as down.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from textual.app import App

from collectors.liveness import CollectorState, State
from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus, ErrorInfo
from dashboard.messages import FleetUpdated, SourceError
from dashboard.sources.base import SourceKind, StoreQueries, join_thread, utcnow
from dashboard.state import FleetState

if TYPE_CHECKING:
    from collectors.store import LatestChanges

_JOIN_TIMEOUT_S = 10.0
_NOTHING = object()


class StoreViewer(StoreQueries):
    """Follows the latest table of the store in ``store_dir``; cannot poll."""

    kind: SourceKind = "store"
    readonly = True

    def __init__(
        self,
        store_dir: Path,
        *,
        zones: Mapping[str, str | None] | None = None,
        interval: float = 2.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(store_dir, zones)
        self.interval = interval
        self.clock = clock
        self._app: App[Any] | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._last_error: str | None = None

    @property
    def paused(self) -> bool:
        return False

    async def start(self, app: App[Any]) -> None:
        self._app = app
        app.post_message(FleetUpdated(FleetState(source=self.kind)))
        self._thread = threading.Thread(target=self._follow, name="licdash-store-viewer")
        self._thread.start()

    async def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            await join_thread(self._thread, _JOIN_TIMEOUT_S)
        self._app = None
        self._close_reader()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(_JOIN_TIMEOUT_S)
        self._app = None
        self._close_reader()

    def poll_now(self, cluster: str | None = None) -> None:
        """A viewer cannot poll; the app tells the user so."""

    def pause(self) -> None:
        """A viewer cannot pause; the app tells the user so."""

    def resume(self) -> None:
        """A viewer cannot resume; the app tells the user so."""

    def _follow(self) -> None:
        seen: object = _NOTHING
        statuses: Mapping[str, ClusterStatus] = MappingProxyType({})
        policy: FreshnessPolicy | None = None
        said: tuple[object, ...] | None = None
        while not self._stop.is_set():
            try:
                with self._reader_lock:
                    store = self._read()
                    token = store.change_token()
                    changed = token != seen
                    if changed:
                        statuses = MappingProxyType(_apply(statuses, store.latest_changes()))
                        policy = store.policy()
                    collector = store.collector_state(self.clock())
            except Exception as exc:
                self._report(exc)
                self._close_reader()  # open afresh next time (the store may appear)
                if seen is _NOTHING and said is None and self._is_empty():
                    said = (State.NEVER, "")
                    self._post(statuses, None, CollectorState(State.NEVER))
            else:
                seen = token
                self._last_error = None
                now_said = (collector.state, collector.reason)
                if changed or now_said != said:
                    said = now_said
                    self._post(statuses, policy, collector)
            self._stop.wait(self.interval)

    def _is_empty(self) -> bool:
        """No store written here yet (the directory is missing or holds no store.json)."""
        return self.store_dir is None or not (self.store_dir / "store.json").exists()

    def _post(
        self,
        statuses: Mapping[str, ClusterStatus],
        policy: FreshnessPolicy | None,
        collector: CollectorState,
    ) -> None:
        app = self._app
        if app is not None:
            fleet = FleetState(
                statuses=statuses,
                updated_at=self.clock(),
                source=self.kind,
                policy=policy,
                collector=collector,
            )
            app.post_message(FleetUpdated(fleet))

    def _report(self, exc: BaseException) -> None:
        info = ErrorInfo.from_exception(exc)
        if info.message == self._last_error:
            return
        self._last_error = info.message
        app = self._app
        if app is not None:
            app.post_message(SourceError(info))


def _apply(held: Mapping[str, ClusterStatus], changes: LatestChanges) -> dict[str, ClusterStatus]:
    """The statuses a viewer holds, updated with what changed (replaced when full)."""
    if changes.full:
        return dict(changes.statuses)
    out = dict(held)
    added = not changes.statuses.keys() <= out.keys()
    out.update(changes.statuses)
    return dict(sorted(out.items())) if added else out
