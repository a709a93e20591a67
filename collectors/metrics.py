"""Prometheus exposition of the fleet: a custom collector that reads statuses at scrape time.

:class:`FleetCollector` holds no metric objects and no mutable state of its own. Each
scrape calls a provider (the daemon passes ``engine.statuses``) that returns an immutable
``Mapping[str, ClusterStatus]`` and turns it into metric families. Ages and deadlines are
computed against the scrape time, so they keep moving between polls.

Label sets are bounded: ``cluster`` and tag values come from the config, ``product`` and
state labels from fixed enums, ``kind`` from the error tree's fixed words (anything else is
``other``), entitlement ``tag``/``name`` from the licences a cluster holds. No label
carries a timestamp, a message or other free text.

Per-cluster series (every one labelled ``cluster``):

============================================  ======================================
``licdash_cluster_info``                      1; ``product``, ``transport``, ``axl_version``,
                                              ``tag_<key>``
``licdash_up``                                1 if the latest poll succeeded
``licdash_poll_duration_seconds``             duration of the latest poll attempt
``licdash_last_poll_timestamp_seconds``       when the latest attempt started
``licdash_last_success_timestamp_seconds``    when the last good poll was taken
``licdash_seconds_since_last_success``        age of the last good poll at scrape time
``licdash_stale``                             1 if the last good poll is too old
``licdash_consecutive_failures``              failed attempts since the last good one
``licdash_poll_error``                        1 for ``kind`` of the current failure
``licdash_registration_state``                1 for the current ``state``, 0 for others
``licdash_authorization_state``               1 for the current ``state``, 0 for others
``licdash_severity_state``                    1 for the current ``severity``, 0 for others
``licdash_severity``                          0 ok, 1 warning, 2 unknown, 3 critical
``licdash_entitlement_in_use``                 demand per ``tag``, ``name``, ``status``
``licdash_deadline_seconds``                  seconds until each hard deadline ``kind``
                                              (an expired state without a date has none;
                                              it counts in ``licdash_deadlines`` overdue)
``licdash_acknowledged``                      1 if every problem of the cluster is
                                              acknowledged or snoozed (the policy's
                                              judgement), else 0; alert rules add
                                              ``unless on (cluster) licdash_acknowledged == 1``
============================================  ======================================

Process series: ``licdash_clusters``, ``licdash_clusters_by_severity``,
``licdash_stale_clusters``, ``licdash_acknowledged_clusters`` (per ``severity``),
``licdash_deadlines`` (per ``band`` and ``type`` hard/soft),
``licdash_collector_up``, ``licdash_collector_heartbeat_age_seconds``,
``licdash_cycle_duration_seconds``,
``licdash_last_cycle_timestamp_seconds``, ``licdash_last_cycle_polls``,
``licdash_last_cycle_failures``, ``licdash_build_info``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Final, TypeVar

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import CollectorRegistry

from collectors import __version__
from collectors.acks import EMPTY_BOOK, AckBook
from collectors.cluster_state import CycleStats
from collectors.errors import LicdashError
from collectors.liveness import CollectorState
from collectors.model import AuthorizationStatus, RegistrationStatus, Severity
from collectors.policy import BANDS, DEFAULT_POLICY, Due, FreshnessPolicy, status_dues
from collectors.results import ClusterStatus

_T = TypeVar("_T")
StatusProvider = Callable[[], Mapping[str, ClusterStatus]]
PolicyProvider = Callable[[], FreshnessPolicy]
"""The policy in force (the daemon passes its engine's, which follows reloads)."""
CollectorProvider = Callable[[], CollectorState | None]
"""Whether the collector is writing its store (None: not known here)."""


CycleProvider = Callable[[], CycleStats | None]
"""The engine's last complete sweep (``PollEngine.last_cycle``), None before the first."""
AckProvider = Callable[[], AckBook]
"""The acknowledgements in force (the collector passes ``AckStore.book``: one ``stat``
per scrape, the file read again only when it changed)."""


def _all_error_kinds() -> frozenset[str]:
    kinds: set[str] = {"internal"}
    todo: list[type[LicdashError]] = [LicdashError]
    while todo:
        cls = todo.pop()
        kinds.add(cls.kind)
        todo.extend(cls.__subclasses__())
    return frozenset(kinds)


ERROR_KINDS: Final = _all_error_kinds()
"""Every error ``kind`` the error tree defines (plus ``internal``)."""
OTHER_KIND: Final = "other"
SEVERITY_VALUE: Final = {s: s.rank for s in Severity}
"""Numeric severity follows :attr:`Severity.rank`, so ``max()`` is the worst."""

_LABEL_OK = re.compile(r"[^a-zA-Z0-9_]")


def tag_label(key: str) -> str:
    """The label name for a config tag key: ``tag_`` plus the key with other chars as ``_``."""
    return "tag_" + _LABEL_OK.sub("_", key)


def error_kind_label(kind: str) -> str:
    """``kind`` if the error tree defines it, else ``other`` (keeps the label set bounded)."""
    return kind if kind in ERROR_KINDS else OTHER_KIND


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(value: datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


class FleetCollector:
    """A prometheus_client collector over a status provider; see the module docstring."""

    def __init__(
        self,
        statuses: StatusProvider,
        *,
        policy: PolicyProvider | None = None,
        cycle: CycleProvider | None = None,
        collector: CollectorProvider | None = None,
        clock: Callable[[], datetime] = _utcnow,
        acks: AckProvider | None = None,
    ) -> None:
        self._statuses = statuses
        self._policy = policy or (lambda: DEFAULT_POLICY)
        self._cycle = cycle
        self._collector = collector
        self._clock = clock
        self._acks = acks or (lambda: EMPTY_BOOK)

    def describe(self) -> list[Metric]:
        # Empty on purpose: the registry then skips duplicate-name checks instead of
        # calling collect() at registration time, before the engine has any status.
        return []

    def collect(self) -> Iterator[Metric]:
        statuses = self._statuses()
        now = self._clock()
        policy = self._policy()
        dues = {name: status_dues(status) for name, status in statuses.items()}
        book = self._acks()
        acked = {
            name: policy.acknowledgement(status, book, now).acknowledged
            for name, status in statuses.items()
        }
        yield from self._process_families(statuses, now, policy, dues, book)
        yield from self._collector_families()
        yield from self._cluster_families(statuses, now, policy, dues, acked)

    # ----- process-level --------------------------------------------------------------

    def _process_families(
        self,
        statuses: Mapping[str, ClusterStatus],
        now: datetime,
        policy: FreshnessPolicy,
        dues: Mapping[str, tuple[Due, ...]],
        book: AckBook,
    ) -> Iterator[Metric]:
        yield InfoMetricFamily("licdash_build", "licdash version.", value={"version": __version__})
        yield GaugeMetricFamily(
            "licdash_clusters", "Clusters the collector knows of.", value=len(statuses)
        )
        by_sev = GaugeMetricFamily(
            "licdash_clusters_by_severity", "Clusters per severity.", labels=["severity"]
        )
        found = policy.count(statuses.values(), now, dues=lambda s: dues[s.cluster], acks=book)
        for sev, count in found.severity.items():
            by_sev.add_metric([sev.value], count)
        yield by_sev
        yield GaugeMetricFamily(
            "licdash_stale_clusters", "Clusters whose last good poll is stale.", value=found.stale
        )
        by_ack = GaugeMetricFamily(
            "licdash_acknowledged_clusters",
            "Clusters whose every problem is acknowledged or snoozed, per true severity.",
            labels=["severity"],
        )
        for sev, count in found.acknowledged.items():
            by_ack.add_metric([sev.value], count)
        yield by_ack
        by_band = GaugeMetricFamily(
            "licdash_deadlines",
            "Deadlines per band (overdue, within critical_days, within warning_days, later); "
            "hard ones lapse licensing, soft ones are renewal attempts.",
            labels=["band", "type"],
        )
        for kind, per_band in (("hard", found.deadlines.hard), ("soft", found.deadlines.soft)):
            for band in BANDS:
                by_band.add_metric([band.value, kind], per_band[band])
        yield by_band
        cycle = self._cycle() if self._cycle else None
        if cycle is not None:
            yield GaugeMetricFamily(
                "licdash_cycle_duration_seconds",
                "Wall time of the last finished poll cycle.",
                value=cycle.duration_s,
            )
            yield GaugeMetricFamily(
                "licdash_last_cycle_timestamp_seconds",
                "When the last poll cycle finished (Unix time).",
                value=_ts(cycle.finished_at),
            )
            yield GaugeMetricFamily(
                "licdash_last_cycle_polls",
                "Polls in the last complete cycle.",
                value=cycle.polled,
            )
            yield GaugeMetricFamily(
                "licdash_last_cycle_failures",
                "Failed polls in the last complete cycle.",
                value=cycle.failed,
            )

    def _collector_families(self) -> Iterator[Metric]:
        state = self._collector() if self._collector else None
        if state is None:
            return
        yield GaugeMetricFamily(
            "licdash_collector_up",
            "1 if the collector is writing its store (fresh heartbeat), else 0.",
            value=int(state.state.value == "up"),
        )
        if state.age is not None:
            yield GaugeMetricFamily(
                "licdash_collector_heartbeat_age_seconds",
                "Seconds since the collector last recorded a heartbeat in its store.",
                value=state.age.total_seconds(),
            )

    # ----- per cluster ----------------------------------------------------------------

    def _cluster_families(
        self,
        statuses: Mapping[str, ClusterStatus],
        now: datetime,
        policy: FreshnessPolicy,
        dues: Mapping[str, tuple[Due, ...]],
        acked: Mapping[str, bool],
    ) -> Iterator[Metric]:
        tag_keys = sorted({k for s in statuses.values() for k in s.tags})
        tag_names = list(dict.fromkeys(tag_label(k) for k in tag_keys))
        info = GaugeMetricFamily(
            "licdash_cluster_info",
            "Static facts about a cluster (value 1): product, transport, AXL version, config tags.",
            labels=["cluster", "product", "transport", "axl_version", *tag_names],
        )
        c = ["cluster"]
        up = GaugeMetricFamily("licdash_up", "1 if the latest poll succeeded, else 0.", labels=c)
        duration = GaugeMetricFamily(
            "licdash_poll_duration_seconds", "Duration of the latest poll attempt.", labels=c
        )
        last_poll = GaugeMetricFamily(
            "licdash_last_poll_timestamp_seconds",
            "When the latest poll attempt started (Unix time).",
            labels=c,
        )
        last_ok = GaugeMetricFamily(
            "licdash_last_success_timestamp_seconds",
            "When the last good poll was taken (Unix time).",
            labels=c,
        )
        since_ok = GaugeMetricFamily(
            "licdash_seconds_since_last_success",
            "Age of the last good poll at scrape time.",
            labels=c,
        )
        stale = GaugeMetricFamily(
            "licdash_stale", "1 if the last good poll is older than stale_after.", labels=c
        )
        failures = GaugeMetricFamily(
            "licdash_consecutive_failures", "Failed polls since the last good one.", labels=c
        )
        error = GaugeMetricFamily(
            "licdash_poll_error",
            "1 for the error kind of a cluster whose latest poll failed.",
            labels=["cluster", "kind"],
        )
        registration = GaugeMetricFamily(
            "licdash_registration_state",
            "Registration status: 1 for the current state, 0 for the others.",
            labels=["cluster", "state"],
        )
        authorization = GaugeMetricFamily(
            "licdash_authorization_state",
            "Authorization status: 1 for the current state, 0 for the others.",
            labels=["cluster", "state"],
        )
        sev_state = GaugeMetricFamily(
            "licdash_severity_state",
            "licdash severity: 1 for the current one, 0 for the others.",
            labels=["cluster", "severity"],
        )
        sev_value = GaugeMetricFamily(
            "licdash_severity",
            "licdash severity as a number: 0 ok, 1 warning, 2 unknown, 3 critical.",
            labels=c,
        )
        entitlements = GaugeMetricFamily(
            "licdash_entitlement_in_use",
            "Licences in use (demand) per entitlement, with its compliance status.",
            labels=["cluster", "tag", "name", "status"],
        )
        deadlines = GaugeMetricFamily(
            "licdash_deadline_seconds",
            "Seconds until each hard deadline (negative once passed).",
            labels=["cluster", "kind"],
        )
        acknowledged = GaugeMetricFamily(
            "licdash_acknowledged",
            "1 if every problem of the cluster is acknowledged or snoozed in licdash, else 0.",
            labels=c,
        )

        for name in sorted(statuses):
            status = statuses[name]
            tags = {tag_label(k): v for k, v in status.tags.items()}
            info.add_metric(
                [name, status.product, status.transport or "", status.axl_version or ""]
                + [tags.get(t, "") for t in tag_names],
                1,
            )
            snap = status.last_good
            polled_ok = snap is not None and status.consecutive_failures == 0
            up.add_metric([name], 1 if polled_ok else 0)
            if status.last_duration_s is not None:
                duration.add_metric([name], status.last_duration_s)
            if status.last_attempt is not None:
                last_poll.add_metric([name], _ts(status.last_attempt))
            seen = status.last_seen or (snap.collected_at if snap else None)
            if seen is not None:
                last_ok.add_metric([name], _ts(seen))
                since_ok.add_metric([name], max(0.0, (now - seen).total_seconds()))
            stale.add_metric([name], int(policy.is_stale(status, now)))
            acknowledged.add_metric([name], int(acked[name]))
            failures.add_metric([name], status.consecutive_failures)
            if status.consecutive_failures and status.last_error is not None:
                error.add_metric([name, error_kind_label(status.last_error.kind)], 1)

            sev = status.severity
            for s in Severity:
                sev_state.add_metric([name, s.value], int(s is sev))
            sev_value.add_metric([name], SEVERITY_VALUE[sev])
            if snap is None:
                continue
            for r in RegistrationStatus:
                registration.add_metric([name, r.value], int(r is snap.registration.status))
            for a in AuthorizationStatus:
                authorization.add_metric([name, a.value], int(a is snap.authorization.status))
            demand: dict[tuple[str, str, str], int] = {}
            for ent in snap.entitlements:  # a repeated tag/status is summed, not duplicated
                key = (ent.tag, ent.name, ent.status.value)
                demand[key] = demand.get(key, 0) + ent.count
            for (tag, ent_name, ent_status), count in demand.items():
                entitlements.add_metric([name, tag, ent_name, ent_status], count)
            earliest: dict[str, datetime] = {}
            for deadline in dues[name]:  # one series per hard kind: the earliest
                if not deadline.hard or deadline.expired:  # no date of its own: counted
                    continue  # in licdash_deadlines{band="overdue"}, not given a made-up one
                kind = deadline.kind.value
                if kind not in earliest or deadline.at < earliest[kind]:
                    earliest[kind] = deadline.at
            for kind, at in earliest.items():
                deadlines.add_metric([name, kind], (at - now).total_seconds())

        yield from (info, up, duration, last_poll, last_ok, since_ok, stale, acknowledged)
        yield from (failures, error)
        yield from (registration, authorization, sev_state, sev_value, entitlements, deadlines)


def in_loop(
    loop: asyncio.AbstractEventLoop, fn: Callable[[], _T], *, timeout: float = 10.0
) -> Callable[[], _T]:
    """Wrap ``fn`` so that a scrape thread runs it in ``loop``'s thread and gets its value.

    The engine keeps its per-cluster state in its event loop; reading it from the HTTP
    server's thread would race with polls and reloads. The value ``fn`` returns there
    (``engine.statuses()``: an immutable mapping of frozen statuses) is safe to hand over.
    """

    async def call() -> _T:
        return fn()

    def provider() -> _T:
        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout)

    return provider


def fleet_registry(
    statuses: StatusProvider,
    *,
    policy: PolicyProvider | None = None,
    cycle: CycleProvider | None = None,
    collector: CollectorProvider | None = None,
    clock: Callable[[], datetime] = _utcnow,
    lost_results: Callable[[], int] | None = None,
    acks: AckProvider | None = None,
) -> CollectorRegistry:
    """A fresh registry (not the global one) holding a :class:`FleetCollector` and, when
    ``lost_results`` is given, ``licdash_store_lost_results_total``."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(
        FleetCollector(
            statuses, policy=policy, cycle=cycle, collector=collector, clock=clock, acks=acks
        )
    )
    if lost_results is not None:
        registry.register(LostResultsCollector(lost_results))
    return registry


class LostResultsCollector:
    """``licdash_store_lost_results_total``: results the store refused and that are gone."""

    def __init__(self, lost: Callable[[], int]) -> None:
        self._lost = lost

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "licdash_store_lost_results",
            "Poll results lost because a store write failed (since the collector started).",
        )
        family.add_metric([], float(self._lost()))
        yield family


def render(registry: CollectorRegistry) -> str:
    """The text exposition format of ``registry`` (what a scrape returns)."""
    from prometheus_client import generate_latest

    return generate_latest(registry).decode("utf-8")
