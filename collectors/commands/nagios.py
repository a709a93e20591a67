"""``licdash status --format nagios``: the fleet as one monitoring-plugin answer.

The first line is what Nagios, Icinga and Naemon show and alert on::

    LICDASH CRITICAL - 5 critical, 2 unknown, 3 warning, 20 ok; next: reg expiry lon in 4 d | ...

then the worst clusters, one per line (the plugin's "long text"). Counts, order, staleness
and the exit code come from :mod:`collectors.fleet_summary`; severities from
:mod:`collectors.severity`. This module only formats.

Performance data follows the monitoring-plugins guidelines
(``'label'=value[UOM];[warn];[crit];[min];[max]``): counts have no unit and ``min`` 0,
``max`` the number of clusters; ``min_days_left`` has no unit either (``d`` is not one of
the guideline's units) and its thresholds are ranges that alert *below* the value
(``30:`` means "alert when fewer than 30 days are left").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collectors.fleet_summary import Row
    from collectors.results import ClusterStatus
    from collectors.severity import Thresholds

PLUGIN: Final = "LICDASH"
STATES: Final = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}
MAX_DETAIL_LINES: Final = 20
_SHORT_KIND: Final = {
    "registration_expiry": "reg expiry",
    "authorization_expiry": "auth expiry",
    "evaluation_end": "eval end",
}
# "|" starts performance data anywhere in the output; control characters break the
# one-line-per-event contract of every monitoring UI. Text from publishers may hold both.
_UNSAFE: Final = {c: " " for c in range(32)} | {127: " ", ord("|"): "/"}


def clean(text: str) -> str:
    return " ".join(text.translate(_UNSAFE).split())


def number(value: float) -> str:
    """A value in the guidelines' class ``[-0-9.]`` (never an exponent), rounded down
    to 0.01 so that it never reads as more time than the text says."""
    text = f"{math.floor(value * 100) / 100:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _when(days: float) -> str:
    if days < 0:
        return f"{int(-days)} d ago" if days <= -1 else f"{int(-days * 24)} h ago"
    return f"in {int(days)} d" if days >= 1 else f"in {int(days * 24)} h"


def _next_deadline(rows: Sequence[Row], now: datetime) -> tuple[Row, float] | None:
    dated = [r for r in rows if r.deadline is not None]
    if not dated:
        return None
    first = min(dated, key=lambda r: (r.deadline.at if r.deadline else now, r.status.cluster))
    assert first.deadline is not None
    return first, (first.deadline.at - now).total_seconds() / 86400


def perfdata(
    rows: Sequence[Row],
    now: datetime,
    thresholds: Thresholds,
    counts: Mapping[str, int],
    *,
    size: int | None = None,
) -> str:
    """``size``: the clusters checked (``max`` of each count); ``len(rows)`` by default."""
    size = len(rows) if size is None else size
    items = [f"{k}={counts[k]};;;0;{size}" for k in ("critical", "warning", "unknown", "ok")]
    items.append(f"stale={counts['stale']};;;0;{size}")
    items.append(f"acknowledged={counts.get('acknowledged', 0)};;;0;{size}")
    nearest = _next_deadline(rows, now)
    if nearest is not None:
        warn, crit = number(thresholds.warning_days), number(thresholds.critical_days)
        items.append(f"min_days_left={number(nearest[1])};{warn}:;{crit}:")
    return " ".join(items)


def summary(
    rows: Sequence[Row],
    now: datetime,
    counts: Mapping[str, int],
    collector_text: str | None = None,
    *,
    excluded: bool = False,
) -> str:
    acked = counts.get("acknowledged", 0)
    if not rows and not (excluded and acked):
        text = "no clusters to check (empty store, or no cluster matches --tag)"
        return f"{collector_text}; {text}" if collector_text else text
    text = f"{collector_text}; " if collector_text else ""
    text += ", ".join(f"{counts[k]} {k}" for k in ("critical", "unknown", "warning", "ok"))
    if counts["stale"]:
        text += f", {counts['stale']} stale"
    if acked:
        text += f", {acked} acknowledged" + (" (not counted)" if excluded else "")
    nearest = _next_deadline(rows, now)
    if nearest is not None:
        row, days = nearest
        assert row.deadline is not None
        kind = _SHORT_KIND.get(row.deadline.kind.value, row.deadline.kind.value)
        text += f"; next: {kind} {row.status.cluster} {_when(days)}"
    return text


def _why(status: ClusterStatus) -> str:
    if status.consecutive_failures and status.last_error:
        failing = f"{status.last_error.kind}: {status.last_error.message}"
        if status.last_good is None:
            return f"never polled successfully; {failing}"
        return f"{status.last_good.reasons[0] if status.last_good.reasons else 'ok'}; {failing}"
    if status.last_good is None:
        return "never polled successfully"
    return status.last_good.reasons[0] if status.last_good.reasons else "ok"


def _ack_word(row: Row) -> str:
    ack = row.ack.primary if row.ack is not None and row.acknowledged else None
    if ack is None:
        return ""
    verb = "snoozed" if ack.kind == "snooze" else "acknowledged"
    return f" ({verb} by {ack.by}: {ack.reason})"


def detail_lines(rows: Sequence[Row], limit: int = MAX_DETAIL_LINES) -> list[str]:
    """The clusters that are not ok, fresh and reachable, worst first (as ``rows`` are);
    an acknowledged one says by whom and why."""
    from collectors.model import Severity

    bad = [
        r for r in rows if r.severity is not Severity.OK or r.stale or r.status.consecutive_failures
    ]
    lines = []
    for row in bad[:limit]:
        word = row.severity.value.upper() + (" (stale)" if row.stale else "")
        lines.append(clean(f"{word} {row.status.cluster}{_ack_word(row)}: {_why(row.status)}"))
    if len(bad) > limit:
        lines.append(f"... and {len(bad) - limit} more")
    return lines


def render(
    rows: Sequence[Row],
    now: datetime,
    thresholds: Thresholds,
    code: int,
    counts: Mapping[str, int],
    *,
    collector_text: str | None = None,
    acknowledged: Sequence[Row] = (),
    excluded: bool = False,
) -> str:
    """The whole answer. ``code`` is the caller's :func:`~collectors.fleet_summary.exit_code`
    and ``counts`` its ``totals`` (severity names, ``stale``, ``acknowledged``), so that
    this face shows the numbers every other face shows. ``collector_text`` says that the
    collector stopped writing (it leads the first line: it explains every stale row).
    With ``excluded`` (``--exclude-acknowledged``) ``rows`` are the unacknowledged ones
    and the ``acknowledged`` rows are only counted."""
    text = clean(summary(rows, now, counts, collector_text, excluded=excluded))
    first = f"{PLUGIN} {STATES[code]} - {text} | "
    size = len(rows) + (len(acknowledged) if excluded else 0)
    perf = perfdata(rows, now, thresholds, counts, size=size)
    return "\n".join([first + perf, *detail_lines(rows)])


def render_unknown(reason: str, hint: str | None = None) -> str:
    """The answer when there is nothing to judge: the same form, state UNKNOWN, no
    performance data (a count of 0 would graph as a fact)."""
    lines = [f"{PLUGIN} UNKNOWN - {clean(reason)}"]
    if hint:
        lines.append(clean(f"hint: {hint}"))
    return "\n".join(lines)


def reassess(status: ClusterStatus, now: datetime, thresholds: Thresholds) -> ClusterStatus:
    """``status`` with its snapshot's severity judged again at ``now`` with other
    warning/critical days (``-w``/``-c``), by the one severity rule."""
    from collectors.severity import assess

    snap = status.last_good
    if snap is None:
        return status
    severity, reasons, deadlines = assess(
        snap.registration, snap.authorization, snap.entitlements, now, thresholds
    )
    new = snap.model_copy(update={"severity": severity, "reasons": reasons, "deadlines": deadlines})
    return status.model_copy(update={"last_good": new})
