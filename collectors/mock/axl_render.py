"""AXL SOAP rendering of a :class:`LicenceState`, laid out as real CUCM servers send it.

Real 12.5/14.0 servers omit the ``<return>`` element the XSD declares before
``<LicenseDetails>``; so does this renderer. Dates are Java ``Date.toString()`` in the
publisher's zone with the abbreviation Java prints (``Sun Mar 02 11:10:25 EST 2025``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from collectors.mock.state import LicenceState

AXL_NS: Final = "http://www.cisco.com/AXL/API/"
SOAP_NS: Final = "http://schemas.xmlsoap.org/soap/envelope/"
_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                  "Dec")  # fmt: skip
_HEAD: Final = (
    "<?xml version='1.0' encoding='UTF-8'?>"
    f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}"><soapenv:Body>'
)
_TAIL: Final = "</soapenv:Body></soapenv:Envelope>"


def java_date(value: datetime, zone: ZoneInfo) -> str:
    """``value`` as Java's ``Date.toString()`` prints it in ``zone``."""
    d = value.astimezone(zone)
    return (
        f"{_DAYS[d.weekday()]} {_MONTHS[d.month - 1]} {d.day:02d} "
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} {d.tzname()} {d.year}"
    )


def render_status(
    state: LicenceState,
    *,
    version: str,
    zone: ZoneInfo,
    to_real: Callable[[datetime], datetime],
) -> bytes:
    """A ``getSmartLicenseStatusResponse`` envelope in ``version``'s namespace.

    ``to_real`` maps a simulated instant to the real clock (see ``SimClock.to_real``).
    """
    parts: list[str] = [
        _HEAD,
        f'<ns:getSmartLicenseStatusResponse xmlns:ns="{AXL_NS}{version}"><LicenseDetails>',
        f"<SmartLicensing>{state.smart_licensing}</SmartLicensing>",
    ]
    add = parts.append

    def el(name: str, value: str | int | None) -> None:
        if value is not None:
            add(f"<{name}>{escape(str(value))}</{name}>")

    def date(name: str, value: datetime | None) -> None:
        if value is not None:
            add(f"<{name}>{java_date(to_real(value), zone)}</{name}>")

    r = state.registration
    add("<Registration>")
    el("Status", r.status)
    el("SmartAccount", r.smart_account)
    el("VirtualAccount", r.virtual_account)
    date("LastRenewalAttempt", r.last_renewal_attempt)
    date("NextRenewalAttempt", r.next_renewal_attempt)
    el("LastRenewalStatus", r.last_renewal_status)
    el("RegistrationFailedReason", r.failure_reason)
    date("RegistrationExpires", r.expires)
    el("ProductUDI", r.udi)
    el("ExportControlFunctionality", r.export_control)
    a = state.authorization
    add("</Registration><Authorization>")
    el("Status", a.status)
    date("LastCommunicationAttempt", a.last_communication_attempt)
    date("NextCommunicationAttempt", a.next_communication_attempt)
    el("LastCommunicationStatus", a.last_communication_status)
    el("AuthorizationFailedReason", a.failure_reason)
    date("AuthorizationExpires", a.expires)
    el("EvaluationPeriodRemaining", a.evaluation_remaining_days)
    add("</Authorization><LicenseStatus>")
    for e in state.entitlements:
        add(
            f"<Entitlement><Tag>{escape(e.tag)}</Tag><Count>{e.count}</Count>"
            f"<Status>{escape(e.status)}</Status></Entitlement>"
        )
    add("</LicenseStatus></LicenseDetails></ns:getSmartLicenseStatusResponse>")
    add(_TAIL)
    return "".join(parts).encode()


def render_fault(
    faultstring: str,
    *,
    axl_code: int,
    axl_message: str | None = None,
    request: str = "getSmartLicenseStatus",
    faultcode: str = "soapenv:Client",
) -> bytes:
    """A SOAP 1.1 Fault with the ``axlError`` detail CUCM adds."""
    fs = escape(faultstring)
    msg = escape(axl_message if axl_message is not None else faultstring)
    return (
        f"{_HEAD}<soapenv:Fault><faultcode>{faultcode}</faultcode>"
        f"<faultstring>{fs}</faultstring><detail><axlError>"
        f"<axlcode>{axl_code}</axlcode><axlmessage>{msg}</axlmessage>"
        f"<request>{escape(request)}</request></axlError></detail>"
        f"</soapenv:Fault>{_TAIL}"
    ).encode()


def dispatch_fault(version: str, operation: str = "getSmartLicenseStatus") -> bytes:
    """The fault CUCM sends for an operation or AXL version it does not serve."""
    text = f"Cannot find dispatch method for {{{AXL_NS}{version}}}{operation}"
    return render_fault(text, axl_code=-1, request=operation)


def service_fault() -> bytes:
    """The ``soap_fault`` scenario: the licence service is down behind AXL."""
    return render_fault(
        "Unable to get Smart Licensing status: Cisco Smart License Manager is not running",
        axl_code=5002,
        faultcode="soapenv:Server",
    )


def malformed(body: bytes) -> bytes:
    """A broken copy of an answer: a closing tag that does not match its opening one."""
    return body.replace(b"</Status></Registration>", b"</Registration></Status>", 1).replace(
        b"</LicenseDetails>", b"</LicenseDetail>", 1
    )
