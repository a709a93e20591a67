"""A read-only view of a store that a separate ``licdash collect`` writes.

One collector can feed many screens: each viewer re-reads the store's latest table in
its own thread whenever the store's files change (checked every ``interval`` seconds)
and never takes the writer lock.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.app import App

from collectors.results import ErrorInfo
from dashboard.messages import FleetUpdated, SourceError
from dashboard.sources.base import SourceKind, StoreQueries, utcnow
from dashboard.state import FleetState

_JOIN_TIMEOUT_S = 10.0


def store_signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the store's files (two levels deep)."""
    entries: list[tuple[str, int, int]] = []

    def scan(path: Path, depth: int) -> None:
        try:
            with os.scandir(path) as it:
                for entry in it:
                    if entry.is_dir(follow_symlinks=False):
                        if depth > 0:
                            scan(Path(entry.path), depth - 1)
                        continue
                    stat = entry.stat(follow_symlinks=False)
                    entries.append((entry.path, stat.st_size, stat.st_mtime_ns))
        except FileNotFoundError:
            return

    scan(directory, 1)
    return tuple(sorted(entries))


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
            await asyncio.to_thread(self._thread.join, _JOIN_TIMEOUT_S)
        self._app = None
        await asyncio.to_thread(self._close_reader)

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
        assert self.store_dir is not None
        seen: tuple[tuple[str, int, int], ...] | None = None
        while not self._stop.is_set():
            signature = store_signature(self.store_dir)
            if signature != seen:
                seen = signature
                self._reload()
            self._stop.wait(self.interval)

    def _reload(self) -> None:
        try:
            with self._reader_lock:
                # Re-open so the reader sees files the writer replaced atomically.
                if self._reader is not None:
                    self._reader.close()
                    self._reader = None
                statuses = dict(self._read().latest())
        except Exception as exc:
            self._report(exc)
            return
        self._last_error = None
        app = self._app
        if app is not None:
            fleet = FleetState(statuses=statuses, updated_at=self.clock(), source=self.kind)
            app.post_message(FleetUpdated(fleet))

    def _report(self, exc: BaseException) -> None:
        info = ErrorInfo.from_exception(exc)
        if info.message == self._last_error:
            return
        self._last_error = info.message
        app = self._app
        if app is not None:
            app.post_message(SourceError(info))
