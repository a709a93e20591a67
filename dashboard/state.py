"""The fleet as the UI sees it: one frozen value, replaced on every update."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from collectors.acks import EMPTY_BOOK, AckBook
from collectors.liveness import CollectorState
from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus
from collectors.sources.base import SourceHealth

_EMPTY: Mapping[str, ClusterStatus] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class CycleInfo:
    """The last completed poll cycle."""

    finished_at: datetime
    duration_s: float
    polled: int
    failed: int


@dataclass(frozen=True, slots=True)
class FleetState:
    """Every cluster's status at one moment. Never mutated: ``with_status`` returns a copy."""

    statuses: Mapping[str, ClusterStatus] = field(default_factory=lambda: _EMPTY)
    updated_at: datetime | None = None
    last_cycle: CycleInfo | None = None
    paused: bool = False
    source: Literal["live", "store", "demo", "sources"] = "live"
    policy: FreshnessPolicy | None = None
    """The policy the data was judged by where it came from (the collector's, recorded
    in the store; the live config's); None: the app's own (a fallback, stated)."""
    collector: CollectorState | None = None
    """Whether a collector is writing the store shown; None when not applicable."""
    acks: AckBook = EMPTY_BOOK
    """The acknowledgements stored beside the store (the app follows their file and
    keeps them across the source's updates); judged by ``app.policy.acknowledgement``."""
    sources: tuple[SourceHealth, ...] = ()
    """A merged view's sources and how each is (empty for one store or live polling)."""
    notices: tuple[str, ...] = ()
    """What the merge must tell a person once (colliding names, differing policies)."""

    def with_statuses(
        self, changed: Mapping[str, ClusterStatus], *, at: datetime | None = None
    ) -> FleetState:
        """A new state with ``changed`` merged in (one dict copy per batch, not per row)."""
        merged = dict(self.statuses)
        merged.update(changed)
        return replace(self, statuses=MappingProxyType(merged), updated_at=at or self.updated_at)
