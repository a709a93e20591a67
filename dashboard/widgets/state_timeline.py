"""A timeline of one cluster's licensing state changes, newest first."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from rich.text import Text

from collectors.model import LicenseSnapshot, Severity
from dashboard.format import human_span, relative
from dashboard.widgets.nav_table import NavTable
from dashboard.widgets.severity_colors import severity_text


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One change: when, how bad the new state is, and what changed (``a → b``)."""

    at: datetime
    severity: Severity
    what: str


def _word(value: object) -> str:
    text = getattr(value, "value", value)
    return str(text).replace("_", " ") if text is not None else "—"


def snapshots_of(changes: Iterable[Any]) -> list[LicenseSnapshot]:
    """Snapshots from a history's ``changes`` (bare snapshots or records with ``.snapshot``)."""
    out = []
    for item in changes:
        snap = item if isinstance(item, LicenseSnapshot) else getattr(item, "snapshot", None)
        if isinstance(snap, LicenseSnapshot):
            out.append(snap)
    return sorted(out, key=lambda s: s.collected_at)


def diff(old: LicenseSnapshot | None, new: LicenseSnapshot) -> list[str]:
    """Human descriptions of the state changes from ``old`` to ``new`` (counts ignored)."""
    if old is None:
        return [f"first seen: {_word(new.registration.status)}, {_word(new.authorization.status)}"]
    out = []
    pairs = (
        ("registration", old.registration.status, new.registration.status),
        ("authorization", old.authorization.status, new.authorization.status),
        ("severity", old.severity, new.severity),
    )
    for label, a, b in pairs:
        if a != b:
            out.append(f"{label} {_word(a)} → {_word(b)}")
    before = {e.tag: e for e in old.entitlements}
    for e in new.entitlements:
        prev = before.get(e.tag)
        if prev is None:
            out.append(f"{e.name} appeared ({_word(e.status)})")
        elif prev.status != e.status:
            out.append(f"{e.name} {_word(prev.status)} → {_word(e.status)}")
    gone = set(before) - {e.tag for e in new.entitlements}
    out.extend(f"{before[tag].name} removed" for tag in sorted(gone))
    return out


def timeline(
    snapshots: Sequence[LicenseSnapshot], before: LicenseSnapshot | None = None
) -> list[TimelineEntry]:
    """State changes between consecutive snapshots, newest first.

    ``before`` is the state in force when the window starts, so the first change in the
    window reads as a change rather than a first sighting.
    """
    entries = []
    previous = before
    for snap in snapshots:
        for what in diff(previous, snap):
            entries.append(TimelineEntry(snap.collected_at, snap.severity, what))
        previous = snap
    entries.reverse()
    return entries


def coverage_gaps(seen: Iterable[Any]) -> list[TimelineEntry]:
    """Silences between runs of good polls (``start``/``end`` pairs), newest first.

    Only gaps between two runs: before the first run nothing was polled yet, and the
    current silence is the stale banner's to tell.
    """
    runs = sorted(
        (run.start, run.end)
        for run in seen
        if isinstance(getattr(run, "start", None), datetime)
        and isinstance(getattr(run, "end", None), datetime)
    )
    out = []
    for (_, end), (start, _) in itertools.pairwise(runs):
        if start > end:
            out.append(
                TimelineEntry(
                    end,
                    Severity.WARNING,
                    f"no good poll for {human_span(start - end)} (until {start:%m-%d %H:%M} UTC)",
                )
            )
    out.reverse()
    return out


def merge(*timelines: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    """Several newest-first timelines as one, newest first."""
    return sorted((e for t in timelines for e in t), key=lambda e: e.at, reverse=True)


class StateTimeline(NavTable):
    """Timeline rows; the owning screen calls :meth:`show`."""

    DEFAULT_CSS = """
    StateTimeline {
        height: auto;
        max-height: 14;
    }
    """

    def on_mount(self) -> None:
        self.add_column("When", key="at")
        self.add_column("", key="rel")
        self.add_column("Severity", key="sev")
        self.add_column("Change", key="what")

    def show(self, entries: Sequence[TimelineEntry], now: datetime, tz: tzinfo) -> None:
        if not entries:
            self.replace_rows([("none", ("—", "", "", "No state changes in the stored history."))])
            return
        self.replace_rows(
            [
                (
                    f"{entry.at.isoformat()}|{i}",
                    (
                        entry.at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z"),
                        relative(entry.at, now),
                        severity_text(self.app, entry.severity),
                        Text(entry.what, end=""),
                    ),
                )
                for i, entry in enumerate(entries)
            ]
        )
