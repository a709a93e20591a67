"""One collector on its own event loop in a background thread.

``licdash serve`` runs its web server on the main loop and this beside it: the same
:class:`~collectors.daemon.Daemon` as ``licdash collect`` (store writer with retry,
policy and heartbeat records), writing a store that every browser session views
read-only. Poll CPU never runs on the loop that relays the browsers' keys and frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collectors.config import LicdashConfig
    from collectors.daemon import Daemon


class DaemonThread:
    """Start with :meth:`start` (raises what stopped the store from opening), end with
    :meth:`stop` (the results already polled are written first)."""

    def __init__(self, config: LicdashConfig, store_dir: Path) -> None:
        self.config = config
        self.store_dir = store_dir
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._daemon: Daemon | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self, timeout: float = 60.0) -> None:
        self._thread = threading.Thread(target=self._run, name="licdash-collector", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"the collector did not open {self.store_dir} in {timeout:g} s")
        if self._error is not None:
            raise self._error

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 30.0) -> None:
        loop, daemon = self._loop, self._daemon
        if loop is not None and daemon is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop has just ended on its own
                loop.call_soon_threadsafe(daemon.stop)
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported by start() when it happened there
            if not self._ready.is_set():
                self._error = exc
                self._ready.set()
            else:
                import logging

                logging.getLogger("collectors.serve").exception("the collector stopped")

    async def _main(self) -> None:
        from collectors.daemon import Daemon
        from collectors.store import SnapshotStore

        store: Any = await asyncio.to_thread(SnapshotStore.open, self.store_dir)
        try:
            self._daemon = Daemon(self.config, store)
            self._loop = asyncio.get_running_loop()
            self._ready.set()
            await self._daemon.run()
        finally:
            await asyncio.to_thread(store.close)
