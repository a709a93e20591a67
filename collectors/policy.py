"""The one freshness-and-thresholds policy every face judges by.

Staleness ("is this status stale at ``now``", "how long until it is"), deadline bands
("overdue / within critical days / within warning days / later") and the fleet counts
built from them live here and nowhere else: the engine, ``status``, metrics, the fleet
rows, the summary bar, the detail screens, the deadline list and the store viewer all
call a :class:`FreshnessPolicy`. It is a frozen, serialisable value: the collector
writes its policy into the store (``policy.json``) so a read-only viewer and
``status --store`` judge exactly as the collector does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from collectors.acks import EMPTY_BOOK, AckBook, AckState, judge
from collectors.dates import human_span
from collectors.model import (
    AuthorizationStatus,
    DeadlineKind,
    LicenseSnapshot,
    RegistrationStatus,
    Severity,
)
from collectors.severity import Thresholds

if TYPE_CHECKING:
    from collectors.config import LicdashConfig
    from collectors.results import ClusterStatus

DEFAULT_STALE_AFTER: Final = timedelta(minutes=15)
"""The fallback when neither a config, the store nor the user says: three polls of 5 min."""

Origin = Literal["config", "store", "override", "default"]
_TICK: Final = timedelta(microseconds=1)
"""The smallest step of a datetime: a strict "after" boundary is this much past it."""


class Band(StrEnum):
    """How close a deadline is, worst first."""

    OVERDUE = "overdue"
    CRITICAL = "critical"
    """Within ``critical_days``."""
    WARNING = "warning"
    """Within ``warning_days``."""
    LATER = "later"


BANDS: Final = tuple(Band)


class Due(NamedTuple):
    """One deadline of one cluster as every face shows it.

    A named tuple: immutable and hashable like a frozen dataclass, and built in 60 % of
    its time; every face builds one per deadline of every cluster it judges (40,000 at
    10,000 clusters: the dashboard's first table, ``status``)."""

    cluster: str
    kind: DeadlineKind
    at: datetime
    expired: bool = False
    """The licence state says this has passed (an expired evaluation, registration or
    authorization); when the date is unknown ``at`` is when that was observed."""

    @property
    def hard(self) -> bool:
        return self.kind.hard


_EXPIRED_STATES: Final = (
    (DeadlineKind.EVALUATION_END, "authorization", AuthorizationStatus.EVALUATION_EXPIRED),
    (DeadlineKind.AUTHORIZATION_EXPIRY, "authorization", AuthorizationStatus.AUTHORIZATION_EXPIRED),
    (DeadlineKind.REGISTRATION_EXPIRY, "registration", RegistrationStatus.REGISTRATION_EXPIRED),
)


def snapshot_dues(cluster: str, snap: LicenseSnapshot) -> tuple[Due, ...]:
    """Every deadline of ``snap``, earliest first, plus an overdue one for each expired
    state that carries no past date of its own (``evaluation_expired`` has none)."""
    dues = [Due(cluster, kind, at) for kind, at in _dated(snap)]
    for kind, part, state in _EXPIRED_STATES:
        if getattr(snap, part).status is not state:
            continue
        if any(d.kind is kind and d.at <= snap.collected_at for d in dues):
            continue
        at = snap.collected_at
        days = snap.authorization.evaluation_remaining_days
        if kind is DeadlineKind.EVALUATION_END and days is not None and days <= 0:
            at = snap.collected_at + timedelta(days=days)
        dues = [d for d in dues if d.kind is not kind]
        dues.append(Due(cluster, kind, at, expired=True))
    return tuple(sorted(dues, key=_due_order))


def _due_order(due: Due) -> tuple[datetime, str]:
    return due.at, due.kind  # a StrEnum orders as its value, without reading ``.value``


def _dated(snap: LicenseSnapshot) -> list[tuple[DeadlineKind, datetime]]:
    """The snapshot's deadlines; derived from its timers when it carries none (a
    snapshot built by hand or by an older licdash)."""
    if snap.deadlines:
        return [(d.kind, d.at) for d in snap.deadlines]
    reg, auth = snap.registration, snap.authorization
    found: list[tuple[DeadlineKind, datetime | None]] = [
        (DeadlineKind.REGISTRATION_RENEWAL, reg.next_renewal_attempt),
        (DeadlineKind.REGISTRATION_EXPIRY, reg.expires),
        (DeadlineKind.AUTHORIZATION_RENEWAL, auth.next_communication_attempt),
        (DeadlineKind.AUTHORIZATION_EXPIRY, auth.expires),
    ]
    if auth.status is AuthorizationStatus.EVALUATION and auth.evaluation_remaining_days is not None:
        end = snap.collected_at + timedelta(days=auth.evaluation_remaining_days)
        found.append((DeadlineKind.EVALUATION_END, end))
    return [(kind, at) for kind, at in found if at is not None]


def status_dues(status: ClusterStatus) -> tuple[Due, ...]:
    snap = status.last_good
    return () if snap is None else snapshot_dues(status.cluster, snap)


def next_hard(dues: Iterable[Due]) -> Due | None:
    """The earliest hard deadline (possibly passed)."""
    return min((d for d in dues if d.hard), key=lambda d: d.at, default=None)


@dataclass(frozen=True, slots=True)
class DeadlineCounts:
    """Deadlines per band, hard and soft apart."""

    hard: Mapping[Band, int] = field(default_factory=lambda: dict.fromkeys(BANDS, 0))
    soft: Mapping[Band, int] = field(default_factory=lambda: dict.fromkeys(BANDS, 0))

    @property
    def overdue(self) -> int:
        """Hard deadlines already passed: licensing has lapsed there."""
        return self.hard[Band.OVERDUE]

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            "hard": {b.value: self.hard[b] for b in BANDS},
            "soft": {b.value: self.soft[b] for b in BANDS},
        }


