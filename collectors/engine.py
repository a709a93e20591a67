"""``PollEngine``: polls a fleet of publishers on a schedule and streams immutable results.

* Concurrency is bounded globally (a semaphore of ``settings.concurrency``) and per
  publisher (one request in flight: a second ask for the same cluster joins the first).
* Every poll runs under a per-poll timeout.
* Each publisher's next poll is armed only when its current one has finished: after
  ``interval`` ± jitter on success, after a capped, jittered exponential backoff on
  failure (:mod:`collectors.backoff`).
* A failed poll never replaces the last good snapshot (:mod:`collectors.cluster_state`).
* Every attempt becomes a frozen :class:`~collectors.results.PollUpdate`, delivered to
  each subscriber of :meth:`PollEngine.updates`.

``clock`` is the domain clock (``collected_at``, severity, stale flags); scheduling uses
``monotonic`` (the event loop's clock by default) and ``sleep``, all injectable.
"""

from __future__ import annotations

import asyncio
import logging
import random as _random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType, TracebackType
from typing import Self

from collectors.backoff import DueQueue, RandomFn, Schedule
from collectors.cluster_state import ClusterState, CycleStats, CycleTracker, ReloadChanges
from collectors.config import ClusterConfig, LicdashConfig
from collectors.errors import (
    AxlNotFoundError,
    CliError,
    LicdashError,
    PollError,
    ReadTimeoutError,
    UnsupportedVersionError,
)
from collectors.log_fields import cluster_fields, poll_fields
from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus, ErrorInfo, PollResult, PollUpdate
from collectors.secrets import SecretResolver
from collectors.subscription import Subscription
from collectors.transports.axl import AxlTransport
from collectors.transports.base import Answer, Transport
from collectors.transports.http_pool import HttpPool

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


