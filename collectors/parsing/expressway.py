"""Expressway's ``GET /api/v1/status/common/smartlicensing/licensing`` to a snapshot.

JSON with two objects, ``Registration`` (``RegistrationStatus``, ``InitialRegistration``,
``RegistrationExpires``, ``NextRenewalAttempt``) and ``Authorization``
(``LicenseAuthorizationStatus``, ``AuthorizationExpires``, ``NextAuthorizationAttempt``,
``LastAuthorizationAttempt``), beside ``SmartAccount``, ``VirtualAccount`` and
``ExportControlledFunctionality`` (the string ``"True"``). Dates look like
``February, 05 Feb 2020 06:18:07 GMT``: the word before the comma is ignored.

What the resource does not carry stays empty, never guessed: no per-licence usage (the
entitlement list is empty and faces say "no per-licence counts", see
:func:`collectors.products.counts_note`), no result of the last attempt, no failure
reason, no Smart Licensing on/off field, no evaluation time left.

Tolerated (docs/products.md marks them UNCONFIRMED): the status fields at the top level
instead of in their objects, ``Status`` for ``RegistrationStatus`` or
``LicenseAuthorizationStatus``, an answer wrapped in a list of one.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Final

from collectors import vocab
from collectors.errors import MalformedResponseError
from collectors.model import LicenseSnapshot
from collectors.parsing._common import MAX_RESPONSE_BYTES, Collected, check_size, head_bytes
from collectors.parsing._tree import as_text, load_json, pick
from collectors.severity import DEFAULT_THRESHOLDS, Thresholds

WHAT: Final = "Expressway"
_EXPRESSWAY_NAME: Final = re.compile(
    rb"""["'](?:registrationstatus|licenseauthorizationstatus)["']""", re.IGNORECASE
)


def looks_like_expressway(data: str | bytes) -> bool:
    """Whether ``data`` reads as the smart licensing status resource."""
    raw = head_bytes(data, 4096)
    return _EXPRESSWAY_NAME.search(raw) is not None


def parse_expressway(
    data: str | bytes,
    *,
    cluster: str,
    publisher: str | None = None,
    now: datetime,
    timezone: str | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> LicenseSnapshot:
    """Read the smart licensing status resource.

    Raises:
        OversizeResponseError: the answer is over ``max_bytes``.
        MalformedResponseError: unreadable JSON, or no registration or authorization in it.
    """
    check_size(len(data), max_bytes, cluster)
    doc = load_json(data, cluster=cluster, what=WHAT)
    if isinstance(doc, list) and len(doc) == 1:
        doc = doc[0]
    if not isinstance(doc, dict):
        raise MalformedResponseError(f"the {WHAT} answer is not a JSON object", cluster=cluster)
    registration = pick(doc, "Registration")
    authorization = pick(doc, "Authorization")
    reg_word = _status(registration, doc, "RegistrationStatus")
    auth_word = _status(authorization, doc, "LicenseAuthorizationStatus")
    if reg_word is None and auth_word is None:
        raise MalformedResponseError(
            f"no Smart Licensing status found in the {WHAT} answer", cluster=cluster
        )
    got = Collected(cluster=cluster, zone=timezone)
    _read(got, doc, registration, authorization, reg_word, auth_word)
    return got.snapshot(
        source="rest", product="expressway", publisher=publisher, now=now, thresholds=thresholds
    )


def _status(section: Any, doc: dict[str, Any], name: str) -> str | None:
    return as_text(pick(section, name, "Status")) or as_text(pick(doc, name))


def _field(section: Any, doc: dict[str, Any], name: str) -> str | None:
    return as_text(pick(section, name)) or as_text(pick(doc, name))


def _read(
    got: Collected,
    doc: dict[str, Any],
    registration: Any,
    authorization: Any,
    reg_word: str | None,
    auth_word: str | None,
) -> None:
    reg = got.registration
    reg["raw"] = reg_word
    reg["smart_account"] = _field(registration, doc, "SmartAccount")
    reg["virtual_account"] = _field(registration, doc, "VirtualAccount")
    reg["export_controlled"] = vocab.export_control(
        _field(registration, doc, "ExportControlledFunctionality")
    )
    reg["initial_registration"] = got.date(
        _field(registration, doc, "InitialRegistration"), "registration.initial_registration"
    )
    reg["expires"] = got.date(
        _field(registration, doc, "RegistrationExpires"), "registration.expires"
    )
    reg["next_renewal_attempt"] = got.date(
        _field(registration, doc, "NextRenewalAttempt"), "registration.next_renewal_attempt"
    )
    auth = got.authorization
    auth["raw"] = auth_word
    auth["expires"] = got.date(
        _field(authorization, doc, "AuthorizationExpires"), "authorization.expires"
    )
    auth["next_communication_attempt"] = got.date(
        _field(authorization, doc, "NextAuthorizationAttempt"),
        "authorization.next_communication_attempt",
    )
    result, when = got.attempt(
        _field(authorization, doc, "LastAuthorizationAttempt"),
        "authorization.last_communication_attempt",
    )
    auth["last_communication_result"], auth["last_communication_attempt"] = result, when
