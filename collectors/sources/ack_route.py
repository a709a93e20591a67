"""Acknowledgements of a merged fleet, each written to the source that owns the cluster.

:class:`AckRouter` takes a change made under a merged key (``emea/cucm1``, or a name only
one source holds) to the owning source (:meth:`~collectors.sources.merge.MergedFleet.owner`)
and hands it that source's own name; the events that come back are renamed to the merged
key. Its methods take :class:`~collectors.store.ack_files.AckStore`'s arguments
(:class:`AckLedger`), so the dashboard's acknowledgement desk and the ``ack``/``unack``/
``handover`` commands work on one store or on many alike; the owning source judges and
settles a change by its own table and policy, so ``statuses``/``policy`` are not used here.

A source that takes no acknowledgements is refused before anything is sent, naming the
source and why (:meth:`AckRouter.refusal`); the collector has the last word (401, 403).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from collectors.acks import CLUSTER_SCOPE, AckBook, AckKind
from collectors.errors import AckError
from collectors.sources.base import Source, SourceHealth, refused
from collectors.sources.fleetwide import OnError, ack_events, keyed_event
from collectors.sources.merge import MergedFleet
from collectors.store.ack_records import AckEvent
from collectors.text_safety import neutralise

if TYPE_CHECKING:
    from collectors.policy import FreshnessPolicy
    from collectors.results import ClusterStatus


class AckLedger(Protocol):
    """Where acknowledgements are read and written: one store's
    :class:`~collectors.store.ack_files.AckStore`, or an :class:`AckRouter` over many."""

    def book(self) -> AckBook: ...

    def events(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cluster: str | None = None,
    ) -> list[AckEvent]: ...

    def acknowledge(
        self,
        cluster: str,
        status: ClusterStatus | None,
        *,
        by: str,
        reason: str,
        kind: AckKind = "ack",
        until: datetime | None = None,
        scope: str = CLUSTER_SCOPE,
        statuses: Mapping[str, ClusterStatus] | None = None,
        policy: FreshnessPolicy | None = None,
    ) -> AckEvent: ...

    def remove(
        self,
        cluster: str,
        *,
        by: str,
        reason: str = "",
        ack_id: str | None = None,
        statuses: Mapping[str, ClusterStatus] | None = None,
        policy: FreshnessPolicy | None = None,
    ) -> list[AckEvent]: ...

    def note(
        self,
        text: str,
        *,
        by: str,
        statuses: Mapping[str, ClusterStatus] | None = None,
        policy: FreshnessPolicy | None = None,
    ) -> AckEvent: ...


class AckRouter:
    """See the module docs. ``merged`` gives the latest merge (its keys and owners);
    ``wrote`` is told of each source written (a viewer looks at it again at once);
    ``note_to``: the source a shift note goes to (else the one source that takes them)."""

    def __init__(
        self,
        sources: Sequence[Source],
        merged: Callable[[], MergedFleet],
        *,
        wrote: Callable[[Source], None] | None = None,
        on_error: OnError | None = None,
        note_to: str | None = None,
    ) -> None:
        self.sources = list(sources)
        self._by_name = {s.name: s for s in self.sources}
        self._merged = merged
        self._wrote = wrote
        self._on_error: OnError = on_error or (lambda _: None)
        self.note_to = note_to

    # ----- where ----------------------------------------------------------------------

    def owner(self, key: str) -> tuple[Source, str]:
        """The source that owns merged cluster ``key`` and its name there."""
        try:
            found = self._merged().owner(key)
        except KeyError:
            raise AckError(f"no cluster named {neutralise(key)!r} in any source") from None
        return self._by_name[found.source], found.cluster

    def _health(self, name: str) -> SourceHealth | None:
        return next((h for h in self._merged().sources if h.name == name), None)

    def target(self, key: str) -> str:
        """``source emea (https://emea:9465)``: where a change of ``key`` is written."""
        source, _ = self.owner(key)
        return f"source {source.name} ({source.location})"

    def refusal(self, key: str) -> str | None:
        """Why a change of ``key`` would be refused before it is sent (None: it may
        go); the text names the source."""
        source, _ = self.owner(key)
        health = self._health(source.name)
        if health is None or health.acks_refused is None:
            return None
        return str(refused(source.name, source.location, health.acks_refused))

    def _done(self, source: Source) -> None:
        if self._wrote is not None:
            self._wrote(source)

    # ----- AckLedger ---------------------------------------------------------------------

    def book(self) -> AckBook:
        return self._merged().acks

    def events(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cluster: str | None = None,
    ) -> list[AckEvent]:
        if cluster is None:
            merged = self._merged()
            return ack_events(self.sources, merged, since, until, on_error=self._on_error)
        source, name = self.owner(cluster)
        return [keyed_event(e, cluster) for e in source.ack_events(since, until, cluster=name)]

    def acknowledge(
        self,
        cluster: str,
        status: ClusterStatus | None = None,
        *,
        by: str,
        reason: str,
        kind: AckKind = "ack",
        until: datetime | None = None,
        scope: str = CLUSTER_SCOPE,
        statuses: Mapping[str, ClusterStatus] | None = None,
        policy: FreshnessPolicy | None = None,
    ) -> AckEvent:
        source, name = self.owner(cluster)
        event = source.acknowledge(name, by=by, reason=reason, kind=kind, until=until, scope=scope)
        self._done(source)
        return keyed_event(event, cluster)

    def remove(
        self,
        cluster: str,
        *,
        by: str,
        reason: str = "",
        ack_id: str | None = None,
        statuses: Mapping[str, ClusterStatus] | None = None,
        policy: FreshnessPolicy | None = None,
    ) -> list[AckEvent]:
        source, name = self.owner(cluster)
        events = source.unacknowledge(name, by=by, reason=reason, ack_id=ack_id)
        self._done(source)
        return [keyed_event(e, cluster) for e in events]

    def note_source(self) -> Source:
        """Where a shift note goes: ``note_to``, else the one source that takes
        acknowledgements; AckError when that cannot be told."""
        if self.note_to is not None:
            source = self._by_name.get(self.note_to)
            if source is None:
                names = ", ".join(self._by_name)
                raise AckError(f"no source named {self.note_to!r} (the sources: {names})")
            return source
        open_ = [
            s for s in self.sources if (h := self._health(s.name)) is None or not h.acks_refused
        ]
        if len(open_) == 1:
            return open_[0]
        said = ", ".join(s.name for s in open_) or "none of them takes notes"
        raise AckError(
            f"a shift note goes to one source's audit trail; say which ({said}): "
            "licdash handover --source ... --note TEXT --note-to NAME"
        )

    def note(
        self,
        text: str,
        *,
        by: str,
        statuses: Mapping[str, ClusterStatus] | None = None,
        policy: FreshnessPolicy | None = None,
    ) -> AckEvent:
        source = self.note_source()
        event = source.note(text, by=by)
        self._done(source)
        return event
