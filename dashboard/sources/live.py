"""Live polling: the engine on its own event loop in a worker thread, plus the store writer.

The UI loop never runs poll CPU and never touches the network or the disk. Results
cross to the UI as :class:`~dashboard.messages.FleetUpdated` messages posted with the
thread-safe ``App.post_message``, coalesced to at most one every ``min_interval``
seconds. Every result goes to the store through one writer thread, batched.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from textual.app import App

from collectors.config import LicdashConfig
from collectors.errors import LicdashError
from collectors.results import ClusterStatus, ErrorInfo, PollUpdate
from dashboard.messages import FleetUpdated, SourceError
from dashboard.sources.base import SourceKind, StoreQueries, join_thread, utcnow
from dashboard.state import CycleInfo, FleetState

_JOIN_TIMEOUT_S = 10.0


class Engine(Protocol):
    """The part of :class:`collectors.engine.PollEngine` this source drives."""

    async def __aenter__(self) -> Any: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Any: ...

    async def run(self) -> None: ...

    def stop(self) -> Any: ...

    def updates(self) -> AsyncIterator[PollUpdate]: ...

    def poll_now(self, cluster: str | None = None) -> Any: ...

    def pause(self) -> Any: ...

    def resume(self) -> Any: ...

    @property
    def paused(self) -> bool: ...

    def statuses(self) -> Mapping[str, ClusterStatus]: ...


EngineFactory = Callable[[LicdashConfig, Callable[[], datetime]], Engine]


def _default_engine(config: LicdashConfig, clock: Callable[[], datetime]) -> Engine:
    from collectors.engine import PollEngine

    engine: Engine = PollEngine(config, clock=clock)
    return engine


def stale_after(config: LicdashConfig) -> timedelta:
    """How old a cluster's last good poll may get before it is stale."""
    return timedelta(seconds=config.settings.interval * config.settings.stale_after)


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
                c.name: ClusterStatus(cluster=c.name, tags=dict(c.tags)) for c in config.clusters
            },
            source=kind,
        )
        self._pending: dict[str, ClusterStatus] = {}
        self._writes: list[PollUpdate] = []
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
        self._stop_event = asyncio.Event()
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        if self._stop_requested.is_set():
            return
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="licdash-store")
        try:
            await self._open_store_in(writer)
            engine = self._engine_factory(self.config, self.clock)
            async with engine:
                self._engine = engine
                await self._drive(engine, writer)
        finally:
            self._engine = None
            if self._writer_store is not None:
                store, self._writer_store = self._writer_store, None
                await asyncio.get_running_loop().run_in_executor(writer, store.close)
            writer.shutdown(wait=True)

    async def _open_store_in(self, writer: ThreadPoolExecutor) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(writer, self.open_store)
        except LicdashError as exc:
            self._post_error(exc)

    async def _drive(self, engine: Engine, writer: ThreadPoolExecutor) -> None:
        assert self._stop_event is not None
        known = engine.statuses()
        if known:
            self._pending.update(known)
        consumer = asyncio.create_task(self._consume(engine), name="licdash-consume")
        await asyncio.sleep(0)  # subscribe before the first cycle starts
        publisher = asyncio.create_task(self._publish(engine, writer), name="licdash-publish")
        runner = asyncio.create_task(engine.run(), name="licdash-engine-run")
        stopper = asyncio.create_task(self._stop_event.wait())
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        result = engine.stop()
        if inspect.isawaitable(result):
            await result
        await asyncio.wait({runner}, timeout=_JOIN_TIMEOUT_S)
        for task in (consumer, publisher, stopper, runner):
            task.cancel()
        await asyncio.gather(consumer, publisher, stopper, runner, return_exceptions=True)
        if not runner.cancelled() and (exc := runner.exception()) is not None:
            self._post_error(exc)
        await self._write(writer, self._take_writes())

    async def _consume(self, engine: Engine) -> None:
        assert self._wake is not None
        async for update in engine.updates():
            self._pending[update.status.cluster] = update.status
            if update.result.raw is not None:
                self._raws[update.result.cluster] = update.result.raw
            self._writes.append(update)
            self._wake.set()

    async def _publish(self, engine: Engine, writer: ThreadPoolExecutor) -> None:
        """Fold bursts of results into one UI update and one store batch per tick."""
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            self._flush(engine)
            await self._write(writer, self._take_writes())
            await asyncio.sleep(self.min_interval)

    def _flush(self, engine: Engine) -> None:
        changed, self._pending = self._pending, {}
        fleet = self._fleet.with_statuses(changed, at=self.clock()) if changed else self._fleet
        self._paused = bool(engine.paused)
        cycle = _cycle_info(getattr(engine, "last_cycle", None)) or fleet.last_cycle
        fleet = FleetState(
            statuses=fleet.statuses,
            updated_at=fleet.updated_at,
            last_cycle=cycle,
            paused=self._paused,
            source=self.kind,
        )
        self._fleet = fleet
        app = self._app
        if app is not None:
            app.post_message(FleetUpdated(fleet, frozenset(changed)))

    def _take_writes(self) -> list[PollUpdate]:
        writes, self._writes = self._writes, []
        return writes

    async def _write(self, writer: ThreadPoolExecutor, batch: list[PollUpdate]) -> None:
        store = self._writer_store
        if store is None or not batch:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(writer, store.write_batch, batch)
        except Exception as exc:
            self._post_error(exc)

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
