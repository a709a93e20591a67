"""Every Smart Licensing timer of one cluster, in its zone, in UTC and relative to now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal

from rich.text import Text

from collectors.model import (
    AuthorizationStatus,
    DeadlineKind,
    LicenseSnapshot,
    RegistrationStatus,
    Severity,
)
from collectors.policy import DEFAULT_POLICY, Due, FreshnessPolicy
from dashboard.format import relative
from dashboard.widgets.nav_table import NavTable
from dashboard.widgets.severity_colors import SEVERITY_VAR, rich_style

TimerKind = Literal["past", "soft", "hard"]


@dataclass(frozen=True, slots=True)
class TimerRow:
    """One timer: a past event (attempt), a soft deadline (renewal) or a hard one (expiry)."""

    label: str
    at: datetime | None
    kind: TimerKind
    note: str = ""


def timer_rows(snap: LicenseSnapshot) -> list[TimerRow]:
    """The snapshot's timers in a fixed, readable order (absent ones kept as ``—``)."""
    reg, auth = snap.registration, snap.authorization
    rows = [
        TimerRow("Initial registration", reg.initial_registration, "past"),
        TimerRow(
            "Last renewal attempt", reg.last_renewal_attempt, "past", reg.last_renewal_result or ""
        ),
        TimerRow("Next renewal attempt", reg.next_renewal_attempt, "soft"),
        TimerRow("Registration expires", reg.expires, "hard"),
        TimerRow(
            "Last communication",
            auth.last_communication_attempt,
            "past",
            auth.last_communication_result or "",
        ),
        TimerRow("Next communication", auth.next_communication_attempt, "soft"),
        TimerRow("Authorization expires", auth.expires, "hard"),
    ]
    if auth.evaluation_remaining_days is not None:
        end = snap.collected_at + timedelta(days=auth.evaluation_remaining_days)
        left = f"{auth.evaluation_remaining_days:g} d left"
        if in_evaluation(snap):
            rows.append(TimerRow("Evaluation ends", end, "hard", left))
        else:  # the unused balance a registered product keeps: not a deadline
            rows.append(TimerRow("Evaluation (unused)", end, "past", f"{left}, not in use"))
    return rows


def in_evaluation(snap: LicenseSnapshot) -> bool:
    """The product runs on its evaluation period (so its end is a hard deadline)."""
    return snap.authorization.status in (
        AuthorizationStatus.EVALUATION,
        AuthorizationStatus.EVALUATION_EXPIRED,
    ) or snap.registration.status in (
        RegistrationStatus.UNREGISTERED,
        RegistrationStatus.UNKNOWN,
    )


def timer_severity(
    row: TimerRow, now: datetime, policy: FreshnessPolicy = DEFAULT_POLICY
) -> Severity | None:
    """Urgency colour of a timer by the policy's bands; None for neutral (absent or a
    successful past event)."""
    if row.at is None:
        return None
    if row.kind == "past":
        return Severity.WARNING if row.note == "failed" else None
    hard = row.kind == "hard"
    kind = DeadlineKind.REGISTRATION_EXPIRY if hard else DeadlineKind.REGISTRATION_RENEWAL
    return policy.urgency(Due("", kind, row.at), now)


class TimersTable(NavTable):
    """The timers of one snapshot; the owning screen calls :meth:`show` with new data."""

    DEFAULT_CSS = """
    TimersTable {
        height: auto;
        max-height: 11;
        background: $surface;
    }
    """

    show_cursor = False

    def on_mount(self) -> None:
        self.can_focus = False
        self.add_column("Timer", key="label")
        self.add_column("Cluster time", key="local")
        self.add_column("UTC", key="utc")
        self.add_column("Relative", key="rel")
        self.add_column("", key="note")

    def show(
        self,
        snap: LicenseSnapshot | None,
        now: datetime,
        tz: tzinfo,
        policy: FreshnessPolicy = DEFAULT_POLICY,
    ) -> None:
        rows = timer_rows(snap) if snap else []
        self.replace_rows([(row.label, self._cells(row, now, tz, policy)) for row in rows])

    def _cells(
        self, row: TimerRow, now: datetime, tz: tzinfo, policy: FreshnessPolicy
    ) -> tuple[Text, ...]:
        sev = timer_severity(row, now, policy)
        style = rich_style(self.app, SEVERITY_VAR[sev]) if sev else None
        if row.at is None:
            dash = Text("—", end="")
            return (Text(row.label, end=""), dash, dash, dash, Text(row.note, end=""))
        local = row.at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
        utc = row.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        mark = {"hard": " ■", "soft": "", "past": ""}[row.kind]
        note_style = rich_style(self.app, "sev-warning") if row.note == "failed" else None
        return (
            Text(row.label + mark, end=""),
            Text(local, end=""),
            Text(utc, end=""),
            Text(relative(row.at, now), style=style or "", end=""),
            Text(row.note, style=note_style or "", end=""),
        )
