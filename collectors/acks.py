"""Acknowledgements and snoozes: the records and the rules that judge them.

Two kinds, on a whole cluster or on one of its problems (one reason, or one entitlement):

* **acknowledge** (``kind="ack"``): "we know, someone owns it". Nagios' *non-sticky*
  acknowledgement: it covers the problems the cluster had when it was made and clears
  itself when the cluster gets **worse** (its severity rises above the one acknowledged,
  or a problem appears that was not there: a new reason, an entitlement in a new state,
  the publisher becoming unreachable) or **recovers** (what it covered is gone). An end
  (``until``) is optional; without one it lasts until one of those happens.
* **snooze** (``kind="snooze"``): Alertmanager's silence, for a maintenance window or a
  case already with Cisco. It always has an end and holds until then, whatever the
  cluster does (new problems, a higher severity, recovery and relapse); only its end or
  a person removes it. A snooze may be set on a healthy cluster ahead of the work.

A cluster counts as **acknowledged** when it has a problem and every one of its
problems is covered by a valid acknowledgement or snooze. It keeps its true severity
everywhere; the faces dim it, mark it, sort it after the unacknowledged clusters of the
same severity and count it apart. Which judgement each face calls is
:meth:`collectors.policy.FreshnessPolicy.acknowledgement` (one cluster) and
:meth:`~collectors.policy.FreshnessPolicy.count` with ``acks`` (the fleet); this module
holds the rule they apply.

A problem is named by a *key*: a reason of the last good snapshot with what moves by
itself removed (``Registration expires in 5 d (2026-03-06)`` is ``Registration
expires``; a failure's detail after ``:`` is dropped), ``Unreachable (read_timeout)``
while polls fail, ``Never polled``. A healthy (``ok``) snapshot's notes are no problems.
Staleness is not a problem of its own: a cluster whose polls fail says so through its
error, and a stopped collector is the collector's banner, not every cluster's.

Who records the automatic ends (expiry, clear) in the audit trail is
:mod:`collectors.store.ack_files`' business; every face judges by these rules at its own
``now``, so a void acknowledgement stops counting everywhere at once, recorded or not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from collectors.model import Severity, Timestamp, format_ts
from collectors.results import ClusterStatus
from collectors.text_safety import neutralise

AckKind = Literal["ack", "snooze"]
ClearCause = Literal["expired", "worse", "new_problem", "recovered"]

CLUSTER_SCOPE: Final = "cluster"
REASON_PREFIX: Final = "reason:"
ENTITLEMENT_PREFIX: Final = "entitlement:"

MAX_REASON: Final = 500
"""Characters kept of a reason (why it was acknowledged)."""
MAX_NOTE: Final = 2000
"""Characters kept of a shift note."""
MAX_NAME: Final = 64
"""Characters kept of a person's name."""
ACK_GLYPH: Final = "✓"
"""Marks an acknowledged cluster (it takes the place of the severity glyph on screen)."""
SNOOZE_GLYPH: Final = "◷"
"""Marks a snoozed cluster."""
AUTOMATIC: Final = "licdash"
"""Who an automatic expiry or clear is recorded as."""
DEFAULT_SNOOZE: Final = timedelta(hours=4)
PRESETS: Final = (
    ("1h", timedelta(hours=1)),
    ("4h", timedelta(hours=4)),
    ("8h", timedelta(hours=8)),
    ("24h", timedelta(hours=24)),
)
"""The durations the dashboard offers (plus "until cleared" for an acknowledgement)."""


# ----- text from people ------------------------------------------------------------------


