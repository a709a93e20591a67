"""Status words and entitlement names, as CUCM's AXL, the Smart Agent CLI, Unity
Connection's CUPI and Expressway's REST API spell them.

Every lookup folds case, spacing, hyphens and punctuation (``EVAL MODE``,
``Evaluation Mode`` and ``evaluation-mode`` are one key), so a new capitalisation never
becomes an unknown state. Unknown words map to ``unknown``; callers keep the raw text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from collectors.model import (
    AttemptResult,
    AuthorizationStatus,
    EntitlementStatus,
    ExportControl,
    RegistrationStatus,
)

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(word: str) -> str:
    """The lookup key of a status word: lower case, letters and digits only."""
    return _NON_ALNUM.sub("", word.lower())


_R = RegistrationStatus
REGISTRATION_WORDS: Final[dict[str, RegistrationStatus]] = {
    "unregistered": _R.UNREGISTERED,
    "unidentified": _R.UNREGISTERED,
    "notregistered": _R.UNREGISTERED,
    "deregistered": _R.UNREGISTERED,
    "registered": _R.REGISTERED,
    "registrationexpired": _R.REGISTRATION_EXPIRED,
    "registeredexpired": _R.REGISTRATION_EXPIRED,
    "expired": _R.REGISTRATION_EXPIRED,
    "reservationinprogress": _R.RESERVATION_IN_PROGRESS,
    "registeredspecificlicensereservation": _R.REGISTERED_SLR,
    "specificlicensereservation": _R.REGISTERED_SLR,
    "registeredslr": _R.REGISTERED_SLR,
    "slr": _R.REGISTERED_SLR,
    "registereduniversallicensereservation": _R.REGISTERED_ULR,
    "universallicensereservation": _R.REGISTERED_ULR,
    "registeredulr": _R.REGISTERED_ULR,
    "ulr": _R.REGISTERED_ULR,
    # Unity Connection's UI names PLR "Registered - Universal License Reservation (PLR)".
    "registereduniversallicensereservationplr": _R.REGISTERED_ULR,
    "registeredplr": _R.REGISTERED_ULR,
    # Expressway's web UI qualifies "Unregistered" with what happened (X14-X15 guides).
    "unregisteredregistrationexpired": _R.REGISTRATION_EXPIRED,
    "unregisteredregistrationpending": _R.UNREGISTERED,
    "unregisteredregistrationfailed": _R.UNREGISTERED,
    "registrationpending": _R.UNREGISTERED,
    "registrationfailed": _R.UNREGISTERED,
}

_A = AuthorizationStatus
AUTHORIZATION_WORDS: Final[dict[str, AuthorizationStatus]] = {
    "nolicensesinuse": _A.NO_LICENSES_IN_USE,
    "nolicenseinuse": _A.NO_LICENSES_IN_USE,
    "evaluationmode": _A.EVALUATION,
    "evalmode": _A.EVALUATION,
    "evaluation": _A.EVALUATION,
    "eval": _A.EVALUATION,
    "inevaluation": _A.EVALUATION,
    "evaluationmodeinuse": _A.EVALUATION,
    "evaluationexpired": _A.EVALUATION_EXPIRED,
    "evalexpired": _A.EVALUATION_EXPIRED,
    "evaluationperiodexpired": _A.EVALUATION_EXPIRED,
    "authorized": _A.AUTHORIZED,
    "authorised": _A.AUTHORIZED,
    # NSO's agent prints "IN COMPLIANCE on <date>"; Cisco's guides call that authorized.
    "incompliance": _A.AUTHORIZED,
    "outofcompliance": _A.OUT_OF_COMPLIANCE,
    "authorizationexpired": _A.AUTHORIZATION_EXPIRED,
    "authexpired": _A.AUTHORIZATION_EXPIRED,
    "authorizedreserved": _A.AUTHORIZED_RESERVED,
    "reservedauthorized": _A.AUTHORIZED_RESERVED,
    "notauthorizedreserved": _A.NOT_AUTHORIZED_RESERVED,
    "reservednotauthorized": _A.NOT_AUTHORIZED_RESERVED,
}

_E = EntitlementStatus
ENTITLEMENT_WORDS: Final[dict[str, EntitlementStatus]] = {
    "init": _E.INIT,
    "initialized": _E.INIT,
    "notinuse": _E.INIT,
    "incompliance": _E.IN_COMPLIANCE,
    "compliant": _E.IN_COMPLIANCE,
    "authorized": _E.IN_COMPLIANCE,
    "authorised": _E.IN_COMPLIANCE,
    "outofcompliance": _E.OUT_OF_COMPLIANCE,
    "noncompliant": _E.OUT_OF_COMPLIANCE,
    "notincompliance": _E.OUT_OF_COMPLIANCE,
    "eval": _E.EVALUATION,
    "evals": _E.EVALUATION,  # Unity Connection's XML example (its JSON one says Eval)
    "evalmode": _E.EVALUATION,
    "evaluation": _E.EVALUATION,
    "evaluationmode": _E.EVALUATION,
    "evalexpired": _E.EVALUATION_EXPIRED,
    "evaluationexpired": _E.EVALUATION_EXPIRED,
    "evaluationperiodexpired": _E.EVALUATION_EXPIRED,
    "authorizationexpired": _E.AUTHORIZATION_EXPIRED,
    "authexpired": _E.AUTHORIZATION_EXPIRED,
    "waiting": _E.WAITING,
    "waitingforauthorization": _E.WAITING,
    "pending": _E.WAITING,
    "reserved": _E.RESERVED,
    "authorizedreserved": _E.RESERVED,
    "notauthorized": _E.NOT_AUTHORIZED,
    "notauthorised": _E.NOT_AUTHORIZED,
    "notauthorizedreserved": _E.NOT_AUTHORIZED,
}

EXPORT_WORDS: Final[dict[str, ExportControl]] = {
    "allowed": "allowed",
    "notallowed": "not_allowed",
    "disallowed": "not_allowed",
    # Expressway's ExportControlledFunctionality is the string "True" (or "False").
    "true": "allowed",
    "false": "not_allowed",
}

_RESULT_WORDS: Final[dict[str, AttemptResult]] = {
    "succeeded": "succeeded",
    "success": "succeeded",
    "successful": "succeeded",
    "failed": "failed",
    "failure": "failed",
    "fail": "failed",
}

#: Words that mean "nothing to report" in an attempt, date or reason field.
NONE_WORDS: Final = frozenset(
    {"", "none", "null", "na", "notavailable", "unavailable", "empty", "notapplicable"}
)
"""``Not Applicable`` is Unity Connection's attempt word for "never registered"."""


