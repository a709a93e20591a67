"""A source with fixed statuses: tests, snapshots and benchmarks drive it by hand."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from textual.app import App

from collectors.results import ClusterStatus
from dashboard.messages import FleetUpdated
from dashboard.sources.base import SourceKind, StoreQueries
from dashboard.state import CycleInfo, FleetState


class StaticSource(StoreQueries):
    """Serves the statuses it was given; records every poll, pause and resume request."""

    def __init__(
        self,
        statuses: Mapping[str, ClusterStatus] | Iterable[ClusterStatus] = (),
        *,
        kind: SourceKind = "live",
        readonly: bool = False,
        zones: Mapping[str, str | None] | None = None,
        raws: Mapping[str, str] | None = None,
        last_cycle: CycleInfo | None = None,
        updated_at: datetime | None = None,
        store_dir: Path | None = None,
    ) -> None:
        super().__init__(store_dir, zones)
        if isinstance(statuses, Mapping):
            initial = dict(statuses)
        else:
            initial = {status.cluster: status for status in statuses}
        self.kind: SourceKind = kind
        self.readonly = readonly
        self.fleet = FleetState(
            statuses=MappingProxyType(initial),
            updated_at=updated_at,
            last_cycle=last_cycle,
            source=kind,
        )
        self.polls: list[str | None] = []
        """Every ``poll_now`` argument, in order (None: all)."""
        self.started = False
        self.stopped = False
        self._raws = dict(raws or {})
        self._app: App[Any] | None = None

    @property
    def paused(self) -> bool:
        return self.fleet.paused

    async def start(self, app: App[Any]) -> None:
        self._app = app
        self.started = True
        app.post_message(FleetUpdated(self.fleet))

    async def stop(self) -> None:
        self.stopped = True
        self._app = None
        self._close_reader()

    def poll_now(self, cluster: str | None = None) -> None:
        self.polls.append(cluster)

    def pause(self) -> None:
        self._set_fleet(replace(self.fleet, paused=True))

    def resume(self) -> None:
        self._set_fleet(replace(self.fleet, paused=False))

    def push(
        self,
        changed: Mapping[str, ClusterStatus] | Iterable[ClusterStatus],
        *,
        at: datetime | None = None,
        last_cycle: CycleInfo | None = None,
    ) -> FleetState:
        """Merge ``changed`` into the fleet and post it, as a live source would."""
        if not isinstance(changed, Mapping):
            changed = {status.cluster: status for status in changed}
        fleet = self.fleet.with_statuses(changed, at=at)
        if last_cycle is not None:
            fleet = replace(fleet, last_cycle=last_cycle)
        self._set_fleet(fleet, frozenset(changed))
        return fleet

    def raw(self, cluster: str) -> str | None:
        return self._raws.get(cluster)

    def _set_fleet(self, fleet: FleetState, changed: frozenset[str] = frozenset()) -> None:
        self.fleet = fleet
        if self._app is not None:
            self._app.post_message(FleetUpdated(fleet, changed))