@dataclass(frozen=True, slots=True)
class FleetCounts:
    """The numbers every face shows about a fleet at one moment."""

    clusters: int
    severity: Mapping[Severity, int]
    """Every cluster by its true severity (acknowledged ones included)."""
    stale: int
    failing: int
    deadlines: DeadlineCounts
    acknowledged: Mapping[Severity, int] = field(default_factory=lambda: dict.fromkeys(Severity, 0))
    """Acknowledged clusters by their true severity (a subset of ``severity``)."""

    @property
    def acknowledged_total(self) -> int:
        return sum(self.acknowledged.values())

    def unacknowledged(self, severity: Severity) -> int:
        """Clusters of ``severity`` nobody acknowledged: what still needs attention."""
        return self.severity[severity] - self.acknowledged[severity]


_NO_SEVERITY: Final[Mapping[Severity, int]] = MappingProxyType(dict.fromkeys(Severity, 0))
_ONE_SEVERITY: Final = {
    sev: MappingProxyType({s: int(s is sev) for s in Severity}) for sev in Severity
}
_NO_BANDS: Final[Mapping[Band, int]] = MappingProxyType(dict.fromkeys(BANDS, 0))
_NO_DEADLINES: Final = DeadlineCounts(hard=_NO_BANDS, soft=_NO_BANDS)


def tally(parts: Iterable[FleetCounts], minus: Iterable[FleetCounts] = ()) -> FleetCounts:
    """The counts of a fleet made of ``parts``, less ``minus``: counts add up, so a face
    that keeps :meth:`FreshnessPolicy.count` per cluster (the overview) updates a
    group's counts by what changed instead of counting the group again.

    Each distinct value is added once, times how often it occurs: clusters judged alike
    share one value (see :meth:`FreshnessPolicy.count_one`), so a fleet of 10,000 adds
    up a few dozen."""
    clusters = stale = failing = 0
    severity = dict.fromkeys(Severity, 0)
    acknowledged = dict.fromkeys(Severity, 0)
    hard = dict.fromkeys(BANDS, 0)
    soft = dict.fromkeys(BANDS, 0)
    times: dict[int, list[Any]] = {}  # by id (each value is held here meanwhile)
    for step, group in ((1, parts), (-1, minus)):
        for part in group:
            seen = times.get(id(part))
            if seen is None:
                times[id(part)] = [part, step]
            else:
                seen[1] += step
    for counts, sign in times.values():
        if not sign:
            continue
        clusters += sign * counts.clusters
        stale += sign * counts.stale
        failing += sign * counts.failing
        for sev, n in counts.severity.items():
            severity[sev] += sign * n
        for sev, n in counts.acknowledged.items():
            acknowledged[sev] += sign * n
        for band in BANDS:
            hard[band] += sign * counts.deadlines.hard[band]
            soft[band] += sign * counts.deadlines.soft[band]
    deadlines = DeadlineCounts(hard=hard, soft=soft)
    return FleetCounts(clusters, severity, stale, failing, deadlines, acknowledged)


