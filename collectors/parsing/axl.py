"""AXL ``getSmartLicenseStatus`` answers (CUCM 12.5, 14, 15) to a snapshot.

Elements are found by local name, whatever their namespace prefix and position: real
servers leave out the ``<return>`` element the schema declares, and any element may be
missing. The XML is read without DTDs or entity expansion (:mod:`.safe_xml`) under a size cap.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from functools import lru_cache
from typing import Final

from collectors import vocab
from collectors.dates import parse_remaining_days
from collectors.errors import MalformedResponseError, SoapFaultError, UnsupportedVersionError
from collectors.model import LicenseSnapshot
from collectors.parsing import safe_xml
from collectors.parsing._common import (
    MAX_RESPONSE_BYTES,
    Collected,
    check_size,
    normalise_udi,
    smart_licensing_word,
)
from collectors.severity import DEFAULT_THRESHOLDS, Thresholds
from collectors.text_safety import neutralise

_VERSION_FAULT: Final = re.compile(
    r"cannot find dispatch method|unsupported version|version\b.{0,80}\bnot supported"
    r"|not a supported version|invalid version|unknown version",
    re.IGNORECASE,
)
_DETAIL_KEYS: Final = ("registration", "authorization", "smartlicensing", "licensestatus")


def _local(tag: object) -> str:
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return _local_name(tag) if len(tag) <= 200 else tag.rpartition("}")[2].lower()


@lru_cache(maxsize=1024)
def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2].rpartition(":")[2].lower()


def _children(element: ET.Element) -> dict[str, ET.Element]:
    found: dict[str, ET.Element] = {}
    for child in element:
        found.setdefault(_local(child.tag), child)
    return found


def _text(element: ET.Element | None) -> str | None:
    """An element's text, stripped, with control characters as visible escapes."""
    if element is None or element.text is None:
        return None
    text = element.text.strip()
    return neutralise(text) if text else None


def _raise_fault(fault: ET.Element, cluster: str) -> None:
    parts = _children(fault)
    faultstring = _text(parts.get("faultstring"))
    faultcode = _text(parts.get("faultcode"))
    if faultstring is None and "reason" in parts:  # SOAP 1.2: Reason/Text
        faultstring = _text(_children(parts["reason"]).get("text"))
    if faultcode is None and "code" in parts:
        faultcode = _text(_children(parts["code"]).get("value"))
    axl_code = None
    detail = parts.get("detail")
    if detail is not None:
        for element in detail.iter():
            if _local(element.tag) == "axlcode":
                axl_code = _text(element)
                break
    message = faultstring or "SOAP fault without a faultstring"
    kind = UnsupportedVersionError if _VERSION_FAULT.search(message) else SoapFaultError
    raise kind(message, axl_code=axl_code, faultcode=faultcode, cluster=cluster)


def parse_axl(
    xml: str | bytes,
    *,
    cluster: str,
    publisher: str | None = None,
    now: datetime,
    timezone: str | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> LicenseSnapshot:
    """Read a ``getSmartLicenseStatus`` SOAP answer.

    Raises:
        OversizeResponseError: the answer is over ``max_bytes``.
        MalformedResponseError: broken XML, a DTD, or no licence details in it.
        UnsupportedVersionError: a fault saying the AXL version is not served.
        SoapFaultError: any other SOAP Fault.
    """
    check_size(len(xml), max_bytes, cluster)
    try:
        root = safe_xml.parse(xml)
    except (ET.ParseError, safe_xml.DefusedXmlException) as exc:
        raise MalformedResponseError(f"unreadable XML ({exc})", cluster=cluster) from None
    except (ValueError, UnicodeError, LookupError) as exc:  # bad encoding declarations
        raise MalformedResponseError(f"unreadable XML ({exc})", cluster=cluster) from None

    details: ET.Element | None = None
    for element in root.iter():
        name = _local(element.tag)
        if name == "fault":
            _raise_fault(element, cluster)
        if name == "licensedetails":
            details = element
            break
    if details is None:  # tolerate a response without the LicenseDetails wrapper
        for element in root.iter():
            if any(key in _children(element) for key in _DETAIL_KEYS):
                details = element
                break
    if details is None:
        raise MalformedResponseError(
            "no Smart Licensing status found in the AXL answer", cluster=cluster
        )
    return _snapshot(details, cluster, publisher, now, timezone, thresholds)


def _snapshot(
    details: ET.Element,
    cluster: str,
    publisher: str | None,
    now: datetime,
    zone: str | None,
    thresholds: Thresholds,
) -> LicenseSnapshot:
    got = Collected(cluster=cluster, zone=zone)
    top = _children(details)
    got.smart_licensing = smart_licensing_word(_text(top.get("smartlicensing")))

    reg_el = top.get("registration")
    if reg_el is not None:
        r = {k: _text(v) for k, v in _children(reg_el).items()}
        reg = got.registration
        reg["raw"] = r.get("status")
        reg["smart_account"] = r.get("smartaccount")
        reg["virtual_account"] = r.get("virtualaccount")
        reg["export_controlled"] = vocab.export_control(r.get("exportcontrolfunctionality"))
        result, when = got.attempt(r.get("lastrenewalattempt"), "registration.last_renewal_attempt")
        reg["last_renewal_attempt"] = when
        reg["last_renewal_result"] = vocab.attempt_result(r.get("lastrenewalstatus")) or result
        reg["next_renewal_attempt"] = got.date(
            r.get("nextrenewalattempt"), "registration.next_renewal_attempt"
        )
        reg["expires"] = got.date(r.get("registrationexpires"), "registration.expires")
        reg["failure_reason"] = vocab.failure_reason(r.get("registrationfailedreason"))
        got.udi = normalise_udi(r.get("productudi"))

    auth_el = top.get("authorization")
    if auth_el is not None:
        a = {k: _text(v) for k, v in _children(auth_el).items()}
        auth = got.authorization
        auth["raw"], auth["since"] = got.status_with_date(a.get("status"), "authorization.since")
        result, when = got.attempt(
            a.get("lastcommunicationattempt"), "authorization.last_communication_attempt"
        )
        auth["last_communication_attempt"] = when
        auth["last_communication_result"] = (
            vocab.attempt_result(a.get("lastcommunicationstatus")) or result
        )
        auth["next_communication_attempt"] = got.date(
            a.get("nextcommunicationattempt"), "authorization.next_communication_attempt"
        )
        auth["expires"] = got.date(a.get("authorizationexpires"), "authorization.expires")
        auth["failure_reason"] = vocab.failure_reason(a.get("authorizationfailedreason"))
        auth["evaluation_remaining_days"] = parse_remaining_days(a.get("evaluationperiodremaining"))

    usage = top.get("licensestatus")
    if usage is not None:
        for ent in usage:
            if _local(ent.tag) != "entitlement":
                continue
            e = {k: _text(v) for k, v in _children(ent).items()}
            tag = e.get("tag")
            if tag:
                got.entitlement(tag, e.get("count"), e.get("status"))

    return got.snapshot(source="axl", publisher=publisher, now=now, thresholds=thresholds)
