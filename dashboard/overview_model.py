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

import math
import threading
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final

from rich.cells import cell_len

from collectors.policy import Due, FleetCounts, FreshnessPolicy, next_hard, status_dues, tally
from collectors.results import ClusterStatus
from dashboard.overview_looks import TONE_OF, Look, Tone, look_of, short_names

PREFERRED_GROUPING: Final = ("region", "customer", "site", "environment")
"""The tag keys offered first when cycling the grouping; others follow by name."""
NO_GROUPING: Final = ""
"""Group by nothing: one group of every cluster."""


def _no_dues(status: ClusterStatus) -> Sequence[Due]:
    return ()


@dataclass(frozen=True, slots=True)
class OverviewGroup:
    """The clusters that share one value of the grouping tag, worst first."""

    name: str
    """The tag value ("" when the cluster has no such tag)."""
    members: tuple[str, ...]
    looks: tuple[Look, ...]
    tones: tuple[Tone, ...]
    short: tuple[str, ...]
    """Each member's name without what every member's name shares (``emea-``)."""
    short_width: int
    """The widest short name, in cells."""
    positions: Mapping[str, int]
    """Where each member is in :attr:`members`."""
    counts: FleetCounts
    version: int
    """Changes whenever members, looks or counts change: what a drawn line may be
    cached by."""


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
    generation: int = 0

    def find(self, name: str) -> tuple[int, int] | None:
        """(group index, index in the group) of cluster ``name``."""
        for g, group in enumerate(self.groups):
            i = group.positions.get(name)
            if i is not None:
                return g, i
        return None


@dataclass(slots=True)
class _Judged:
    status: ClusterStatus
    look: Look
    group: str
    valid_until: datetime | None
    seen: datetime | None
    at: datetime
    """When it was judged: until ``valid_until`` the policy counts it the same at any
    later time, so its count is :meth:`FreshnessPolicy.count` at ``at``."""


@dataclass(slots=True)
class _GroupState:
    counts: FleetCounts
    members: dict[str, None] = field(default_factory=dict)
    """An ordered set: a cluster leaves in O(1)."""
    added: list[_Judged] = field(default_factory=list)
    removed: list[_Judged] = field(default_factory=list)
    dirty: bool = True


_NO_COUNTS: Final = tally(())


