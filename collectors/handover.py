"""The shift handover: what is open, what changed during the shift, what comes next.

One report, two faces: ``licdash handover`` (Markdown or JSON) and the dashboard's
Handover screen draw the same :class:`Handover`, built by :func:`build` from values the
caller read (the fleet's rows judged by the policy, the store's transitions and failure
episodes, the acknowledgements' audit trail):

* **Open now**: every cluster with a problem, unacknowledged first (worst first), then
  the acknowledged ones with who owns them, why and until when.
* **During the shift** (``since`` to now): new problems and recoveries (severity
  transitions), polls that started failing, acknowledgements made and ended (expired,
  cleared by the cluster, removed).
* **Next shift**: hard deadlines falling in the next shift (as long as this one), banded
  by the policy.
* **Shift notes** written during the shift (``handover --note``, ``n`` on the screen).

The Markdown pastes into a ticket or a chat: no ANSI or control characters (everything
from outside is neutralised), Markdown metacharacters in names, reasons and notes are
backslash-escaped, so a cluster called ``*lon*`` or a reason with ``[link](x)`` stays text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Protocol

from collectors.acks import Ack, scope_text
from collectors.dates import human_span
from collectors.model import DeadlineKind, Severity, format_ts
from collectors.policy import Band, Due, FreshnessPolicy
from collectors.text_safety import neutralise

if TYPE_CHECKING:
    from collectors.fleet_summary import Row
    from collectors.liveness import CollectorState
    from collectors.store.ack_files import AckEvent

DEFAULT_SHIFT: Final = timedelta(hours=8)
MAX_LINES: Final = 200
"""Lines per section; the rest is counted ("… and 12 more")."""

_DEADLINE_WORDS: Final = {
    DeadlineKind.REGISTRATION_EXPIRY: "registration expires",
    DeadlineKind.AUTHORIZATION_EXPIRY: "authorization expires",
    DeadlineKind.EVALUATION_END: "evaluation ends",
}


class TransitionLike(Protocol):
    """A store transition (:class:`collectors.store.records.Transition`)."""

    @property
    def at(self) -> datetime: ...

    @property
    def cluster(self) -> str: ...

    @property
    def field(self) -> str: ...

    @property
    def old(self) -> str | None: ...

    @property
    def new(self) -> str | None: ...


class FailureLike(Protocol):
    """A failure episode (:class:`collectors.store.records.FailureEvent`)."""

    @property
    def cluster(self) -> str: ...

    @property
    def at(self) -> datetime: ...

    @property
    def kind(self) -> str: ...

    @property
    def ongoing(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class OpenItem:
    cluster: str
    severity: Severity
    why: str
    stale: bool
    unreachable: bool
    ack: Ack | None
    """The acknowledgement that covers it (None: needs attention)."""


@dataclass(frozen=True, slots=True)
class Change:
    at: datetime
    cluster: str
    kind: str
    """``new_problem``, ``worse``, ``better``, ``recovered``, ``failing``."""
    text: str


@dataclass(frozen=True, slots=True)
class Handover:
    generated_at: datetime
    since: datetime
    next_until: datetime
    open: tuple[OpenItem, ...]
    changes: tuple[Change, ...]
    acks_made: tuple[AckEvent, ...]
    acks_ended: tuple[AckEvent, ...]
    deadlines: tuple[tuple[Due, Band], ...]
    notes: tuple[AckEvent, ...]
    context: tuple[str, ...] = ()
    """Lines that qualify everything (collector down, policy fallback)."""

    @property
    def attention(self) -> tuple[OpenItem, ...]:
        return tuple(i for i in self.open if i.ack is None)

    @property
    def acknowledged(self) -> tuple[OpenItem, ...]:
        return tuple(i for i in self.open if i.ack is not None)


def context_of(
    collector: CollectorState | None, policy: FreshnessPolicy, now: datetime
) -> list[str]:
    """What qualifies the whole report: a collector that stopped writing, a fallback
    policy (the same words as the summary bar and ``status``)."""
    lines = []
    if collector is not None and collector.down:
        lines.append(collector.text(now))
    if policy.origin == "default":
        lines.append(policy.describe())
    return lines


def _why(row: Row) -> str:
    status = row.status
    snap = status.last_good
    parts = []
    if snap is None:
        parts.append("never polled successfully")
    elif snap.severity is not Severity.OK and snap.reasons:
        parts.append("; ".join(snap.reasons[:3]) + ("; …" if len(snap.reasons) > 3 else ""))
    if status.unreachable and status.last_error is not None:
        parts.append(f"polls failing ({status.last_error.kind})")
    if row.stale:
        parts.append("data stale")
    return "; ".join(parts) or "ok"


def _has_problem(row: Row) -> bool:
    return row.severity is not Severity.OK or row.stale or row.status.unreachable


def build(
    rows: Sequence[Row],
    *,
    transitions: Sequence[TransitionLike],
    failures: Sequence[FailureLike],
    events: Sequence[AckEvent],
    policy: FreshnessPolicy,
    now: datetime,
    since: datetime,
    context: Sequence[str] = (),
) -> Handover:
    """The report; ``rows`` are :func:`collectors.fleet_summary.summarise`'s (worst first,
    judged with the acknowledgements)."""
    attention = [r for r in rows if _has_problem(r) and not r.acknowledged]
    owned = [r for r in rows if _has_problem(r) and r.acknowledged]
    items = tuple(
        OpenItem(
            r.status.cluster,
            r.severity,
            _why(r),
            r.stale,
            r.status.unreachable,
            r.ack.primary if r.ack is not None and r.acknowledged else None,
        )
        for r in [*attention, *owned]
    )
    changes = [c for t in transitions if (c := _change(t)) is not None and since <= c.at <= now]
    changes += [
        Change(
            f.at,
            f.cluster,
            "failing",
            f"polls failing: {f.kind}" + (" (still failing)" if f.ongoing else " (ended)"),
        )
        for f in failures
        if since <= f.at <= now
    ]
    changes.sort(key=lambda c: (c.at, c.cluster))
    shift = now - since
    next_until = now + shift
    deadlines = sorted(
        (
            (due, policy.band(due.at, now))
            for r in rows
            for due in r.dues
            if due.hard and not due.expired and now <= due.at <= next_until
        ),
        key=lambda pair: (pair[0].at, pair[0].cluster),
    )
    in_shift = [e for e in events if since <= e.at <= now]
    return Handover(
        generated_at=now,
        since=since,
        next_until=next_until,
        open=items,
        changes=tuple(changes),
        acks_made=tuple(e for e in in_shift if e.action in ("acknowledge", "snooze", "edit")),
        acks_ended=tuple(e for e in in_shift if e.action in ("expire", "clear", "remove")),
        deadlines=tuple(deadlines),
        notes=tuple(e for e in in_shift if e.action == "note"),
        context=tuple(context),
    )


def _change(t: TransitionLike) -> Change | None:
    if t.field != "severity" or t.old is None or t.new is None:
        return None
    try:
        old, new = Severity(t.old), Severity(t.new)
    except ValueError:
        return None
    text = f"{old.value} → {new.value}"
    if new is Severity.OK:
        return Change(t.at, t.cluster, "recovered", text)
    if old is Severity.OK:
        return Change(t.at, t.cluster, "new_problem", text)
    return Change(t.at, t.cluster, "worse" if new.rank > old.rank else "better", text)


# ----- Markdown ------------------------------------------------------------------------------

_MD_SOFT: Final = re.compile(r"([\\`*_\[\]<>|~&#@])")
"""What can open or close a Markdown construct inside a line (CommonMark, GitHub's
tables, mentions and issue links, chat tools): backslash-escaped, as CommonMark allows
before any ASCII punctuation. Text never starts a line here, so ``-``, ``+``, ``1.``
cannot start a list."""


def md(text: str) -> str:
    """Text from outside (names, reasons, notes) made inert for Markdown: control
    characters escaped visibly, metacharacters backslash-escaped."""
    return _MD_SOFT.sub(r"\\\1", neutralise(text))


def _when(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M}"


def _ack_line(ack: Ack) -> str:
    kind = "snoozed" if ack.kind == "snooze" else "acknowledged"
    scope = "" if ack.scope == "cluster" else f" ({md(scope_text(ack.scope))})"
    until = "until it clears" if ack.until is None else f"until {_when(ack.until)} UTC"
    return f"{kind} by {md(ack.by)} at {_when(ack.at)} UTC{scope}, {until}: {md(ack.reason)}"


_ENDED: Final = {"expire": "expired", "clear": "cleared", "remove": "removed"}


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_LINES:
        return lines
    return [*lines[:MAX_LINES], f"- … and {len(lines) - MAX_LINES} more"]


def markdown(report: Handover) -> str:
    """The report as Markdown for a ticket or a chat."""
    now = report.generated_at
    span = human_span(now - report.since)
    out = [
        f"# licdash shift handover, {_when(now)} UTC",
        "",
        f"Shift: {_when(report.since)} to {_when(now)} UTC ({span}).",
    ]
    out += [f"**{md(line)}**" for line in report.context]
    attention, owned = report.attention, report.acknowledged
    out += ["", f"## Open now: {len(attention)} need attention, {len(owned)} acknowledged", ""]
    if not report.open:
        out.append("Nothing is open: every cluster is ok and fresh.")
    lines = []
    for item in attention:
        flags = "".join(
            [" (stale)" if item.stale else "", " (unreachable)" if item.unreachable else ""]
        )
        lines.append(
            f"- **{item.severity.value.upper()}**{flags} {md(item.cluster)}: {md(item.why)}"
        )
    out += _capped(lines)
    if owned:
        out += ["", "### Acknowledged", ""]
        out += _capped(
            [
                f"- {item.severity.value.upper()} {md(item.cluster)}: {md(item.why)}; "
                f"{_ack_line(item.ack)}"
                for item in owned
                if item.ack is not None
            ]
        )
    out += ["", "## During the shift", ""]
    groups = (
        ("New problems and worse", ("new_problem", "worse")),
        ("Recoveries and better", ("recovered", "better")),
        ("Polls that started failing", ("failing",)),
    )
    quiet = True
    for title, kinds in groups:
        chosen = [c for c in report.changes if c.kind in kinds]
        if not chosen:
            continue
        quiet = False
        out += [f"### {title} ({len(chosen)})", ""]
        out += _capped([f"- {_when(c.at)} {md(c.cluster)}: {md(c.text)}" for c in chosen])
        out.append("")
    if report.acks_made:
        quiet = False
        out += [f"### Acknowledgements made ({len(report.acks_made)})", ""]
        out += _capped(
            [
                f"- {_when(e.at)} {md(e.cluster or '')}: {_ack_line(e.ack)}"
                for e in report.acks_made
                if e.ack is not None
            ]
        )
        out.append("")
    if report.acks_ended:
        quiet = False
        out += [f"### Acknowledgements ended ({len(report.acks_ended)})", ""]
        out += _capped(
            [
                f"- {_when(e.at)} {md(e.cluster or '')}: {_ENDED[e.action]}"
                + (f" by {md(e.by)}" if e.action == "remove" else "")
                + (f": {md(e.text)}" if e.text else "")
                + (f" (was by {md(e.ack.by)}: {md(e.ack.reason)})" if e.ack else "")
                for e in report.acks_ended
            ]
        )
        out.append("")
    if quiet:
        out += ["Nothing changed.", ""]
    out += [f"## Hard deadlines in the next shift (to {_when(report.next_until)} UTC)", ""]
    if not report.deadlines:
        out.append("None.")
    out += _capped(
        [
            f"- {_when(due.at)} {md(due.cluster)}: "
            f"{_DEADLINE_WORDS.get(due.kind, due.kind.value)} ({band.value})"
            for due, band in report.deadlines
        ]
    )
    out += ["", "## Shift notes", ""]
    if not report.notes:
        out.append("None.")
    out += [f"- {_when(e.at)} {md(e.by)}: {md(e.text)}" for e in report.notes]
    return "\n".join(out).rstrip() + "\n"


# ----- JSON ------------------------------------------------------------------------------------


def to_json(report: Handover) -> dict[str, Any]:
    """The report as JSON types (``handover --format json``)."""

    def item(i: OpenItem) -> dict[str, Any]:
        return {
            "cluster": i.cluster,
            "severity": i.severity.value,
            "why": i.why,
            "stale": i.stale,
            "unreachable": i.unreachable,
            "acknowledged": i.ack.public() if i.ack else None,
        }

    return {
        "generated_at": format_ts(report.generated_at),
        "since": format_ts(report.since),
        "next_shift_until": format_ts(report.next_until),
        "context": list(report.context),
        "open": {
            "attention": [item(i) for i in report.attention],
            "acknowledged": [item(i) for i in report.acknowledged],
        },
        "changes": [
            {"at": format_ts(c.at), "cluster": c.cluster, "kind": c.kind, "text": c.text}
            for c in report.changes
        ],
        "acknowledgements_made": [e.public() for e in report.acks_made],
        "acknowledgements_ended": [e.public() for e in report.acks_ended],
        "deadlines": [
            {
                "cluster": due.cluster,
                "kind": due.kind.value,
                "at": format_ts(due.at),
                "band": band.value,
            }
            for due, band in report.deadlines
        ],
        "notes": [e.public() for e in report.notes],
    }
