"""What a fleet-table row says: columns, cell texts, sort keys and column widths.

Pure functions of a :class:`~collectors.results.ClusterStatus` and a time, kept apart
from the widget that draws them so they can be tested, benchmarked and reused (the
summary bar counts with the same facts) without a running app.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from rich.cells import cell_len, set_cell_size

from collectors.acks import EMPTY_BOOK, AckBook, AckState
from collectors.model import DeadlineKind, EntitlementStatus, Severity, entitlement_rank
from collectors.policy import DEFAULT_POLICY, Due, FreshnessPolicy, next_hard, status_dues
from collectors.products import counts_note, product_info
from collectors.results import ClusterStatus
from collectors.sources.merge import SOURCE_TAG
from dashboard.format import STALE_GLYPH, human_span, relative, severity_label

UNREACHABLE_GLYPH = "↯"

Role = Literal["", "sev-ok", "sev-warning", "sev-critical", "sev-unknown", "stale", "muted"]
Cell = tuple[str, Role]


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: preferred and minimum width, and how eagerly it gives way."""

    key: str
    label: str
    width: int
    min_width: int
    align: Literal["left", "right"] = "left"
    shrink: int = 0
    """Columns with a higher value shrink first when the table is too narrow."""


COLUMNS: tuple[Column, ...] = (
    Column("cluster", "Cluster", 16, 12, shrink=1),
    Column("origin", "From", 8, 4, shrink=2),
    Column("product", "Product", 7, 5, shrink=5),
    Column("tags", "Tags", 14, 4, shrink=5),
    Column("source", "Source", 8, 5, shrink=2),
    Column("registration", "Registration", 12, 10, shrink=1),
    Column("authorization", "Authorization", 13, 11, shrink=1),
    Column("severity", "Severity", 13, 13),
    Column("in_use", "Used", 5, 5, align="right"),
    Column("worst", "Worst entitlement", 18, 9, shrink=4),
    Column("deadline", "Deadline", 13, 12),
    Column("age", "Last good poll", 22, 20, shrink=3),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
COLUMN_GAP = 1
ORIGIN_TAG: Final = SOURCE_TAG
"""The tag a merged view gives every cluster: the source it came from (the "From"
column, shown only when the fleet merges several sources)."""

_REGISTRATION_WORDS = {
    "unregistered": "unregistered",
    "registered": "registered",
    "registration_expired": "expired",
    "reservation_in_progress": "reserving",
    "registered_slr": "reserved SLR",
    "registered_ulr": "reserved ULR",
    "unknown": "?",
}
_AUTHORIZATION_WORDS = {
    "no_licenses_in_use": "no licences",
    "evaluation": "evaluation",
    "evaluation_expired": "eval expired",
    "authorized": "authorized",
    "out_of_compliance": "out of compl.",
    "authorization_expired": "auth expired",
    "authorized_reserved": "auth reserved",
    "not_authorized_reserved": "not auth (res)",
    "unknown": "?",
}
_ENTITLEMENT_WORDS = {
    EntitlementStatus.INIT: "init",
    EntitlementStatus.IN_COMPLIANCE: "ok",
    EntitlementStatus.OUT_OF_COMPLIANCE: "out of compl.",
    EntitlementStatus.EVALUATION: "eval",
    EntitlementStatus.EVALUATION_EXPIRED: "eval expired",
    EntitlementStatus.AUTHORIZATION_EXPIRED: "auth expired",
    EntitlementStatus.WAITING: "waiting",
    EntitlementStatus.RESERVED: "reserved",
    EntitlementStatus.NOT_AUTHORIZED: "not auth",
}
_DEADLINE_WORDS = {
    DeadlineKind.REGISTRATION_EXPIRY: "reg",
    DeadlineKind.AUTHORIZATION_EXPIRY: "auth",
    DeadlineKind.EVALUATION_END: "eval",
    DeadlineKind.REGISTRATION_RENEWAL: "renew",
    DeadlineKind.AUTHORIZATION_RENEWAL: "comm",
}
_SEVERITY_ROLE: dict[Severity, Role] = {
    Severity.OK: "sev-ok",
    Severity.WARNING: "sev-warning",
    Severity.CRITICAL: "sev-critical",
    Severity.UNKNOWN: "sev-unknown",
}


@dataclass(frozen=True, slots=True)
class RowContext:
    """What a row's look depends on besides its status: the time, the policy and the
    acknowledgements."""

    now: datetime
    policy: FreshnessPolicy = DEFAULT_POLICY
    acks: AckBook = EMPTY_BOOK

    def is_stale(self, status: ClusterStatus) -> bool:
        return self.policy.is_stale(status, self.now)

    def ack(self, status: ClusterStatus) -> AckState:
        """The policy's judgement: acknowledged rows are dimmed, marked and sorted after
        the unacknowledged ones of their severity."""
        return self.policy.acknowledgement(status, self.acks, self.now)

    def acknowledged(self, status: ClusterStatus) -> bool:
        return status.cluster in self.acks.by_cluster and self.ack(status).acknowledged


@dataclass(frozen=True, slots=True)
class Facts:
    """What sorting and summing need from one status, derived once per status value."""

    rank: int
    dues: tuple[Due, ...]
    deadline: Due | None
    deadline_ts: float
    unreachable: bool


class FactsCache:
    """:class:`Facts` per cluster, recomputed only when the status object changes.

    ``behind``: a cache another thread fills (the fleet model's, in its worker), read
    first: the table draws a row whose facts the model derived already without deriving
    them again. Only read (one dict lookup at a time, atomic), never written here.
    """

    def __init__(self, behind: FactsCache | None = None) -> None:
        self._items: dict[str, tuple[ClusterStatus, Facts]] = {}
        self._behind = behind

    def get(self, status: ClusterStatus) -> Facts:
        item = self._items.get(status.cluster)
        if item is not None and item[0] is status:
            return item[1]
        if self._behind is not None:
            item = self._behind._items.get(status.cluster)
            if item is not None and item[0] is status:
                return item[1]
        dues = status_dues(status)
        deadline = next_hard(dues)
        facts = Facts(
            rank=status.severity.rank,
            dues=dues,
            deadline=deadline,
            deadline_ts=deadline.at.timestamp() if deadline is not None else math.inf,
            unreachable=status.unreachable,
        )
        self._items[status.cluster] = (status, facts)
        return facts

    def dues(self, status: ClusterStatus) -> tuple[Due, ...]:
        return self.get(status).dues

    def __len__(self) -> int:
        return len(self._items)

    def keep(self, names: Iterable[str]) -> None:
        """Forget clusters that left the fleet."""
        keep = set(names)
        self._items = {n: item for n, item in self._items.items() if n in keep}


def _worst_key(status: ClusterStatus) -> tuple[int, int]:
    worst = status.last_good.worst_entitlement if status.last_good else None
    return (entitlement_rank(worst.status), worst.count) if worst else (-1, 0)


def sort_key(
    column: str, ctx: RowContext, facts: FactsCache | None = None
) -> Callable[[ClusterStatus], Any]:
    """The ascending ("natural") key for ``column``; severity and age sort worst first."""
    cache = facts if facts is not None else FactsCache()  # (an empty cache is falsy)
    if column == "severity":
        is_stale = ctx.is_stale

        acknowledged = ctx.acknowledged

        def worst_first(s: ClusterStatus) -> tuple[int, bool, bool, float, str]:
            f = cache.get(s)
            return (
                -f.rank,
                acknowledged(s),
                not (f.unreachable or is_stale(s)),
                f.deadline_ts,
                s.cluster,
            )

        return worst_first
    if column == "cluster":
        return lambda s: s.cluster
    if column == "origin":
        return lambda s: (s.tags.get(ORIGIN_TAG, ""), s.cluster)
    if column == "product":
        return lambda s: (s.product, s.cluster)
    if column == "tags":
        return lambda s: (",".join(s.tags.values()), s.cluster)
    if column == "source":
        return lambda s: (s.transport or "~", s.axl_version or "", s.cluster)
    if column == "registration":
        return lambda s: (s.last_good.registration.status.value if s.last_good else "~", s.cluster)
    if column == "authorization":
        return lambda s: (s.last_good.authorization.status.value if s.last_good else "~", s.cluster)
    if column == "in_use":
        return lambda s: (-_or(_in_use(s), -1), s.cluster)
    if column == "worst":
        return lambda s: (tuple(-v for v in _worst_key(s)), s.cluster)
    if column == "deadline":
        return lambda s: (cache.get(s).deadline_ts, s.cluster)
    if column == "age":
        # Oldest first, never polled before all: the order of -age at any clock, kept
        # by when the data was seen, so a key judged a minute ago still sorts right.
        return lambda s: (_seen_ts(s), s.cluster)
    raise KeyError(column)


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _in_use(status: ClusterStatus) -> int | None:
    """Licences in use, or None: never polled, or a product that reports no counts."""
    snap = status.last_good
    if snap is None or counts_note(snap.product) is not None:
        return None
    return snap.licences_in_use


def _seen_ts(status: ClusterStatus) -> float:
    """When the last good data was seen (the start of its age); -inf: never."""
    seen = status.last_seen or (status.last_good.collected_at if status.last_good else None)
    return -math.inf if seen is None else seen.timestamp()


def row_cells(
    status: ClusterStatus, ctx: RowContext, facts: FactsCache | None = None
) -> tuple[Cell, ...]:
    """The text and colour role of every cell of one row, in :data:`COLUMNS` order."""
    snap = status.last_good
    stale = ctx.is_stale(status)
    severity = status.severity
    sev_text = severity_label(severity)
    mark = ctx.ack(status).glyph if status.cluster in ctx.acks.by_cluster else None
    if mark is not None:  # the true severity stays; the mark says someone owns it
        sev_text = f"{mark} {severity.value}"
    sev_text += f" {STALE_GLYPH}" if stale else ""
    cells: list[Cell] = [
        (status.cluster, ""),
        (status.tags.get(ORIGIN_TAG, "—"), ""),
        (product_info(status.product).short, ""),
        (",".join(status.tags.values()), "muted"),
        (_source_text(status), ""),
    ]
    if snap is None:
        cells += [("—", "muted"), ("—", "muted")]
    else:
        reg, auth = snap.registration, snap.authorization
        reg_text = _REGISTRATION_WORDS.get(reg.status.value, reg.status.value)
        if reg.status.value == "unknown" and reg.raw:
            reg_text = reg.raw
        auth_text = _AUTHORIZATION_WORDS.get(auth.status.value, auth.status.value)
        if auth.status.value == "unknown" and auth.raw:
            auth_text = auth.raw
        cells += [(reg_text, ""), (auth_text, "")]
    cells.append((sev_text, _SEVERITY_ROLE[severity]))
    in_use = _in_use(status)
    cells.append((str(in_use), "") if in_use is not None else ("—", "muted"))
    cells.append(_worst_cell(status))
    deadline = (facts if facts is not None else FactsCache()).get(status).deadline
    cells.append(_deadline_cell(deadline, ctx))
    cells.append(_age_cell(status, ctx, stale))
    return tuple(cells)


def row_dimmed(status: ClusterStatus, ctx: RowContext) -> bool:
    """A row drawn dim: unreachable, stale or acknowledged (it needs no one now)."""
    return status.unreachable or ctx.is_stale(status) or ctx.acknowledged(status)


def _source_text(status: ClusterStatus) -> str:
    transport = status.last_good.source if status.last_good else status.transport
    if transport is None:
        return "—"
    if transport == "axl":
        return f"AXL {status.axl_version}" if status.axl_version else "AXL"
    return transport.upper()


def _worst_cell(status: ClusterStatus) -> Cell:
    worst = status.last_good.worst_entitlement if status.last_good else None
    if worst is None:
        return ("—", "muted")
    rank = entitlement_rank(worst.status)
    if worst.status in (EntitlementStatus.INIT, EntitlementStatus.IN_COMPLIANCE):
        return (worst.name, "")
    word = _ENTITLEMENT_WORDS.get(worst.status, worst.raw_status)
    role: Role = ""
    if worst.status is EntitlementStatus.UNKNOWN:
        role = "sev-unknown"
    elif rank >= 5:
        role = "sev-critical"
    elif rank >= 2:
        role = "sev-warning"
    return (f"{worst.name} {word}", role)


def _deadline_cell(deadline: Due | None, ctx: RowContext) -> Cell:
    """The nearest hard deadline, coloured by the policy's bands (``warning_days``,
    ``critical_days``); an expired state without a date reads ``eval expired``."""
    if deadline is None:
        return ("—", "muted")
    role = _SEVERITY_ROLE[ctx.policy.urgency(deadline, ctx.now)]
    if role == "sev-ok":
        role = ""
    word = _DEADLINE_WORDS[deadline.kind]
    if deadline.expired:
        return (f"{word} expired", role)
    return (f"{word} {relative(deadline.at, ctx.now)}", role)


def _age_cell(status: ClusterStatus, ctx: RowContext, stale: bool) -> Cell:
    age = status.age(ctx.now)
    span = "never" if age is None else human_span(age)
    kind = status.last_error.kind if status.last_error else None
    if stale:
        return (f"{STALE_GLYPH} {span} · {kind or 'no new data'}", "stale")
    if status.unreachable:
        return (f"{UNREACHABLE_GLYPH} {span} · {kind or 'failed'}", "stale")
    if age is None:
        return ("never", "muted")
    return (span, "")


def fit(text: str, width: int, align: Literal["left", "right"] = "left") -> str:
    """Pad or cut ``text`` to exactly ``width`` cells, marking a cut with an ellipsis."""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    pad = " " * (width - length)
    return pad + text if align == "right" else text + pad


def natural_lengths(status: ClusterStatus) -> tuple[int, int]:
    """How wide the tags and the worst-entitlement cells of ``status`` are, uncut."""
    return cell_len(",".join(status.tags.values())), cell_len(_worst_cell(status)[0])