def user_text(text: str, *, limit: int, secrets: Iterable[str] = ()) -> str:
    """Text a person typed, fit to store and show: anything shaped like a secret (and
    each of ``secrets``, and every password this process resolved) masked, control
    characters escaped, whitespace runs made one space, cut to ``limit`` characters."""
    from collectors.logs import SecretRedactor

    masked = SecretRedactor(secrets).redact(text)
    flat = " ".join(neutralise(part) for part in masked.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# ----- problems ----------------------------------------------------------------------------

_MOVING: Final = (
    re.compile(r"\s*\([^()]*\)"),  # "(2026-03-06)", "(12 d left)"
    re.compile(r"\s+in \d+(?:\.\d+)? ?[dh]\b"),  # "in 5 d", "in 3 h"
)


def problem_key(reason: str) -> str:
    """A reason without what changes by itself from poll to poll (days left, dates, a
    failure's detail): the same problem keeps the same key."""
    key = reason.split(": ", 1)[0]
    for pattern in _MOVING:
        key = pattern.sub("", key)
    return " ".join(key.split()) or reason


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with one cluster now, as the acknowledgement rules compare it."""

    severity: Severity
    keys: frozenset[str]

    @property
    def any(self) -> bool:
        return bool(self.keys)


def problem_of(status: ClusterStatus | None) -> Problem:
    """The cluster's problems: its snapshot's reasons when it is not ok, an unreachable
    publisher, or no good poll at all. A merged view that cannot read the cluster's
    source has lost sight of it: that is the source's problem (its banner says so), not
    a new one of the cluster that would end its acknowledgements."""
    if status is None:
        return Problem(Severity.UNKNOWN, frozenset())
    keys: set[str] = set()
    snap = status.last_good
    if snap is None:
        keys.add("Never polled")
    elif snap.severity is not Severity.OK:
        keys.update(problem_key(r) for r in snap.reasons)
        if not snap.reasons:
            keys.add(f"Severity {snap.severity.value}")
    error = status.last_error
    if status.unreachable and not (error is not None and error.of_source):
        keys.add(f"Unreachable ({error.kind if error else 'failed'})")
    return Problem(status.severity, frozenset(keys))


# ----- scopes ----------------------------------------------------------------------------


def reason_scope(reason: str) -> str:
    return REASON_PREFIX + problem_key(reason)


def entitlement_scope(name: str) -> str:
    return ENTITLEMENT_PREFIX + name


def in_scope(scope: str, keys: Iterable[str]) -> frozenset[str]:
    """The problem keys ``scope`` covers among ``keys``."""
    if scope == CLUSTER_SCOPE:
        return frozenset(keys)
    if scope.startswith(REASON_PREFIX):
        wanted = scope.removeprefix(REASON_PREFIX)
        return frozenset(k for k in keys if k == wanted)
    if scope.startswith(ENTITLEMENT_PREFIX):
        prefix = f"Entitlement {scope.removeprefix(ENTITLEMENT_PREFIX)} "
        return frozenset(k for k in keys if k.startswith(prefix))
    return frozenset()


def scope_text(scope: str) -> str:
    """``whole cluster``, ``reason "Registration expired"``, ``entitlement CUWL``."""
    if scope == CLUSTER_SCOPE:
        return "whole cluster"
    if scope.startswith(REASON_PREFIX):
        return f'reason "{scope.removeprefix(REASON_PREFIX)}"'
    return f"entitlement {scope.removeprefix(ENTITLEMENT_PREFIX)}"


def scopes_of(status: ClusterStatus | None) -> list[str]:
    """What may be acknowledged on ``status``: the whole cluster, each problem reason,
    each entitlement that has a problem (the dashboard's choices)."""
    keys = sorted(problem_of(status).keys)
    names = [e.name for e in status.last_good.entitlements] if status and status.last_good else []
    troubled = [n for n in dict.fromkeys(names) if in_scope(entitlement_scope(n), keys)]
    return [
        CLUSTER_SCOPE,
        *(REASON_PREFIX + k for k in keys),
        *(entitlement_scope(n) for n in troubled),
    ]


# ----- records -------------------------------------------------------------------------------


class Ack(BaseModel):
    """One acknowledgement or snooze as stored (``acks.json``) and exported."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1, max_length=32)
    cluster: str
    kind: AckKind = "ack"
    scope: str = CLUSTER_SCOPE
    by: str
    at: Timestamp
    reason: str
    until: Timestamp | None = None
    """None: until the problem clears (an acknowledgement only)."""
    severity: Severity = Severity.UNKNOWN
    """The cluster's severity when this was made (or last edited)."""
    problems: tuple[str, ...] = ()
    """The problem keys in scope when this was made (or last edited)."""

    def public(self) -> dict[str, object]:
        """The ``acknowledged`` object of ``status --format json`` and ``acks --format json``."""
        return {
            "id": self.id,
            "kind": self.kind,
            "by": self.by,
            "at": format_ts(self.at),
            "reason": self.reason,
            "until": format_ts(self.until) if self.until else None,
            "scope": self.scope,
        }

    def until_text(self) -> str:
        if self.until is None:
            return "until it clears"
        return f"until {self.until.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True, slots=True)
class Clearing:
    """Why an acknowledgement no longer holds."""

    cause: ClearCause
    text: str
    at: datetime
    """When it ended: ``until`` for an expiry, the judgement's ``now`` otherwise."""


def expiry(ack: Ack, now: datetime) -> Clearing | None:
    """The end of ``ack`` by its time, if it has come."""
    if ack.until is not None and now >= ack.until:
        return Clearing("expired", f"expired ({ack.until_text()})", ack.until)
    return None


def clearing(ack: Ack, problem: Problem, now: datetime) -> Clearing | None:
    """The non-sticky rule (see the module docs): why ``ack`` is void at ``now`` given
    the cluster's ``problem``, or None while it holds."""
    ended = expiry(ack, now)
    if ended is not None or ack.kind == "snooze":
        return ended
        return None
    current = in_scope(ack.scope, problem.keys)
    if not current:
        what = "the cluster" if ack.scope == CLUSTER_SCOPE else scope_text(ack.scope)
        return Clearing("recovered", f"{what} recovered", now)
    if problem.severity.rank > ack.severity.rank:
        text = f"cluster got worse: {problem.severity.value} (was {ack.severity.value})"
        return Clearing("worse", text, now)
    new = sorted(current - set(ack.problems))
    if new:
        more = f" (+{len(new) - 1} more)" if len(new) > 1 else ""
        return Clearing("new_problem", f"new problem: {new[0]}{more}", now)
    return None


# ----- a fleet's acknowledgements --------------------------------------------------------------

_NO_ACKS: tuple[Ack, ...] = ()


@dataclass(frozen=True, slots=True)
class AckBook:
    """Every acknowledgement in force (as stored), by cluster. Frozen; a new book is
    read when the file changes (``token``)."""

    by_cluster: Mapping[str, tuple[Ack, ...]] = field(default_factory=lambda: MappingProxyType({}))
    token: object = None

    @classmethod
    def of(cls, acks: Iterable[Ack], token: object = None) -> AckBook:
        grouped: dict[str, list[Ack]] = {}
        for ack in sorted(acks, key=lambda a: (a.at, a.id), reverse=True):  # newest first
            grouped.setdefault(ack.cluster, []).append(ack)
        return cls(MappingProxyType({c: tuple(a) for c, a in grouped.items()}), token)

    def get(self, cluster: str) -> tuple[Ack, ...]:
        return self.by_cluster.get(cluster, _NO_ACKS)

    def __len__(self) -> int:
        return sum(len(a) for a in self.by_cluster.values())

    def all(self) -> list[Ack]:
        return [a for acks in self.by_cluster.values() for a in acks]


EMPTY_BOOK: Final = AckBook()


@dataclass(frozen=True, slots=True)
class AckState:
    """One cluster's acknowledgements judged at one moment (see the module docs)."""

    cluster: str
    holding: tuple[Ack, ...] = ()
    """Valid now, newest first."""
    cleared: tuple[tuple[Ack, Clearing], ...] = ()
    """Still stored but void now (the collector records their end)."""
    acknowledged: bool = False
    """The cluster has a problem and every one is covered: dim it, sort it after, count
    it apart. Its severity stays what it is."""
    uncovered: frozenset[str] = frozenset()
    """Problems no acknowledgement covers."""

    @property
    def primary(self) -> Ack | None:
        """The acknowledgement to show: a whole-cluster one first, else the newest."""
        whole = [a for a in self.holding if a.scope == CLUSTER_SCOPE]
        first = whole or list(self.holding)
        return first[0] if first else None

    @property
    def snoozed(self) -> bool:
        """Acknowledged, and what covers it is a snooze (shown with its own mark)."""
        primary = self.primary
        return self.acknowledged and primary is not None and primary.kind == "snooze"

    @property
    def glyph(self) -> str | None:
        """:data:`SNOOZE_GLYPH` or :data:`ACK_GLYPH` when acknowledged, else None."""
        if not self.acknowledged:
            return None
        return SNOOZE_GLYPH if self.snoozed else ACK_GLYPH

    @property
    def partly(self) -> bool:
        """Some problems covered, not all."""
        return bool(self.holding) and not self.acknowledged and bool(self.uncovered)


def observed(status: ClusterStatus | None) -> bool:
    """Whether anything is known of the cluster: a status nobody polled yet (a collector
    that just started, a cluster new in the config) says nothing about its problems."""
    return status is not None and (status.last_good is not None or status.last_attempt is not None)


def judge(
    cluster: str, status: ClusterStatus | None, acks: Sequence[Ack], now: datetime
) -> AckState:
    """``acks`` of ``cluster`` (as stored) against its ``status`` at ``now``. Without an
    observed status only time can end an acknowledgement."""
    if not acks:
        return AckState(cluster)
    problem = problem_of(status)
    seen = observed(status)
    holding: list[Ack] = []
    cleared: list[tuple[Ack, Clearing]] = []
    for ack in acks:
        end = clearing(ack, problem, now) if seen else expiry(ack, now)
        if end is None:
            holding.append(ack)
        else:
            cleared.append((ack, end))
    covered: set[str] = set()
    for ack in holding:
        covered |= in_scope(ack.scope, problem.keys)
    uncovered = frozenset(problem.keys - covered)
    acknowledged = problem.any and not uncovered
    return AckState(cluster, tuple(holding), tuple(cleared), acknowledged, uncovered)


# ----- when: durations and times --------------------------------------------------------------

_UNTIL_CLEARED: Final = frozenset({"", "cleared", "clear", "none", "never", "until-cleared"})


def parse_when(text: str, now: datetime, *, future: bool) -> datetime:
    """``4h``, ``2d``, ``30m``, ``90s`` from ``now`` (forward when ``future``, else back),
    or an ISO 8601 time (UTC unless it says otherwise) on the right side of ``now``.
    ValueError for anything else."""
    from collectors.dates import parse_duration

    try:
        span = parse_duration(text)
    except ValueError:
        pass
    else:
        return now + span if future else now - span
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a duration (4h, 2d, 30m) nor a time "
            "(2026-03-01T18:00Z, UTC unless it says otherwise)"
        ) from None
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    if future and at <= now:
        raise ValueError(f"{text!r} has already passed")
    if not future and at >= now:
        raise ValueError(f"{text!r} is not in the past")
    return at


def parse_until(text: str | None, now: datetime) -> datetime | None:
    """The end of an acknowledgement: :func:`parse_when` into the future, or
    ``cleared``/None for no end."""
    if text is None or text.strip().lower() in _UNTIL_CLEARED:
        return None
    return parse_when(text, now, future=True)
