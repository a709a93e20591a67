"""The one merge rule: several sources' tables become one fleet.

- Every cluster keeps its name, with a ``source`` tag naming where it came from (the
  fleet filter's ``source=emea``, ``status --tag source=emea``). A config tag of that
  name is shadowed.
- A name found in more than one source is shown once *per source*, qualified as
  ``<source>/<name>``, and reported as a :class:`Collision`; :meth:`MergedFleet.owner`
  maps a key back to the source and the name there.
- A source that cannot be read keeps its last known clusters: each is marked with the
  source's failure (so it counts as unreachable, with that error) and ages by the policy
  as any other cluster does; nothing is dropped.
- Each source's acknowledgements come under the same keys (an acknowledgement of a
  cluster its source no longer holds is kept as ``<source>/<name>``), so one
  :class:`~collectors.acks.AckBook` judges the merged fleet by the one policy, and
  :meth:`MergedFleet.owner` says where to write a change.
- Each cluster is judged by its own collector's recorded policy (its staleness threshold
  is carried over under the merged key); the deadline bands come from the sources'
  policies, and when they differ the widest are used (the earliest warning) and
  reported.

:class:`FleetMerger` does this incrementally: a status that did not change in its source
keeps its merged value (identity), so a refresh that changed ten clusters of 9,000
copies ten.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from collectors.acks import EMPTY_BOOK, Ack, AckBook
from collectors.policy import DEFAULT_POLICY, FreshnessPolicy
from collectors.results import SOURCE_FIELD, ClusterStatus, ErrorInfo
from collectors.sources.base import SourceHealth, SourceState

SOURCE_TAG = "source"
_Item = tuple[ClusterStatus, str, ErrorInfo | None, ClusterStatus, "Owner"]
"""(the source's status, its merged key, the source's failure, the merged status, and
where it lives)"""


@dataclass(frozen=True, slots=True)
class Owner:
    """Where a merged cluster lives: the source and its name there."""

    source: str
    cluster: str


@dataclass(frozen=True, slots=True)
class Collision:
    """A cluster name that more than one source holds."""

    cluster: str
    sources: tuple[str, ...]

    def text(self) -> str:
        keys = ", ".join(f"{s}/{self.cluster}" for s in self.sources)
        return (
            f"cluster name {self.cluster} is in sources {', '.join(self.sources)}; shown as {keys}"
        )


@dataclass(frozen=True, slots=True)
class MergedFleet:
    """Every source's clusters under one key space, and how each source is."""

    statuses: Mapping[str, ClusterStatus]
    owners: Mapping[str, Owner]
    policy: FreshnessPolicy
    sources: tuple[SourceHealth, ...]
    collisions: tuple[Collision, ...] = ()
    notes: tuple[str, ...] = ()
    """Other things a person must know (differing deadline bands)."""
    changed: frozenset[str] | None = None
    """Keys changed since the previous merge (None: all)."""
    acks: AckBook = EMPTY_BOOK
    """Every source's acknowledgements in force, under the merged keys (the same object
    while no source's changed)."""
    ack_owners: Mapping[str, Owner] = field(default_factory=lambda: MappingProxyType({}))
    """Where the acknowledgements of each key of :attr:`acks` live."""

    def owner(self, key: str) -> Owner:
        """The source and local name of merged cluster ``key`` (KeyError if unknown),
        also of a cluster only an acknowledgement still names."""
        found = self.owners.get(key)
        return found if found is not None else self.ack_owners[key]

    def key_of(self, source: str, cluster: str) -> str:
        """The merged key of ``cluster`` in ``source``."""
        qualified = f"{source}/{cluster}"
        owner = self.owners.get(qualified) or self.ack_owners.get(qualified)
        if owner is not None and owner == Owner(source, cluster):
            return qualified
        return cluster

    @property
    def problems(self) -> tuple[SourceHealth, ...]:
        """Sources that are unreachable or whose collector stopped writing."""
        return tuple(s for s in self.sources if s.problem)


def qualified(source: str, cluster: str) -> str:
    return f"{source}/{cluster}"


class _Slice:
    """One source's part of the last merge."""

    __slots__ = ("failure", "items", "owners", "statuses", "table")

    def __init__(self, table: Mapping[str, ClusterStatus], failure: ErrorInfo | None) -> None:
        self.table = table
        self.failure = failure
        self.items: dict[str, _Item] = {}
        self.statuses: dict[str, ClusterStatus] = {}
        self.owners: dict[str, Owner] = {}


