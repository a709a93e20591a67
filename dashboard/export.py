"""The dashboard's export writer: snapshots as JSON or CSV, the screen as SVG.

JSON and CSV come from ``collectors.export_render``, the renderer of ``licdash export``,
so a file saved from the dashboard and one from the command line read the same. Writes
are atomic (temporary file, fsync, ``os.replace``) and blocking: call
:func:`write_export` and :func:`write_text_atomic` from a thread worker. Exports hold
``licdash.snapshot/1`` content only: never a password, never the raw response.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Final, Literal

from collectors.export_render import latest_rows, render_latest
from collectors.results import ClusterStatus

ExportFormat = Literal["json", "csv", "svg"]
FORMATS: Final[tuple[ExportFormat, ...]] = ("json", "csv", "svg")


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote: where, in which format, how many records (rows for CSV)."""

    path: Path
    format: ExportFormat
    count: int
    skipped: tuple[str, ...] = ()
    """Clusters of the scope that are not in the file (never polled: no snapshot yet)."""

    ok: ClassVar[bool] = True
    """A result is a success; failures stay in the dialog and never become a result."""

    @property
    def message(self) -> str:
        """The confirmation the app shows: ``Wrote 4 records to licdash-….json``."""
        if self.format == "svg":
            return f"Saving a screenshot to {self.path}"
        unit = "records" if self.format == "json" else "rows"
        return f"Wrote {self.count} {unit} to {self.path}" + left_out_text(self.skipped)


def left_out_text(skipped: Sequence[str], limit: int = 5) -> str:
    """``; left out 2 never-polled clusters (no snapshot yet): a, b`` or ""."""
    if not skipped:
        return ""
    names = ", ".join(skipped[:limit]) + (
        f" +{len(skipped) - limit}" if len(skipped) > limit else ""
    )
    noun = "cluster" if len(skipped) == 1 else "clusters"
    return f"; left out {len(skipped)} never-polled {noun} (no snapshot yet): {names}"


class ExportError(Exception):
    """An export that could not be written; the message names the path and the cause."""


def default_path(fmt: ExportFormat, now: datetime, directory: Path | None = None) -> Path:
    """``licdash-20260301T120000Z.json``: timestamped, relative to the current directory."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"licdash-{stamp}.{fmt}"
    return directory / name if directory else Path(name)


def left_out(statuses: Iterable[ClusterStatus]) -> list[str]:
    """The clusters an export of ``statuses`` leaves out, by name: those never polled."""
    chosen = list(statuses)
    exported = {status.cluster for status, _ in latest_rows(chosen)}
    return sorted(s.cluster for s in chosen if s.cluster not in exported)


def write_text_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` so a reader sees the old file or the whole new one."""
    directory = path.parent
    if not directory.is_dir():
        raise ExportError(f"cannot write {path}: directory {directory} does not exist")
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8") if isinstance(text, str) else text)
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
    body, count = render_latest(fmt, statuses)
    write_text_atomic(path, body)
    return ExportResult(path, fmt, count, tuple(left_out(statuses)))