def registration_status(word: str | None) -> RegistrationStatus:
    return REGISTRATION_WORDS.get(fold(word), _R.UNKNOWN) if word else _R.UNKNOWN


def authorization_status(word: str | None) -> AuthorizationStatus:
    return AUTHORIZATION_WORDS.get(fold(word), _A.UNKNOWN) if word else _A.UNKNOWN


def entitlement_status(word: str | None) -> EntitlementStatus:
    return ENTITLEMENT_WORDS.get(fold(word), _E.UNKNOWN) if word else _E.UNKNOWN


def export_control(word: str | None) -> ExportControl | None:
    return EXPORT_WORDS.get(fold(word)) if word else None


def attempt_result(word: str | None) -> AttemptResult | None:
    """``SUCCEEDED``/``SUCCESS`` -> succeeded, ``FAILED`` -> failed, ``None`` or other -> null."""
    return _RESULT_WORDS.get(fold(word)) if word else None


def is_known_word(word: str) -> bool:
    """True for any status or attempt word licdash knows (registration, authorization...)."""
    key = fold(word)
    return any(
        key in table
        for table in (REGISTRATION_WORDS, AUTHORIZATION_WORDS, ENTITLEMENT_WORDS, _RESULT_WORDS)
    )


def is_none_word(text: str | None) -> bool:
    return text is None or fold(text) in NONE_WORDS


def failure_reason(text: str | None) -> str | None:
    """A failure reason worth showing: ``Successful.``, ``None`` and blanks are no failure."""
    if text is None:
        return None
    text = text.strip()
    key = fold(text)
    if key in NONE_WORDS or key in ("successful", "success", "succeeded"):
        return None
    return text


# ----- entitlement tags -------------------------------------------------------------

