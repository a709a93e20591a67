"""Every renewal and expiry across the fleet, in time order, grouped by how close it is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Final

from rich.cells import cell_len
from rich.style import Style
from textual import events

from collectors.model import DeadlineKind, LicenseSnapshot, Severity
from collectors.policy import (
    BANDS,
    DEFAULT_POLICY,
    Band,
    Due,
    FreshnessPolicy,
    snapshot_dues,
    status_dues,
)
from collectors.results import ClusterStatus
from dashboard.format import STALE_GLYPH, relative
from dashboard.widgets.line_table import GAP, LineCell, LineColumn, LineTable
from dashboard.widgets.severity_colors import SEVERITY_VAR, rich_style

KIND_LABEL: Final[dict[DeadlineKind, str]] = {
    DeadlineKind.REGISTRATION_RENEWAL: "registration renewal",
    DeadlineKind.REGISTRATION_EXPIRY: "registration expiry",
    DeadlineKind.AUTHORIZATION_RENEWAL: "authorization renewal",
    DeadlineKind.AUTHORIZATION_EXPIRY: "authorization expiry",
    DeadlineKind.EVALUATION_END: "evaluation end",
}


@dataclass(frozen=True, slots=True)
class DeadlineEntry:
    """One deadline of one cluster; ``stale`` when it comes from aged data."""

    cluster: str
    kind: DeadlineKind
    at: datetime
    stale: bool = False
    expired: bool = False
    """An expired state (evaluation, registration, authorization) with no date of its
    own: ``at`` is when it was seen; it is overdue and sorts first."""

    @property
    def hard(self) -> bool:
        return self.kind.hard

    @property
    def key(self) -> str:
        return f"{self.cluster}|{self.kind.value}"

    @property
    def due(self) -> Due:
        return Due(self.cluster, self.kind, self.at, self.expired)


def snapshot_deadlines(snap: LicenseSnapshot) -> list[tuple[DeadlineKind, datetime]]:
    """The snapshot's deadlines as the policy lists them (derived from its timers when
    it carries none; an expired state counts, overdue)."""
    return [(d.kind, d.at) for d in snapshot_dues(snap.cluster, snap)]


def collect_deadlines(
    statuses: Mapping[str, ClusterStatus],
    is_stale: Callable[[ClusterStatus], bool] = lambda status: status.stale,
    dues: Callable[[ClusterStatus], Sequence[Due]] = status_dues,
) -> list[DeadlineEntry]:
    """Every cluster's deadlines, earliest first; marked stale by ``is_stale`` or when
    the cluster is unreachable."""
    entries: list[DeadlineEntry] = []
    for name, status in statuses.items():
        if status.last_good is not None:
            stale = status.unreachable or is_stale(status)
            entries += (
                DeadlineEntry(name, d.kind, d.at, stale=stale, expired=d.expired)
                for d in dues(status)
            )
    return sorted(entries, key=lambda e: (e.at, e.cluster, e.kind.value))


def group_name(band: Band, policy: FreshnessPolicy = DEFAULT_POLICY) -> str:
    if band is Band.CRITICAL:
        return f"within {policy.critical_days:g} days"
    if band is Band.WARNING:
        return f"within {policy.warning_days:g} days"
    return band.value


def group_label(band: Band, policy: FreshnessPolicy = DEFAULT_POLICY) -> str:
    if band is Band.CRITICAL:
        return f"≤ {policy.critical_days:g} days"
    if band is Band.WARNING:
        return f"≤ {policy.warning_days:g} days"
    return band.value


def group_of(entry: DeadlineEntry, now: datetime, policy: FreshnessPolicy = DEFAULT_POLICY) -> str:
    return group_name(policy.band(entry.at, now), policy)


def grouped(
    entries: Iterable[DeadlineEntry], now: datetime, policy: FreshnessPolicy = DEFAULT_POLICY
) -> dict[Band, list[DeadlineEntry]]:
    """Entries per band, in :data:`~collectors.policy.BANDS` order, each in time order."""
    groups: dict[Band, list[DeadlineEntry]] = {band: [] for band in BANDS}
    for entry in entries:
        groups[policy.band(entry.at, now)].append(entry)
    return groups


GROUP_SEVERITY: Final[dict[Band, Severity]] = {
    Band.OVERDUE: Severity.CRITICAL,
    Band.CRITICAL: Severity.CRITICAL,
    Band.WARNING: Severity.WARNING,
    Band.LATER: Severity.OK,
}


COLUMNS: Final = (
    LineColumn("group", "Due", 16),
    LineColumn("utc", "When (UTC)", 16),
    LineColumn("local", "Cluster time", 20),
    LineColumn("rel", "Relative", 9),
    LineColumn("cluster", "Cluster", 16),
    LineColumn("kind", "Deadline", 21),
    LineColumn("hard", "Type", 6),
)
CLUSTER_WIDTH: Final = (12, 32)
NARROW_DROP: Final = (1, 2)
"""Columns hidden, in this order, when the line is too narrow: UTC, then cluster time."""
LOCAL_FORMAT: Final = "%Y-%m-%d %H:%M %Z"
"""The cluster column fits the longest name between these bounds (longer ones are cut…)."""


class DeadlineList(LineTable):
    """Deadlines in time order, each labelled with its group; row keys are ``cluster|kind``.

    One flat, sorted list (not header rows), so that a deadline crossing into another
    group as time passes changes nothing but the label. :meth:`show` only orders the
    entries; a row's texts are made when it scrolls into view, so a refresh in which
    every relative time changed costs the same as one in which nothing did.
    """

    DEFAULT_CSS = """
    DeadlineList {
        height: 1fr;
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(COLUMNS, name=name, id=id, classes=classes)
        self._entries: list[DeadlineEntry] = []
        self._groups: list[Band] = []
        self._policy = DEFAULT_POLICY
        self._labels: dict[int, str] = {}
        self._now = datetime.fromtimestamp(0, UTC)
        self._zones: Mapping[str, tzinfo] = {}
        self._styles: dict[Severity, Style] = {}
        self._plain = Style()
        self._cells: dict[int, tuple[LineCell, ...]] = {}

    def show(
        self,
        entries: Iterable[DeadlineEntry],
        now: datetime,
        zones: Mapping[str, tzinfo],
        policy: FreshnessPolicy = DEFAULT_POLICY,
    ) -> dict[Band, int]:
        """Show ``entries`` (in time order) as of ``now``, local times in ``zones``,
        grouped in the bands of ``policy``.

        Returns:
            How many deadlines each band holds, in band order.
        """
        self._policy = policy
        self._styles = {sev: rich_style(self.app, SEVERITY_VAR[sev]) for sev in Severity}
        self._plain = rich_style(self.app, "foreground")
        self._now, self._zones = now, zones
        self._entries, self._groups, self._labels = [], [], {}
        counts: dict[Band, int] = {}
        for group, items in grouped(entries, now, policy).items():
            counts[group] = len(items)
            if items:  # the label heads its group, so the groups read as sections
                label = group_label(group, policy)
                self._labels[len(self._entries)] = f"{label} ({len(items)})"
            self._entries += items
            self._groups += [group] * len(items)
        self._cells = {}
        self.set_rows([e.key for e in self._entries], self._fitted_widths())
        return counts

    def _fitted_widths(self) -> list[int]:
        """Columns as wide as what they will show (a few distinct values, not every row)."""
        widths = [c.width for c in COLUMNS]
        widths[0] = max([3, *(cell_len(label) for label in self._labels.values())])
        clusters = {(e.cluster, e.stale) for e in self._entries}
        longest = max((cell_len(n) + (3 if stale else 0) for n, stale in clusters), default=0)
        widths[4] = max(CLUSTER_WIDTH[0], min(longest, CLUSTER_WIDTH[1]))
        zones = {self._zones.get(n, UTC) for n, _ in clusters}
        half_year = [self._now, self._now + timedelta(days=182)]  # both sides of DST
        local = [len(t.astimezone(z).strftime(LOCAL_FORMAT)) for z in zones for t in half_year]
        widths[2] = max([len("Cluster time"), *local])
        return widths

    def column_widths(self) -> list[int]:
        """On a narrow terminal the UTC and then the cluster-time columns give way, so
        the relative time, the cluster and the deadline stay in view."""
        widths = list(self._widths)
        available = self.scrollable_content_region.width or 120
        for column in NARROW_DROP:
            if self._used(widths) <= available:
                break
            widths[column] = 0
        return widths

    @staticmethod
    def _used(widths: list[int]) -> int:
        return 1 + sum(widths) + GAP * sum(1 for w in widths if w)

    def _on_resize(self, event: events.Resize) -> None:
        super()._on_resize(event)
        self.refresh()

    def cells_at(self, row: int) -> tuple[LineCell, ...]:
        cells = self._cells.get(row)
        if cells is None:
            cells = self._cells[row] = self._make_cells(row)
        if row == round(self.scroll_y) and row not in self._labels:
            # Scrolled into the middle of a group: the top row still says which one.
            label = f"{group_label(self._groups[row], self._policy)} …"
            cells = ((label, cells[0][1]), *cells[1:])
        return cells

    def _make_cells(self, row: int) -> tuple[LineCell, ...]:
        entry, group, now = self._entries[row], self._groups[row], self._now
        sev = self._policy.urgency(entry.due, now)
        style = self._plain if sev is Severity.OK else self._styles[sev]
        local = entry.at.astimezone(self._zones.get(entry.cluster, UTC))
        cluster = f"{STALE_GLYPH} {entry.cluster}" if entry.stale else entry.cluster
        return (
            (self._labels.get(row, ""), self._styles[GROUP_SEVERITY[group]]),
            (entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"), None),
            (local.strftime(LOCAL_FORMAT), None),
            ("expired" if entry.expired else relative(entry.at, now), style),
            (cluster, None),
            (KIND_LABEL[entry.kind], None),
            ("■ hard", style) if entry.hard else ("  soft", None),
        )