class _BookPart:
    """One source's acknowledgements under the merged keys."""

    __slots__ = ("book", "by_key", "owners")

    def __init__(self, book: AckBook) -> None:
        self.book = book
        self.by_key: dict[str, tuple[Ack, ...]] = {}
        self.owners: dict[str, Owner] = {}


class FleetMerger:
    """Merges successive looks at the same sources, reusing what did not change."""

    def __init__(self) -> None:
        self._books: dict[str, _BookPart] = {}
        self._book: tuple[AckBook, Mapping[str, Owner]] = (EMPTY_BOOK, MappingProxyType({}))
        self._slices: dict[str, _Slice] = {}
        self._names: dict[str, frozenset[str]] = {}
        self._counts: Counter[str] = Counter()
        self._policy_key: tuple[tuple[str, FreshnessPolicy | None, int], ...] | None = None
        self._policy: tuple[FreshnessPolicy, tuple[str, ...]] = (DEFAULT_POLICY, ())
        self._collided: tuple[tuple[int, ...], tuple[Collision, ...]] | None = None

    def merge(self, states: Sequence[SourceState]) -> MergedFleet:
        renamed = False  # a name set changed: a key may have become (un)qualified
        for state in states:
            renamed |= self._count(state)
        for gone in set(self._names) - {s.name for s in states}:
            self._counts.subtract(self._names.pop(gone))
            renamed = True
        statuses: dict[str, ClusterStatus] = {}
        owners: dict[str, Owner] = {}
        changed: set[str] = set()
        slices: dict[str, _Slice] = {}
        for state in states:
            old = self._slices.get(state.name)
            if (
                old is not None
                and not renamed
                and old.table is state.statuses
                and old.failure == state.error
            ):
                part = old  # nothing of this source changed: reuse its part whole
            else:
                part = self._slice(state, old)
                before = old.statuses if old is not None else {}
                changed.update(k for k, v in part.statuses.items() if before.get(k) is not v)
                changed.update(k for k in before if k not in part.statuses)
            slices[state.name] = part
            statuses.update(part.statuses)
            owners.update(part.owners)
        for name, old in self._slices.items():
            if name not in slices:
                changed.update(old.statuses)
        self._slices = slices
        policy, notes = self._merged_policy(states, owners)
        view = MappingProxyType(statuses)
        collisions = self._collisions(states)
        acks, ack_owners = self._merged_acks(states, renamed)
        return MergedFleet(
            statuses=view,
            owners=MappingProxyType(owners),
            policy=policy,
            sources=tuple(s.health for s in states),
            collisions=collisions,
            notes=notes,
            changed=frozenset(changed),
            acks=acks,
            ack_owners=ack_owners,
        )

    def _merged_acks(
        self, states: Sequence[SourceState], renamed: bool
    ) -> tuple[AckBook, Mapping[str, Owner]]:
        """The sources' books as one, under the merged keys (the same objects while no
        source's book and no name changed)."""
        parts: dict[str, _BookPart] = {}
        fresh = renamed or set(self._books) != {s.name for s in states}
        for state in states:
            part = self._books.get(state.name)
            if part is None or renamed or part.book is not state.acks:
                part = self._book_part(state)
                fresh = True
            parts[state.name] = part
        self._books = parts
        if fresh:
            by_key: dict[str, tuple[Ack, ...]] = {}
            owners: dict[str, Owner] = {}
            for part in parts.values():
                by_key.update(part.by_key)
                owners.update(part.owners)
            token = tuple((name, part.book.token) for name, part in parts.items())
            book = AckBook(MappingProxyType(by_key), token)
            self._book = (book, MappingProxyType(owners))
        return self._book

    def _book_part(self, state: SourceState) -> _BookPart:
        part = _BookPart(state.acks)
        source, counts = state.name, self._counts
        for name, acks in state.acks.by_cluster.items():
            # A cluster its source no longer holds is always qualified: that name may
            # be another source's cluster now.
            shared = counts[name] > 1 or name not in state.statuses
            key = qualified(source, name) if shared else name
            if key != name:
                acks = tuple(a.model_copy(update={"cluster": key}) for a in acks)
            part.by_key[key] = acks
            part.owners[key] = Owner(source, name)
        return part

    def _slice(self, state: SourceState, old: _Slice | None) -> _Slice:
        """One source's part of the merged fleet, reusing the merged value of every
        status that did not change."""
        source, failure, counts = state.name, state.error, self._counts
        cache = old.items if old is not None else {}
        part = _Slice(state.statuses, failure)
        for name, status in state.statuses.items():
            key = qualified(source, name) if counts[name] > 1 else name
            item = cache.get(name)
            if item is None or item[0] is not status or item[1] != key or item[2] != failure:
                owner = item[4] if item is not None else Owner(source, name)
                item = (status, key, failure, _merged(status, key, source, failure), owner)
            part.items[name] = item
            part.statuses[key] = item[3]
            part.owners[key] = item[4]
        return part

    def _collisions(self, states: Sequence[SourceState]) -> tuple[Collision, ...]:
        key = tuple(id(self._names[s.name]) for s in states)
        if self._collided is not None and self._collided[0] == key:
            return self._collided[1]
        found = tuple(
            Collision(name, tuple(s.name for s in states if name in s.statuses))
            for name, n in sorted(self._counts.items())
            if n > 1
        )
        self._collided = (key, found)
        return found

    def _count(self, state: SourceState) -> bool:
        """Count ``state``'s names; whether its name set changed."""
        names = self._names.get(state.name)
        if (
            names is not None
            and len(names) == len(state.statuses)
            and all(n in names for n in state.statuses)
        ):
            return False
        new = frozenset(state.statuses)
        if names is not None:
            self._counts.subtract(names)
        self._counts.update(new)
        self._names[state.name] = new
        for name in [n for n, c in self._counts.items() if c <= 0]:
            del self._counts[name]
        return True

    def _merged_policy(
        self, states: Sequence[SourceState], owners: Mapping[str, Owner]
    ) -> tuple[FreshnessPolicy, tuple[str, ...]]:
        # The same policies over the same names (a name set is a new object only when it
        # changed) give the same policy object: the UI re-judges only when it must.
        key = tuple((s.name, s.policy, id(self._names[s.name])) for s in states)
        if key == self._policy_key:
            return self._policy
        self._policy_key = key
        self._policy = merged_policy(states, owners)
        return self._policy


