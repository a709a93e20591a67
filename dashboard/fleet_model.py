"""The fleet table's judgement of a fleet, kept by what changed, off the UI thread.

A :class:`FleetModel` judges each cluster once per status value (its sort key, its
filter match, its counts by :meth:`~collectors.policy.FreshnessPolicy.count`, its
nearest hard deadline and its cell widths) and keeps the row order sorted by inserting
and removing the keys of the clusters that changed. Each update returns a
:class:`FleetView`: an immutable value the UI thread shows as it is (the order, an
index by name, the tally the summary bar prints), so the UI's work follows the rows in
view, not the fleet.

A judgement holds until the status changes, the policy changes, or the time the policy
names (:meth:`~collectors.policy.FreshnessPolicy.next_change`: the cluster turns stale
or one of its deadlines enters another band) has come; acknowledged clusters (a few) are
judged again on every update, since an acknowledgement may end with time. Pure (no
Textual): it runs in a worker thread, in tests and in benchmarks.
"""

from __future__ import annotations

import heapq
import math
import threading
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Protocol

from rich.cells import cell_len

from collectors.acks import AckBook
from collectors.policy import Due, FleetCounts, FreshnessPolicy, tally
from collectors.results import ClusterStatus
from dashboard.fleet_layout import CLUSTER_FLOOR, NAME_CAP
from dashboard.fleet_rows import Facts, FactsCache, RowContext, sort_key
from dashboard.fleet_rows import natural_lengths as _natural_lengths
from dashboard.state import FleetState

NO_COUNTS: Final = tally(())
PAUSE_EVERY: Final = 64
"""How many clusters an update judges between two calls of its ``pause``."""


class RowFilter(Protocol):
    """Which clusters are shown (the fleet filter of :mod:`dashboard.widgets.filter_input`)."""

    @property
    def empty(self) -> bool: ...

    def matches(self, status: ClusterStatus, stale: bool) -> bool: ...


@dataclass(frozen=True, slots=True)
class EveryRow:
    """No filter: every cluster is shown."""

    @property
    def empty(self) -> bool:
        return True

    def matches(self, status: ClusterStatus, stale: bool) -> bool:
        return True


_NO_FILTER: Final = EveryRow()


@dataclass(frozen=True, slots=True)
class Order:
    """How the rows are sorted and which are shown."""

    column: str = "severity"
    reverse: bool = False
    fleet_filter: RowFilter = _NO_FILTER


@dataclass(frozen=True, slots=True)
class FleetView:
    """One judgement of the whole fleet, handed to the UI thread and never changed."""

    fleet: FleetState
    policy: FreshnessPolicy
    judged_at: datetime
    order: Order
    rows: tuple[str, ...]
    """The shown clusters (filtered), in display order."""
    index: Mapping[str, int]
    """Where each shown cluster is in :attr:`rows`."""
    counts: FleetCounts
    """:meth:`FreshnessPolicy.count` of the whole fleet at :attr:`judged_at`."""
    nearest: Due | None
    """The nearest hard deadline not yet passed, of any cluster."""
    name_width: int
    natural: Mapping[str, int]
    """The longest tags and worst-entitlement texts ("tags", "worst")."""
    judged: int
    """How many clusters this update judged (again): the work it did."""

    @property
    def total(self) -> int:
        return len(self.fleet.statuses)


@dataclass(frozen=True, slots=True)
class _Row:
    status: ClusterStatus
    facts: Facts
    stale: bool
    counts: FleetCounts
    until: float
    """Timestamp until which this judgement holds (inf: until the status changes)."""
    tags_len: int
    worst_len: int
    name_len: int


def _drop(counter: Counter[int], value: int) -> None:
    counter[value] -= 1
    if counter[value] <= 0:
        del counter[value]


