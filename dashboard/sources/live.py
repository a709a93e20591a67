"""Live polling: the collector's own run-and-write loop on an event loop in a worker thread.

The UI loop never runs poll CPU and never touches the network or the disk. The engine
and the store writer are :class:`collectors.daemon.Daemon`, the same loop as
``licdash collect`` (a batch the store refuses is kept and retried, ``max_pending``,
a dead writer stops polling, policy and heartbeat recorded in the store). Results cross
to the UI as :class:`~dashboard.messages.FleetUpdated` messages posted with the
thread-safe ``App.post_message``, coalesced to at most one every ``min_interval`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from textual.app import App

from collectors.config import LicdashConfig
from collectors.daemon import Engine as DaemonEngine
from collectors.errors import LicdashError
from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus, ErrorInfo, PollUpdate
from dashboard.messages import FleetUpdated, SourceError
from dashboard.sources.base import SourceKind, StoreQueries, join_thread, utcnow
from dashboard.state import CycleInfo, FleetState

_JOIN_TIMEOUT_S = 10.0


class Engine(DaemonEngine, Protocol):
    """The engine the :class:`~collectors.daemon.Daemon` drives, plus the controls this
    source offers the UI (poll now, pause, resume)."""

    def poll_now(self, cluster: str | None = None) -> Any: ...

    def pause(self) -> Any: ...

    def resume(self) -> Any: ...

    @property
    def paused(self) -> bool: ...


EngineFactory = Callable[[LicdashConfig, Callable[[], datetime]], Engine]


def _default_engine(config: LicdashConfig, clock: Callable[[], datetime]) -> Engine:
    from collectors.engine import PollEngine

    engine: Engine = PollEngine(config, clock=clock)
    return engine


class LiveSource(StoreQueries):
    """Polls the clusters of ``config``; writes to the store in ``store_dir`` if given."""

    readonly = False

    def __init__(
        self,
        config: LicdashConfig,
        store_dir: Path | None,
        *,
        kind: SourceKind = "live",
        clock: Callable[[], datetime] = utcnow,
        engine_factory: EngineFactory = _default_engine,
        min_interval: float = 0.25,
    ) -> None:
        super().__init__(store_dir, {c.name: c.timezone for c in config.clusters})
        self.config = config
        self.kind: SourceKind = kind
        self.clock = clock
        self.min_interval = min_interval
        self._engine_factory = engine_factory
        self.policy = FreshnessPolicy.from_config(config)
        """The config's policy: what the engine and the store judge by, and the app."""
        self._daemon: Any = None
        self._writer_store: Any = None
        self._app: App[Any] | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._engine: Engine | None = None
        self._stop_requested = threading.Event()
        self._stop_event: asyncio.Event | None = None
        self._wake: asyncio.Event | None = None
        self._paused = False
        self._fleet = FleetState(
            statuses={
                c.name: ClusterStatus(cluster=c.name, product=c.product, tags=dict(c.tags))
                for c in config.clusters
            },
            source=kind,
            policy=self.policy,
        )
        self._pending: dict[str, ClusterStatus] = {}
        self._raws: dict[str, str] = {}
        self._last_error: tuple[str, str] | None = None

    # ----- lifecycle ------------------------------------------------------------------

    def open_store(self) -> None:
        """Open the store for writing now, so a lock conflict fails before the UI opens.

        Raises:
            StoreLockedError: another collector writes this store.
        """
        if self.store_dir is not None and self._writer_store is None:
            from collectors.store import SnapshotStore

            self._writer_store = SnapshotStore.open(self.store_dir)

    @property
    def paused(self) -> bool:
        return self._paused

    async def start(self, app: App[Any]) -> None:
        self._app = app
        app.post_message(FleetUpdated(self._fleet))
        self._thread = threading.Thread(target=self._thread_main, name="licdash-engine")
        self._thread.start()

    async def stop(self) -> None:
        """Stop polling, flush the store writer and join the engine thread."""
        self._request_stop()
        if self._thread is not None:
            await join_thread(self._thread, _JOIN_TIMEOUT_S)
        self._app = None
        self._close_reader()

    def close(self) -> None:
        """Synchronous :meth:`stop`, for a launcher's ``finally``."""
        self._request_stop()
        if self._thread is not None:
            self._thread.join(_JOIN_TIMEOUT_S)
        self._app = None
        self._close_reader()
        if self._writer_store is not None and self._thread is None:
            self._writer_store.close()
            self._writer_store = None

    def _request_stop(self) -> None:
        self._stop_requested.set()
        loop, stop_event = self._loop, self._stop_event
        if loop is not None and stop_event is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(stop_event.set)

    # ----- commands from the UI thread --------------------------------------------------

    def poll_now(self, cluster: str | None = None) -> None:
        self._call(lambda engine: engine.poll_now(cluster))

    def pause(self) -> None:
        self._paused = True
        self._call(lambda engine: engine.pause())

    def resume(self) -> None:
        self._paused = False
        self._call(lambda engine: engine.resume())

    def raw(self, cluster: str) -> str | None:
        return self._raws.get(cluster)

    def _call(self, action: Callable[[Engine], Any]) -> None:
        loop = self._loop
        if loop is None:
            return

        def run() -> None:
            if self._engine is not None:
                try:
                    action(self._engine)
                except KeyError as exc:  # a cluster the engine does not know (any more)
                    self._post_error(exc)
                if self._wake is not None:
                    self._wake.set()

        with contextlib.suppress(RuntimeError):  # the loop already ended
            loop.call_soon_threadsafe(run)

    # ----- the engine thread ------------------------------------------------------------

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:  # anything unexpected is shown, never lost
            self._post_error(exc)

    async def _main(self) -> None:
        from collectors.daemon import Daemon

        self._stop_event = asyncio.Event()
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        if self._stop_requested.is_set():
            return
        try:
            await self._open_store()
            engine = self._engine_factory(self.config, self.clock)
            daemon = Daemon(
                self.config,
                self._writer_store,
                engine=engine,
                flush_interval=self.min_interval,
                mode="dashboard",
            )
            daemon.add_listener(self._received)
            self._engine, self._daemon = engine, daemon
            await self._drive(engine, daemon)
        finally:
            self._engine = self._daemon = None
            if self._writer_store is not None:
                store, self._writer_store = self._writer_store, None
                await asyncio.to_thread(store.close)

    async def _open_store(self) -> None:
        try:
            await asyncio.to_thread(self.open_store)
        except LicdashError as exc:
            self._post_error(exc)

    async def _drive(self, engine: Engine, daemon: Any) -> None:
        assert self._stop_event is not None
        known = engine.statuses()
        if known:
            self._pending.update(known)
        publisher = asyncio.create_task(self._publish(engine), name="licdash-publish")
        runner = asyncio.create_task(daemon.run(), name="licdash-collector")
        stopper = asyncio.create_task(self._stop_event.wait())
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        daemon.stop()  # the writer drains every result already produced
        await asyncio.wait({runner}, timeout=_JOIN_TIMEOUT_S)
        for task in (publisher, stopper, runner):
            task.cancel()
        await asyncio.gather(publisher, stopper, runner, return_exceptions=True)
        if not runner.cancelled() and (exc := runner.exception()) is not None:
            self._post_error(exc)
        dropped = int(getattr(daemon, "dropped", 0))
        if dropped:
            self._post_error(
                LicdashError(f"{dropped} results could not be written to the store and were lost")
            )

    def _received(self, update: PollUpdate) -> None:
        """The daemon's listener (in the engine's loop): fold into the next UI update."""
        self._pending[update.status.cluster] = update.status
        if update.result.raw is not None:
            self._raws[update.result.cluster] = update.result.raw
        if self._wake is not None:
            self._wake.set()

    async def _publish(self, engine: Engine) -> None:
        """Fold bursts of results into one UI update per tick."""
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            self._flush(engine)
            await asyncio.sleep(self.min_interval)

    def _flush(self, engine: Engine) -> None:
        changed, self._pending = self._pending, {}
        fleet = self._fleet.with_statuses(changed, at=self.clock()) if changed else self._fleet
        self._paused = bool(engine.paused)
        cycle = _cycle_info(getattr(engine, "last_cycle", None)) or fleet.last_cycle
        daemon = self._daemon
        collector = (
            daemon.collector_state(self.clock())
            if daemon is not None and self._writer_store is not None
            else None
        )
        fleet = FleetState(
            statuses=fleet.statuses,
            updated_at=fleet.updated_at,
            last_cycle=cycle,
            paused=self._paused,
            source=self.kind,
            policy=self.policy,
            collector=collector if collector is not None and collector.down else None,
        )
        self._fleet = fleet
        app = self._app
        if app is not None:
            app.post_message(FleetUpdated(fleet, frozenset(changed)))

    def _post_error(self, exc: BaseException) -> None:
        """Show a failure once; the same failure again (a full disk, say) stays quiet."""
        info = ErrorInfo.from_exception(exc)
        if (info.kind, info.message) == self._last_error:
            return
        self._last_error = (info.kind, info.message)
        app = self._app
        if app is not None:
            app.post_message(SourceError(info))


def _cycle_info(cycle: Any) -> CycleInfo | None:
    """The engine's last cycle as :class:`CycleInfo` (duck-typed; None if absent)."""
    if cycle is None:
        return None
    if isinstance(cycle, CycleInfo):
        return cycle
    finished = getattr(cycle, "finished_at", None)
    duration = getattr(cycle, "duration_s", None)
    if not isinstance(finished, datetime) or duration is None:
        return None
    return CycleInfo(
        finished_at=finished,
        duration_s=float(duration),
        polled=int(getattr(cycle, "polled", 0) or 0),
        failed=int(getattr(cycle, "failed", 0) or 0),
    )