ENTITLEMENT_NAMES: Final[dict[str, str]] = {
    # Unity Connection 14 and later (CUPI's example lists these six).
    "regid.2020-06.com.cisco.CUC_BasicMessaging,14_74b6bdc1-b3e1-45dc-9468-6412b12fdef2": (
        "Basic Messaging"
    ),
    "regid.2020-06.com.cisco.CUC_EnhancedMessaging,14_5e05b515-5be5-429e-b301-5de5de8d2c09": (
        "Enhanced Messaging"
    ),
    "regid.2020-11.com.cisco.CUC_SpeechViewPro,14_9de30ccc-1671-4c32-9f57-f63c3f66af84": (
        "SpeechView Pro"
    ),
    "regid.2020-11.com.cisco.CUC_SpeechView,14_5a0e3202-2743-4401-a117-1e9c239acbbf": (
        "SpeechView"
    ),
    "regid.2020-06.com.cisco.CUC_SpeechConnectPort,14_d0201ba3-0b71-403d-9b74-5cd643dd662b": (
        "SpeechConnect Port"
    ),
    "regid.2020-06.com.cisco.CUC_SpeechConnectGuestUser,14_d49c924c-e587-4a02-8376-7c48bc7ac3ba": (
        "SpeechConnect Guest User"
    ),
    "regid.2017-02.com.cisco.UCM_CUWL,12.0_cc59375a-1cd8-4b36-8366-6f4d2abba965": "CUWL",
    "regid.2016-07.com.cisco.UCM_EnhancedPlus,12.0_d8372792-588c-4caa-b279-8587e5ce2f82": (
        "Enhanced Plus"
    ),
    "regid.2016-07.com.cisco.UCM_Enhanced,12.0_66d0d1cf-4863-4761-91d0-d01d3eb1949a": "Enhanced",
    "regid.2016-07.com.cisco.UCM_Basic,12.0_ef827a2f-f4ae-4ebb-887f-052737063d3a": "Basic",
    "regid.2016-07.com.cisco.UCM_Essential,12.0_25f9c396-c67c-4519-aa98-d4b3ad18f805": (
        "Essential"
    ),
    "regid.2016-07.com.cisco.UCM_TelePresenceRoom,12.0_d9a71418-29e9-4c9a-9d3a-1366ebe38e7c": (
        "TelePresence Room"
    ),
}

# Product prefixes of a regid tag's licence part and how a name shows them.
_PRODUCT_PREFIXES: Final[dict[str, str]] = {
    "UCM": "",
    "HUCM": "HCS",
    "CUC": "",  # Unity Connection: its licence names say what they are (Basic Messaging)
    "HCUC": "HCS",
    "HLECUC": "HCS-LE",
}
_KEEP_WORDS: Final = ("TelePresence", "WebEx", "Webex", "IPv6", "SpeechView", "SpeechConnect")

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID_PREFIX = re.compile(rf"^{_UUID}(?=\S)")
_REGID = re.compile(r"^regid\.[^.]+\.(?:[A-Za-z0-9-]+\.)+?cisco\.(?P<licence>[^,]+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def bare_tag(text: str) -> str:
    """The entitlement tag without a leading UUID, parentheses or a trailing colon."""
    tag = text.strip().rstrip(":").strip()
    if tag.startswith("(") and tag.endswith(")"):
        tag = tag[1:-1].strip()
    tag = tag.replace("(", "").replace(")", "")
    return _UUID_PREFIX.sub("", tag, count=1)


def _split_words(part: str) -> str:
    placeholders = {}
    for i, keep in enumerate(_KEEP_WORDS):
        if keep in part:
            token = f"\x00{i}\x00"
            placeholders[token] = keep
            part = part.replace(keep, f" {token} ")
    part = _CAMEL.sub(" ", part.replace("_", " ").replace("-", " "))
    for token, keep in placeholders.items():
        part = part.replace(token, keep)
    return " ".join(part.split())


def entitlement_name(tag: str) -> str:
    """A readable licence name: the table's short name, else one derived from the tag.

    ``regid.2016-07.com.cisco.HUCM_Foundation,12.0_<uuid>`` becomes ``HCS Foundation``;
    a tag that is not a regid (``DNA_NWStack``) has its underscores and camel case split.
    """
    return _cached_name(tag) if len(tag) <= 200 else _derive_name(tag)


@lru_cache(maxsize=4096)
def _cached_name(tag: str) -> str:
    return _derive_name(tag)


def _derive_name(tag: str) -> str:
    tag = bare_tag(tag)
    known = ENTITLEMENT_NAMES.get(tag)
    if known:
        return known
    if " " in tag:  # already a display name (Catalyst: "C9300-48 Network Advantage")
        return tag
    match = _REGID.match(tag)
    licence = match.group("licence") if match else tag
    prefix, sep, rest = licence.partition("_")
    if sep and rest and prefix in _PRODUCT_PREFIXES:
        label = _PRODUCT_PREFIXES[prefix]
        words = _split_words(rest)
        return f"{label} {words}".strip() if label else words
    return _split_words(licence) or tag
