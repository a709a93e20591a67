"""A merged view: several stores and collectors' APIs followed at once, one fleet.

Each source has a follower thread that asks it for what changed every ``interval``
seconds (:meth:`collectors.sources.base.Source.fetch`: a 304 when nothing did). The
merge (:class:`collectors.sources.merge.FleetMerger`, the one rule ``status`` and
``export`` use too) runs in that thread, never on the UI loop, and the app gets an
immutable :class:`~dashboard.state.FleetState` in a :class:`~dashboard.messages.FleetUpdated`
only when a status or a source's health changed. A source that cannot be reached keeps
its last known clusters (marked with its failure); the banner names it.

Queries from the detail screens go to the source that owns the cluster, by the merged
key (``emea/cucm1`` for a name two sources share). So do acknowledgements
(:attr:`MergedViewer.acks`, an :class:`~collectors.sources.ack_route.AckRouter`): the
app's desk writes through it, and the source written is looked at again at once. The
acknowledgements in force arrive with the fleet (``FleetState.acks``, every source's,
under the merged keys).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from textual.app import App

from collectors.errors import SourceError
from collectors.results import ErrorInfo
from collectors.sources import fleetwide
from collectors.sources.ack_route import AckRouter
from collectors.sources.base import Source, SourceHealth, SourceState
from collectors.sources.merge import FleetMerger, MergedFleet
from collectors.store.records import ClusterHistory, Transition
from dashboard.messages import FleetUpdated
from dashboard.messages import SourceError as SourceErrorMessage
from dashboard.sources.base import SourceKind, join_thread, utcnow
from dashboard.state import FleetState

_JOIN_TIMEOUT_S = 15.0


def _said(sources: Sequence[SourceHealth]) -> tuple[object, ...]:
    """What of the sources' health is worth a redraw (not the heartbeat's growing age)."""
    return tuple(
        (h.name, h.state, h.clusters, h.error.message if h.error else None) for h in sources
    )


class MergedViewer:
    """Follows ``sources`` and shows them as one read-only fleet."""

    kind: SourceKind = "sources"
    readonly = True

    def __init__(
        self,
        sources: Sequence[Source],
        *,
        interval: float = 2.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sources = list(sources)
        self.interval = interval
        self.clock = clock
        self._by_name = {s.name: s for s in self.sources}
        self._wake = {s.name: threading.Event() for s in self.sources}
        self._lock = threading.Lock()
        self._states = {s.name: SourceState(s.name, s.location) for s in self.sources}
        self._merger = FleetMerger()
        self._merged: MergedFleet = self._merger.merge(list(self._states.values()))
        self._fleet = FleetState(source=self.kind, sources=self._merged.sources)
        self._said: tuple[object, ...] = ()
        self._app: App[Any] | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.merges = 0
        """Merges done (benchmarks)."""
        self.acks = AckRouter(
            self.sources, self.merged, wrote=self.look_again, on_error=self._report
        )
        """Acknowledgements, each written to the source that owns the cluster."""

    def merged(self) -> MergedFleet:
        """The latest merge (its keys, owners and acknowledgements). One reference read:
        the UI thread may call it without waiting for a merge in progress."""
        return self._merged

    def look_again(self, source: Source) -> None:
        """Look at ``source`` now rather than at its next interval (after a write)."""
        wake = self._wake.get(source.name)
        if wake is not None:
            wake.set()

    @property
    def paused(self) -> bool:
        return False

    @property
    def fleet(self) -> FleetState:
        return self._fleet

    async def start(self, app: App[Any]) -> None:
        self._app = app
        app.post_message(FleetUpdated(self._fleet))
        for source in self.sources:
            thread = threading.Thread(
                target=self._follow, args=(source,), name=f"licdash-source-{source.name}"
            )
            self._threads.append(thread)
            thread.start()

    async def stop(self) -> None:
        self._halt()
        for thread in self._threads:
            await join_thread(thread, _JOIN_TIMEOUT_S)
        self._app = None
        self._close_sources()

    def close(self) -> None:
        self._halt()
        for thread in self._threads:
            thread.join(_JOIN_TIMEOUT_S)
        self._app = None
        self._close_sources()

    def _halt(self) -> None:
        self._stop.set()
        for wake in self._wake.values():
            wake.set()

    def _close_sources(self) -> None:
        for source in self.sources:
            source.close()

    def poll_now(self, cluster: str | None = None) -> None:
        """A merged view cannot poll; the app tells the user so."""

    def pause(self) -> None:
        """A merged view cannot pause; the app tells the user so."""

    def resume(self) -> None:
        """A merged view cannot resume; the app tells the user so."""

    # ----- following (one thread per source) -------------------------------------------

    def _follow(self, source: Source) -> None:
        wake = self._wake[source.name]
        while not self._stop.is_set():
            wake.clear()
            state = source.fetch(self.clock())
            self.take(state)
            wake.wait(self.interval)

    def take(self, state: SourceState) -> FleetState | None:
        """Merge a source's new look (in the caller's thread) and post the fleet when
        something a person sees changed; returns the new fleet, or None."""
        with self._lock:
            self._states[state.name] = state
            merged = self._merger.merge([self._states[s.name] for s in self.sources])
            self.merges += 1
            said = _said(merged.sources)
            notices = tuple(c.text() for c in merged.collisions) + merged.notes
            if (
                not merged.changed
                and said == self._said
                and notices == self._fleet.notices
                and merged.acks is self._fleet.acks
            ):
                self._merged = merged
                return None
            statuses = merged.statuses if merged.changed else self._fleet.statuses
            self._merged, self._said = merged, said
            fleet = FleetState(
                statuses=statuses,
                updated_at=self.clock(),
                source=self.kind,
                policy=merged.policy,
                sources=merged.sources,
                notices=notices,
                acks=merged.acks,
            )
            self._fleet = fleet
            changed = merged.changed or frozenset()
        app = self._app
        if app is not None:
            app.post_message(FleetUpdated(fleet, changed))
        return fleet

    # ----- queries, routed to the owning source -------------------------------------------

    def _owner(self, key: str) -> tuple[Source, str]:
        with self._lock:
            owner = self._merged.owners.get(key)
        if owner is None:
            raise SourceError(f"no cluster {key!r} in any source")
        return self._by_name[owner.source], owner.cluster

    def history(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> ClusterHistory:
        source, name = self._owner(cluster)
        return replace(source.history(name, since, until), cluster=cluster)

    def entitlement_series(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, list[tuple[datetime, int]]]:
        source, name = self._owner(cluster)
        return source.entitlement_series(name, since, until)

    def transitions(self, since: datetime) -> list[Transition]:
        return fleetwide.transitions(self.sources, self.merged(), since, on_error=self._report)

    def failures(self, cluster: str | None = None, since: datetime | None = None) -> list[Any]:
        if cluster is not None:
            source, name = self._owner(cluster)
            return [replace(f, cluster=cluster) for f in source.failures(name, since)]
        return fleetwide.failures(self.sources, self.merged(), since, on_error=self._report)

    def raw(self, cluster: str) -> str | None:
        """Raw answers stay with the collector that polled them."""
        return None

    def cluster_zone(self, name: str) -> tzinfo:
        return UTC

    def _report(self, exc: BaseException) -> None:
        app = self._app
        if app is not None:
            app.post_message(SourceErrorMessage(ErrorInfo.from_exception(exc)))
