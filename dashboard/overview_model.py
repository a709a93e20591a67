"""What the fleet overview and the wall show: every cluster as one tile, grouped by a tag,
worst first, with per-group counts. Pure (no Textual), so it runs in a worker thread and
in tests and benchmarks without an app.

A cluster's tile has a :class:`Look` (colour class and mark) judged by the policy
(:meth:`~collectors.policy.FreshnessPolicy.is_stale`); the counts of every group and
of the fleet are the policy's :meth:`~collectors.policy.FreshnessPolicy.count`. The
judgement of a cluster is kept until its status changes, the policy changes, or the
time the policy says it turns stale (:meth:`~collectors.policy.FreshnessPolicy.until_stale`)
has come, so an update re-judges the clusters that changed, not the fleet; a group is
recounted only when one of its clusters was re-judged.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from types import MappingProxyType
from typing import Final

from collectors.model import Severity
from collectors.policy import Due, FleetCounts, FreshnessPolicy
from collectors.results import ClusterStatus

PREFERRED_GROUPING: Final = ("region", "customer", "site", "environment")
"""The tag keys offered first when cycling the grouping; others follow by name."""
NO_GROUPING: Final = ""
"""Group by nothing: one group of every cluster."""
STALE_TILE: Final = "◷"
"""The stale mark of a tile, a clock: one cell wide (the table's ⌛ takes two cells)."""
UNREACHABLE_TILE: Final = "↯"


class Tone(IntEnum):
    """A tile's colour class, worst first. Stale data shows as unknown unless critical:
    what we cannot see now is loud, like ``status``'s exit code (stale is UNKNOWN)."""

    CRITICAL = 0
    UNKNOWN = 1
    WARNING = 2
    OK = 3


class Look(IntEnum):
    """A tile's colour class and mark, in worst-first order."""

    CRITICAL_STALE = 0
    CRITICAL_UNREACHABLE = 1
    CRITICAL = 2
    STALE = 3
    UNKNOWN_UNREACHABLE = 4
    UNKNOWN = 5
    WARNING_UNREACHABLE = 6
    WARNING = 7
    OK_UNREACHABLE = 8
    OK = 9

    @property
    def tone(self) -> Tone:
        return _TONE[self]

    @property
    def glyph(self) -> str:
        return _GLYPH[self]

    @property
    def problem(self) -> bool:
        """Something to act on: anything but a reachable, fresh, ok cluster."""
        return self is not Look.OK


_TONE: Final = {
    Look.CRITICAL_STALE: Tone.CRITICAL,
    Look.CRITICAL_UNREACHABLE: Tone.CRITICAL,
    Look.CRITICAL: Tone.CRITICAL,
    Look.STALE: Tone.UNKNOWN,
    Look.UNKNOWN_UNREACHABLE: Tone.UNKNOWN,
    Look.UNKNOWN: Tone.UNKNOWN,
    Look.WARNING_UNREACHABLE: Tone.WARNING,
    Look.WARNING: Tone.WARNING,
    Look.OK_UNREACHABLE: Tone.OK,
    Look.OK: Tone.OK,
}
_GLYPH: Final = {
    Look.CRITICAL_STALE: STALE_TILE,
    Look.CRITICAL_UNREACHABLE: UNREACHABLE_TILE,
    Look.CRITICAL: Severity.CRITICAL.glyph,
    Look.STALE: STALE_TILE,
    Look.UNKNOWN_UNREACHABLE: UNREACHABLE_TILE,
    Look.UNKNOWN: Severity.UNKNOWN.glyph,
    Look.WARNING_UNREACHABLE: UNREACHABLE_TILE,
    Look.WARNING: Severity.WARNING.glyph,
    Look.OK_UNREACHABLE: UNREACHABLE_TILE,
    Look.OK: Severity.OK.glyph,
}
_UNREACHABLE_LOOK: Final = {
    Severity.UNKNOWN: Look.UNKNOWN_UNREACHABLE,
    Severity.WARNING: Look.WARNING_UNREACHABLE,
    Severity.OK: Look.OK_UNREACHABLE,
}
_PLAIN_LOOK: Final = {
    Severity.UNKNOWN: Look.UNKNOWN,
    Severity.WARNING: Look.WARNING,
    Severity.OK: Look.OK,
}


def look_of(status: ClusterStatus, stale: bool) -> Look:
    """The tile of ``status``; ``stale`` is the policy's judgement at the time."""
    severity = status.severity
    if severity is Severity.CRITICAL:
        if stale:
            return Look.CRITICAL_STALE
        return Look.CRITICAL_UNREACHABLE if status.unreachable else Look.CRITICAL
    if stale:
        return Look.STALE
    return (_UNREACHABLE_LOOK if status.unreachable else _PLAIN_LOOK)[severity]


def _no_dues(status: ClusterStatus) -> Sequence[Due]:
    return ()


@dataclass(frozen=True, slots=True)
class OverviewGroup:
    """The clusters that share one value of the grouping tag, worst first."""

    name: str
    """The tag value ("" when the cluster has no such tag)."""
    members: tuple[str, ...]
    looks: tuple[Look, ...]
    short: tuple[str, ...]
    """Each member's name without what every member's name shares (``emea-``)."""
    counts: FleetCounts
    version: int
    """Changes whenever members or looks change: what a drawn line may be cached by."""


@dataclass(frozen=True, slots=True)
class OverviewLayout:
    """One judgement of the whole fleet: immutable, handed from the worker to the UI."""

    group_by: str
    groups: tuple[OverviewGroup, ...]
    total: FleetCounts
    problems: tuple[str, ...]
    """Every cluster with something to act on, worst first across groups."""
    tag_keys: tuple[str, ...]
    """The tag keys the fleet has, in the order the grouping cycles through them."""
    newest: datetime | None
    """The newest good data of any cluster (the wall says how old it is)."""
    newest_stale: bool
    """Even the newest data is older than its cluster's stale threshold."""
    judged_at: datetime
    clusters: int
    index: Mapping[str, tuple[int, int]]
    """Where each cluster is: (group index, index in the group)."""
    generation: int = 0


@dataclass(slots=True)
class _Judged:
    status: ClusterStatus
    look: Look
    group: str
    valid_until: datetime | None
    seen: datetime | None


@dataclass(slots=True)
class _GroupState:
    members: list[str] = field(default_factory=list)
    dirty: bool = True


def short_names(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` without the prefix and suffix they all share, cut at a ``-``, ``.``,
    ``_`` or ``/``: ``emea-lon-cucm1``, ``emea-par-cucm1`` -> ``lon``, ``par``."""
    if len(names) < 2:
        return tuple(names)
    first, last = min(names), max(names)
    common = 0
    while common < min(len(first), len(last)) and first[common] == last[common]:
        common += 1
    prefix = max((first.rfind(sep, 0, common) + 1 for sep in "-._/"), default=0)
    rev = [n[::-1] for n in names]
    rfirst, rlast = min(rev), max(rev)
    tail = 0
    while tail < min(len(rfirst), len(rlast)) and rfirst[tail] == rlast[tail]:
        tail += 1
    suffix = max((rfirst.rfind(sep, 0, tail) + 1 for sep in "-._/"), default=0)
    cut = [n[prefix : len(n) - suffix] for n in names]
    if all(cut) and len(set(cut)) == len(cut):
        return tuple(cut)
    cut = [n[prefix:] for n in names]
    return tuple(cut) if all(cut) else tuple(names)


class OverviewModel:
    """Judges a fleet into an :class:`OverviewLayout`, keeping what did not change.

    Thread-safe: one judgement at a time (a worker superseded by a newer one may still be
    finishing); the layouts it returns are immutable.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._judged: dict[str, _Judged] = {}
        self._groups: dict[str, _GroupState] = {}
        self._previous: dict[str, OverviewGroup] = {}
        self._policy: FreshnessPolicy | None = None
        self._group_by: str | None = None
        self._statuses: Mapping[str, ClusterStatus] | None = None
        self._total: FleetCounts | None = None
        self._version = 0
        self._generation = 0
        self.due_at: datetime | None = None
        """When the earliest judgement expires (a cluster turns stale); None: never."""

    def due(self, now: datetime) -> bool:
        """Time alone has changed some judgement (a cluster turned stale)."""
        due_at = self.due_at
        return due_at is not None and now >= due_at

    def judge(
        self,
        statuses: Mapping[str, ClusterStatus],
        now: datetime,
        policy: FreshnessPolicy,
        group_by: str | None = None,
    ) -> OverviewLayout:
        """``group_by`` None: the first of :data:`PREFERRED_GROUPING` the fleet has."""
        with self._lock:
            keys = self._tag_keys(statuses)
            return self._judge(
                statuses,
                now,
                policy,
                default_grouping(keys) if group_by is None else group_by,
                keys,
            )

    def _judge(
        self,
        statuses: Mapping[str, ClusterStatus],
        now: datetime,
        policy: FreshnessPolicy,
        group_by: str,
        tag_keys: tuple[str, ...],
    ) -> OverviewLayout:
        if policy != self._policy or group_by != self._group_by:
            self._judged.clear()
            self._groups.clear()
            self._policy, self._group_by = policy, group_by
        judged = self._judged
        changed = statuses is not self._statuses
        if changed:
            for name in [n for n in judged if n not in statuses]:
                gone = judged.pop(name)
                self._leave(gone.group, name)
        due_at: datetime | None = None
        any_dirty = False
        for name, status in statuses.items():
            entry = judged.get(name)
            if (
                entry is not None
                and entry.status is status
                and (entry.valid_until is None or now < entry.valid_until)
            ):
                until = entry.valid_until
            else:
                any_dirty = True
                entry = self._judge_one(name, status, now, policy, group_by, entry)
                until = entry.valid_until
            if until is not None and (due_at is None or until < due_at):
                due_at = until
        self.due_at = due_at
        self._statuses = statuses
        if any_dirty or self._total is None or changed:
            self._total = policy.count(statuses.values(), now, dues=_no_dues)
        layout_groups = self._layout_groups(statuses, now, policy)
        self._generation += 1
        return OverviewLayout(
            group_by=group_by,
            groups=layout_groups,
            total=self._total,
            problems=self._problems(layout_groups),
            tag_keys=tag_keys,
            newest=(newest := self._newest()),
            newest_stale=self._newest_stale(newest, policy, now),
            judged_at=now,
            clusters=len(statuses),
            index=_index(layout_groups),
            generation=self._generation,
        )

    def _judge_one(
        self,
        name: str,
        status: ClusterStatus,
        now: datetime,
        policy: FreshnessPolicy,
        group_by: str,
        old: _Judged | None,
    ) -> _Judged:
        stale = policy.is_stale(status, now)
        until: datetime | None = None
        if not stale:
            left = policy.until_stale(status, now)
            # Exactly at the threshold the policy is not yet stale: look again just after.
            until = None if left is None else now + max(left, timedelta(microseconds=1))
        seen = status.last_seen or (status.last_good.collected_at if status.last_good else None)
        group = status.tags.get(group_by, "") if group_by else ""
        entry = _Judged(status, look_of(status, stale), group, until, seen)
        self._judged[name] = entry
        if old is not None and old.group != group:
            self._leave(old.group, name)
        state = self._groups.get(group)
        if state is None:
            state = self._groups[group] = _GroupState()
        if old is None or old.group != group:
            state.members.append(name)
        state.dirty = True
        return entry

    def _leave(self, group: str, name: str) -> None:
        state = self._groups.get(group)
        if state is not None:
            state.members.remove(name)
            state.dirty = True
            if not state.members:
                del self._groups[group]

    def _layout_groups(
        self, statuses: Mapping[str, ClusterStatus], now: datetime, policy: FreshnessPolicy
    ) -> tuple[OverviewGroup, ...]:
        judged = self._judged
        previous = self._previous
        fresh: dict[str, OverviewGroup] = {}
        for name, state in self._groups.items():
            old = previous.get(name)
            if not state.dirty and old is not None:
                fresh[name] = old
                continue
            state.members.sort(key=lambda n: (judged[n].look, n))
            members = tuple(state.members)
            looks = tuple(judged[n].look for n in members)
            counts = policy.count((statuses[n] for n in members), now, dues=_no_dues)
            short = old.short if old is not None and old.members == members else None
            if (
                old is not None
                and short is not None
                and old.looks == looks
                and old.counts == counts
            ):
                version = old.version
            else:
                self._version += 1
                version = self._version
            if short is None:
                short = short_names(members)
            fresh[name] = OverviewGroup(name, members, looks, short, counts, version)
            state.dirty = False
        self._previous = fresh
        out = list(fresh.values())
        out.sort(key=_group_order)
        return tuple(out)

    def _problems(self, groups: Sequence[OverviewGroup]) -> tuple[str, ...]:
        judged = self._judged
        found = [
            n for g in groups for n, look in zip(g.members, g.looks, strict=True) if look.problem
        ]
        found.sort(key=lambda n: (judged[n].look, n))
        return tuple(found)

    def _tag_keys(self, statuses: Mapping[str, ClusterStatus]) -> tuple[str, ...]:
        keys: set[str] = set()
        for status in statuses.values():
            keys.update(status.tags)
        first = [k for k in PREFERRED_GROUPING if k in keys]
        return (*first, *sorted(keys - set(first)))

    def _newest(self) -> datetime | None:
        seen = [j.seen for j in self._judged.values() if j.seen is not None]
        return max(seen, default=None)

    def _newest_stale(
        self, newest: datetime | None, policy: FreshnessPolicy, now: datetime
    ) -> bool:
        if newest is None:
            return False
        holder = next(n for n, j in self._judged.items() if j.seen == newest)
        return policy.aged(holder, newest, now)


def _index(groups: Sequence[OverviewGroup]) -> Mapping[str, tuple[int, int]]:
    return MappingProxyType(
        {name: (g, i) for g, group in enumerate(groups) for i, name in enumerate(group.members)}
    )


def _group_order(group: OverviewGroup) -> tuple[int, int, str]:
    """Worst first: the worst tone in the group, then how many share it, then the name
    (clusters without the tag last)."""
    if not group.looks:
        return (len(Tone), 0, group.name)
    worst = group.looks[0].tone
    share = sum(1 for look in group.looks if look.tone is worst)
    return (worst, -share, group.name or "\uffff")


def next_grouping(current: str, keys: Sequence[str]) -> str:
    """The grouping after ``current``: each tag key in turn, then none, then the first."""
    cycle = [*keys, NO_GROUPING]
    if current not in cycle:
        return cycle[0]
    return cycle[(cycle.index(current) + 1) % len(cycle)]


def default_grouping(keys: Sequence[str]) -> str:
    return keys[0] if keys else NO_GROUPING


def age_of(at: datetime | None, now: datetime) -> timedelta | None:
    return None if at is None else now - at
