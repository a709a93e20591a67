"""The dashboard's export writer: snapshots as JSON or CSV, the screen as SVG.

Writes are atomic (temporary file, fsync, ``os.replace``) and blocking: call
:func:`write_export` and :func:`write_text_atomic` from a thread worker. Exports hold
``licdash.snapshot/1`` content only: never a password, never the raw response.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Final, Literal

from collectors.model import LicenseSnapshot, format_ts
from collectors.results import ClusterStatus

ExportFormat = Literal["json", "csv", "svg"]
FORMATS: Final[tuple[ExportFormat, ...]] = ("json", "csv", "svg")

CSV_COLUMNS: Final = (
    "cluster",
    "publisher",
    "source",
    "collected_at",
    "severity",
    "stale",
    "last_error_kind",
    "registration",
    "registration_raw",
    "authorization",
    "authorization_raw",
    "smart_account",
    "virtual_account",
    "next_deadline",
    "next_deadline_at",
    "next_deadline_days_left",
    "entitlement",
    "entitlement_tag",
    "entitlement_count",
    "entitlement_status",
    "entitlement_raw_status",
)


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote: where, in which format, how many records (rows for CSV)."""

    path: Path
    format: ExportFormat
    count: int

    ok: ClassVar[bool] = True
    """A result is a success; failures stay in the dialog and never become a result."""

    @property
    def message(self) -> str:
        """The confirmation the app shows: ``Wrote 4 records to licdash-….json``."""
        if self.format == "svg":
            return f"Saving a screenshot to {self.path}"
        unit = "records" if self.format == "json" else "rows"
        return f"Wrote {self.count} {unit} to {self.path}"


class ExportError(Exception):
    """An export that could not be written; the message names the path and the cause."""


def default_path(fmt: ExportFormat, now: datetime, directory: Path | None = None) -> Path:
    """``licdash-20260301T120000Z.json``: timestamped, relative to the current directory."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"licdash-{stamp}.{fmt}"
    return directory / name if directory else Path(name)


def snapshots(statuses: Iterable[ClusterStatus]) -> list[LicenseSnapshot]:
    """The last good snapshot of each cluster that has one, by cluster name."""
    found = [s.last_good for s in statuses if s.last_good is not None]
    return sorted(found, key=lambda snap: snap.cluster)


def json_text(statuses: Iterable[ClusterStatus]) -> tuple[str, int]:
    """A JSON array of ``licdash.snapshot/1`` objects, and how many."""
    snaps = snapshots(statuses)
    body = json.dumps([snap.to_json_dict() for snap in snaps], indent=2, ensure_ascii=False)
    return body + "\n", len(snaps)


def _cell(value: object) -> str:
    """A spreadsheet-safe cell: text that a spreadsheet would run as a formula is quoted."""
    text = "" if value is None else str(getattr(value, "value", value))
    return "'" + text if text[:1] in ("=", "+", "@") else text


def csv_rows(status: ClusterStatus) -> list[list[str]]:
    """One row per entitlement (one row with empty entitlement columns when none)."""
    snap = status.last_good
    error_kind = status.last_error.kind if status.unreachable and status.last_error else None
    if snap is None:
        head = [status.cluster, "", "", "", "unknown", status.stale, error_kind]
        return [[_cell(v) for v in head] + [""] * (len(CSV_COLUMNS) - len(head))]
    reg, auth = snap.registration, snap.authorization
    deadline = snap.next_hard_deadline
    head = [
        snap.cluster,
        snap.publisher,
        snap.source,
        format_ts(snap.collected_at),
        snap.severity,
        status.stale,
        error_kind,
        reg.status,
        reg.raw,
        auth.status,
        auth.raw,
        reg.smart_account,
        reg.virtual_account,
        deadline.kind if deadline else None,
        format_ts(deadline.at) if deadline else None,
        f"{deadline.days_left:.1f}" if deadline else None,
    ]
    if not snap.entitlements:
        return [[_cell(v) for v in head] + [""] * 5]
    return [
        [_cell(v) for v in (*head, e.name, e.tag, e.count, e.status, e.raw_status)]
        for e in snap.entitlements
    ]


def csv_text(statuses: Iterable[ClusterStatus]) -> tuple[str, int]:
    """CSV with a header; returns the text and the number of data rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for status in sorted(statuses, key=lambda s: s.cluster):
        for row in csv_rows(status):
            writer.writerow(row)
            count += 1
    return buffer.getvalue(), count


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so a reader sees the old file or the whole new one."""
    directory = path.parent
    if not directory.is_dir():
        raise ExportError(f"cannot write {path}: directory {directory} does not exist")
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc


def write_export(
    path: Path, fmt: Literal["json", "csv"], statuses: Sequence[ClusterStatus]
) -> ExportResult:
    """Write the statuses' snapshots to ``path`` atomically (blocking: use a thread)."""
    text, count = json_text(statuses) if fmt == "json" else csv_text(statuses)
    write_text_atomic(path, text)
    return ExportResult(path, fmt, count)