class FleetModel:
    """Judges fleets into :class:`FleetView` values, keeping what did not change.

    Thread-safe: one update at a time (a lock); the views it returns are immutable.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._facts = FactsCache()
        self._policy: FreshnessPolicy | None = None
        self._reset()
        self._order = Order()
        self._view: FleetView | None = None
        self.due_ts = math.inf
        """When the earliest judgement expires (timestamp; inf: none will)."""

    def _reset(self) -> None:
        self._rows: dict[str, _Row] = {}
        self._keys: dict[str, Any] = {}
        self._sorted: list[tuple[Any, str]] = []
        self._match: dict[str, bool] = {}
        self._deadlines: list[tuple[float, str]] = []
        self._heap: list[tuple[float, str, int]] = []
        self._total = NO_COUNTS
        self._tags_len: Counter[int] = Counter()
        self._worst_len: Counter[int] = Counter()
        self._name_len: Counter[int] = Counter()
        self._statuses: Mapping[str, ClusterStatus] | None = None
        self._acks: AckBook | None = None
        self._shown: tuple[tuple[str, ...], Mapping[str, int]] | None = None

    @property
    def view(self) -> FleetView | None:
        """The last view returned."""
        return self._view

    @property
    def facts(self) -> FactsCache:
        """The facts of the statuses judged (filled by :meth:`update`'s thread): the
        table reads them through a :class:`FactsCache` of its own (``behind``)."""
        return self._facts

    def due(self, now: datetime) -> bool:
        """Time alone has changed some judgement (a cluster turned stale, a deadline
        entered another band)."""
        return now.timestamp() >= self.due_ts

    def update(
        self,
        fleet: FleetState,
        policy: FreshnessPolicy,
        now: datetime,
        order: Order,
        changed: frozenset[str] = frozenset(),
        pause: Callable[[], None] | None = None,
    ) -> FleetView:
        """The view of ``fleet`` at ``now`` in ``order``; ``changed`` names the clusters
        whose status changed since the last update (empty: unknown, compare them all).
        ``pause`` is called every :data:`PAUSE_EVERY` clusters judged and before sorting
        them all (a worker steps aside there for the UI thread's key presses)."""
        with self._lock:
            return self._update(fleet, policy, now, order, changed, pause)

    def _update(
        self,
        fleet: FleetState,
        policy: FreshnessPolicy,
        now: datetime,
        order: Order,
        changed: frozenset[str],
        pause: Callable[[], None] | None,
    ) -> FleetView:
        if policy != self._policy:
            self._policy = policy
            self._reset()
        statuses, acks = fleet.statuses, fleet.acks
        todo = self._changed(statuses, changed)
        now_ts = now.timestamp()
        heap = self._heap
        while heap and heap[0][0] <= now_ts:  # time alone: judged again
            _, name, ident = heapq.heappop(heap)
            row = self._rows.get(name)
            if row is not None and id(row) == ident:
                todo.add(name)
        if acks is not self._acks and self._acks is not None:
            todo.update(n for n in self._acks.by_cluster if n in self._rows)
        todo.update(n for n in acks.by_cluster if n in statuses)
        self._acks, self._statuses = acks, statuses
        ctx = RowContext(now=now, policy=policy, acks=acks)
        resort = order.column != self._order.column
        refilter = order.fleet_filter != self._order.fleet_filter
        self._order = order
        key_of = sort_key(order.column, ctx, self._facts)
        matches = order.fleet_filter.matches
        filtering = not order.fleet_filter.empty
        # Many changed rows: sort them all again (one C sort) rather than insert each.
        bulk = resort or (len(todo) > 256 and 4 * len(todo) > len(self._rows))
        added: list[FleetCounts] = []
        removed: list[FleetCounts] = []
        moved = resort or refilter
        for done, name in enumerate(todo, 1):
            if pause is not None and not done % PAUSE_EVERY:
                pause()
            old = self._rows.pop(name, None)
            old_key = None
            if old is not None:
                removed.append(old.counts)
                old_key = self._forget(name, old, bulk)
            status = statuses.get(name)
            if status is None:
                moved = True
                continue
            row = self._judge(status, ctx, now)
            self._rows[name] = row
            added.append(row.counts)
            if row.until != math.inf:
                heapq.heappush(heap, (row.until, name, id(row)))
            if not resort:
                key = key_of(status)
                if old is None or old_key != key:
                    moved = True
                self._keys[name] = key
                if not bulk:
                    insort(self._sorted, (key, name))
            if filtering and not refilter:
                match = matches(status, row.stale)
                moved = moved or match != self._match.get(name)
                self._match[name] = match
            if not bulk and row.facts.deadline is not None:
                insort(self._deadlines, (row.facts.deadline_ts, name))
        if added or removed:
            self._total = tally([self._total, *added], removed)
        if pause is not None and (resort or bulk):
            pause()  # (a sort of every row holds the GIL throughout)
        if resort:
            self._keys = {n: key_of(r.status) for n, r in self._rows.items()}
        if bulk:
            self._sorted = sorted([(k, n) for n, k in self._keys.items()])
            self._deadlines = sorted(
                [(r.facts.deadline_ts, n) for n, r in self._rows.items() if r.facts.deadline]
            )
        if filtering and refilter:
            rows = self._rows
            self._match = {n: matches(r.status, r.stale) for n, r in rows.items()}
        elif not filtering:
            self._match = {}
        if len(heap) > 2 * len(self._rows) + 1024:  # replaced rows' entries: drop them
            heap[:] = [(r.until, n, id(r)) for n, r in self._rows.items() if r.until != math.inf]
            heapq.heapify(heap)
        self.due_ts = heap[0][0] if heap else math.inf
        previous = self._view
        if moved or self._shown is None or previous is None or order != previous.order:
            self._shown = self._shown_rows(order)
        rows_shown, index = self._shown
        view = FleetView(
            fleet=fleet,
            policy=policy,
            judged_at=now,
            order=order,
            rows=rows_shown,
            index=index,
            counts=self._total,
            nearest=self._nearest(now_ts),
            name_width=max(CLUSTER_FLOOR, min(max(self._name_len, default=0), NAME_CAP)),
            natural=MappingProxyType(
                {"tags": max(self._tags_len, default=0), "worst": max(self._worst_len, default=0)}
            ),
            judged=len(todo),
        )
        self._view = view
        return view

    def _changed(self, statuses: Mapping[str, ClusterStatus], changed: frozenset[str]) -> set[str]:
        """The clusters whose status is not the one judged (new, changed or gone)."""
        rows = self._rows
        if statuses is self._statuses:
            return set()
        if changed and rows:
            todo = {
                n for n in changed if (r := rows.get(n)) is None or r.status is not statuses.get(n)
            }
            grows = sum(1 for n in todo if n in statuses and n not in rows)
            shrinks = sum(1 for n in todo if n not in statuses)
            if len(rows) + grows - shrinks == len(statuses):
                return todo
        todo = {n for n, s in statuses.items() if (r := rows.get(n)) is None or r.status is not s}
        if len(rows) + len(todo) - sum(1 for n in todo if n in rows) != len(statuses):
            todo.update(n for n in rows if n not in statuses)
        return todo

    def _judge(self, status: ClusterStatus, ctx: RowContext, now: datetime) -> _Row:
        policy = ctx.policy
        facts = self._facts.get(status)
        counts = policy.count_one(status, now, facts.dues, ctx.acks)
        change = policy.next_change(status, now, facts.dues)
        tags_len, worst_len = _natural_lengths(status)
        row = _Row(
            status=status,
            facts=facts,
            stale=counts.stale > 0,
            counts=counts,
            until=change.timestamp() if change is not None else math.inf,
            tags_len=tags_len,
            worst_len=worst_len,
            name_len=cell_len(status.cluster),
        )
        self._tags_len[tags_len] += 1
        self._worst_len[worst_len] += 1
        self._name_len[row.name_len] += 1
        return row

    def _forget(self, name: str, old: _Row, bulk: bool) -> Any:
        """Take ``old`` (the row judged before) out of the order and the widths (in
        ``bulk``, the order is sorted again afterwards); its sort key."""
        key = self._keys.pop(name, None)
        if not bulk:
            sorted_rows = self._sorted
            del sorted_rows[bisect_left(sorted_rows, (key, name))]
            if old.facts.deadline is not None:
                deadlines = self._deadlines
                del deadlines[bisect_left(deadlines, (old.facts.deadline_ts, name))]
        self._match.pop(name, None)
        _drop(self._tags_len, old.tags_len)
        _drop(self._worst_len, old.worst_len)
        _drop(self._name_len, old.name_len)
        if len(self._facts) > 2 * max(len(self._rows), 64):
            self._facts.keep(self._rows)
        return key

    def _shown_rows(self, order: Order) -> tuple[tuple[str, ...], Mapping[str, int]]:
        if order.fleet_filter.empty:
            names = [n for _, n in self._sorted]
        else:
            match = self._match
            names = [n for _, n in self._sorted if match[n]]
        if order.reverse:
            names.reverse()
        rows = tuple(names)
        return rows, MappingProxyType(dict(zip(rows, range(len(rows)), strict=True)))

    def _nearest(self, now_ts: float) -> Due | None:
        deadlines = self._deadlines
        at = bisect_left(deadlines, (now_ts, ""))
        if at == len(deadlines):
            return None
        return self._rows[deadlines[at][1]].facts.deadline


__all__ = ["EveryRow", "FleetModel", "FleetView", "Order", "RowFilter"]