AUTO_REPROBE_S = 86_400.0
"""How long an ``auto`` cluster that needed the CLI goes without trying AXL again."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class PollEngine:
    """Schedules, runs and records polls of every cluster in a config."""

    def __init__(
        self,
        config: LicdashConfig,
        *,
        clock: Clock = utcnow,
        transports: Mapping[str, Transport] | None = None,
        monotonic: Callable[[], float] | None = None,
        sleep: Sleep = asyncio.sleep,
        random: RandomFn = _random.random,
        secrets: SecretResolver | None = None,
        accept_new_host_keys: bool = False,
    ) -> None:
        self._config = config
        self._clock = clock
        self._monotonic = monotonic
        self._sleep = sleep
        self._random = random
        self._secrets = secrets or SecretResolver()
        self._owned: list[Transport] = []
        # The CLI transport (and asyncssh) and the other products' transports load only
        # when a cluster needs them; every HTTPS transport shares one pool.
        self._lazy = transports is None
        self._accept_new_host_keys = accept_new_host_keys
        self._pool: HttpPool | None = None
        if transports is None:
            self._pool = HttpPool(
                secrets=self._secrets,
                timeout=config.settings.timeout,
                max_body_bytes=config.settings.max_body_bytes,
                concurrency=config.settings.concurrency,
            )
            axl = AxlTransport(secrets=self._secrets, pool=self._pool)
            transports = {"axl": axl}
            self._owned.append(axl)
        self._transports = dict(transports)
        self._clusters: dict[str, ClusterConfig] = {c.name: c for c in config.clusters}
        self._policy = FreshnessPolicy.from_config(config)
        self._states: dict[str, ClusterState] = {
            c.name: self._new_state(c) for c in config.clusters
        }
        self._thresholds = self._policy.thresholds
        self._sem = asyncio.Semaphore(config.settings.concurrency)
        self._publisher_locks: dict[tuple[str, int], asyncio.Lock] = {}
        self._inflight: dict[str, asyncio.Task[PollUpdate]] = {}
        # auto clusters whose AXL lacks the operation: name -> when that was learnt
        # (monotonic). They go straight to the CLI until AUTO_REPROBE_S has passed.
        self._cli_since: dict[str, float] = {}
        self._subscribers: list[Subscription] = []
        self._due = DueQueue()
        self._wake = asyncio.Event()
        self._stopping = False
        self._running = False
        self._paused = False
        self._cycles = CycleTracker()

    # ----- lifecycle ---------------------------------------------------------------

    async def __aenter__(self) -> Self:
        """Prepare the transports (trust stores, clients) off the event loop."""
        for transport in self._transports.values():
            prepare = getattr(transport, "prepare", None)
            if prepare is not None:
                await prepare(tuple(self._clusters.values()))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop, cancel polls in flight, end every subscription, close owned transports."""
        self.stop()
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for sub in list(self._subscribers):
            sub.end()
        for transport in self._owned:
            await transport.aclose()
        self._owned.clear()
        if self._pool is not None:
            await self._pool.aclose()

    # ----- reading -----------------------------------------------------------------

    @property
    def config(self) -> LicdashConfig:
        return self._config

    @property
    def paused(self) -> bool:
        return self._paused

    def clock(self) -> datetime:
        """Domain time (what ``collected_at`` and stale flags are measured in)."""
        return self._clock()

    @property
    def policy(self) -> FreshnessPolicy:
        """The freshness policy of the current config (what the store records)."""
        return self._policy

    @property
    def running(self) -> bool:
        return self._running

    @property
    def last_cycle(self) -> CycleStats | None:
        """The last complete sweep over every cluster, for a summary bar."""
        return self._cycles.last

    def statuses(self) -> Mapping[str, ClusterStatus]:
        """Every cluster's status now (stale flags evaluated at ``clock()``)."""
        now = self._clock()
        return MappingProxyType({name: st.refresh(now) for name, st in self._states.items()})

    def next_poll_in(self, cluster: str) -> float | None:
        """Seconds until ``cluster``'s next scheduled poll (None: none armed or in flight)."""
        due = self._due.get(cluster)
        return None if due is None else due - self._now_mono()

    def updates(self) -> Subscription:
        """A new subscription: it receives every update from now on, in order."""
        sub = Subscription(self._unsubscribe)
        self._subscribers.append(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subscribers:
            self._subscribers.remove(sub)

    # ----- polling -----------------------------------------------------------------

    async def poll_once(self, clusters: Iterable[str] | None = None) -> list[PollUpdate]:
        """Poll the given clusters (default: all) concurrently, once; results in order."""
        names = list(self._clusters) if clusters is None else list(clusters)
        unknown = [n for n in names if n not in self._clusters]
        if unknown:
            raise KeyError(f"unknown cluster(s): {', '.join(unknown)}")
        return list(await asyncio.gather(*(self._start(n) for n in names)))

    def poll_now(self, cluster: str | None = None) -> None:
        """Poll one cluster (or all) as soon as a slot is free, even while paused."""
        names = list(self._clusters) if cluster is None else [cluster]
        if cluster is not None and cluster not in self._clusters:
            raise KeyError(f"unknown cluster {cluster!r}")
        for name in names:
            self._due.disarm(name)
            self._start(name)

    def pause(self) -> None:
        """Start no scheduled polls until :meth:`resume` (polls in flight finish)."""
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        self._wake.set()

    def stop(self) -> None:
        """Make :meth:`run` return (or, called before it, return at once)."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Poll on schedule until :meth:`stop`; every cluster is due at once at the start."""
        if self._running:
            raise RuntimeError("PollEngine.run() is already running")
        self._running = True
        try:
            now = self._now_mono()
            for name in self._clusters:
                if name not in self._due and name not in self._inflight:
                    self._arm(name, now)
            while not self._stopping:
                self._wake.clear()
                delay: float | None = None
                if not self._paused:
                    delay = self._start_due()
                await self._wait(delay)
        finally:
            self._running = False
            self._stopping = False  # a stop() before run() started is honoured once

    def _start_due(self) -> float | None:
        """Start every due poll; return seconds until the next one is due."""
        ready, delay = self._due.pop_due(self._now_mono())
        for name in ready:
            self._start(name)
        return delay

    async def _wait(self, delay: float | None) -> None:
        tasks: list[asyncio.Future[object]] = [asyncio.ensure_future(self._wake.wait())]
        if delay is not None:
            tasks.append(asyncio.ensure_future(self._sleep(max(delay, 0.0))))
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()

    def _arm(self, name: str, due: float) -> None:
        if self._due.arm(name, due) and self._running:
            self._wake.set()

    def _start(self, name: str) -> asyncio.Task[PollUpdate]:
        task = self._inflight.get(name)
        if task is None:
            task = asyncio.create_task(self._poll(self._clusters[name]), name=f"poll:{name}")
            self._inflight[name] = task
            task.add_done_callback(self._forget_task)
        return task

    def _forget_task(self, task: asyncio.Task[PollUpdate]) -> None:
        name = task.get_name().removeprefix("poll:")
        if self._inflight.get(name) is task:
            del self._inflight[name]
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "cluster %s: the poll task failed (%s)",
                name,
                type(task.exception()).__name__,
                exc_info=task.exception(),
                extra=cluster_fields(name, "internal"),
            )

    async def _poll(self, cluster: ClusterConfig) -> PollUpdate:
        lock = self._publisher_locks.setdefault((cluster.host, cluster.port), asyncio.Lock())
        self._cycles.poll_started(self._clusters, self._clock(), self._now_mono())
        async with lock, self._sem:
            result = await self._attempt(cluster)
        return self._record(cluster, result)

    async def _attempt(self, cluster: ClusterConfig) -> PollResult:
        settings = self._config.settings
        started_at = self._clock()
        t0 = self._now_mono()
        order = self._transport_order(cluster)
        timeout = cluster.effective_timeout(settings)
        tried = [order[0]]
        answer: Answer | None = None
        error: ErrorInfo | None = None
        try:
            async with asyncio.timeout(timeout):
                answer = await self._via_transports(cluster, order, started_at, timeout, tried)
        except TimeoutError:
            exc = ReadTimeoutError(
                f"no complete answer from {cluster.publisher} within {timeout:g} s",
                cluster=cluster.name,
            )
            error = ErrorInfo.from_exception(exc, cluster=cluster.name)
        except LicdashError as exc:
            error = ErrorInfo.from_exception(exc, cluster=cluster.name)
        except Exception as exc:
            log.error(
                "cluster %s: internal error while polling (%s)",
                cluster.name,
                type(exc).__name__,
                exc_info=True,
                extra=cluster_fields(cluster.name, "internal"),
            )
            error = ErrorInfo(
                kind="internal",
                message=f"internal error ({type(exc).__name__}); see the collector log",
                cluster=cluster.name,
            )
        duration = max(0.0, self._now_mono() - t0)
        if answer is None and order == ["cli"] and cluster.transport == "auto":
            # The CLI that stood in for AXL fails too: ask AXL again on the next poll.
            self._cli_since.pop(cluster.name, None)
        if answer is not None:
            return PollResult(
                cluster=cluster.name,
                started_at=started_at,
                duration_s=duration,
                snapshot=answer.snapshot,
                transport=answer.transport,
                axl_version=answer.axl_version,
                raw=answer.raw,
            )
        return PollResult(
            cluster=cluster.name,
            started_at=started_at,
            duration_s=duration,
            error=error,
            transport=tried[-1],
        )

    def _transport_order(self, cluster: ClusterConfig) -> list[str]:
        """The transports to try, in order; ``auto`` skips AXL while it is known absent."""
        if cluster.transport != "auto":
            return [cluster.transport]
        since = self._cli_since.get(cluster.name)
        if since is not None and self._now_mono() - since < AUTO_REPROBE_S:
            return ["cli"]
        self._cli_since.pop(cluster.name, None)
        return ["axl", "cli"]

    async def _via_transports(
        self,
        cluster: ClusterConfig,
        order: list[str],
        now: datetime,
        budget_s: float,
        tried: list[str],
    ) -> Answer:
        """Poll over the cluster's transport; ``auto`` moves from AXL to the CLI only when
        AXL is absent (404) or lacks the operation on every version (CUCM 12.0), and then
        stays on the CLI (see :meth:`_transport_order`) until that fails or a day passes."""
        found = [self._transport(n) for n in order]
        available = [t for t in found if t is not None]
        if not available:
            raise (CliError if cluster.transport == "cli" else PollError)(
                f"no {cluster.transport} transport is available in this collector",
                cluster=cluster.name,
                field="transport",
            )
        for i, transport in enumerate(available):
            tried.append(transport.name)
            try:
                return await transport.poll(
                    cluster, now=now, thresholds=self._thresholds, budget_s=budget_s
                )
            except (AxlNotFoundError, UnsupportedVersionError):
                if i == len(available) - 1:
                    raise
                if cluster.transport == "auto" and transport.name == "axl":
                    self._cli_since[cluster.name] = self._now_mono()
        raise AssertionError("unreachable")  # pragma: no cover

    def _transport(self, name: str) -> Transport | None:
        """The transport of that name; the engine's own are built on first use."""
        transport = self._transports.get(name)
        if transport is None and self._lazy:
            transport = self._build_transport(name)
            if transport is not None:
                self._transports[name] = transport
                self._owned.append(transport)
        return transport

    def _build_transport(self, name: str) -> Transport | None:
        if name == "cli":
            from collectors.transports.cli import CliTransport

            return CliTransport(
                secrets=self._secrets,
                timeout=self._config.settings.timeout,
                accept_new_host_keys=self._accept_new_host_keys,
            )
        if self._pool is None:
            return None
        if name == "cupi":
            from collectors.transports.unity import UnityTransport

            return UnityTransport(pool=self._pool)
        if name == "rest":
            from collectors.transports.expressway import ExpresswayTransport

            return ExpresswayTransport(pool=self._pool)
        return None

    def _record(self, cluster: ClusterConfig, result: PollResult) -> PollUpdate:
        state = self._states.get(cluster.name)
        if state is None or self._clusters.get(cluster.name) is not cluster:
            # Removed or reconfigured by a reload while in flight: report, do not keep.
            if state is not None:
                # Reconfigured: nothing else would arm it (its due entry was spent when
                # this poll started), so poll again at once under the new config.
                self._arm(cluster.name, self._now_mono())
            scratch = self._new_state(cluster)
            return PollUpdate(result=result, status=scratch.record(result, self._clock()))
        was_failing = state.consecutive_failures > 0
        status = state.record(result, self._clock())
        self._log_transition(result, was_failing, state.consecutive_failures)
        schedule = self._schedule_for(cluster)
        delay = schedule.next_delay(state.consecutive_failures, self._random)
        self._arm(cluster.name, self._now_mono() + delay)
        self._cycles.poll_finished(cluster.name, result.ok, self._clock(), self._now_mono())
        update = PollUpdate(result=result, status=status)
        for sub in self._subscribers:
            sub.put(update)
        return update

    def _log_transition(self, result: PollResult, was_failing: bool, failures: int) -> None:
        if result.error is not None:
            level = logging.WARNING if failures == 1 else logging.DEBUG
            log.log(
                level,
                "cluster %s: poll failed (%s, %d in a row): %s",
                result.cluster,
                result.error.kind,
                failures,
                result.error.message,
                extra=poll_fields(result, failures),
            )
        elif was_failing:
            log.info("cluster %s: answering again", result.cluster, extra=poll_fields(result, 0))

    # ----- configuration -----------------------------------------------------------

    def reload(self, config: LicdashConfig) -> ReloadChanges:
        """Adopt a new config; unchanged clusters keep their state and schedule."""
        old = self._clusters
        new = {c.name: c for c in config.clusters}
        added = tuple(n for n in new if n not in old)
        removed = tuple(n for n in old if n not in new)
        changed = tuple(n for n in new if n in old and new[n] != old[n])
        old_settings = self._config.settings
        settings_changed = config.settings != old_settings
        # An operator's reload is the moment to look again for AXL (an upgraded CUCM).
        self._cli_since.clear()
        for name in removed + changed:
            self._secrets.forget(name)
            for transport in self._transports.values():
                transport.forget(name)
        for name in removed:
            self._states.pop(name, None)
            self._due.disarm(name)
            self._cycles.removed(name)
        self._config = config
        self._clusters = new
        self._policy = FreshnessPolicy.from_config(config)
        for state in self._states.values():
            state.policy = self._policy
        for name in changed:
            state = self._states[name]
            state.tags = dict(new[name].tags)
            state.product = new[name].product
            state.status = state.status.model_copy(
                update={"tags": dict(new[name].tags), "product": new[name].product}
            )
        for name in added:
            self._states[name] = self._new_state(new[name])
            if self._running:
                self._arm(name, self._now_mono())
        if settings_changed:
            self._thresholds = self._policy.thresholds
            if config.settings.concurrency != old_settings.concurrency:
                # Polls in flight finish under the old bound; new ones take the new one.
                self._sem = asyncio.Semaphore(config.settings.concurrency)
        return ReloadChanges(added, removed, changed, settings_changed)

    # ----- helpers -----------------------------------------------------------------

    def _now_mono(self) -> float:
        if self._monotonic is not None:
            return self._monotonic()
        return asyncio.get_running_loop().time()

    def _schedule_for(self, cluster: ClusterConfig) -> Schedule:
        s = self._config.settings
        return Schedule(
            interval=cluster.effective_interval(s),
            jitter=s.jitter,
            backoff_base=s.backoff_base,
            backoff_max=s.backoff_max,
        )

    def _new_state(self, cluster: ClusterConfig) -> ClusterState:
        return ClusterState(
            name=cluster.name, tags=dict(cluster.tags), policy=self._policy, product=cluster.product
        )
