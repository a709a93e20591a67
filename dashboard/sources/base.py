"""The :class:`DataSource` protocol and the store queries every source shares."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from dashboard.format import zone

if TYPE_CHECKING:
    from textual.app import App

SourceKind = Literal["live", "store", "demo", "sources"]


def utcnow() -> datetime:
    return datetime.now(UTC)


async def join_thread(thread: threading.Thread, limit_s: float) -> None:
    """Wait for ``thread`` to end without blocking the event loop (and without a helper
    thread of our own, so nothing outlives the app)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    # A thread's end cannot be awaited; a short poll keeps the UI loop free.
    while thread.is_alive() and loop.time() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)


@runtime_checkable
class DataSource(Protocol):
    """What the app needs from wherever fleet data comes from.

    ``start``/``stop`` run on the UI loop and must not block it. The query methods
    block (they read the store): call them from thread workers only.
    """

    kind: SourceKind
    """Shown in the summary bar: ``live``, ``store``, ``demo`` or ``sources`` (merged)."""
    readonly: bool
    """A read-only viewer cannot poll, pause or resume."""

    @property
    def paused(self) -> bool: ...

    async def start(self, app: App[Any]) -> None: ...

    async def stop(self) -> None: ...

    def poll_now(self, cluster: str | None = None) -> None: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def history(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> Any: ...

    def transitions(self, since: datetime) -> list[Any]: ...

    def failures(self, cluster: str | None = None, since: datetime | None = None) -> list[Any]: ...

    def entitlement_series(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, list[tuple[datetime, int]]]: ...

    def raw(self, cluster: str) -> str | None: ...

    def cluster_zone(self, name: str) -> tzinfo: ...


class StoreQueries:
    """Blocking history queries over a read-only handle on a store directory.

    The handle is opened on first use (in the caller's thread) and guarded by a lock,
    because TinyDB is not thread-safe and screens may query from several workers.
    With no store directory every query answers empty.
    """

    def __init__(self, store_dir: Path | None, zones: Mapping[str, str | None] | None = None):
        self.store_dir = store_dir
        self._zones = {name: zone(tz) for name, tz in (zones or {}).items()}
        self._reader: Any = None
        self._reader_lock = threading.Lock()

    def _read(self) -> Any:
        """The read-only store, or None when there is none (yet)."""
        if self.store_dir is None:
            return None
        if self._reader is None:
            from collectors.store import SnapshotStore

            self._reader = SnapshotStore.open(self.store_dir, readonly=True)
        return self._reader

    def _close_reader(self) -> None:
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def history(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> Any:
        """One cluster's ``ClusterHistory``, or None without a store."""
        with self._reader_lock:
            store = self._read()
            return None if store is None else store.history(cluster, since=since, until=until)

    def transitions(self, since: datetime) -> list[Any]:
        with self._reader_lock:
            store = self._read()
            return [] if store is None else list(store.transitions(since))

    def failures(self, cluster: str | None = None, since: datetime | None = None) -> list[Any]:
        with self._reader_lock:
            store = self._read()
            return [] if store is None else list(store.failures(cluster=cluster, since=since))

    def entitlement_series(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, list[tuple[datetime, int]]]:
        with self._reader_lock:
            store = self._read()
            if store is None:
                return {}
            return dict(store.entitlement_series(cluster, since=since, until=until))

    def raw(self, cluster: str) -> str | None:
        """The last raw response; only a live source keeps them."""
        return None

    def cluster_zone(self, name: str) -> tzinfo:
        """The cluster's configured IANA zone, else UTC."""
        return self._zones.get(name, UTC)
