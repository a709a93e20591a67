"""What a source of a merged view is, and what one look at it gives.

A :class:`Source` is a store directory on this host or a collector's API. Its
:meth:`Source.fetch` never raises: a source that cannot be read answers its *last known*
table with :attr:`SourceState.error` set, so nothing is dropped from the screen (a
follower keeps the last answer in memory; a one-shot command has none to keep). Its
queries (history, transitions, failures, series) raise :class:`~collectors.errors.SourceError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal, Protocol

from collectors.dates import human_span
from collectors.errors import SourceUnsupportedError
from collectors.liveness import CollectorState, State
from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus, ErrorInfo
from collectors.store.records import ClusterHistory, FailureEvent, Transition

Health = Literal["up", "down", "unreachable", "never", "unknown"]
"""``never``: not read yet, or no collector has written it; ``unknown``: data without a
heartbeat (an older licdash)."""
_EMPTY: Mapping[str, ClusterStatus] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One source as the banner, ``status`` and the summary bar show it."""

    name: str
    location: str
    """The URL or the store directory (never a token)."""
    state: Health
    clusters: int = 0
    collector: CollectorState | None = None
    error: ErrorInfo | None = None
    """Why it cannot be read; the message names the source and its location."""
    last_ok: datetime | None = None
    """The last answer that was read whole."""

    @property
    def problem(self) -> bool:
        """Unreachable, or its collector stopped writing: its rows are not updating."""
        return self.state in ("down", "unreachable")

    def text(self, now: datetime | None = None) -> str:
        """One line naming the source and what is wrong (or that it is fine)."""
        where = f"source {self.name} ({self.location})"
        if self.state == "unreachable" and self.error is not None:
            since = ""
            if self.last_ok is not None:
                age = human_span(max(timedelta(0), (now or datetime.now(UTC)) - self.last_ok))
                since = f"; last answer {age} ago"
            kept = f", {self.clusters} clusters shown as last known" if self.clusters else ""
            return f"{self.error.message}{since}{kept}"
        if self.collector is not None and self.collector.state is not State.UP:
            return f"{where}: {self.collector.text(now)}"
        return f"{where}: {self.clusters} clusters"

    def as_json(self, now: datetime | None = None) -> dict[str, Any]:
        collector = self.collector
        return {
            "name": self.name,
            "location": self.location,
            "state": self.state,
            "clusters": self.clusters,
            "text": self.text(now),
            "error": self.error.model_dump(mode="json") if self.error else None,
            "last_ok": self.last_ok.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if self.last_ok
            else None,
            "collector": {"state": collector.state.value, "text": collector.text(now)}
            if collector
            else None,
        }


@dataclass(frozen=True, slots=True)
class SourceState:
    """One look at a source: its table (by its own cluster names) and how it is."""

    name: str
    location: str
    statuses: Mapping[str, ClusterStatus] = field(default_factory=lambda: _EMPTY)
    policy: FreshnessPolicy | None = None
    collector: CollectorState | None = None
    error: ErrorInfo | None = None
    """Why the last look failed; None when it succeeded."""
    last_ok: datetime | None = None
    changed: frozenset[str] | None = None
    """Clusters whose status changed in this look (None: unknown, treat all as changed)."""

    @property
    def reachable(self) -> bool:
        return self.error is None

    @property
    def health(self) -> SourceHealth:
        collector = self.collector
        state: Health
        if self.error is not None:
            state = "unreachable"
        elif self.last_ok is None:
            state = "never"  # not looked at yet
        elif collector is None or collector.state is State.UP:
            state = "up"
        elif collector.down:
            state = "down"
        else:
            state = "never" if collector.state is State.NEVER else "unknown"
        return SourceHealth(
            self.name,
            self.location,
            state,
            len(self.statuses),
            collector,
            self.error,
            self.last_ok,
        )


class Source(Protocol):
    """A store or a collector's API, read the same way. ``fetch`` runs in one follower
    thread; the queries may come from other threads (implementations lock)."""

    name: str
    location: str

    def fetch(self, now: datetime) -> SourceState:
        """Look again, fetching only what changed; never raises (see the module docs)."""
        ...

    def history(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> ClusterHistory: ...

    def transitions(self, since: datetime, until: datetime | None = None) -> list[Transition]: ...

    def failures(
        self, cluster: str | None = None, since: datetime | None = None
    ) -> list[FailureEvent]: ...

    def entitlement_series(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, list[tuple[datetime, int]]]: ...

    def acknowledge(self, cluster: str, **details: Any) -> None:
        """Record an acknowledgement of ``cluster`` where the source keeps them.

        The seam for issue 15: every source raises
        :class:`~collectors.errors.SourceUnsupportedError` until acknowledgements exist
        (a store source writes beside its store; a remote one POSTs ``/api/v1/acks``
        with its token)."""
        ...

    def close(self) -> None: ...


def no_acknowledgements(name: str, location: str, cluster: str) -> SourceUnsupportedError:
    """What every source says to an acknowledgement until issue 15 lands (the seam)."""
    return SourceUnsupportedError(
        f"source {name} ({location}): acknowledgements are not supported by this source yet",
        source=name,
        cluster=cluster,
    )
