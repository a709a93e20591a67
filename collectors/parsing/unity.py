"""Unity Connection's ``GET /vmrest/smartlicense/licensedetails`` (CUPI) to a snapshot.

The answer is JSON (``Accept: application/json``) or XML, shaped like CUCM's AXL
answer with Unity's own names: ``Register`` (not ``Registration``), ``LicenseUsage`` >
``EntitlementTag`` (``Id``, ``Count``, ``Status``). Where it differs in substance:

* an attempt holds its result and its time in one string: ``SUCCEEDED 2017-11-22
  13:17:19.0``, ``FAILED <time>`` or ``Not Applicable`` (never registered);
* times carry no zone: they are read in the cluster's ``timezone`` (UTC, said once in
  the reasons, when the cluster names none);
* there is no expiry date and no failure reason. Registration and authorization expiries
  are *derived* from the documented timers (:mod:`collectors.products`): a year after
  the last successful registration or renewal, 90 days after the last successful
  communication. Each derived date says so in ``reasons``.

Tolerated because Cisco's two examples disagree or say nothing (docs/products.md): one
entitlement as an object or a list, ``Eval`` or ``Evals``, counts as numbers or text,
values with leading spaces, CUCM's ``Registration`` for ``Register``, a ``LicenseDetails``
wrapper in JSON or none, an empty or missing ``LicenseUsage``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Final

from collectors import vocab
from collectors.dates import parse_remaining_days
from collectors.errors import MalformedResponseError
from collectors.model import AttemptResult, LicenseSnapshot
from collectors.model import AuthorizationStatus as A
from collectors.model import RegistrationStatus as R
from collectors.parsing._common import (
    MAX_RESPONSE_BYTES,
    Collected,
    check_size,
    head_bytes,
    normalise_udi,
    smart_licensing_word,
)
from collectors.parsing._tree import (
    as_count,
    as_list,
    as_text,
    decode,
    load_json,
    load_xml,
    pick,
)
from collectors.products import AUTHORIZATION_VALIDITY, REGISTRATION_VALIDITY
from collectors.severity import DEFAULT_THRESHOLDS, Thresholds

WHAT: Final = "Unity Connection"
_ISO_TIME: Final = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_UNITY_NAME: Final = re.compile(rb"""[<"'](?:register|licenseusage)[\s>/"':]""", re.IGNORECASE)
_DETAIL_KEYS: Final = ("smartlicensing", "register", "registration", "authorization")
_REGISTERED: Final = (R.REGISTERED, R.REGISTRATION_EXPIRED)
_COMMUNICATING: Final = (
    A.AUTHORIZED,
    A.OUT_OF_COMPLIANCE,
    A.AUTHORIZATION_EXPIRED,
    A.NO_LICENSES_IN_USE,
)


def looks_like_unity(data: str | bytes) -> bool:
    """Whether ``data`` reads as a ``licensedetails`` answer: a ``Register`` or
    ``LicenseUsage`` element or key, names AXL never uses."""
    raw = head_bytes(data, 4096)
    return _UNITY_NAME.search(raw) is not None


def parse_unity(
    data: str | bytes,
    *,
    cluster: str,
    publisher: str | None = None,
    now: datetime,
    timezone: str | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> LicenseSnapshot:
    """Read a ``licensedetails`` answer, JSON or XML.

    Raises:
        OversizeResponseError: the answer is over ``max_bytes``.
        MalformedResponseError: unreadable JSON or XML, or no licence details in it.
    """
    check_size(len(data), max_bytes, cluster)
    text = decode(data).lstrip()
    doc = (
        load_xml(text, cluster=cluster, what=WHAT)
        if text.startswith("<")
        else load_json(text, cluster=cluster, what=WHAT)
    )
    details = _details(doc)
    if details is None:
        raise MalformedResponseError(
            f"no Smart Licensing status found in the {WHAT} answer", cluster=cluster
        )
    got = Collected(cluster=cluster, zone=timezone or "UTC")
    if timezone is None:
        got.notes.append(f"{WHAT} gives times without a zone; read as UTC (set timezone)")
    _read(got, details)
    return got.snapshot(
        source="cupi", product="unity", publisher=publisher, now=now, thresholds=thresholds
    )


def _details(doc: Any) -> dict[str, Any] | None:
    for candidate in (pick(doc, "LicenseDetails"), doc):
        if isinstance(candidate, list) and len(candidate) == 1:
            candidate = candidate[0]
        if isinstance(candidate, dict) and any(str(k).lower() in _DETAIL_KEYS for k in candidate):
            return candidate
    return None


def _read(got: Collected, details: dict[str, Any]) -> None:
    got.smart_licensing = smart_licensing_word(as_text(pick(details, "SmartLicensing")))
    register = pick(details, "Register", "Registration")
    reg = got.registration
    reg["raw"] = as_text(pick(register, "Status"))
    reg["smart_account"] = as_text(pick(register, "SmartAccount"))
    reg["virtual_account"] = as_text(pick(register, "VirtualAccount"))
    export = pick(register, "ExportControlFunctionality") or pick(
        details, "ExportControlFunctionality"
    )
    reg["export_controlled"] = vocab.export_control(as_text(export))
    got.udi = normalise_udi(as_text(pick(register, "ProductUDI") or pick(details, "ProductUDI")))
    renewal, renewed_at = _attempt(got, pick(register, "LastRenewalAttempt"), "last_renewal")
    reg["last_renewal_result"], reg["last_renewal_attempt"] = renewal, renewed_at
    reg["next_renewal_attempt"] = got.date(
        as_text(pick(register, "NextRenewalAttempt")), "registration.next_renewal_attempt"
    )
    registered_at = got.date(
        as_text(pick(register, "LastRegistrationSuccessTime")),
        "registration.last_registration_success",
    )
    reg["initial_registration"] = None  # Unity states the last success, not the first

    authorization = pick(details, "Authorization")
    auth = got.authorization
    auth["raw"] = as_text(pick(authorization, "Status"))
    talked, talked_at = _attempt(
        got, pick(authorization, "LastCommunicationAttempt"), "last_communication"
    )
    auth["last_communication_result"], auth["last_communication_attempt"] = talked, talked_at
    auth["next_communication_attempt"] = got.date(
        as_text(pick(authorization, "NextCommunicationAttempt")),
        "authorization.next_communication_attempt",
    )
    auth["evaluation_remaining_days"] = parse_remaining_days(
        as_text(pick(authorization, "EvaluationPeriodRemaining"))
    )

    renewed = renewed_at if renewal == "succeeded" else None
    last_success = max((t for t in (registered_at, renewed) if t is not None), default=None)
    _derive_expiries(got, last_success, talked_at if talked == "succeeded" else None)
    _entitlements(got, pick(details, "LicenseUsage"))


def _attempt(got: Collected, value: Any, what: str) -> tuple[AttemptResult | None, datetime | None]:
    """``SUCCEEDED 2017-11-22 13:17:19.0`` -> (succeeded, that time); ``Not Applicable``
    -> (None, None); a bare time -> (None, time)."""
    text = as_text(value)
    where = f"{'registration' if what == 'last_renewal' else 'authorization'}.{what}_attempt"
    if text is None:
        return None, None
    found = _ISO_TIME.search(text)
    if found is None:
        return got.attempt(text, where)  # the CLI's "SUCCEEDED on <date>" shapes, or a word
    word = text[: found.start()].strip().removesuffix(" on").strip()
    when = got.date(found.group(0), where)
    if not word or vocab.is_none_word(word):
        return None, when
    result = vocab.attempt_result(word)
    if result is None:
        got.notes.append(f"{where}: unknown result word '{word}'")
    return result, when


def _derive_expiries(
    got: Collected, registered_at: datetime | None, talked_at: datetime | None
) -> None:
    """Unity states no expiry dates: derive them from the documented validity timers."""
    reg_status = vocab.registration_status(got.registration.get("raw"))
    if reg_status not in _REGISTERED:
        return
    if registered_at is not None:
        got.registration["expires"] = _derived(
            got, "Registration", "registration or renewal", registered_at, REGISTRATION_VALIDITY
        )
    if vocab.authorization_status(got.authorization.get("raw")) not in _COMMUNICATING:
        return
    if talked_at is not None:
        got.authorization["expires"] = _derived(
            got, "Authorization", "communication", talked_at, AUTHORIZATION_VALIDITY
        )
    else:
        got.notes.append(
            f"Authorization expiry unknown: no successful communication reported ({WHAT} "
            "states no expiry)"
        )


def _derived(
    got: Collected, what: str, success: str, since: datetime, validity: timedelta
) -> datetime:
    """``since + validity``, said in the reasons: a derived date is never taken for a
    stated one."""
    expires = since + validity
    got.notes.append(
        f"{what} expiry {expires:%Y-%m-%d} derived: last successful {success} "
        f"{since:%Y-%m-%d} + {validity.days} d ({WHAT} states none)"
    )
    return expires


def _entitlements(got: Collected, usage: Any) -> None:
    items = (
        usage if isinstance(usage, list) else as_list(pick(usage, "EntitlementTag", "Entitlement"))
    )
    for item in items:
        tag = as_text(pick(item, "Id", "Tag", "EntitlementTag"))
        if tag:
            got.entitlement(tag, as_count(pick(item, "Count")), as_text(pick(item, "Status")))
