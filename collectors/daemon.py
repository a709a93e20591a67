"""The headless collector: a :class:`PollEngine` feeding a snapshot store.

One writer task consumes the engine's update stream and hands batches to
``store.write_batch`` in a worker thread (TinyDB blocks and is not thread-safe, so there
is exactly one writer). A batch is flushed when it holds one cycle's worth of updates
(one per cluster) or ``flush_interval`` seconds after its first update, whichever comes
first. A batch the store refuses is kept and retried with the next one.

Service hooks: :meth:`Daemon.reload_from` (the SIGHUP handler: a config that fails to
load is reported and the old one kept), :meth:`Daemon.stop` (SIGTERM/SIGINT: the writer
drains every result already produced before :meth:`run` returns), :meth:`Daemon.add_listener`
(a per-result hook) and :attr:`Daemon.engine` (``statuses()`` and ``last_cycle``, which
:mod:`collectors.metrics` reads at scrape time).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from collectors.cluster_state import ReloadChanges
from collectors.config import LicdashConfig
from collectors.engine import PollEngine
from collectors.errors import LicdashError
from collectors.results import PollUpdate

log = logging.getLogger(__name__)

Listener = Callable[[PollUpdate], None]
"""Called in the event loop for every update; must be quick and must not raise."""
Progress = Callable[[int, int, int], None]
"""``progress(done, total, failed)`` after each result of a ``--once`` cycle."""


class StoreWriter(Protocol):
    """The part of ``collectors.store.SnapshotStore`` the collector needs."""

    def write_batch(self, updates: Sequence[PollUpdate]) -> object: ...

    def close(self) -> object: ...


@dataclass(frozen=True, slots=True)
class OnceReport:
    """What ``collect --once`` did."""

    polled: int
    ok: int
    failed: int
    duration_s: float

    def line(self) -> str:
        return (
            f"polled {self.polled} publishers: {self.ok} ok, {self.failed} failed "
            f"in {self.duration_s:.1f} s"
        )


def _named(names: Sequence[str], what: str, limit: int = 5) -> str:
    """``2 added (a, b)``; ``0 added``; long lists end in ``and N more``."""
    if not names:
        return f"0 {what}"
    shown = ", ".join(names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"{len(names)} {what} ({shown}{more})"


class Daemon:
    """Runs the engine, writes every result to the store, stops cleanly."""

    def __init__(
        self,
        config: LicdashConfig,
        store: StoreWriter | None,
        *,
        engine: PollEngine | None = None,
        flush_interval: float = 1.0,
        max_pending: int | None = None,
    ) -> None:
        self.engine = engine or PollEngine(config)
        self.store = store
        self._flush_interval = flush_interval
        self._max_pending = max_pending
        self._listeners: list[Listener] = []
        self._stop_requested = False
        self.written = 0
        """Updates the store has acknowledged."""
        self.dropped = 0
        """Updates given up on after the store kept failing (see ``max_pending``)."""

    # ----- hooks -------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def reload(self, config: LicdashConfig) -> ReloadChanges:
        """Adopt a new config without losing state of unchanged clusters."""
        before = self.engine.config.settings
        changes = self.engine.reload(config)
        if not changes.any:
            log.info("config reloaded: nothing changed")
            return changes
        after = config.settings
        settings = [
            f"{key} {getattr(before, key)} -> {getattr(after, key)}"
            for key in type(after).model_fields
            if getattr(before, key) != getattr(after, key)
        ]
        log.info(
            "config reloaded: %s, %s, %s%s",
            _named(changes.added, "added"),
            _named(changes.removed, "removed"),
            _named(changes.changed, "changed"),
            f"; settings: {', '.join(settings)}" if settings else "",
        )
        return changes

    def reload_from(self, load: Callable[[], LicdashConfig]) -> ReloadChanges | None:
        """Load a config with ``load`` and adopt it; on any problem log it, keep the old
        config and return None. A running collector never dies of a bad edit."""
        try:
            config = load()
        except LicdashError as exc:
            log.error("config reload refused, keeping the old config: %s", exc)
            return None
        except Exception:
            log.exception("config reload failed unexpectedly, keeping the old config")
            return None
        return self.reload(config)

    def stop(self) -> None:
        """Ask :meth:`run` to finish (safe from a signal handler in the loop)."""
        self._stop_requested = True
        self.engine.stop()

    # ----- running -----------------------------------------------------------------

    async def run(self) -> None:
        """Poll on schedule until :meth:`stop`; every result reaches the store."""
        async with self.engine:
            writer = asyncio.create_task(self._write_loop(self.engine.updates()))
            writer.add_done_callback(self._writer_ended)
            try:
                if not self._stop_requested:
                    await self.engine.run()
            finally:
                await self.engine.aclose()  # ends the subscription: the writer drains
                await writer  # re-raises what killed the writer

    def _writer_ended(self, task: asyncio.Task[None]) -> None:
        """A writer that died on an unexpected error stops the engine: polling on would
        look healthy (metrics, logs) while nothing reaches the store."""
        if not task.cancelled() and task.exception() is not None:
            log.error("the store writer died; stopping the collector")
            self.stop()

    async def run_once(self, progress: Progress | None = None) -> OnceReport:
        """Poll every cluster once, write the results, report the counts."""
        total = len(self.engine.config.clusters)
        done = failed = 0
        t0 = time.perf_counter()

        def count(update: PollUpdate) -> None:
            nonlocal done, failed
            done += 1
            failed += 0 if update.result.ok else 1
            if progress is not None:
                progress(done, total, failed)

        self._listeners.insert(0, count)
        try:
            async with self.engine:
                writer = asyncio.create_task(self._write_loop(self.engine.updates()))
                try:
                    await self.engine.poll_once()
                finally:
                    await self.engine.aclose()
                    await writer
        finally:
            self._listeners.remove(count)
        return OnceReport(done, done - failed, failed, time.perf_counter() - t0)

    # ----- the single store writer -------------------------------------------------

    async def _write_loop(self, updates: AsyncIterator[PollUpdate]) -> None:
        queue: asyncio.Queue[PollUpdate | None] = asyncio.Queue()

        async def pump() -> None:
            try:
                async for update in updates:
                    queue.put_nowait(update)
            finally:
                queue.put_nowait(None)

        pump_task = asyncio.create_task(pump())
        pending: list[PollUpdate] = []
        try:
            finished = False
            while not finished:
                first = await queue.get()
                if first is None:
                    break
                batch = [first]
                deadline = asyncio.get_running_loop().time() + self._flush_interval
                target = max(1, len(self.engine.config.clusters))
                while len(batch) < target:
                    remaining = deadline - asyncio.get_running_loop().time()
                    if remaining <= 0:
                        break
                    try:
                        item = await asyncio.wait_for(queue.get(), remaining)
                    except TimeoutError:
                        break
                    if item is None:
                        finished = True
                        break
                    batch.append(item)
                self._notify(batch)
                pending = await self._flush(pending + batch)
            if pending:
                await self._flush(pending, final=True)
        finally:
            pump_task.cancel()
            await asyncio.gather(pump_task, return_exceptions=True)

    def _notify(self, batch: list[PollUpdate]) -> None:
        for update in batch:
            for listener in self._listeners:
                try:
                    listener(update)
                except Exception:
                    log.exception("a result listener failed; it stays registered")

    async def _flush(self, batch: list[PollUpdate], *, final: bool = False) -> list[PollUpdate]:
        """Write ``batch``; return what must be retried (nothing on success)."""
        if self.store is None or not batch:
            return []
        try:
            await asyncio.to_thread(self.store.write_batch, batch)
        except (LicdashError, OSError) as exc:
            limit = self._max_pending or 10 * max(1, len(self.engine.config.clusters))
            if final or len(batch) > limit:
                self.dropped += len(batch)
                log.error("store write failed, %d results lost: %s", len(batch), exc)
                return []
            log.error("store write failed, will retry with the next batch: %s", exc)
            return batch
        self.written += len(batch)
        return []
