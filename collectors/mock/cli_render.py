"""VOS CLI rendering of a :class:`LicenceState`, in CUCM 12.0's Smart Agent layout.

``show license all``, ``show license summary`` and ``show license UDI`` as a CUCM 12.0
publisher prints them (``../shared/samples/cli/``): the same living state the AXL
renderer shows, so a collector reading either interface sees the same licences.
Status words are the agent's upper-case ones (``REGISTERED``, ``AUTHORIZED on <date>``,
``EVAL MODE``), dates are ``Jan 26 15:11:23 2018 IST`` in the publisher's zone, and
the text uses ``\\n`` (the shell turns it into ``\\r\\n``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final, Protocol
from zoneinfo import ZoneInfo

from collectors.mock.state import (
    AUTHORIZATION_VALIDITY,
    EVALUATION_PERIOD,
    FAILED,
    SUCCEEDED,
    LicenceState,
)

if TYPE_CHECKING:
    from collectors.mock.clock import SimClock
    from collectors.mock.profiles import Profile

AGENT_VERSION: Final = "1.3.4"
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                  "Dec")  # fmt: skip
_REGISTRATION_WORDS: Final = {
    "Registered - Specific License Reservation": "REGISTERED - SPECIFIC LICENSE RESERVATION",
    "Registered - Universal License Reservation": "REGISTERED - UNIVERSAL LICENSE RESERVATION",
}
# AXL authorization word -> (CLI word, which date follows "on")
_AUTH_WORDS: Final = {
    "Authorized": ("AUTHORIZED", "since"),
    "Out of Compliance": ("OUT OF COMPLIANCE", "since"),
    "Authorization Expired": ("AUTHORIZATION EXPIRED", "expires"),
    "Evaluation Mode": ("EVAL MODE", None),
    "Evaluation Expired": ("EVAL EXPIRED", "evaluation_end"),
    "No Licenses in Use": ("No Licenses in Use", None),
    "Authorized - Reserved": ("AUTHORIZED - RESERVED", None),
    "Not Authorized - Reserved": ("NOT AUTHORIZED - RESERVED", None),
}
_EXPORT_WORDS: Final = {"allowed": "Allowed", "not allowed": "Not Allowed"}
# Licence part of a tag -> the description CUCM prints.
_LABELS: Final = {
    "UCM_CUWL": "UC Manager CUWL Meeting License",
    "UCM_EnhancedPlus": "UC Manager Enhanced Plus License",
    "UCM_Enhanced": "UC Manager Enhanced License",
    "UCM_Basic": "UC Manager Basic License",
    "UCM_Essential": "UC Manager Essential License",
    "UCM_TelePresenceRoom": "UC Manager TelePresence Room License",
}
# The entitlement heading pads some descriptions (as captured from a 12.0 publisher).
_HEADING_PAD: Final = {"UCM_Basic": "  "}
_TAG: Final = re.compile(r"^regid\.[^.]+\.com\.cisco\.(?P<lic>[^,]+),(?P<ver>[\d.]+)_(?P<uuid>.*)$")


def cli_date(value: datetime, zone: ZoneInfo) -> str:
    """``Jan 26 15:11:23 2018 IST``: the Smart Agent's date, day not zero-padded."""
    d = value.astimezone(zone)
    return (
        f"{_MONTHS[d.month - 1]} {d.day} {d.hour:02d}:{d.minute:02d}:{d.second:02d} "
        f"{d.year} {d.tzname()}"
    )


@dataclass(frozen=True, slots=True)
class CliExtras:
    """Dates the CLI shows that the interface-neutral state does not carry."""

    initial_registration: datetime | None = None
    evaluation_end: datetime | None = None


def _identity(value: datetime) -> datetime:
    return value


