"""How ``licdash status`` writes what it found: the table a person reads and the JSON a
script reads (the Nagios line lives in :mod:`collectors.commands.nagios`). Judging is
not done here: rows arrive judged by :mod:`collectors.fleet_summary` and the policy."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, TextIO

if TYPE_CHECKING:
    from collectors.fleet_summary import Row
    from collectors.liveness import CollectorState
    from collectors.policy import Due, FleetCounts, FreshnessPolicy
    from collectors.sources.merge import MergedFleet

_ASCII_GLYPHS: Final = {
    "ok": "+",
    "warning": "!",
    "critical": "X",
    "unknown": "?",
    "stale": "~",
    "ack": "A",
    "snooze": "Z",
}
_COLOURS: Final = {"ok": "32", "warning": "33", "critical": "1;31", "unknown": "35", "stale": "2"}
_DEADLINE_WORDS: Final = {
    "registration_expiry": "registration expires",
    "authorization_expiry": "authorization expires",
    "evaluation_end": "evaluation ends",
}
_EXPIRED_WORDS: Final = {
    "registration_expiry": "registration expired",
    "authorization_expiry": "authorization expired",
    "evaluation_end": "evaluation expired",
}


def _deadline_text(deadline: Due | None, now: datetime) -> str:
    from collectors.dates import human_span

    if deadline is None:
        return "-"
    kind = deadline.kind  # a StrEnum: its value as a key, without reading ``.value``
    word = _DEADLINE_WORDS.get(kind, kind)
    if deadline.expired:
        return _EXPIRED_WORDS.get(kind, f"{word} (passed)")
    left = deadline.at - now
    when = f"in {human_span(left)}" if left >= timedelta(0) else f"{human_span(left)} ago"
    return f"{word} {when}"


def _age_text(row: Row, now: datetime) -> str:
    from collectors.dates import human_span

    age = row.status.age(now)
    return "never" if age is None else f"{human_span(age)} ago"


def _glyphs() -> dict[str, str]:
    from collectors.acks import ACK_GLYPH, SNOOZE_GLYPH
    from collectors.model import STALE_GLYPH, Severity

    marks = {"stale": STALE_GLYPH, "ack": ACK_GLYPH, "snooze": SNOOZE_GLYPH}
    return {s.value: s.glyph for s in Severity} | marks


ACK_REASON_CHARS: Final = 40
"""How much of an acknowledgement's reason the table shows (JSON has all of it)."""


def ack_text(row: Row, glyphs: dict[str, str]) -> str:
    """The ACKNOWLEDGED cell: who, until when, why (cut), or what is not covered."""
    state = row.ack
    ack = state.primary if state is not None else None
    if state is None or ack is None:
        return "-"
    until = f" until {ack.until:%m-%d %H:%MZ}" if ack.until else ""
    reason = ack.reason
    if len(reason) > ACK_REASON_CHARS:
        reason = reason[: ACK_REASON_CHARS - 1] + "…"
    if not state.acknowledged:
        return f"partly, by {ack.by}: {len(state.uncovered)} problem(s) not covered"
    glyph = glyphs["snooze" if ack.kind == "snooze" else "ack"]
    return f"{glyph} {ack.by}{until}: {reason}"


def neutralise(text: str) -> str:
    from collectors.text_safety import neutralise as inert

    return inert(text)


def render_table(
    rows: Sequence[Row],
    now: datetime,
    *,
    colour: bool,
    ascii_only: bool,
    policy: FreshnessPolicy | None = None,
    collector: CollectorState | None = None,
    merged: MergedFleet | None = None,
) -> str:
    """The table, then what else a NOC must know, then the totals line (always last)."""
    glyphs = _ASCII_GLYPHS if ascii_only else _glyphs()
    from collectors.products import product_info

    by_source = merged is not None and len(merged.sources) > 1
    header: tuple[str, ...] = ("CLUSTER", "PRODUCT", "SEVERITY", "REGISTRATION")
    header += ("AUTHORIZATION",)
    header += ("NEXT DEADLINE", "LAST GOOD POLL", "LAST ERROR")
    if by_source:
        header += ("SOURCE",)
    acks = any(row.ack is not None and row.ack.holding for row in rows)
    if acks:
        header += ("ACKNOWLEDGED",)
    cells: list[tuple[str, ...]] = [header]
    keys: list[tuple[str, bool]] = []
    for row in rows:
        snap = row.status.last_good
        sev = str(row.severity)
        age = _age_text(row, now) + (f" {glyphs['stale']} stale" if row.stale else "")
        error = row.status.last_error
        row_cells: tuple[str, ...] = (
            row.status.cluster,
            product_info(row.status.product).short,
            f"{glyphs[sev]} {sev}",
            snap.registration.status.value if snap else "-",
            snap.authorization.status.value if snap else "-",
            _deadline_text(row.deadline, now),
            age,
            error.kind if error and row.status.consecutive_failures else "-",
        )
        if by_source:
            row_cells += (row.status.tags.get("source", "-"),)
        if acks:
            row_cells += (ack_text(row, glyphs),)
        cells.append(row_cells)
        keys.append((sev, row.stale))
    from collectors.text_safety import neutralise as inert  # once, not per cell (90,000)

    cells = [tuple(map(inert, line)) for line in cells]  # one line each
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    out = []
    for index, line in enumerate(cells):
        padded = [text.ljust(width) for text, width in zip(line, widths, strict=True)]
        if colour and index > 0:
            sev, stale = keys[index - 1]
            if rows[index - 1].acknowledged:  # known and owned: quieter, severity kept
                padded = [p if i == 2 else _paint(p, "2") for i, p in enumerate(padded)]
            padded[2] = _paint(padded[2], _COLOURS[sev])
            if stale:
                padded[6] = _paint(padded[6], _COLOURS["stale"])
        elif colour:
            padded = [_paint(p, "1") for p in padded]
        out.append("  ".join(padded).rstrip())
    from collectors.fleet_summary import counts
    from collectors.policy import DEFAULT_POLICY

    policy = policy or DEFAULT_POLICY
    found = counts(rows, now, policy)
    out.append(_deadlines_line(found, policy))
    if collector is not None and collector.state.value != "up":
        said = collector.text()
        out.append(_paint(said, _COLOURS["critical"]) if colour and collector.down else said)
    if merged is not None:
        from collectors.commands.status_sources import table_lines

        for said in table_lines(merged.sources, now):
            bad = any(s.problem for s in merged.sources)
            out.append(_paint(neutralise(said), _COLOURS["critical"]) if colour and bad else said)
    if policy.origin in ("default", "override"):
        out.append(policy.describe())
    out.append(_totals_line(found))
    return "\n".join(out)


