"""Pieces both parsers share: reading dates with notes, attempts, and the final snapshot."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from collectors import vocab
from collectors.dates import parse_datetime
from collectors.errors import OversizeResponseError
from collectors.model import (
    SCHEMA,
    AttemptResult,
    Authorization,
    Entitlement,
    EntitlementStatus,
    LicenseSnapshot,
    Product,
    Registration,
    Source,
    to_utc_second,
)
from collectors.severity import Thresholds, assess

#: Largest answer a parser accepts; a real status is a few kilobytes.
MAX_RESPONSE_BYTES: Final = 1024 * 1024

_STATUS_DATE = re.compile(r"^(?P<word>.*?)\s+(?:on|as\s+of|since)\s+(?P<date>\S.*)$", re.IGNORECASE)
_UDI_SPACES = re.compile(r"\s*([,:])\s*")


MAX_COUNT_DIGITS: Final = 9
"""No entitlement has a billion licences; longer numbers are damage, not counts."""
_COUNT: Final = re.compile(rf"[0-9]{{1,{MAX_COUNT_DIGITS}}}")


def read_count(value: str | int | None) -> tuple[int, str | None]:
    """``(count, None)`` for a plain count (absent is 0); ``(0, quoted raw)`` otherwise."""
    if value is None:
        return 0, None
    if isinstance(value, int):
        return (value, None) if 0 <= value < 10**MAX_COUNT_DIGITS else (0, repr(str(value)))
    text = value.strip()
    if not text:
        return 0, None
    if _COUNT.fullmatch(text):
        return int(text), None
    shown = text if len(text) <= 24 else f"{text[:20]}... ({len(text):,} characters)"
    return 0, repr(shown)


def head_bytes(data: str | bytes, limit: int) -> bytes:
    """The first ``limit`` characters or bytes of an answer, as bytes: what the sniffers
    (which format, which product) look at."""
    head = data[:limit]
    return head.encode("utf-8", "replace") if isinstance(head, str) else head


def check_size(length: int, limit: int, cluster: str) -> None:
    if length > limit:
        raise OversizeResponseError(
            f"answer is {length} bytes, over the {limit}-byte cap", cluster=cluster
        )


def normalise_udi(text: str | None) -> str | None:
    """``UDI: PID:UCM, SN:0efb8,UUID:...`` -> ``PID:UCM,SN:0efb8,UUID:...``."""
    if text is None:
        return None
    text = text.strip()
    if text[:4].upper() == "UDI:":
        text = text[4:]
    text = _UDI_SPACES.sub(r"\1", text.strip())
    return text or None


def smart_licensing_word(text: str | None) -> Literal["enabled", "disabled"] | None:
    key = vocab.fold(text or "")
    if key in ("enabled", "enable", "on", "true"):
        return "enabled"
    if key in ("disabled", "disable", "off", "false"):
        return "disabled"
    return None


@dataclass
class Collected:
    """What a parser read, before it becomes a frozen snapshot."""

    cluster: str
    zone: str | None
    smart_licensing: Literal["enabled", "disabled"] | None = None
    udi: str | None = None
    registration: dict[str, Any] = field(default_factory=dict)
    authorization: dict[str, Any] = field(default_factory=dict)
    entitlements: list[Entitlement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def date(self, text: str | None, where: str) -> datetime | None:
        value, note = parse_datetime(text, field=where, cluster_zone=self.zone)
        if note:
            self.notes.append(note)
        return value

    def status_with_date(self, text: str | None, where: str) -> tuple[str | None, datetime | None]:
        """``AUTHORIZED on Jan 26 15:12:59 2018 IST`` -> (``AUTHORIZED``, date)."""
        if text is None:
            return None, None
        text = text.strip()
        match = _STATUS_DATE.match(text) if len(text) <= 200 else None
        if match:
            word = match["word"].strip()
            value, note = parse_datetime(match["date"], field=where, cluster_zone=self.zone)
            if value is not None or vocab.is_known_word(word):
                if note:
                    self.notes.append(note)
                return word, value
        return (text or None), None

    def attempt(self, text: str | None, where: str) -> tuple[AttemptResult | None, datetime | None]:
        """``SUCCEEDED on <date>``, ``FAILED on <date>``, ``SUCCEEDED``, ``None`` or a date."""
        word, when = self.status_with_date(text, where)
        if word is None or vocab.is_none_word(word):
            return None, when
        result = vocab.attempt_result(word)
        if result is None and when is None:
            # a bare date (AXL's LastRenewalAttempt) or an unknown word
            when = self.date(word, where)
        return result, when

    def entitlement(self, tag: str, count: str | int | None, raw_status: str | None) -> None:
        """One entitlement; a count that is not a plain licence number (``-5``, ``abc``,
        ``1.5e3``, thousands of digits) makes its status unknown with a reason quoting it,
        rather than a silent 0 in compliance."""
        bare = vocab.bare_tag(tag)
        if not bare:
            return
        raw = (raw_status or "").strip()
        number, bad = read_count(count)
        status = vocab.entitlement_status(raw)
        if bad is not None:
            status = EntitlementStatus.UNKNOWN
            self.notes.append(f"entitlement {bare}: the count {bad} is not a number of licences")
        self.entitlements.append(
            Entitlement.model_construct(
                tag=bare,
                name=vocab.entitlement_name(bare),
                count=number,
                status=status,
                raw_status=raw,
            )
        )

    def snapshot(
        self,
        *,
        source: Source,
        publisher: str | None,
        now: datetime,
        thresholds: Thresholds,
        product: Product = "cucm",
    ) -> LicenseSnapshot:
        reg = self.registration
        raw_reg = reg.pop("raw", None)
        registration = Registration.model_construct(
            status=vocab.registration_status(raw_reg), raw=raw_reg, **_defaults_reg(reg)
        )
        auth = self.authorization
        raw_auth = auth.pop("raw", None)
        authorization = Authorization.model_construct(
            status=vocab.authorization_status(raw_auth), raw=raw_auth, **_defaults_auth(auth)
        )
        ents = tuple(self.entitlements)
        collected_at = to_utc_second(now)
        severity, reasons, deadlines = assess(
            registration, authorization, ents, collected_at, thresholds, self.notes
        )
        return LicenseSnapshot.model_construct(
            schema_=SCHEMA,
            cluster=self.cluster,
            product=product,
            publisher=publisher,
            source=source,
            collected_at=collected_at,
            smart_licensing=self.smart_licensing,
            udi=self.udi,
            registration=registration,
            authorization=authorization,
            entitlements=ents,
            severity=severity,
            reasons=reasons,
            deadlines=deadlines,
        )


_REG_FIELDS: Final = (
    "smart_account",
    "virtual_account",
    "export_controlled",
    "initial_registration",
    "last_renewal_attempt",
    "last_renewal_result",
    "next_renewal_attempt",
    "expires",
    "failure_reason",
)
_AUTH_FIELDS: Final = (
    "since",
    "last_communication_attempt",
    "last_communication_result",
    "next_communication_attempt",
    "expires",
    "evaluation_remaining_days",
    "failure_reason",
)


def _defaults_reg(values: dict[str, Any]) -> dict[str, Any]:
    return {name: values.get(name) for name in _REG_FIELDS}


def _defaults_auth(values: dict[str, Any]) -> dict[str, Any]:
    return {name: values.get(name) for name in _AUTH_FIELDS}