class _Text:
    def __init__(self, zone: ZoneInfo, to_real: Callable[[datetime], datetime]):
        self.zone = zone
        self.to_real = to_real
        self.lines: list[str] = []

    def date(self, value: datetime) -> str:
        return cli_date(self.to_real(value), self.zone)

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    def attempt(
        self, label: str, status: str | None, when: datetime | None, reason: str | None
    ) -> None:
        if status is None or when is None:
            self.add(f"  {label}: None")
            return
        word = SUCCEEDED if status == SUCCEEDED else FAILED
        self.add(f"  {label}: {word} on {self.date(when)}")
        if word == FAILED and reason:
            self.add(f"    Failure reason: {reason}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _auth_line(state: LicenceState, extras: CliExtras, text: _Text, *, dated: bool = True) -> str:
    a = state.authorization
    word, which = _AUTH_WORDS.get(a.status, (a.status.upper(), None))
    when: datetime | None = None
    if which == "since":
        when = _authorized_since(state)
    elif which == "expires":
        when = a.expires
    elif which == "evaluation_end":
        when = extras.evaluation_end
    return f"{word} on {text.date(when)}" if dated and when is not None else word


def _authorized_since(state: LicenceState) -> datetime | None:
    """When authorization last succeeded (the date on ``AUTHORIZED on <date>``)."""
    a = state.authorization
    if a.last_communication_status == SUCCEEDED and a.last_communication_attempt is not None:
        return a.last_communication_attempt
    return a.expires - AUTHORIZATION_VALIDITY if a.expires is not None else None


def _registration_word(status: str) -> str:
    return _REGISTRATION_WORDS.get(status, status.upper())


def _export_word(value: str) -> str:
    return _EXPORT_WORDS.get(value.strip().lower(), value)


def _remaining(days: int) -> str:
    return f"{days} days, 0 hours, 0 minutes, 0 seconds"


def _label(tag: str) -> tuple[str, str, str]:
    """(heading, description, version) of an entitlement tag."""
    match = _TAG.match(tag)
    if match is None:
        return tag, tag, "12.0"
    lic, version = match["lic"], match["ver"]
    label = _LABELS.get(lic)
    if label is None:
        words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", lic.split("_", 1)[-1])
        product = "HCS UC Manager" if lic.startswith("HUCM") else "UC Manager"
        label = f"{product} {words} License"
    major = version.split(".", 1)[0]
    return f"{label}{_HEADING_PAD.get(lic, ' ')}({major}.x)", label, version


def _udi_line(udi: str) -> str:
    udi = udi.strip()
    return udi if udi.upper().startswith("UDI:") else f"UDI: {udi}"


def render_all(
    state: LicenceState,
    *,
    zone: ZoneInfo,
    to_real: Callable[[datetime], datetime] = _identity,
    extras: CliExtras = CliExtras(),
) -> str:
    """``show license all``. ``to_real`` maps simulated instants to the real clock."""
    t = _Text(zone, to_real)
    r, a = state.registration, state.authorization
    t.add("Smart Licensing Status")
    t.add("=======================")
    t.add(f"Smart Licensing is {state.smart_licensing}")
    t.add()
    t.add("Registration:")
    t.add(f"  Status: {_registration_word(r.status)}")
    if r.smart_account is not None:
        t.add(f"  Smart Account: {r.smart_account}")
    if r.virtual_account is not None:
        t.add(f"  Virtual Account: {r.virtual_account}")
    t.add(f"  Export-Controlled Functionality: {_export_word(r.export_control)}")
    if extras.initial_registration is not None:
        t.add(f"  Initial Registration: SUCCEEDED on {t.date(extras.initial_registration)}")
    if r.last_renewal_attempt is not None:
        t.attempt(
            "Last Renewal Attempt", r.last_renewal_status, r.last_renewal_attempt, r.failure_reason
        )
    if r.next_renewal_attempt is not None:
        t.add(f"  Next Renewal Attempt: {t.date(r.next_renewal_attempt)}")
    if r.expires is not None:
        t.add(f"  Registration Expires: {t.date(r.expires)}")
    t.add()
    t.add("License Authorization:")
    t.add(f"  Status: {_auth_line(state, extras, t)}")
    in_eval = a.status == "Evaluation Mode"
    if in_eval:
        t.add(f"  Evaluation Period Remaining: {_remaining(a.evaluation_remaining_days)}")
    if a.last_communication_attempt is not None:
        t.attempt(
            "Last Communication Attempt",
            a.last_communication_status,
            a.last_communication_attempt,
            a.failure_reason,
        )
    if a.next_communication_attempt is not None:
        t.add(f"  Next Communication Attempt: {t.date(a.next_communication_attempt)}")
    if a.expires is not None:
        t.add(f"  Communication Deadline: {t.date(a.expires)}")
    t.add()
    t.add("Evaluation Period:")
    t.add(f"  Evaluation Mode: {'In Use' if in_eval else 'Not In Use'}")
    if a.evaluation_remaining_days > 0:
        t.add(f"  Evaluation Period Remaining: {_remaining(a.evaluation_remaining_days)}")
    elif extras.evaluation_end is not None:
        t.add(f"  EVALUATION PERIOD EXPIRED on {t.date(extras.evaluation_end)}")
    else:
        t.add("  EVALUATION PERIOD EXPIRED")
    t.add()
    t.add("License Usage")
    t.add("=============")
    usage_since = _auth_line(state, extras, t, dated=False)
    when = _authorized_since(state) if a.status == "Authorized" else None
    t.add(
        f"License Authorization Status: {usage_since}"
        + (f" as of {t.date(when)}" if when is not None else "")
    )
    t.add()
    for e in state.entitlements:
        heading, label, version = _label(e.tag)
        t.add(f"{heading if e.count else ''} ({e.tag})")
        t.add(f"  Description: {label if e.count else 'null'}")
        t.add(f"  Count: {e.count}")
        t.add(f"  Version: {version}")
        t.add(f"  Status: {e.status}")
        t.add()
    t.add("Product Information")
    t.add("===================")
    t.add(_udi_line(r.udi))
    t.add()
    t.add("Agent Version")
    t.add("=============")
    t.add(f"Smart Agent for Licensing: {AGENT_VERSION}")
    return t.text()


def render_summary(
    state: LicenceState,
    *,
    zone: ZoneInfo,
    to_real: Callable[[datetime], datetime] = _identity,
    extras: CliExtras = CliExtras(),
) -> str:
    """``show license summary``: status words without dates, and the usage table."""
    t = _Text(zone, to_real)
    r, a = state.registration, state.authorization
    t.add(f"Smart Licensing is {state.smart_licensing}.")
    t.add()
    t.add("Registration:")
    t.add(f"  Status: {_registration_word(r.status)}")
    if r.smart_account is not None:
        t.add(f"  Smart Account: {r.smart_account}")
    if r.virtual_account is not None:
        t.add(f"  Virtual Account: {r.virtual_account}")
    if r.last_renewal_attempt is not None:
        t.add(f"  Last Renewal Attempt: {r.last_renewal_status or 'None'}")
    if r.next_renewal_attempt is not None:
        t.add(f"  Next Renewal Attempt: {t.date(r.next_renewal_attempt)}")
    t.add()
    t.add("License Authorization:")
    t.add(f"  Status: {_auth_line(state, extras, t, dated=False)}")
    if a.status == "Evaluation Mode":
        t.add(f"  Evaluation Period Remaining: {_remaining(a.evaluation_remaining_days)}")
    if a.last_communication_attempt is not None:
        t.add(f"  Last Communication Attempt: {a.last_communication_status or 'None'}")
    if a.next_communication_attempt is not None:
        t.add(f"  Next Communication Attempt: {t.date(a.next_communication_attempt)}")
    t.add()
    t.add("License Usage:")
    t.add(f"  {'License':<28}{'Entitlement Tag':<87}{'Count':<13}Status")
    t.add("  " + "-" * 134)
    for e in state.entitlements:
        match = _TAG.match(e.tag)
        lic = match["uuid"] if match is not None and e.count else ""
        t.add(f"  {lic:<28}{e.tag:<87}{e.count!s:<13}{e.status}")
    return t.text()


def render_udi(state: LicenceState) -> str:
    """``show license UDI``."""
    return _udi_line(state.registration.udi) + "\n"


def extras_for(
    initial_registration: datetime | None, evaluation_start: datetime | None
) -> CliExtras:
    """The CLI-only dates of a plan: first registration and the end of evaluation."""
    end = evaluation_start + EVALUATION_PERIOD if evaluation_start is not None else None
    return CliExtras(initial_registration=initial_registration, evaluation_end=end)


class VosPublisher(Protocol):
    """What :func:`command_renderer` needs of a mock publisher (``PublisherServer``)."""

    profile: Profile
    clock: SimClock
    zone: ZoneInfo

    def state(self, at: datetime | None = None) -> LicenceState: ...


def command_renderer(publisher: VosPublisher) -> Callable[[str], str | None]:
    """The VOS shell's licence commands, rendered from ``publisher``'s living state.

    The answer is computed at the moment the command runs, exactly as the AXL answer
    is: the state at the current simulated time, dates moved to the real clock.
    """
    plan = publisher.profile.plan
    extras = extras_for(
        plan.registration.anchor if plan.registration is not None else None,
        plan.evaluation_start,
    )

    def render(command: str) -> str | None:
        if command not in _COMMANDS:
            return None
        clock = publisher.clock
        elapsed = clock.elapsed()
        state = publisher.state(clock.sim_at(elapsed))
        if command == "show license udi":
            return render_udi(state)

        def to_real(value: datetime) -> datetime:
            return clock.to_real(value, elapsed=elapsed)

        fn = render_all if command == "show license all" else render_summary
        return fn(state, zone=publisher.zone, to_real=to_real, extras=extras)

    return render


_COMMANDS: Final = frozenset(("show license all", "show license summary", "show license udi"))
