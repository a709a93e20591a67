"""The body of an export file: ``licdash.snapshot/1`` records as JSON, JSON lines or CSV.

One renderer for ``licdash export`` and the dashboard's export dialog, so a file saved
from either reads the same. CSV has one row per cluster x entitlement with the
cluster's product, registration, authorization, severity and next hard deadline (a
product without per-licence counts has one row with empty entitlement cells); text cells that
a spreadsheet would run as a formula are prefixed with ``'``. Exports hold snapshot
content only: never a password, never the raw response.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from collectors.model import LicenseSnapshot
    from collectors.results import ClusterStatus

RenderFormat = Literal["json", "jsonl", "csv"]

CSV_COLUMNS: Final = [
    "cluster",
    "product",
    "tags",
    "collected_at",
    "registration",
    "authorization",
    "severity",
    "next_deadline_kind",
    "next_deadline_at",
    "next_deadline_days_left",
    "entitlement_tag",
    "entitlement_name",
    "entitlement_count",
    "entitlement_status",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would evaluate (CSV formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_rows(status: ClusterStatus, snap: LicenseSnapshot) -> list[list[Any]]:
    from collectors.policy import next_hard, snapshot_dues
    from collectors.severity import days_between

    # The policy's deadlines: an expired evaluation/licence is an overdue one here too.
    deadline = next_hard(snapshot_dues(status.cluster, snap))
    head = [
        status.cluster,
        snap.product,
        ";".join(f"{k}={v}" for k, v in sorted(status.tags.items())),
        snap.collected_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        snap.registration.status.value,
        snap.authorization.status.value,
        snap.severity.value,
        deadline.kind.value if deadline else "",
        deadline.at.strftime("%Y-%m-%dT%H:%M:%SZ") if deadline else "",
        days_between(snap.collected_at, deadline.at) if deadline else "",
    ]
    ents = [[e.tag, e.name, e.count, e.status.value] for e in snap.entitlements]
    return [[_cell(v) for v in head + ent] for ent in ents or [["", "", "", ""]]]


def unknown_csv_row(status: ClusterStatus) -> list[Any]:
    """A cluster never polled successfully: a CSV row saying so (severity ``unknown``,
    no snapshot fields), so a spreadsheet of the fleet still lists every cluster."""
    tags = ";".join(f"{k}={v}" for k, v in sorted(status.tags.items()))
    head = [status.cluster, status.product, tags, "", "", "", "unknown"]
    return [_cell(v) for v in head] + [""] * (len(CSV_COLUMNS) - len(head))


def never_polled_note(never_polled: list[str], fmt: str) -> str | None:
    """What an export says of the clusters that have no snapshot yet, or None."""
    if not never_polled:
        return None
    count = len(never_polled)
    names = ", ".join(never_polled[:5]) + (f" and {count - 5} more" if count > 5 else "")
    were = "cluster was" if count == 1 else "clusters were"
    if fmt == "csv":
        return f"{count} {were} never polled successfully, written as unknown rows: {names}"
    return (
        f"{count} {were} never polled successfully and have no licdash.snapshot/1 record "
        f"to export (skipped: {names}); --format csv lists them as unknown rows"
    )


def render(
    fmt: RenderFormat,
    rows: list[tuple[ClusterStatus, LicenseSnapshot]],
    *,
    bom: bool,
    never_polled: list[ClusterStatus] | None = None,
) -> bytes:
    """The file body; ``bom`` starts CSV with a UTF-8 byte order mark for spreadsheets.
    CSV adds an unknown row per ``never_polled`` cluster (JSON has no record form for a
    cluster without a snapshot: say so with :func:`never_polled_note`)."""
    if fmt == "json":
        return (json.dumps([s.to_json_dict() for _, s in rows], indent=2) + "\n").encode()
    if fmt == "jsonl":
        return "".join(s.to_json() + "\n" for _, s in rows).encode()
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for status, snap in rows:
        writer.writerows(csv_rows(status, snap))
    for status in never_polled or ():
        writer.writerow(unknown_csv_row(status))
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")


def latest_rows(
    statuses: Iterable[ClusterStatus],
) -> list[tuple[ClusterStatus, LicenseSnapshot]]:
    """Each cluster with its last good snapshot, by name (never-polled clusters have none)."""
    rows = [(s, s.last_good) for s in statuses if s.last_good is not None]
    return sorted(rows, key=lambda row: row[0].cluster)


def render_latest(
    fmt: Literal["json", "csv"], statuses: Iterable[ClusterStatus]
) -> tuple[bytes, int]:
    """The latest snapshots as a file to save, and its record count.

    JSON is an array of ``licdash.snapshot/1`` objects (count: snapshots); CSV has a
    header and one row per cluster x entitlement, with a byte order mark (count: data
    rows).
    """
    rows = latest_rows(statuses)
    if fmt == "json":
        return render("json", rows, bom=False), len(rows)
    return render("csv", rows, bom=True), sum(max(1, len(s.entitlements)) for _, s in rows)


def render_records(
    fmt: RenderFormat, records: list[dict[str, Any]], columns: Iterable[str], *, bom: bool
) -> bytes:
    """Flat records (the acknowledgements' audit trail) as a JSON array, JSON lines or
    CSV with ``columns`` (formula-looking text cells prefixed with ``'``)."""
    if fmt == "json":
        return (json.dumps(records, indent=2, ensure_ascii=False) + "\n").encode()
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    names = list(columns)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(names)
    for record in records:
        writer.writerow([_cell("" if record.get(n) is None else record.get(n)) for n in names])
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")
