"""Every renewal and expiry across the fleet, in time order, grouped by how close it is."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Final

from rich.style import Style
from rich.text import Text

from collectors.model import DeadlineKind, LicenseSnapshot, Severity
from collectors.results import ClusterStatus
from dashboard.format import STALE_GLYPH, relative
from dashboard.widgets.nav_table import NavTable, Row
from dashboard.widgets.severity_colors import SEVERITY_VAR, rich_style, urgency

GROUPS: Final = ("overdue", "within 7 days", "within 30 days", "later")
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

    @property
    def hard(self) -> bool:
        return self.kind.hard

    @property
    def key(self) -> str:
        return f"{self.cluster}|{self.kind.value}"


def snapshot_deadlines(snap: LicenseSnapshot) -> list[tuple[DeadlineKind, datetime]]:
    """The snapshot's deadlines; derived from its timers when it carries none."""
    if snap.deadlines:
        return [(d.kind, d.at) for d in snap.deadlines]
    reg, auth = snap.registration, snap.authorization
    found: list[tuple[DeadlineKind, datetime | None]] = [
        (DeadlineKind.REGISTRATION_RENEWAL, reg.next_renewal_attempt),
        (DeadlineKind.REGISTRATION_EXPIRY, reg.expires),
        (DeadlineKind.AUTHORIZATION_RENEWAL, auth.next_communication_attempt),
        (DeadlineKind.AUTHORIZATION_EXPIRY, auth.expires),
    ]
    if auth.evaluation_remaining_days is not None:
        end = snap.collected_at + timedelta(days=auth.evaluation_remaining_days)
        found.append((DeadlineKind.EVALUATION_END, end))
    return [(kind, at) for kind, at in found if at is not None]


def collect_deadlines(statuses: Mapping[str, ClusterStatus]) -> list[DeadlineEntry]:
    """Every cluster's deadlines, earliest first."""
    entries = [
        DeadlineEntry(name, kind, at, stale=status.stale or status.unreachable)
        for name, status in statuses.items()
        if status.last_good is not None
        for kind, at in snapshot_deadlines(status.last_good)
    ]
    return sorted(entries, key=lambda e: (e.at, e.cluster, e.kind.value))


def group_of(entry: DeadlineEntry, now: datetime) -> str:
    left = entry.at - now
    if left < timedelta(0):
        return "overdue"
    if left <= timedelta(days=7):
        return "within 7 days"
    if left <= timedelta(days=30):
        return "within 30 days"
    return "later"


def grouped(entries: Iterable[DeadlineEntry], now: datetime) -> dict[str, list[DeadlineEntry]]:
    """Entries per group, in :data:`GROUPS` order, each group in time order."""
    groups: dict[str, list[DeadlineEntry]] = {name: [] for name in GROUPS}
    for entry in entries:
        groups[group_of(entry, now)].append(entry)
    return groups


GROUP_LABEL: Final[dict[str, str]] = {
    "overdue": "overdue",
    "within 7 days": "≤ 7 days",
    "within 30 days": "≤ 30 days",
    "later": "later",
}
GROUP_SEVERITY: Final[dict[str, Severity]] = {
    "overdue": Severity.CRITICAL,
    "within 7 days": Severity.CRITICAL,
    "within 30 days": Severity.WARNING,
    "later": Severity.OK,
}


class DeadlineList(NavTable):
    """Deadlines in time order, each labelled with its group; row keys are ``cluster|kind``.

    One flat, sorted table (not header rows) so that a deadline crossing into another
    group as time passes is a cell update, not a rebuild of thousands of rows.
    """

    DEFAULT_CSS = """
    DeadlineList {
        height: 1fr;
    }
    """

    def on_mount(self) -> None:
        self.add_column("Due", key="group")
        self.add_column("When (UTC)", key="utc")
        self.add_column("Cluster time", key="local")
        self.add_column("Relative", key="rel")
        self.add_column("Cluster", key="cluster")
        self.add_column("Deadline", key="kind")
        self.add_column("Type", key="hard")

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows: dict[str, tuple[tuple[object, ...], Row]] = {}
        """Each deadline's last row and what it was built from, reused while that holds."""

    def show(
        self,
        entries: Iterable[DeadlineEntry],
        now: datetime,
        zones: Mapping[str, tzinfo],
    ) -> None:
        styles = {sev: rich_style(self.app, SEVERITY_VAR[sev]) for sev in Severity}
        plain = rich_style(self.app, "foreground")
        theme = self.app.theme
        cache, self._rows = self._rows, {}
        rows: list[Row] = []
        for group, items in grouped(entries, now).items():
            for n, entry in enumerate(items):
                # The label heads its group, so the groups read as sections.
                label = f"{GROUP_LABEL[group]} ({len(items)})" if n == 0 else ""
                rel = relative(entry.at, now)
                sev = urgency(entry.at, now, hard=entry.hard)
                basis = (entry, label, rel, sev, group, theme, zones.get(entry.cluster, UTC))
                cached = cache.get(entry.key)
                if cached is not None and cached[0] == basis:
                    row = cached[1]
                else:
                    row = self._row(entry, group, label, rel, sev, basis[-1], styles, plain)
                self._rows[entry.key] = (basis, row)
                rows.append(row)
        self.replace_rows(rows, identity=("cluster", "kind"))

    def _row(
        self,
        entry: DeadlineEntry,
        group: str,
        label: str,
        rel: str,
        sev: Severity,
        tz: tzinfo,
        styles: Mapping[Severity, Style],
        plain: Style,
    ) -> Row:
        style = plain if sev is Severity.OK else styles[sev]
        group_style = styles[GROUP_SEVERITY[group]]
        local = entry.at.astimezone(tz)
        cluster = f"{STALE_GLYPH} {entry.cluster}" if entry.stale else entry.cluster
        cells = (
            Text(label, style=group_style, end=""),
            entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
            local.strftime("%Y-%m-%d %H:%M %Z"),
            Text(rel, style=style, end=""),
            cluster,
            KIND_LABEL[entry.kind],
            Text("■ hard", style=style, end="") if entry.hard else "  soft",
        )
        return (entry.key, cells)
