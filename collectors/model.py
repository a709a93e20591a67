"""The licensing snapshot: one publisher poll, frozen, serialised as ``licdash.snapshot/1``.

The JSON form of :class:`LicenseSnapshot` is the public export format. Field names,
value sets and timestamp format follow the contract in the project README exactly;
change them only with a new schema string.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import PydanticCustomError

SCHEMA: Final = "licdash.snapshot/1"
_ZERO: Final = timedelta(0)
TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def to_utc_second(value: datetime) -> datetime:
    """Normalise to an aware UTC datetime truncated to the second.

    A naive datetime is taken to be UTC already.
    """
    tz = value.tzinfo
    if tz is UTC:
        return value.replace(microsecond=0) if value.microsecond else value
    if tz is not None and tz.utcoffset(value) == _ZERO:  # pydantic's UTC, from "...Z"
        return value.replace(tzinfo=UTC, microsecond=0)
    if tz is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def format_ts(value: datetime) -> str:
    """Format a datetime as the contract's timestamp: ISO 8601, UTC, ``Z``, seconds."""
    value = to_utc_second(value)
    if value.year >= 1000:  # isoformat: a third of strftime's cost (every stored time)
        return value.isoformat()[:19] + "Z"
    return value.strftime(TS_FORMAT)


def _timestamp(value: Any) -> datetime:
    """A :data:`Timestamp` from input. The contract's own spelling
    (``2026-11-23T09:15:00Z``, what every stored and exported time is) is read by
    ``datetime.fromisoformat``, already UTC; a datetime (what parsers build) is only
    normalised. Anything else goes through pydantic's parser and is normalised.

    A plain validator, not a wrap: pydantic calls it with the value alone, without
    building a handler for each call, which at 15 timestamps per stored status is a
    fifth of validating one (``latest()`` of 10,000 clusters, ``bench/bench_store.py``)."""
    kind = type(value)
    if kind is str:
        if len(value) == 20 and value[19] == "Z" and value[4:17:3] == "--T::":
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass  # not a valid date/time after all ("2026-02-30T..."): worded below
            raise PydanticCustomError(
                "datetime_from_date_parsing",
                "Input should be a valid datetime, {error}",
                {"error": "invalid date or time"},
            )
    elif kind is datetime:
        return to_utc_second(value)
    try:
        parsed = _ANY_DATETIME.validate_python(value)
    except ValidationError as exc:  # its own words, as a wrap validator reported them
        first = exc.errors(include_url=False)[0]
        raise PydanticCustomError(first["type"], first["msg"]) from None
    return to_utc_second(parsed)


_ANY_DATETIME: Final = TypeAdapter(datetime)

Timestamp = Annotated[
    datetime,
    PlainValidator(_timestamp, json_schema_input_type=str | datetime),
    PlainSerializer(format_ts, return_type=str, when_used="json"),
]


class RegistrationStatus(StrEnum):
    UNREGISTERED = "unregistered"
    REGISTERED = "registered"
    REGISTRATION_EXPIRED = "registration_expired"
    RESERVATION_IN_PROGRESS = "reservation_in_progress"
    REGISTERED_SLR = "registered_slr"
    REGISTERED_ULR = "registered_ulr"
    UNKNOWN = "unknown"


class AuthorizationStatus(StrEnum):
    NO_LICENSES_IN_USE = "no_licenses_in_use"
    EVALUATION = "evaluation"
    EVALUATION_EXPIRED = "evaluation_expired"
    AUTHORIZED = "authorized"
    OUT_OF_COMPLIANCE = "out_of_compliance"
    AUTHORIZATION_EXPIRED = "authorization_expired"
    AUTHORIZED_RESERVED = "authorized_reserved"
    NOT_AUTHORIZED_RESERVED = "not_authorized_reserved"
    UNKNOWN = "unknown"


class EntitlementStatus(StrEnum):
    INIT = "init"
    IN_COMPLIANCE = "in_compliance"
    OUT_OF_COMPLIANCE = "out_of_compliance"
    EVALUATION = "evaluation"
    EVALUATION_EXPIRED = "evaluation_expired"
    AUTHORIZATION_EXPIRED = "authorization_expired"
    WAITING = "waiting"
    RESERVED = "reserved"
    NOT_AUTHORIZED = "not_authorized"
    UNKNOWN = "unknown"


class Severity(StrEnum):
    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"

    @property
    def glyph(self) -> str:
        """The symbol shown beside the word, so severity never rests on colour alone."""
        return _SEVERITY_GLYPH[self]

    @property
    def rank(self) -> int:
        """Order for "worst first" sorting: critical > unknown > warning > ok."""
        return _SEVERITY_RANK[self]


STALE_GLYPH: Final = "⌛"

_SEVERITY_GLYPH = {
    Severity.OK: "✔",
    Severity.WARNING: "▲",
    Severity.CRITICAL: "✖",
    Severity.UNKNOWN: "?",
}

_SEVERITY_RANK = {
    Severity.OK: 0,
    Severity.WARNING: 1,
    Severity.UNKNOWN: 2,
    Severity.CRITICAL: 3,
}


