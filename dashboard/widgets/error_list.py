"""Recent poll errors of one cluster: time, kind, message and what to check."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from rich.text import Text

from collectors.results import ErrorInfo
from dashboard.format import relative
from dashboard.widgets.nav_table import NavTable
from dashboard.widgets.severity_colors import rich_style


@dataclass(frozen=True, slots=True)
class ErrorEntry:
    """One failed poll as the UI shows it."""

    at: datetime | None
    kind: str
    message: str
    hint: str | None
    cluster: str | None = None


def _when(event: Any) -> datetime | None:
    for name in ("last_at", "at", "time", "started_at", "timestamp"):
        value = getattr(event, name, None)
        if isinstance(value, datetime):
            return value
    return None


def error_entries(failures: Iterable[Any]) -> list[ErrorEntry]:
    """Adapt store failure events (``kind``/``message`` fields or an ``error``), newest first."""
    out = []
    for event in failures:
        info = getattr(event, "error", None)
        if isinstance(info, ErrorInfo):
            kind, message, hint = info.kind, info.message, info.hint
        else:
            kind = str(getattr(event, "kind", "error"))
            message = str(getattr(event, "message", ""))
            hint = getattr(event, "hint", None)
        attempts = getattr(event, "attempts", 1)
        if isinstance(attempts, int) and attempts > 1:
            message = f"{message} (×{attempts})"
        cluster = getattr(event, "cluster", None)
        out.append(ErrorEntry(_when(event), kind, message, hint, cluster))
    return sorted(out, key=lambda e: (e.at is not None, e.at), reverse=True)


class ErrorList(NavTable):
    """Errors, newest first; the owning screen calls :meth:`show`."""

    DEFAULT_CSS = """
    ErrorList {
        height: auto;
        max-height: 14;
    }
    """

    def on_mount(self) -> None:
        self.add_column("When", key="at")
        self.add_column("Kind", key="kind")
        self.add_column("Message", key="message")
        self.add_column("What to check", key="hint")

    def show(self, entries: Sequence[ErrorEntry], now: datetime, tz: tzinfo) -> None:
        if not entries:
            self.replace_rows([("none", ("—", "", "No poll errors recorded.", ""))])
            return
        style = rich_style(self.app, "sev-warning")
        rows = []
        for i, entry in enumerate(entries):
            when = (
                f"{entry.at.astimezone(tz):%m-%d %H:%M} ({relative(entry.at, now)})"
                if entry.at
                else "—"
            )
            cells = (when, Text(entry.kind, style=style, end=""), entry.message, entry.hint or "")
            rows.append((f"{entry.at}|{i}", cells))
        self.replace_rows(rows)
