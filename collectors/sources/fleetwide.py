"""Fleet-wide queries over several sources, each answer under the merge's keys.

The dashboard's merged view (Events, Handover) and ``licdash handover --source`` ask every
source for its transitions, failure episodes or acknowledgement events and rename each
cluster to its merged key (:meth:`~collectors.sources.merge.MergedFleet.key_of`), so a
name two sources share reads ``emea/cucm1`` everywhere. A source that cannot answer is
reported through ``on_error`` and left out, unless it is the only one (then it raises).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from collectors.errors import SourceError
from collectors.sources.base import Source
from collectors.sources.merge import MergedFleet
from collectors.store.ack_records import AckEvent
from collectors.store.records import FailureEvent, Transition

_T = TypeVar("_T")
OnError = Callable[[SourceError], None]


def _ignore(_: SourceError) -> None:
    return None


def gather(
    sources: Sequence[Source], ask: Callable[[Source], list[_T]], on_error: OnError = _ignore
) -> list[tuple[Source, _T]]:
    """Every source's answer, with the source it came from."""
    out: list[tuple[Source, _T]] = []
    failed: SourceError | None = None
    for source in sources:
        try:
            out.extend((source, item) for item in ask(source))
        except SourceError as exc:
            failed = exc
            on_error(exc)
    if failed is not None and len(sources) == 1:
        raise failed
    return out


_Dated = TypeVar("_Dated", Transition, FailureEvent)


def _renamed(found: list[tuple[Source, _Dated]], merged: MergedFleet) -> list[_Dated]:
    """Each item under its merged key, oldest first."""
    out = [replace(item, cluster=merged.key_of(s.name, item.cluster)) for s, item in found]
    return sorted(out, key=lambda item: item.at)


def keyed_event(event: AckEvent, key: str | None) -> AckEvent:
    """``event`` (and the acknowledgement it carries) under the merged key ``key``."""
    if key is None or key == event.cluster:
        return event
    ack = event.ack.model_copy(update={"cluster": key}) if event.ack is not None else None
    return event.model_copy(update={"cluster": key, "ack": ack})


def transitions(
    sources: Sequence[Source],
    merged: MergedFleet,
    since: datetime,
    until: datetime | None = None,
    *,
    on_error: OnError = _ignore,
) -> list[Transition]:
    return _renamed(gather(sources, lambda s: s.transitions(since, until), on_error), merged)


def failures(
    sources: Sequence[Source],
    merged: MergedFleet,
    since: datetime | None = None,
    *,
    on_error: OnError = _ignore,
) -> list[FailureEvent]:
    return _renamed(gather(sources, lambda s: s.failures(None, since), on_error), merged)


def ack_events(
    sources: Sequence[Source],
    merged: MergedFleet,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    on_error: OnError = _ignore,
) -> list[AckEvent]:
    """Every source's audit events (shift notes included), oldest first."""
    found = gather(sources, lambda s: s.ack_events(since, until), on_error)
    out = [
        keyed_event(e, merged.key_of(s.name, e.cluster) if e.cluster is not None else None)
        for s, e in found
    ]
    return sorted(out, key=lambda e: e.at)
