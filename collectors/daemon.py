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
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from collectors import malloc_trim
from collectors.cluster_state import CycleStats, ReloadChanges
from collectors.config import LicdashConfig
from collectors.errors import LicdashError
from collectors.liveness import (
    CollectorState,
    Heartbeat,
    Mode,
    beat_interval,
    judge,
    make_heartbeat,
)
from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus, PollUpdate

if TYPE_CHECKING:
    from collectors.store.ack_files import AckEvent, AckStore

log = logging.getLogger(__name__)

Listener = Callable[[PollUpdate], None]
"""Called in the event loop for every update; must be quick and must not raise."""
Progress = Callable[[int, int, int], None]
"""``progress(done, total, failed)`` after each result of a ``--once`` cycle."""


class StoreWriter(Protocol):
    """The part of ``collectors.store.SnapshotStore`` the collector needs."""

    def write_batch(self, updates: Sequence[PollUpdate]) -> object: ...

    def close(self) -> object: ...


@runtime_checkable
class CollectorRecords(Protocol):
    """A store that keeps the collector's policy and heartbeat (``SnapshotStore`` does)."""

    def record_policy(self, policy: FreshnessPolicy) -> object: ...

    def record_heartbeat(self, heartbeat: Heartbeat) -> object: ...


class Engine(Protocol):
    """The part of :class:`~collectors.engine.PollEngine` the run-and-write loop drives
    (the dashboard passes its own engine through this too)."""

    @property
    def config(self) -> LicdashConfig: ...

    @property
    def last_cycle(self) -> CycleStats | None: ...

    async def __aenter__(self) -> Any: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Any: ...

    async def run(self) -> None: ...

    async def poll_once(self) -> Any: ...

    def stop(self) -> Any: ...

    async def aclose(self) -> None: ...

    def updates(self) -> AsyncIterator[PollUpdate]: ...

    def reload(self, config: LicdashConfig) -> ReloadChanges: ...

    def statuses(self) -> Mapping[str, ClusterStatus]: ...


class _Wake:
    """Put on the writer's queue to have it record the policy now (after a reload)."""


_WAKE = _Wake()


