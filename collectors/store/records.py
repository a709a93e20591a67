"""What the store's queries return, and how documents are named and keyed."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from collectors.model import LicenseSnapshot, format_ts, to_utc_second

TransitionField = Literal[
    "registration", "authorization", "severity", "entitlement", "reachability"
]
DAY_FILE = ".jsonl"
"""How a day file's name ends (see :mod:`collectors.store.day_files`)."""
SHARD_DAYS = 7  # history shards are one cluster x one ISO week (Monday to Sunday)


@dataclass(frozen=True, slots=True)
class CoverageRun:
    """A span in which every poll succeeded at the expected cadence (both ends polled)."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class FailureEvent:
    """One failure episode: consecutive failed polls with the same kind and message."""

    cluster: str
    at: datetime
    """The first failed attempt."""
    last_at: datetime
    """The latest failed attempt of the episode."""
    attempts: int
    kind: str
    message: str
    field: str | None = None
    hint: str | None = None
    ended_at: datetime | None = None
    """When the episode ended (the next success, or a failure of another kind); None
    while it is still going on."""

    @property
    def ongoing(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of a watched state, fleet-wide, for a shift handover."""

    at: datetime
    cluster: str
    field: TransitionField
    old: str | None
    new: str | None
    subject: str | None = None
    """The entitlement tag for ``field == "entitlement"``; the error kind when a cluster
    became unreachable."""


@dataclass(frozen=True, slots=True)
class ClusterHistory:
    cluster: str
    since: datetime | None
    until: datetime
    changes: tuple[LicenseSnapshot, ...]
    """Every recorded change in [since, until], oldest first."""
    before: LicenseSnapshot | None
    """The state in force at ``since``: the last change before it (None if unknown)."""
    seen: tuple[CoverageRun, ...]
    """When polls succeeded, clipped to the range."""
    failures: tuple[FailureEvent, ...]

    def gaps(self) -> list[tuple[datetime, datetime]]:
        """Spans inside the range not covered by ``seen`` (unreachable or not polled)."""
        out: list[tuple[datetime, datetime]] = []
        if not self.seen:
            return out
        cursor = self.since or self.seen[0].start
        for run in self.seen:
            if run.start > cursor:
                out.append((cursor, run.start))
            cursor = max(cursor, run.end)
        if cursor < self.until:
            out.append((cursor, self.until))
        return out


# ----- keys --------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def cluster_key(cluster: str) -> str:
    """A file-name-safe, reversible spelling of a cluster name (``%XX`` escapes)."""
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), cluster)


def week_start(at: datetime) -> date:
    day = to_utc_second(at).date()
    return day - timedelta(days=day.weekday())


def history_key(cluster: str, week: date) -> str:
    return f"history/{week.isoformat()}/{cluster_key(cluster)}.json.gz"


def events_key(day: date) -> str:
    """The day's transitions (see :mod:`collectors.store.day_files`)."""
    return f"events/{day.isoformat()}{DAY_FILE}"


def failures_key(day: date) -> str:
    """The day's failure episodes (see :mod:`collectors.store.day_files`)."""
    return f"failures/{day.isoformat()}{DAY_FILE}"


def parse_day(name: str) -> date | None:
    try:
        return date.fromisoformat(name.split(".", 1)[0])
    except ValueError:
        return None


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@functools.lru_cache(maxsize=16384)
def ts(value: datetime) -> str:
    return format_ts(value)


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def merge_runs(
    runs: list[tuple[datetime, datetime]], since: datetime | None, until: datetime
) -> list[CoverageRun]:
    merged: list[list[datetime]] = []
    for start, end in sorted(runs):
        start = max(start, since) if since else start
        end = min(end, until)
        if start > end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [CoverageRun(start=s, end=e) for s, e in merged]


def failure_event(e: dict[str, Any], live: dict[str, Any] | None) -> FailureEvent:
    return FailureEvent(
        cluster=e["cluster"],
        at=parse_ts(e["at"]),
        last_at=parse_ts(live["last"] if live else e["last_at"]),
        attempts=int(live["n"] if live else e["attempts"]),
        kind=e["kind"],
        message=e["message"],
        field=e.get("field"),
        hint=e.get("hint"),
        ended_at=None if live or not e.get("ended_at") else parse_ts(e["ended_at"]),
    )
