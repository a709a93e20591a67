"""Fleet-wide state transitions and poll failures: the record a shift hands over."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

from rich.text import Text

from collectors.model import Severity
from collectors.results import ClusterStatus
from dashboard.format import relative
from dashboard.widgets.error_list import ErrorEntry
from dashboard.widgets.nav_table import NavTable, Row
from dashboard.widgets.severity_colors import SEVERITY_VAR, rich_style

_BAD_WORDS = {
    "critical": Severity.CRITICAL,
    "unreachable": Severity.CRITICAL,
    "out_of_compliance": Severity.CRITICAL,
    "registration_expired": Severity.CRITICAL,
    "authorization_expired": Severity.CRITICAL,
    "evaluation_expired": Severity.CRITICAL,
    "not_authorized_reserved": Severity.CRITICAL,
    "warning": Severity.WARNING,
    "evaluation": Severity.WARNING,
    "unregistered": Severity.WARNING,
    "unknown": Severity.UNKNOWN,
}


@dataclass(frozen=True, slots=True)
class TransitionEntry:
    """One change of a watched state, as shown: ``authorization authorized → evaluation``."""

    at: datetime
    cluster: str
    field: str
    subject: str | None
    old: str | None
    new: str | None
    count: int = 1
    """How many changes this row stands for (a flapping cluster's reachability)."""
    first_at: datetime | None = None
    """The oldest of them, when ``count`` > 1."""

    @property
    def severity(self) -> Severity:
        """How bad the new value is (ok when it is not a known bad word)."""
        return _BAD_WORDS.get((self.new or "").lower(), Severity.OK)


def transition_entries(items: Iterable[Any]) -> list[TransitionEntry]:
    """Adapt the store's transitions (``at``, ``cluster``, ``field``, ``old``, ``new``)."""
    out = []
    for t in items:
        at = getattr(t, "at", None)
        cluster = getattr(t, "cluster", None)
        if not isinstance(at, datetime) or not isinstance(cluster, str):
            continue
        out.append(
            TransitionEntry(
                at=at,
                cluster=cluster,
                field=str(getattr(t, "field", "state")),
                subject=getattr(t, "subject", None),
                old=getattr(t, "old", None),
                new=getattr(t, "new", None),
            )
        )
    return sorted(out, key=lambda e: (e.at, e.cluster), reverse=True)


FLAP_MIN: Final = 3
"""This many reachability changes of one cluster in the window are shown as one row."""


def group_flaps(
    entries: Sequence[TransitionEntry], minimum: int = FLAP_MIN
) -> list[TransitionEntry]:
    """Newest-first ``entries`` with each flapping cluster's reachability changes as one
    row (where the newest one was), counted; everything else unchanged."""
    runs: dict[str, list[TransitionEntry]] = {}
    for e in entries:
        if e.field == "reachability":
            runs.setdefault(e.cluster, []).append(e)
    flapping = {cluster: run for cluster, run in runs.items() if len(run) >= minimum}
    out: list[TransitionEntry] = []
    for e in entries:
        run = flapping.get(e.cluster) if e.field == "reachability" else None
        if run is None:
            out.append(e)
        elif e is run[0]:  # the newest change of the run stands for all of them
            out.append(replace(e, old=run[-1].old, count=len(run), first_at=run[-1].at))
    return out


def _word(value: str | None) -> str:
    return "—" if value is None else value.replace("_", " ")


class TransitionTable(NavTable):
    """Transitions, newest first; row keys are ``cluster|index``."""

    DEFAULT_CSS = """
    TransitionTable {
        height: 1fr;
    }
    """

    def on_mount(self) -> None:
        self.add_column("When (UTC)", key="at")
        self.add_column("", key="rel")
        self.add_column("Cluster", key="cluster")
        self.add_column("What", key="field")
        self.add_column("From", key="old")
        self.add_column("To", key="new")

    def show(
        self, entries: Sequence[TransitionEntry], now: datetime, names: Mapping[str, str]
    ) -> None:
        if not entries:
            self.replace_rows(
                [("none|0", ("—", "", "", "No state changes in this window.", "", ""))]
            )
            return
        rows: list[Row] = []
        for i, e in enumerate(entries):
            what = e.field
            if e.count > 1 and e.first_at is not None:
                span = relative(e.first_at, now)
                what = f"reachability flapped ×{e.count} (since {span}"
                what += f", last: {e.subject})" if e.subject else ")"
            elif e.subject and e.field == "reachability":
                what = f"reachability ({e.subject})"  # the subject is the error kind
            elif e.subject:
                what = f"{e.field} {names.get(e.subject, e.subject)}"
            new_style = rich_style(self.app, SEVERITY_VAR[e.severity])
            rows.append(
                (
                    f"{e.cluster}|{i}",
                    (
                        e.at.astimezone(UTC).strftime("%m-%d %H:%M"),
                        relative(e.at, now),
                        e.cluster,
                        what,
                        _word(e.old),
                        Text(_word(e.new), style=new_style, end=""),
                    ),
                )
            )
        self.replace_rows(rows)


class FailureTable(NavTable):
    """Poll failures across the fleet, newest first; row keys are ``cluster|index``."""

    DEFAULT_CSS = """
    FailureTable {
        height: 1fr;
    }
    """

    def on_mount(self) -> None:
        self.add_column("When (UTC)", key="at")
        self.add_column("", key="rel")
        self.add_column("Cluster", key="cluster")
        self.add_column("Kind", key="kind")
        self.add_column("Message", key="message")

    def show(self, entries: Sequence[ErrorEntry], now: datetime) -> None:
        if not entries:
            self.replace_rows([("none|0", ("—", "", "", "", "No poll failures in this window."))])
            return
        style = rich_style(self.app, "sev-warning")
        rows: list[Row] = []
        for i, e in enumerate(entries):
            rows.append(
                (
                    f"{e.cluster or ''}|{i}",
                    (
                        e.at.astimezone(UTC).strftime("%m-%d %H:%M") if e.at else "—",
                        relative(e.at, now) if e.at else "",
                        e.cluster or "—",
                        Text(e.kind, style=style, end=""),
                        e.message,
                    ),
                )
            )
        self.replace_rows(rows)


def open_issues(
    statuses: Mapping[str, ClusterStatus],
    limit: int = 6,
    is_stale: Callable[[ClusterStatus], bool] = lambda status: status.stale,
) -> str:
    """What is still wrong now, for the handover: ``1 critical: a · 2 stale: b, c``."""
    buckets: dict[str, list[str]] = {"critical": [], "unreachable": [], "stale": [], "warning": []}
    for name, status in sorted(statuses.items()):
        if is_stale(status):
            buckets["stale"].append(name)
        elif status.unreachable:
            buckets["unreachable"].append(name)
        if status.severity is Severity.CRITICAL:
            buckets["critical"].append(name)
        elif status.severity is Severity.WARNING:
            buckets["warning"].append(name)
    parts = []
    for label, names in buckets.items():
        if names:
            shown = ", ".join(names[:limit]) + (
                f" +{len(names) - limit}" if len(names) > limit else ""
            )
            parts.append(f"{len(names)} {label}: {shown}")
    return "Open now: " + (" · ".join(parts) if parts else "nothing, every cluster is fine")