class FreshnessPolicy(BaseModel):
    """Staleness thresholds per cluster and the deadline bands; see the module docs."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    stale_after_s: float = Field(DEFAULT_STALE_AFTER.total_seconds(), gt=0)
    """For a cluster the policy does not name."""
    cluster_stale_after_s: dict[str, float] = {}
    """Per cluster: ``stale_after`` x the cluster's own interval."""
    warning_days: float = Field(30.0, ge=0)
    critical_days: float = Field(7.0, ge=0)
    origin: Origin = "default"
    """Where this policy came from (stated on screen when it is a fallback)."""

    # ----- building -------------------------------------------------------------------

    @classmethod
    def from_config(cls, config: LicdashConfig) -> FreshnessPolicy:
        s = config.settings
        return cls(
            stale_after_s=s.stale_after * s.interval,
            cluster_stale_after_s={
                c.name: s.stale_after * c.effective_interval(s) for c in config.clusters
            },
            warning_days=s.warning_days,
            critical_days=s.critical_days,
            origin="config",
        )

    @classmethod
    def uniform(cls, stale_after: timedelta, *, origin: Origin = "override") -> FreshnessPolicy:
        return cls(stale_after_s=stale_after.total_seconds(), origin=origin)

    def overridden(self, stale_after: timedelta) -> FreshnessPolicy:
        """The same bands, one staleness threshold for every cluster (``--stale-after``)."""
        return self.model_copy(
            update={
                "stale_after_s": stale_after.total_seconds(),
                "cluster_stale_after_s": {},
                "origin": "override",
            }
        )

    def to_doc(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"origin"})

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> FreshnessPolicy:
        return cls.model_validate({**doc, "origin": "store"})

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(warning_days=self.warning_days, critical_days=self.critical_days)

    def describe(self) -> str:
        """One line for a screen or ``status``: what the judgement is based on."""
        span = human_span(timedelta(seconds=self.stale_after_s))
        if self.origin == "config":
            return f"policy from the config (stale after {span} unless a cluster says)"
        if self.origin == "store":
            return "policy recorded by the collector"
        if self.origin == "override":
            return f"stale after {span} (given on the command line)"
        return f"no policy in the store: fallback, stale after {span}"

    # ----- staleness ------------------------------------------------------------------

    def stale_after(self, cluster: str) -> timedelta:
        return timedelta(seconds=self.cluster_stale_after_s.get(cluster, self.stale_after_s))

    def aged(self, cluster: str, seen: datetime | None, now: datetime) -> bool:
        """Good data older than the cluster's threshold. Never polled is not stale: there
        is no data to age (its severity is unknown instead)."""
        return seen is not None and now - seen > self.stale_after(cluster)

    def is_stale(self, status: ClusterStatus, now: datetime) -> bool:
        """Stale by the engine's flag, or because the last good poll is too old now."""
        return status.stale or self.aged(status.cluster, _seen(status), now)

    def until_stale(self, status: ClusterStatus, now: datetime) -> timedelta | None:
        """How long until ``status`` turns stale (zero once it is); None if never polled."""
        seen = _seen(status)
        if seen is None:
            return None
        if status.stale:
            return timedelta(0)
        return max(timedelta(0), seen + self.stale_after(status.cluster) - now)

    def next_change(
        self, status: ClusterStatus, now: datetime, dues: Iterable[Due] = ()
    ) -> datetime | None:
        """The earliest time after ``now`` at which time alone changes how ``status``
        is judged: it turns stale, or one of ``dues`` enters another band (warning,
        critical, overdue). None: never (until the status changes). What keeps a
        per-cluster judgement (counts, order) until then instead of judging again."""
        edges: list[datetime] = []
        seen = _seen(status)
        if seen is not None and not status.stale:
            edges.append(seen + self.stale_after(status.cluster) + _TICK)  # aged: strictly after
        warning, critical = timedelta(days=self.warning_days), timedelta(days=self.critical_days)
        for due in dues:
            edges += (due.at - warning, due.at - critical, due.at + _TICK)  # overdue: after
        return min((e for e in edges if e > now), default=None)

    # ----- deadlines ------------------------------------------------------------------

    def band(self, at: datetime, now: datetime) -> Band:
        left = (at - now).total_seconds() / 86400
        if left < 0:
            return Band.OVERDUE
        if left <= self.critical_days:
            return Band.CRITICAL
        if left <= self.warning_days:
            return Band.WARNING
        return Band.LATER

    def urgency(self, due: Due, now: datetime) -> Severity:
        """The colour of a deadline: a hard one overdue or in the critical band is
        critical; a soft one (a renewal attempt) is at most a warning."""
        band = self.band(due.at, now)
        if band is Band.LATER:
            return Severity.OK
        if band is Band.WARNING or not due.hard:
            return Severity.WARNING
        return Severity.CRITICAL

    def count_deadlines(self, dues: Iterable[Due], now: datetime) -> DeadlineCounts:
        return _band_counts((due.hard, self.band(due.at, now)) for due in dues)

    def count(
        self,
        statuses: Iterable[ClusterStatus],
        now: datetime,
        *,
        dues: Callable[[ClusterStatus], Sequence[Due]] = status_dues,
        acks: AckBook = EMPTY_BOOK,
    ) -> FleetCounts:
        """Severity, stale, failing, deadline and acknowledged counts: the summary bar,
        the Deadlines screen, ``status`` and metrics all show these numbers."""
        by_sev = dict.fromkeys(Severity, 0)
        acked = dict.fromkeys(Severity, 0)
        clusters = stale = failing = 0
        every: list[Due] = []
        for status in statuses:
            clusters += 1
            by_sev[status.severity] += 1
            stale += self.is_stale(status, now)
            failing += status.unreachable
            every.extend(dues(status))
            if (
                status.cluster in acks.by_cluster
                and self.acknowledgement(status, acks, now).acknowledged
            ):
                acked[status.severity] += 1
        deadlines = self.count_deadlines(every, now)
        return FleetCounts(clusters, by_sev, stale, failing, deadlines, acked)

    def count_one(
        self,
        status: ClusterStatus,
        now: datetime,
        dues: Sequence[Due],
        acks: AckBook = EMPTY_BOOK,
    ) -> FleetCounts:
        """:meth:`count` of the one cluster ``status`` (whose deadlines are ``dues``),
        built with less: what a face that keeps counts per cluster and adds them up
        (:func:`tally`) pays for each cluster that changed. Clusters counted alike get
        the same (immutable) value: a fleet has a few dozen of them."""
        severity = status.severity
        acked = (
            status.cluster in acks.by_cluster
            and self.acknowledgement(status, acks, now).acknowledged
        )
        stale = self.is_stale(status, now)
        bands = tuple((due.hard, self.band(due.at, now)) for due in dues)
        key = (severity, acked, stale, status.unreachable, bands)
        counts = _ONE_COUNTS.get(key)
        if counts is None:
            counts = FleetCounts(
                1,
                _ONE_SEVERITY[severity],
                int(stale),
                int(status.unreachable),
                _band_counts(bands) if bands else _NO_DEADLINES,
                _ONE_SEVERITY[severity] if acked else _NO_SEVERITY,
            )
            if len(_ONE_COUNTS) < _ONE_COUNTS_MAX:
                _ONE_COUNTS[key] = counts
        return counts

    # ----- acknowledgements -----------------------------------------------------------

    def acknowledgement(self, status: ClusterStatus, acks: AckBook, now: datetime) -> AckState:
        """Whether ``status`` counts as acknowledged at ``now`` (dimmed with a mark,
        sorted after the unacknowledged clusters of its severity, counted apart), which
        acknowledgements hold and which have ended and why: the rules of
        :mod:`collectors.acks`, the one judgement every face calls. The cluster's
        severity is never changed by it."""
        return judge(status.cluster, status, acks.get(status.cluster), now)


DEFAULT_POLICY: Final = FreshnessPolicy()

_ONE_COUNTS: Final[dict[tuple[Any, ...], FleetCounts]] = {}
""":meth:`FreshnessPolicy.count_one`'s values by what they count (severity,
acknowledged, stale, unreachable, each deadline's kind and band)."""
_ONE_COUNTS_MAX: Final = 4096


def _band_counts(bands: Iterable[tuple[bool, Band]]) -> DeadlineCounts:
    """Deadlines per band from (hard, band) pairs."""
    hard = dict.fromkeys(BANDS, 0)
    soft = dict.fromkeys(BANDS, 0)
    for is_hard, band in bands:
        (hard if is_hard else soft)[band] += 1
    return DeadlineCounts(hard=hard, soft=soft)


def _seen(status: ClusterStatus) -> datetime | None:
    return status.last_seen or (status.last_good.collected_at if status.last_good else None)


def far_future() -> datetime:
    return datetime.max.replace(tzinfo=UTC)
