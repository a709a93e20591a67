"""The poll engine's private, mutable per-cluster bookkeeping and its frozen views.

Only the engine's event loop touches a :class:`ClusterState`; everything handed out is
a frozen :class:`~collectors.results.ClusterStatus` built from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from collectors.model import Product
from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus, ErrorInfo, PollResult


@dataclass(frozen=True, slots=True)
class CycleStats:
    """One sweep over every cluster: each polled at least once since it started."""

    started_at: datetime
    finished_at: datetime
    duration_s: float
    polled: int
    failed: int

    @property
    def ok(self) -> int:
        return self.polled - self.failed


@dataclass(frozen=True, slots=True)
class ReloadChanges:
    """What :meth:`PollEngine.reload` changed, by cluster name."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    settings_changed: bool = False

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.settings_changed)


@dataclass(slots=True)
class ClusterState:
    """Everything the engine knows about one cluster (engine-private, mutable)."""

    name: str
    tags: dict[str, str]
    policy: FreshnessPolicy
    product: Product = "cucm"
    last_good: PollResult | None = None
    last_seen: datetime | None = None
    last_attempt: datetime | None = None
    last_duration_s: float | None = None
    consecutive_failures: int = 0
    last_error: ErrorInfo | None = None
    transport: str | None = None
    axl_version: str | None = None
    _status: ClusterStatus | None = field(default=None, init=False, repr=False)

    @property
    def status(self) -> ClusterStatus:
        """The frozen view as of the last attempt. A never-polled cluster's is built when
        first read: the engine of a 10,000-cluster fleet starts without validating
        10,000 statuses that its first poll of each cluster replaces unread."""
        if self._status is None:
            self._status = ClusterStatus(
                cluster=self.name, product=self.product, tags=dict(self.tags)
            )
        return self._status

    @status.setter
    def status(self, value: ClusterStatus) -> None:
        self._status = value

    def record(self, result: PollResult, now: datetime) -> ClusterStatus:
        """Fold one attempt in; a failure never replaces the last good snapshot."""
        self.last_attempt = result.started_at
        self.last_duration_s = result.duration_s
        self.transport = result.transport or self.transport
        if result.ok:
            self.last_good = result
            self.last_seen = result.started_at
            self.consecutive_failures = 0
            self.last_error = None
            self.axl_version = result.axl_version
        else:
            self.consecutive_failures += 1
            self.last_error = result.error
        return self._rebuild(now)

    def is_stale(self, now: datetime) -> bool:
        return self.policy.aged(self.name, self.last_seen, now)

    def refresh(self, now: datetime) -> ClusterStatus:
        """The frozen view at ``now``: the same object unless the stale flag flipped."""
        if self.status.stale != self.is_stale(now):
            return self._rebuild(now)
        return self.status

    def _rebuild(self, now: datetime) -> ClusterStatus:
        good = self.last_good
        self.status = ClusterStatus(
            cluster=self.name,
            product=self.product,
            tags=dict(self.tags),
            last_good=good.snapshot if good else None,
            last_seen=self.last_seen,
            last_attempt=self.last_attempt,
            last_duration_s=self.last_duration_s,
            consecutive_failures=self.consecutive_failures,
            last_error=self.last_error,
            stale=self.is_stale(now),
            transport=self.transport,
            axl_version=self.axl_version,
        )
        return self.status


class CycleTracker:
    """Counts sweeps: a cycle starts with the first poll after the last one ended and
    ends once every cluster known at its start has been polled (or removed)."""

    def __init__(self) -> None:
        self.last: CycleStats | None = None
        self._pending: set[str] | None = None
        self._started: tuple[datetime, float] = (datetime.min, 0.0)
        self._polled = 0
        self._failed = 0

    def poll_started(self, clusters: Iterable[str], now: datetime, mono: float) -> None:
        if self._pending is None:
            self._pending = set(clusters)
            self._started = (now, mono)
            self._polled = self._failed = 0

    def poll_finished(self, name: str, ok: bool, now: datetime, mono: float) -> None:
        if self._pending is None or name not in self._pending:
            return
        self._pending.discard(name)
        self._polled += 1
        self._failed += 0 if ok else 1
        if not self._pending:
            self._close(now, mono)

    def removed(self, name: str) -> None:
        if self._pending is not None:
            self._pending.discard(name)

    def _close(self, now: datetime, mono: float) -> None:
        started_at, t0 = self._started
        self.last = CycleStats(
            started_at=started_at,
            finished_at=now,
            duration_s=mono - t0,
            polled=self._polled,
            failed=self._failed,
        )
        self._pending = None
