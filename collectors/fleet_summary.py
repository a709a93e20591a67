"""The fleet as a monitoring check sees it: staleness, worst-first order, totals and the
exit code (monitoring-plugin convention). Shared by ``licdash status`` and the metrics
endpoint; pure functions over immutable :class:`~collectors.results.ClusterStatus` values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from collectors.model import Deadline, Severity

if TYPE_CHECKING:
    from collectors.config import LicdashConfig
    from collectors.results import ClusterStatus

OK: Final = 0
WARNING: Final = 1
CRITICAL: Final = 2
UNKNOWN: Final = 3


def is_stale(status: ClusterStatus, now: datetime, threshold: timedelta | None) -> bool:
    """Stale when the engine or store says so, or the last good poll is older than
    ``threshold``. A cluster never polled successfully is not stale but unknown."""
    if status.stale:
        return True
    age = status.age(now)
    return threshold is not None and age is not None and age > threshold


def parse_tag_filters(items: Iterable[str]) -> dict[str, frozenset[str]]:
    """``["region=emea", "region=apac", "env=prod"]`` -> ``{region: {emea, apac}, env: {prod}}``."""
    wanted: dict[str, set[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--tag {item!r}: expected KEY=VALUE, e.g. region=emea")
        wanted.setdefault(key.strip(), set()).add(value.strip())
    return {k: frozenset(v) for k, v in wanted.items()}


def tags_match(tags: Mapping[str, str], wanted: Mapping[str, frozenset[str]]) -> bool:
    return all(tags.get(key) in values for key, values in wanted.items())


@dataclass(frozen=True, slots=True)
class Row:
    """One cluster as ``status`` reports it."""

    status: ClusterStatus
    stale: bool
    deadline: Deadline | None
    """The earliest hard deadline of the last good snapshot."""

    @property
    def severity(self) -> Severity:
        return self.status.severity


def summarise(
    statuses: Mapping[str, ClusterStatus],
    now: datetime,
    threshold: Mapping[str, timedelta] | timedelta,
) -> list[Row]:
    """Rows worst first: severity, then stale, then the nearest hard deadline, then name."""
    rows = []
    for name, status in statuses.items():
        limit = threshold if isinstance(threshold, timedelta) else threshold.get(name)
        snap = status.last_good
        rows.append(
            Row(status, is_stale(status, now, limit), snap.next_hard_deadline if snap else None)
        )
    far = datetime.max.replace(tzinfo=UTC)
    rows.sort(
        key=lambda r: (
            -r.severity.rank,
            not r.stale,
            r.deadline.at if r.deadline else far,
            r.status.cluster,
        )
    )
    return rows


def exit_code(rows: Sequence[Row]) -> int:
    """2 if any critical; else 3 if any unknown or stale (or no rows); else 1 if any
    warning; else 0."""
    severities = {r.severity for r in rows}
    if Severity.CRITICAL in severities:
        return CRITICAL
    if not rows or Severity.UNKNOWN in severities or any(r.stale for r in rows):
        return UNKNOWN
    if Severity.WARNING in severities:
        return WARNING
    return OK


def totals(rows: Sequence[Row]) -> dict[str, int]:
    counts = {"clusters": len(rows)} | {s.value: 0 for s in Severity}
    for row in rows:
        counts[row.severity.value] += 1
    counts["stale"] = sum(r.stale for r in rows)
    counts["failing"] = sum(r.status.consecutive_failures > 0 for r in rows)
    return counts


def with_roster(
    statuses: Mapping[str, ClusterStatus], config: LicdashConfig
) -> dict[str, ClusterStatus]:
    """The config's clusters only, with the config's tags; a cluster the store has never
    seen appears as never polled (severity unknown)."""
    from collectors.results import ClusterStatus

    merged = {}
    for cluster in config.clusters:
        known = statuses.get(cluster.name)
        tags = dict(cluster.tags)
        merged[cluster.name] = (
            known.model_copy(update={"tags": tags})
            if known
            else ClusterStatus(cluster=cluster.name, tags=tags)
        )
    return merged


def thresholds_from(config: LicdashConfig) -> dict[str, timedelta]:
    stale_after = config.settings.stale_after
    return {
        c.name: timedelta(seconds=stale_after * c.effective_interval(config.settings))
        for c in config.clusters
    }