class DeadlineKind(StrEnum):
    REGISTRATION_RENEWAL = "registration_renewal"
    REGISTRATION_EXPIRY = "registration_expiry"
    AUTHORIZATION_RENEWAL = "authorization_renewal"
    AUTHORIZATION_EXPIRY = "authorization_expiry"
    EVALUATION_END = "evaluation_end"

    @property
    def hard(self) -> bool:
        """Expiries and the end of evaluation are hard; renewals are soft."""
        return self not in _SOFT_DEADLINES


_SOFT_DEADLINES: Final = frozenset(
    {DeadlineKind.REGISTRATION_RENEWAL, DeadlineKind.AUTHORIZATION_RENEWAL}
)
"""A set, not a tuple of class attributes: every face asks this of every deadline."""


AttemptResult = Literal["succeeded", "failed"]
ExportControl = Literal["allowed", "not_allowed"]
Source = Literal["axl", "cli", "cupi", "rest"]
"""The interface that answered: CUCM's AXL or VOS CLI, Unity Connection's CUPI REST API,
Expressway's REST API."""
Product = Literal["cucm", "unity", "expressway"]
"""What was polled. A snapshot without the field (written before products) is ``cucm``."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Registration(_Frozen):
    status: RegistrationStatus = RegistrationStatus.UNKNOWN
    raw: str | None = None
    smart_account: str | None = None
    virtual_account: str | None = None
    export_controlled: ExportControl | None = None
    initial_registration: Timestamp | None = None
    last_renewal_attempt: Timestamp | None = None
    last_renewal_result: AttemptResult | None = None
    next_renewal_attempt: Timestamp | None = None
    expires: Timestamp | None = None
    failure_reason: str | None = None


class Authorization(_Frozen):
    status: AuthorizationStatus = AuthorizationStatus.UNKNOWN
    raw: str | None = None
    since: Timestamp | None = None
    last_communication_attempt: Timestamp | None = None
    last_communication_result: AttemptResult | None = None
    next_communication_attempt: Timestamp | None = None
    expires: Timestamp | None = None
    evaluation_remaining_days: float | None = None
    failure_reason: str | None = None


class Entitlement(_Frozen):
    tag: str
    name: str
    count: int
    status: EntitlementStatus
    raw_status: str


class Deadline(_Frozen):
    kind: DeadlineKind
    at: Timestamp
    days_left: float
    hard: bool


class LicenseSnapshot(_Frozen):
    """One publisher's Smart Licensing state as read by one successful poll."""

    schema_: Literal["licdash.snapshot/1"] = Field(default=SCHEMA, alias="schema")
    cluster: str
    product: Product = "cucm"
    publisher: str | None = None
    source: Source
    collected_at: Timestamp
    smart_licensing: Literal["enabled", "disabled"] | None = None
    udi: str | None = None
    registration: Registration = Registration()
    authorization: Authorization = Authorization()
    entitlements: tuple[Entitlement, ...] = ()
    severity: Severity = Severity.UNKNOWN
    reasons: tuple[str, ...] = ()
    deadlines: tuple[Deadline, ...] = ()

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    # ----- serialisation -------------------------------------------------------------

    def to_json_dict(self) -> dict[str, Any]:
        """The contract's JSON object (plain dict of JSON types)."""
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self, *, indent: int | None = None) -> str:
        return self.model_dump_json(by_alias=True, indent=indent)

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> LicenseSnapshot:
        return cls.model_validate(data)

    # ----- helpers -------------------------------------------------------------------

    def content_dict(self) -> dict[str, Any]:
        """The licensing content only: what the publisher said, without poll metadata.

        Two polls with equal content describe the same licensing state, even though
        their ``collected_at`` and the time-derived ``deadlines``/``severity`` differ.
        """
        data = self.to_json_dict()
        for key in ("collected_at", "severity", "reasons", "deadlines"):
            data.pop(key, None)
        return data

    def content_digest(self) -> str:
        """A stable hash of :meth:`content_dict`, for change-only history."""
        blob = json.dumps(self.content_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()

    @property
    def hard_deadlines(self) -> tuple[Deadline, ...]:
        return tuple(d for d in self.deadlines if d.hard)

    @property
    def next_hard_deadline(self) -> Deadline | None:
        """The earliest hard deadline (possibly already past), or None."""
        hard = self.hard_deadlines
        return min(hard, key=lambda d: d.at) if hard else None

    @property
    def licences_in_use(self) -> int:
        return sum(e.count for e in self.entitlements)

    @property
    def worst_entitlement(self) -> Entitlement | None:
        """The entitlement whose status is worst; ties go to the larger count."""
        if not self.entitlements:
            return None
        return max(self.entitlements, key=lambda e: (entitlement_rank(e.status), e.count))


_ENTITLEMENT_RANK = {
    EntitlementStatus.INIT: 0,
    EntitlementStatus.IN_COMPLIANCE: 1,
    EntitlementStatus.RESERVED: 1,
    EntitlementStatus.WAITING: 2,
    EntitlementStatus.EVALUATION: 3,
    EntitlementStatus.UNKNOWN: 4,
    EntitlementStatus.NOT_AUTHORIZED: 5,
    EntitlementStatus.AUTHORIZATION_EXPIRED: 6,
    EntitlementStatus.EVALUATION_EXPIRED: 6,
    EntitlementStatus.OUT_OF_COMPLIANCE: 7,
}


def entitlement_rank(status: EntitlementStatus) -> int:
    """How bad an entitlement status is, for "worst entitlement" (higher is worse)."""
    return _ENTITLEMENT_RANK[status]
