"""What a source of a merged view is, and what one look at it gives.

A :class:`Source` is a store directory on this host or a collector's API. Its
:meth:`Source.fetch` never raises: a source that cannot be read answers its *last known*
table with :attr:`SourceState.error` set, so nothing is dropped from the screen (a
follower keeps the last answer in memory; a one-shot command has none to keep). Its
queries (history, transitions, failures, series) raise :class:`~collectors.errors.SourceError`.

Acknowledgements live with the store that owns the cluster. A source serves the ones in
force (:attr:`SourceState.acks`, by its own cluster names) and writes a change where the
store keeps them: a store source through the
:class:`~collectors.store.ack_files.AckStore` beside it, a collector's API through its
authenticated write routes (``POST /api/v1/acks``). A source that takes none says why
(:attr:`SourceState.acks_refused`) and refuses with
:class:`~collectors.errors.SourceUnsupportedError` naming itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal, Protocol

from collectors.acks import CLUSTER_SCOPE, EMPTY_BOOK, AckBook, AckKind
from collectors.dates import human_span
from collectors.errors import SourceUnsupportedError
from collectors.liveness import CollectorState, State
from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus, ErrorInfo
from collectors.store.ack_records import AckEvent
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
    acks_refused: str | None = None
    """Why acknowledgements cannot be written through this source (None: they can)."""

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
            "accepts_acks": self.acks_refused is None,
            "acks_refused": self.acks_refused,
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
    acks: AckBook = EMPTY_BOOK
    """The acknowledgements in force there, as stored (a new book only when they changed)."""
    acks_refused: str | None = None
    """Why acknowledgements cannot be written through this source (None: they can)."""

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
            self.acks_refused,
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

    def acknowledge(
        self,
        cluster: str,
        *,
        by: str,
        reason: str,
        kind: AckKind = "ack",
        until: datetime | None = None,
        scope: str = CLUSTER_SCOPE,
    ) -> AckEvent:
        """Acknowledge (or snooze) ``cluster`` (its name here) where its store keeps
        acknowledgements. Raises :class:`~collectors.errors.SourceUnsupportedError` (this
        source takes none, and why), ``SourceAuthError`` (the token was refused),
        ``AckError`` (no such cluster, nothing to acknowledge, an end in the past) or
        ``SourceError`` (it cannot be reached); every message names the source."""
        ...

    def unacknowledge(
        self, cluster: str, *, by: str, reason: str = "", ack_id: str | None = None
    ) -> list[AckEvent]:
        """Remove ``cluster``'s acknowledgements (or only ``ack_id``); raises as above."""
        ...

    def note(self, text: str, *, by: str) -> AckEvent:
        """Record a shift note in the source's audit trail; raises as above."""
        ...

    def ack_events(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cluster: str | None = None,
    ) -> list[AckEvent]:
        """The source's audit trail in [since, until] (its names); ``SourceError``."""
        ...

    def close(self) -> None: ...


def refused(
    name: str, location: str, why: str, cluster: str | None = None
) -> SourceUnsupportedError:
    """What a source that takes no acknowledgements answers a change (``why``: its
    :attr:`SourceState.acks_refused`)."""
    return SourceUnsupportedError(
        f"source {name} ({location}): {why}", source=name, cluster=cluster
    )
