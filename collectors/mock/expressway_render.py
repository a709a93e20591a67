"""Expressway's ``smartlicensing/licensing`` status rendered from a :class:`LicenceState`.

Shaped like Cisco's documentation example (``../shared/products/expressway/``): top-level
accounts and ``ExportControlledFunctionality`` as the string ``"True"``, a
``Registration`` and an ``Authorization`` object, dates as ``February, 05 Feb 2020
06:18:07 GMT``. No per-licence usage: the resource has none. ``variant`` 0 speaks the
API's upper-case words (``UNREGISTERED : REGISTRATION EXPIRED``) and the example's
month-name dates with every key present (empty when unknown); variant 1 the web UI's
words (``Unregistered : Registration Expired``, ``Out-of-compliance``), weekday dates,
and leaves unknown keys out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

from collectors.mock.state import LicenceState

_REGISTRATION_UI: Final = {"Registration Expired": "Unregistered : Registration Expired"}
_AUTHORIZATION_UI: Final = {"Out of Compliance": "Out-of-compliance"}
_API_WORDS: Final = {"Out of Compliance": "OUT OF COMPLIANCE"}
"""The API's words are the UI's in capitals (``REGISTERED``), except where Cisco's example
shows otherwise (``OUT OF COMPLIANCE``, not ``OUT-OF-COMPLIANCE``)."""
_MONTHS: Final = ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December")  # fmt: skip
_DAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def expressway_date(value: datetime, variant: int) -> str:
    """``February, 05 Feb 2020 06:18:07 GMT`` (variant 1: ``Wednesday, 05 Feb ...``)."""
    d = value.astimezone(UTC)
    word = _DAYS[d.weekday()] if variant % 2 else _MONTHS[d.month - 1]
    return f"{word}, {d:%d} {_MONTHS[d.month - 1][:3]} {d:%Y %H:%M:%S} GMT"


def render(state: LicenceState, *, to_real: Callable[[datetime], datetime], variant: int) -> bytes:
    ui = variant % 2 == 1
    r, a = state.registration, state.authorization

    def word(text: str, ui_words: dict[str, str]) -> str:
        if ui:
            return ui_words.get(text, text)
        return _API_WORDS.get(text, ui_words.get(text, text).upper())

    def when(value: datetime | None) -> str | None:
        return None if value is None else expressway_date(to_real(value), variant)

    def section(values: dict[str, str | None]) -> dict[str, str]:
        if ui:
            return {k: v for k, v in values.items() if v is not None}
        return {k: v or "" for k, v in values.items()}

    doc: dict[str, Any] = {
        "ExportControlledFunctionality": (
            "True" if r.export_control.lower() == "allowed" else "False"
        ),
        "VirtualAccount": r.virtual_account or "",
        "SmartAccount": r.smart_account or "",
        "Authorization": section(
            {
                "LicenseAuthorizationStatus": word(a.status, _AUTHORIZATION_UI),
                "AuthorizationExpires": when(a.expires),
                "NextAuthorizationAttempt": when(a.next_communication_attempt),
                "LastAuthorizationAttempt": when(a.last_communication_attempt),
            }
        ),
        "Registration": section(
            {
                "RegistrationStatus": word(r.status, _REGISTRATION_UI),
                "InitialRegistration": when(r.initial_registration),
                "RegistrationExpires": when(r.expires),
                "NextRenewalAttempt": when(r.next_renewal_attempt),
            }
        ),
    }
    return (json.dumps(doc, indent=None if ui else 0) + "\n").encode()