@dataclass(frozen=True, slots=True)
class OnceReport:
    """What ``collect --once`` did."""

    polled: int
    ok: int
    failed: int
    duration_s: float
    lost: int = 0
    """Results the store refused to write (they are gone)."""

    def line(self) -> str:
        if not self.lost:
            return (
                f"polled {self.polled} publishers: {self.ok} ok, {self.failed} failed "
                f"in {self.duration_s:.1f} s"
            )
        failed = f", {self.failed} failed" if self.failed else ""
        return (
            f"polled {self.polled} publishers in {self.duration_s:.1f} s: {self.ok} ok{failed};"
            f" {self.lost} of {self.polled} results LOST: the store write failed"
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
        engine: Engine | None = None,
        flush_interval: float = 1.0,
        max_pending: int | None = None,
        mode: Mode = "daemon",
        acks: AckStore | None = None,
    ) -> None:
        """``acks``: the acknowledgements this collector settles (records the automatic
        ends of) after every batch and heartbeat; by default those beside ``store``."""
        if engine is None:
            from collectors.engine import PollEngine

            engine = PollEngine(config)
        self.engine: Engine = engine
        self.store = store
        if acks is None:
            from collectors.store.ack_files import AckStore

            acks = AckStore.beside(store)
        self.acks = acks
        self.mode: Mode = mode
        """``daemon`` (``licdash collect``) or ``dashboard`` (the live dashboard); what
        the heartbeat says. :meth:`run_once` beats as ``once``."""
        self.last_heartbeat: Heartbeat | None = None
        """The last heartbeat the store accepted."""
        self._policy_due = True
        self._queue: asyncio.Queue[PollUpdate | _Wake | None] | None = None
        self._flush_interval = flush_interval
        self._policy_of: tuple[LicdashConfig, FreshnessPolicy] | None = None
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
        self._policy_due = True  # recorded even when unchanged: the operator asked
        if self._queue is not None:
            self._queue.put_nowait(_WAKE)
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

    @property
    def policy(self) -> FreshnessPolicy:
        """The policy of the running config (the engine judges by the same rule)."""
        config = self.engine.config
        cached = self._policy_of
        if cached is None or cached[0] is not config:  # built once per config: O(clusters)
            cached = self._policy_of = (config, FreshnessPolicy.from_config(config))
        return cached[1]

    def collector_state(self, now: datetime | None = None) -> CollectorState:
        """This collector as a viewer of its store would judge it (for metrics)."""
        now = now or datetime.now(UTC)
        return judge(self.last_heartbeat, now, has_data=True, writer_alive=True)

    # ----- running -----------------------------------------------------------------

    async def run(self) -> None:
        """Poll on schedule until :meth:`stop`; every result reaches the store."""
        async with self.engine:
            writer = asyncio.create_task(self._write_loop(self.engine.updates(), self.mode))
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
        dropped = self.dropped
        try:
            async with self.engine:
                writer = asyncio.create_task(self._write_loop(self.engine.updates(), "once"))
                try:
                    await self.engine.poll_once()
                finally:
                    await self.engine.aclose()
                    await writer
        finally:
            self._listeners.remove(count)
        return OnceReport(
            done, done - failed, failed, time.perf_counter() - t0, lost=self.dropped - dropped
        )

    # ----- the single store writer -------------------------------------------------

    async def _write_loop(self, updates: AsyncIterator[PollUpdate], mode: Mode) -> None:
        malloc_trim.fix_thresholds()  # before weeks of polls, each freeing large blocks
        queue: asyncio.Queue[PollUpdate | _Wake | None] = asyncio.Queue()
        self._queue = queue

        async def pump() -> None:
            try:
                async for update in updates:
                    queue.put_nowait(update)
            finally:
                queue.put_nowait(None)

        pump_task = asyncio.create_task(pump())
        pending: list[PollUpdate] = []
        beat_s = beat_interval(self.engine.config.settings.interval, mode)
        try:
            await self._record(mode)
            finished = False
            while not finished:
                try:
                    first = await asyncio.wait_for(queue.get(), beat_s)
                except TimeoutError:  # idle: still say this writer is alive
                    await self._record(mode)
                    continue
                if first is None:
                    break
                if isinstance(first, _Wake):
                    await self._record(mode)
                    continue
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
                    if isinstance(item, _Wake):
                        continue  # recorded after this batch anyway
                    batch.append(item)
                self._notify(batch)
                pending = await self._flush(pending + batch)
                await self._record(mode)
                if malloc_trim.due():  # weeks of polls: freed heap goes back to the system
                    await asyncio.to_thread(malloc_trim.trim)
            if pending:
                await self._flush(pending, final=True)
            await self._record(mode, stopped=mode != "once")
        finally:
            self._queue = None
            pump_task.cancel()
            await asyncio.gather(pump_task, return_exceptions=True)

    async def _record(self, mode: Mode, *, stopped: bool = False) -> None:
        """Record the policy (at start and after a reload) and a heartbeat. A failure is
        logged and retried at the next beat: the heartbeat then ages, which viewers see."""
        store = self.store
        if not isinstance(store, CollectorRecords):
            return
        cycle = self.engine.last_cycle
        beat = make_heartbeat(
            now=datetime.now(UTC),
            poll_interval_s=self.engine.config.settings.interval,
            mode=mode,
            last_cycle_end=cycle.finished_at if cycle is not None else None,
            stopped=stopped,
        )
        try:
            if self._policy_due:
                await asyncio.to_thread(store.record_policy, self.policy)
                self._policy_due = False
            await asyncio.to_thread(store.record_heartbeat, beat)
        except (LicdashError, OSError) as exc:
            log.warning("could not record the collector heartbeat in the store: %s", exc)
            return
        self.last_heartbeat = beat
        await self._settle_acks()

    async def _settle_acks(self) -> None:
        """Record the end of every acknowledgement that expired or cleared itself (the
        collector is the one process sure to see every batch; see
        :mod:`collectors.store.ack_files`). A failure is logged and retried next time."""
        acks = self.acks
        if acks is None:
            return
        policy, now = self.policy, datetime.now(UTC)
        # The store's latest table, what every viewer and `status` judge: unlike the
        # engine's statuses it keeps each cluster's last good poll across a restart.
        store = self.store
        latest = getattr(store, "latest", None)
        engine = None if callable(latest) else self.engine.statuses()  # read in the loop

        def settle() -> list[AckEvent]:
            if not acks.book().by_cluster:
                return []  # nothing to end: no need to read every cluster's status
            statuses = latest() if callable(latest) else engine
            assert statuses is not None
            return acks.settle(statuses, policy, now)

        try:
            ended = await asyncio.to_thread(settle)
        except (LicdashError, OSError) as exc:
            log.warning("could not record the end of acknowledgements: %s", exc)
            return
        for event in ended:
            log.info(
                "acknowledgement of %s by %s ended: %s",
                event.cluster,
                event.ack.by if event.ack else "?",
                event.text,
                extra={"cluster": event.cluster},
            )

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