class OverviewModel:
    """Judges a fleet into an :class:`OverviewLayout`, keeping what did not change: a
    cluster is judged again when its status, the policy or the grouping changed or its
    judgement expired; a group is sorted again only when one of its clusters was; the
    counts of a group and of the fleet change by the counts of what changed.

    Thread-safe: one judgement at a time; the layouts it returns are immutable.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._version = 0
        self._reset(None, None)
        self.due_at: datetime | None = None
        """When the earliest judgement expires (a cluster turns stale); None: never."""

    def _reset(self, policy: FreshnessPolicy | None, group_by: str | None) -> None:
        self._policy, self._group_by = policy, group_by
        self._judged: dict[str, _Judged] = {}
        self._order: dict[str, tuple[Look, float, str]] = {}
        self._look: dict[str, Look] = {}
        self._groups: dict[str, _GroupState] = {}
        self._previous: dict[str, OverviewGroup] = {}
        self._total = _NO_COUNTS
        self._tags: Counter[str] = Counter()
        self._newest: tuple[datetime, str] | None = None
        self._newest_lost = False
        self._statuses: Mapping[str, ClusterStatus] | None = None

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
            if not self._judged:
                keys = _tag_keys(Counter(k for s in statuses.values() for k in s.tags))
            else:
                keys = _tag_keys(self._tags)
            chosen = default_grouping(keys) if group_by is None else group_by
            layout = self._judge(statuses, now, policy, chosen)
            if group_by is None and layout.tag_keys and chosen != layout.tag_keys[0]:
                layout = self._judge(statuses, now, policy, layout.tag_keys[0])  # tags moved
            return layout

    def _judge(
        self,
        statuses: Mapping[str, ClusterStatus],
        now: datetime,
        policy: FreshnessPolicy,
        group_by: str,
    ) -> OverviewLayout:
        if policy != self._policy or group_by != self._group_by:
            self._reset(policy, group_by)
        judged = self._judged
        if statuses is not self._statuses:
            for name in [n for n in judged if n not in statuses]:
                self._forget(name)
        due_at: datetime | None = None
        for name, status in statuses.items():
            entry = judged.get(name)
            if (
                entry is None
                or entry.status is not status
                or (entry.valid_until is not None and now >= entry.valid_until)
            ):
                entry = self._judge_one(name, status, now, policy, group_by)
            until = entry.valid_until
            if until is not None and (due_at is None or until < due_at):
                due_at = until
        self.due_at = due_at
        self._statuses = statuses
        self._tags += Counter()  # drop the keys no cluster has any more
        groups = self._layout_groups(statuses, now, policy)
        self._total = tally(g.counts for g in groups)
        newest = self._newest_seen()
        self._generation += 1
        return OverviewLayout(
            group_by=group_by,
            groups=groups,
            total=self._total,
            problems=self._problems(groups),
            tag_keys=_tag_keys(self._tags),
            newest=newest[0] if newest else None,
            newest_stale=newest is not None and policy.aged(newest[1], newest[0], now),
            judged_at=now,
            clusters=len(statuses),
            generation=self._generation,
        )

    def _judge_one(
        self,
        name: str,
        status: ClusterStatus,
        now: datetime,
        policy: FreshnessPolicy,
        group_by: str,
    ) -> _Judged:
        self._forget(name)
        stale = policy.is_stale(status, now)
        until: datetime | None = None
        if not stale:
            left = policy.until_stale(status, now)
            # Exactly at the threshold the policy is not yet stale: look again just after.
            until = None if left is None else now + max(left, timedelta(microseconds=1))
        seen = status.last_seen or (status.last_good.collected_at if status.last_good else None)
        group = status.tags.get(group_by, "") if group_by else ""
        look = look_of(status, stale)
        entry = _Judged(status, look, group, until, seen, now)
        self._judged[name] = entry
        self._order[name] = (look, _urgency(status) if look.problem else math.inf, name)
        self._look[name] = look
        state = self._groups.get(group)
        if state is None:
            state = self._groups[group] = _GroupState(_NO_COUNTS)
        state.members[name] = None
        state.added.append(entry)
        state.dirty = True
        self._tags.update(status.tags.keys())
        if seen is not None and (self._newest is None or seen > self._newest[0]):
            self._newest = (seen, name)
        return entry

    def _forget(self, name: str) -> None:
        """Take ``name``'s last judgement out of its group, the counts and the tags."""
        old = self._judged.pop(name, None)
        if old is None:
            return
        state = self._groups[old.group]
        del state.members[name]
        state.removed.append(old)
        state.dirty = True
        if not state.members:
            del self._groups[old.group]
        self._tags.subtract(old.status.tags.keys())
        if self._newest is not None and self._newest[1] == name:
            self._newest_lost = True
        del self._order[name], self._look[name]

    def _newest_seen(self) -> tuple[datetime, str] | None:
        if self._newest_lost:
            self._newest_lost = False
            seen = [(j.seen, n) for n, j in self._judged.items() if j.seen is not None]
            self._newest = max(seen, default=None)
        return self._newest

    def _layout_groups(
        self, statuses: Mapping[str, ClusterStatus], now: datetime, policy: FreshnessPolicy
    ) -> tuple[OverviewGroup, ...]:
        previous, order, look = self._previous, self._order, self._look
        fresh: dict[str, OverviewGroup] = {}
        for name, state in self._groups.items():
            old = previous.get(name)
            if not state.dirty and old is not None:
                fresh[name] = old
                continue
            members = tuple(sorted(state.members, key=order.__getitem__))
            looks = tuple(map(look.__getitem__, members))
            state.counts = self._recount(state, members, statuses, now, policy)
            if old is not None and old.members == members:
                short, width, positions = old.short, old.short_width, old.positions
            else:
                short = short_names(members)
                width = max(map(cell_len, short), default=0)
                positions = MappingProxyType({n: i for i, n in enumerate(members)})
            if old is not None and old.members == members and old.looks == looks:
                version = old.version if old.counts == state.counts else self._bump()
            else:
                version = self._bump()
            tones = tuple(map(TONE_OF.__getitem__, looks))
            fresh[name] = OverviewGroup(
                name, members, looks, tones, short, width, positions, state.counts, version
            )
            state.dirty = False
        self._previous = fresh
        return tuple(sorted(fresh.values(), key=_group_order))

    @staticmethod
    def _recount(
        state: _GroupState,
        members: Sequence[str],
        statuses: Mapping[str, ClusterStatus],
        now: datetime,
        policy: FreshnessPolicy,
    ) -> FleetCounts:
        """The group's counts: the policy's count of what changed added to the last
        ones, or, when most of the group changed, the policy's count of the group."""
        added, removed = state.added, state.removed
        state.added, state.removed = [], []
        if 4 * (len(added) + len(removed)) > len(members):
            return policy.count((statuses[n] for n in members), now, dues=_no_dues)

        def one(entry: _Judged) -> FleetCounts:
            return policy.count((entry.status,), entry.at, dues=_no_dues)

        return tally([state.counts, *map(one, added)], minus=map(one, removed))

    def _bump(self) -> int:
        self._version += 1
        return self._version

    def _problems(self, groups: Sequence[OverviewGroup]) -> tuple[str, ...]:
        """The problem clusters: each group's members up to its first fresh ok one."""
        found: list[str] = []
        for group in groups:
            ok = bisect_left(group.looks, Look.OK)
            found.extend(group.members[:ok])
        found.sort(key=self._order.__getitem__)
        return tuple(found)


def _urgency(status: ClusterStatus) -> float:
    """When the cluster's next hard deadline is (the policy's), to order problems of one
    look most urgent first, as the fleet table does; never: infinity."""
    due = next_hard(status_dues(status))
    return due.at.timestamp() if due is not None else math.inf


def _tag_keys(counts: Counter[str]) -> tuple[str, ...]:
    keys = {k for k, n in counts.items() if n > 0}
    first = [k for k in PREFERRED_GROUPING if k in keys]
    return (*first, *sorted(keys - set(first)))


def _group_order(group: OverviewGroup) -> tuple[int, int, str]:
    """Worst first: the worst tone in the group, then how many share it, then the name
    (clusters without the tag last)."""
    if not group.looks:
        return (len(Tone), 0, group.name)
    worst = group.looks[0].tone
    share = (
        bisect_left(group.looks, _FIRST_LOOK[worst + 1])
        if worst + 1 < len(Tone)
        else len(group.looks)
    )
    return (worst, -share, group.name or "\uffff")


_FIRST_LOOK: Final = (
    Look.CRITICAL_STALE,
    Look.STALE,
    Look.WARNING_UNREACHABLE,
    Look.OK_UNREACHABLE,
)
"""The first (worst) look of each tone, in tone order."""


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
