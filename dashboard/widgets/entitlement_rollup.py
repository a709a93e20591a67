"""The fleet's entitlements rolled up per licence type, and the clusters behind one type."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from rich.text import Text

from collectors.model import EntitlementStatus, Severity
from collectors.results import ClusterStatus
from dashboard.format import STALE_GLYPH
from dashboard.widgets.entitlements_table import ENTITLEMENT_SEVERITY, status_word
from dashboard.widgets.nav_table import NavTable
from dashboard.widgets.severity_colors import SEVERITY_VAR, rich_style, severity_text

E = EntitlementStatus
COLUMNS: Final[tuple[tuple[str, tuple[EntitlementStatus, ...]], ...]] = (
    ("in compliance", (E.IN_COMPLIANCE, E.RESERVED)),
    ("init", (E.INIT,)),
    ("evaluation", (E.EVALUATION, E.WAITING)),
    ("out of compl.", (E.OUT_OF_COMPLIANCE, E.NOT_AUTHORIZED)),
    ("expired", (E.EVALUATION_EXPIRED, E.AUTHORIZATION_EXPIRED)),
    ("unknown", (E.UNKNOWN,)),
)


@dataclass(frozen=True, slots=True)
class Holder:
    """One cluster's use of one licence type."""

    cluster: str
    count: int
    status: EntitlementStatus
    raw_status: str
    stale: bool


@dataclass(frozen=True)
class Rollup:
    """One licence type across the fleet."""

    tag: str
    name: str
    total: int
    holders: tuple[Holder, ...]
    by_status: Mapping[EntitlementStatus, int] = field(default_factory=dict)

    @property
    def worst(self) -> Severity:
        sevs = [ENTITLEMENT_SEVERITY[h.status] for h in self.holders]
        return max(sevs, key=lambda s: s.rank) if sevs else Severity.UNKNOWN


def rollup(
    statuses: Mapping[str, ClusterStatus],
    is_stale: Callable[[ClusterStatus], bool] = lambda status: status.stale,
) -> list[Rollup]:
    """Per tag: total demand and clusters per status, biggest total first."""
    holders: dict[str, list[Holder]] = {}
    names: dict[str, str] = {}
    for name, status in sorted(statuses.items()):
        snap = status.last_good
        if snap is None:
            continue
        stale = status.unreachable or is_stale(status)
        for e in snap.entitlements:
            names.setdefault(e.tag, e.name)
            holders.setdefault(e.tag, []).append(
                Holder(name, e.count, e.status, e.raw_status, stale)
            )
    out = [
        Rollup(
            tag=tag,
            name=names[tag],
            total=sum(h.count for h in items),
            holders=tuple(
                sorted(
                    items, key=lambda h: (-ENTITLEMENT_SEVERITY[h.status].rank, -h.count, h.cluster)
                )
            ),
            by_status=Counter(h.status for h in items),
        )
        for tag, items in holders.items()
    ]
    return sorted(out, key=lambda r: (-r.total, r.name))


class RollupTable(NavTable):
    """One row per licence type; row keys are the tags."""

    DEFAULT_CSS = """
    RollupTable {
        height: auto;
        max-height: 50%;
    }
    """

    def on_mount(self) -> None:
        self.add_column("Licence", key="name")
        self.add_column("Worst", key="worst")
        self.add_column("Total", key="total")
        self.add_column("Clusters", key="clusters")
        for label, _ in COLUMNS:
            self.add_column(label, key=label)

    def show(self, rollups: Sequence[Rollup]) -> None:
        rows = []
        for r in rollups:
            cells: list[str | Text] = [
                r.name,
                severity_text(self.app, r.worst),
                Text(str(r.total), justify="right", end=""),
                Text(str(len(r.holders)), justify="right", end=""),
            ]
            for _, members in COLUMNS:
                n = sum(r.by_status.get(s, 0) for s in members)
                sev = ENTITLEMENT_SEVERITY[members[0]]
                style = rich_style(self.app, SEVERITY_VAR[sev]) if n and sev.rank else ""
                cells.append(Text(str(n) if n else "·", style=style, justify="right", end=""))
            rows.append((r.tag, cells))
        self.replace_rows(rows)


DUPLICATE: Final = "\x00"
"""Separates a cluster name from a counter in the row key of a repeated holder."""


def holder_cluster(key: str) -> str:
    """The cluster behind a :class:`HolderTable` row key."""
    return key.split(DUPLICATE, 1)[0]


class HolderTable(NavTable):
    """The clusters that use one licence type; row keys are cluster names."""

    DEFAULT_CSS = """
    HolderTable {
        height: 1fr;
    }
    """

    def on_mount(self) -> None:
        self.add_column("Cluster", key="cluster")
        self.add_column("Count", key="count")
        self.add_column("Status", key="status")
        self.add_column("Raw", key="raw")

    def show(self, holders: Sequence[Holder]) -> None:
        keys: list[str] = []
        seen: set[str] = set()
        for h in holders:  # a cluster that reports the tag twice is listed twice
            keys.append(
                h.cluster if h.cluster not in seen else f"{h.cluster}{DUPLICATE}{len(keys)}"
            )
            seen.add(h.cluster)
        self.replace_rows(
            [
                (
                    key,
                    (
                        f"{STALE_GLYPH} {h.cluster}" if h.stale else h.cluster,
                        Text(str(h.count), justify="right", end=""),
                        severity_text(
                            self.app, ENTITLEMENT_SEVERITY[h.status], status_word(h.status)
                        ),
                        h.raw_status,
                    ),
                )
                for key, h in zip(keys, holders, strict=True)
            ]
        )
