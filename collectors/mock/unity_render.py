"""Unity Connection's ``licensedetails`` (CUPI) rendered from a :class:`LicenceState`.

Shaped like Cisco's two documentation examples (``../shared/products/unity/``), as
valid JSON or XML: ``Register`` with attempts holding the result and a zone-less time
in one string (``SUCCEEDED 2017-11-22 13:17:19.0``), no expiry dates, the 14 tag set or
the 12.x one. Where the examples disagree the mock speaks both: XML says ``Evals`` and
JSON ``Eval``; ``variant`` 0 uses the API examples' words (``Evaluation``) and variant 1
the UI's (``Evaluation Mode``), and JSON's variant 0 keeps the example's leading space
before the next-attempt times. A one-licence answer's JSON gives the entitlement as an
object, not a list of one (how CUPI's XML-to-JSON conversion is said to behave).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from collectors.mock.state import LicenceState

_AUTH_WORDS: Final = {
    # AXL's word -> (CUPI's API example word, Unity's UI word)
    "Evaluation Mode": ("Evaluation", "Evaluation Mode"),
    "Evaluation Expired": ("Evaluation Period Expired", "Evaluation Period Expired"),
}
_EXPORT: Final = {"allowed": "Allowed", "notallowed": "Not Allowed"}


def unity_time(value: datetime, zone: ZoneInfo) -> str:
    """Java ``Timestamp.toString()`` in the server's zone, as CUPI prints it."""
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S.0")


def details(
    state: LicenceState,
    *,
    zone: ZoneInfo,
    to_real: Callable[[datetime], datetime],
    variant: int,
    entitlement_word: Callable[[str], str],
    pad: str = "",
) -> dict[str, Any]:
    """The answer as nested values (what both renderers write)."""

    def when(value: datetime | None) -> str:
        return "" if value is None else pad + unity_time(to_real(value), zone)

    def attempt(result: str | None, value: datetime | None) -> str:
        if value is None or result is None:
            return "Not Applicable"
        return f"{result} {unity_time(to_real(value), zone)}"

    r, a = state.registration, state.authorization
    auth_word = _AUTH_WORDS.get(a.status, (a.status, a.status))[variant % 2]
    export = _EXPORT.get(r.export_control.lower().replace(" ", ""), r.export_control)
    return {
        "SmartLicensing": state.smart_licensing.capitalize(),
        "Register": {
            "Status": r.status,
            "SmartAccount": r.smart_account or "",
            "VirtualAccount": r.virtual_account or "",
            "LastRenewalAttempt": attempt(r.last_renewal_status, r.last_renewal_attempt),
            "NextRenewalAttempt": when(r.next_renewal_attempt),
            "LastRegistrationSuccessTime": when(r.last_success).strip(),
            "ProductUDI": r.udi,
            "ExportControlFunctionality": export,
        },
        "Authorization": {
            "Status": auth_word,
            "LastCommunicationAttempt": attempt(
                a.last_communication_status, a.last_communication_attempt
            ),
            "NextCommunicationAttempt": when(a.next_communication_attempt),
            "EvaluationPeriodRemaining": f"{a.evaluation_remaining_days}:0:0",
        },
        "LicenseUsage": {
            "EntitlementTag": [
                {"Id": e.tag, "Count": str(e.count), "Status": entitlement_word(e.status)}
                for e in state.entitlements
            ]
        },
    }


def render_json(
    state: LicenceState, *, zone: ZoneInfo, to_real: Callable[[datetime], datetime], variant: int
) -> bytes:
    doc = details(
        state,
        zone=zone,
        to_real=to_real,
        variant=variant,
        entitlement_word=lambda w: w,
        pad=" " if variant % 2 == 0 else "",
    )
    tags = doc["LicenseUsage"]["EntitlementTag"]
    if len(tags) == 1:
        doc["LicenseUsage"]["EntitlementTag"] = tags[0]
    return json.dumps(doc, indent=1).encode()


def render_xml(
    state: LicenceState, *, zone: ZoneInfo, to_real: Callable[[datetime], datetime], variant: int
) -> bytes:
    doc = details(
        state,
        zone=zone,
        to_real=to_real,
        variant=variant,
        entitlement_word=lambda w: "Evals" if w == "Eval" else w,
    )
    parts = ["<LicenseDetails>"]

    def write(name: str, value: Any) -> None:
        if isinstance(value, dict):
            parts.append(f"<{name}>")
            for key, item in value.items():
                write(key, item)
            parts.append(f"</{name}>")
        elif isinstance(value, list):
            for item in value:
                write(name, item)
        else:
            parts.append(f"<{name}>{escape(str(value))}</{name}>")

    for key, value in doc.items():
        write(key, value)
    parts.append("</LicenseDetails>")
    return "\n".join(parts).encode()
