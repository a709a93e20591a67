"""The fleet as a monitoring check sees it: worst-first order, totals and the exit code
(monitoring-plugin convention). Shared by ``licdash status`` and the metrics endpoint;
pure functions over immutable :class:`~collectors.results.ClusterStatus` values. What is
stale and how deadlines count is :mod:`collectors.policy`'s to say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

from collectors.acks import EMPTY_BOOK, AckBook, AckState
from collectors.model import Severity
from collectors.policy import Due, FleetCounts, FreshnessPolicy, far_future, next_hard, status_dues

if TYPE_CHECKING:
    from collectors.config import LicdashConfig
    from collectors.liveness import CollectorState
    from collectors.results import ClusterStatus
    from collectors.sources.base import SourceHealth

OK: Final = 0
WARNING: Final = 1
CRITICAL: Final = 2
UNKNOWN: Final = 3


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
    deadline: Due | None
    """The earliest hard deadline (an expired evaluation or licence counts, overdue)."""
    dues: tuple[Due, ...] = ()
    ack: AckState | None = None
    """The policy's judgement of the cluster's acknowledgements (None: none read)."""

    @property
    def severity(self) -> Severity:
        """The true severity: an acknowledgement never changes it."""
        return self.status.severity

    @property
    def acknowledged(self) -> bool:
        return self.ack is not None and self.ack.acknowledged


def summarise(
    statuses: Mapping[str, ClusterStatus],
    now: datetime,
    policy: FreshnessPolicy,
    acks: AckBook = EMPTY_BOOK,
) -> list[Row]:
    """Rows worst first: severity, then unacknowledged before acknowledged, then stale,
    then the nearest hard deadline, then name."""
    rows = []
    for status in statuses.values():
        dues = status_dues(status)
        ack = policy.acknowledgement(status, acks, now)
        rows.append(Row(status, policy.is_stale(status, now), next_hard(dues), dues, ack))
    far = far_future()
    rows.sort(
        key=lambda r: (
            -r.severity.rank,
            r.acknowledged,
            not r.stale,
            r.deadline.at if r.deadline else far,
            r.status.cluster,
        )
    )
    return rows


def exit_code(
    rows: Sequence[Row],
    collector: CollectorState | None = None,
    sources: Sequence[SourceHealth] = (),
    *,
    exclude_acknowledged: bool = False,
) -> int:
    """2 if any critical; else 3 if any unknown or stale (or no rows, or the collector
    is down, or a source is unreachable or its collector down); else 1 if any warning;
    else 0. ``exclude_acknowledged`` leaves the acknowledged clusters out
    (``status --exclude-acknowledged``)."""
    judged = [r for r in rows if not (exclude_acknowledged and r.acknowledged)]
    severities = {r.severity for r in judged}
    if Severity.CRITICAL in severities:
        return CRITICAL
    down = (collector is not None and collector.down) or any(s.problem for s in sources)
    if not rows or down or Severity.UNKNOWN in severities or any(r.stale for r in judged):
        return UNKNOWN
    if Severity.WARNING in severities:
        return WARNING
    return OK


def counts(rows: Sequence[Row], now: datetime, policy: FreshnessPolicy) -> FleetCounts:
    """The policy's one count over the rows (the same numbers every face shows), with
    the acknowledgements the rows hold."""
    dues = {id(r.status): r.dues for r in rows}
    book = AckBook.of(a for r in rows if r.ack is not None for a in r.ack.holding)
    return policy.count((r.status for r in rows), now, dues=lambda s: dues[id(s)], acks=book)


def totals(rows: Sequence[Row], now: datetime, policy: FreshnessPolicy) -> dict[str, int]:
    """Clusters per true severity, stale, failing, and how many are acknowledged."""
    found = counts(rows, now, policy)
    return (
        {"clusters": found.clusters}
        | {s.value: found.severity[s] for s in Severity}
        | {
            "stale": found.stale,
            "failing": found.failing,
            "acknowledged": found.acknowledged_total,
        }
    )


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
            known.model_copy(update={"tags": tags, "product": cluster.product})
            if known
            else ClusterStatus(cluster=cluster.name, product=cluster.product, tags=tags)
        )
    return merged