def _merged(
    status: ClusterStatus, key: str, source: str, failure: ErrorInfo | None
) -> ClusterStatus:
    update: dict[str, object] = {"tags": {**status.tags, SOURCE_TAG: source}}
    if key != status.cluster:  # a shared name: every face shows the qualified key
        update["cluster"] = key
        if status.last_good is not None:
            update["last_good"] = status.last_good.model_copy(update={"cluster": key})
    if failure is not None:  # unreachable through its source: last known, marked
        update["last_error"] = failure.model_copy(update={"cluster": key, "field": SOURCE_FIELD})
        update["consecutive_failures"] = max(1, status.consecutive_failures)
    return status.model_copy(update=update)


def merged_policy(
    states: Sequence[SourceState], owners: Mapping[str, Owner]
) -> tuple[FreshnessPolicy, tuple[str, ...]]:
    """Each cluster's staleness threshold from its own source's policy, under its
    merged key; the widest deadline bands of the sources (reported when they differ)."""
    by_source = {s.name: s.policy or DEFAULT_POLICY for s in states}
    per_cluster = {
        key: by_source[owner.source].stale_after(owner.cluster).total_seconds()
        for key, owner in owners.items()
        if owner.source in by_source
    }
    recorded = [s.policy for s in states if s.policy is not None]
    bands = {(p.warning_days, p.critical_days) for p in recorded} or {
        (DEFAULT_POLICY.warning_days, DEFAULT_POLICY.critical_days)
    }
    warning = max(w for w, _ in bands)
    critical = max(c for _, c in bands)
    notes: tuple[str, ...] = ()
    if len(bands) > 1:
        said = ", ".join(
            f"{s.name} {s.policy.warning_days:g}/{s.policy.critical_days:g} d"
            for s in states
            if s.policy is not None
        )
        notes = (
            f"the sources' deadline bands differ ({said}); judging with the widest: "
            f"warning {warning:g} d, critical {critical:g} d",
        )
    default = min((p.stale_after_s for p in recorded), default=DEFAULT_POLICY.stale_after_s)
    policy = FreshnessPolicy(
        stale_after_s=default,
        cluster_stale_after_s=per_cluster,
        warning_days=warning,
        critical_days=max(0.0, min(critical, warning)),
        origin="store" if recorded else "default",
    )
    return policy, notes