def _deadlines_line(found: FleetCounts, policy: FreshnessPolicy) -> str:
    from collectors.policy import Band

    hard, soft = found.deadlines.hard, found.deadlines.soft
    words = {
        Band.OVERDUE: "overdue",
        Band.CRITICAL: f"within {policy.critical_days:g} d",
        Band.WARNING: f"within {policy.warning_days:g} d",
        Band.LATER: "later",
    }
    parts = [f"{n} {words[band]}" for band, n in hard.items()]
    return (
        f"hard deadlines: {', '.join(parts)}; "
        f"soft: {sum(soft.values())} ({soft[Band.OVERDUE]} overdue)"
    )


def _paint(text: str, code: str) -> str:
    return f"\x1b[{code}m{text}\x1b[0m"


def _totals_line(found: FleetCounts) -> str:
    from collectors.model import Severity

    order = (Severity.CRITICAL, Severity.UNKNOWN, Severity.WARNING, Severity.OK)
    parts = [f"{found.severity[s]} {s.value}" for s in order]
    acked = f"; {found.acknowledged_total} acknowledged" if found.acknowledged_total else ""
    return (
        f"{found.clusters} clusters: {', '.join(parts)}; "
        f"{found.stale} stale, {found.failing} failing{acked}"
    )


def cluster_json(row: Row) -> dict[str, Any]:
    """The snapshot contract object plus ``stale``, ``last_error`` and poll facts."""
    from collectors.model import format_ts

    status = row.status
    data: dict[str, Any] = (
        status.last_good.to_json_dict()
        if status.last_good
        else {"cluster": status.cluster, "product": status.product, "severity": "unknown"}
    )
    data["tags"] = dict(status.tags)
    data["stale"] = row.stale
    data["last_seen"] = format_ts(status.last_seen) if status.last_seen else None
    data["consecutive_failures"] = status.consecutive_failures
    data["last_error"] = status.last_error.model_dump(mode="json") if status.last_error else None
    state = row.ack
    primary = state.primary if state is not None and state.acknowledged else None
    data["acknowledged"] = primary.public() if primary is not None else None
    data["acknowledgements"] = [a.public() for a in state.holding] if state else []
    return data


def collector_json(collector: CollectorState | None) -> dict[str, Any] | None:
    if collector is None:
        return None
    beat = collector.heartbeat
    return {
        "state": collector.state.value,
        "text": collector.text(),
        "age_s": collector.age.total_seconds() if collector.age is not None else None,
        "heartbeat": beat.model_dump(mode="json") if beat else None,
    }


def render_json(
    rows: Sequence[Row],
    now: datetime,
    *,
    policy: FreshnessPolicy | None = None,
    collector: CollectorState | None = None,
    exclude_acknowledged: bool = False,
    merged: MergedFleet | None = None,
) -> str:
    from collectors.commands.status_sources import json_part
    from collectors.fleet_summary import counts, exit_code, totals
    from collectors.model import format_ts
    from collectors.policy import DEFAULT_POLICY

    policy = policy or DEFAULT_POLICY
    doc = {
        "generated_at": format_ts(now),
        "exit_code": exit_code(
            rows,
            collector,
            merged.sources if merged else (),
            exclude_acknowledged=exclude_acknowledged,
        ),
        "exclude_acknowledged": exclude_acknowledged,
        "clusters": [cluster_json(r) for r in rows],
        "totals": totals(rows, now, policy),
        "deadlines": counts(rows, now, policy).deadlines.as_dict(),
        "collector": collector_json(collector),
        "policy": policy.to_doc() | {"origin": policy.origin, "text": policy.describe()},
    } | json_part(merged, now)
    return json.dumps(doc, indent=2, ensure_ascii=False)


def wants_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, never with ``NO_COLOR`` set or ``TERM=dumb``."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def can_print_glyphs(stream: TextIO) -> bool:
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "".join(_glyphs().values()).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
