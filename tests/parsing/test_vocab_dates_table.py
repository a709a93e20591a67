"""Every status word and date form in the domain notes, one row each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collectors import vocab
from collectors.dates import parse_datetime, parse_remaining_days
from collectors.model import AuthorizationStatus as A
from collectors.model import EntitlementStatus as E
from collectors.model import RegistrationStatus as R


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Unregistered", R.UNREGISTERED),
        ("UNREGISTERED", R.UNREGISTERED),
        ("Unidentified", R.UNREGISTERED),
        ("Registered", R.REGISTERED),
        ("REGISTERED", R.REGISTERED),
        ("Registration Expired", R.REGISTRATION_EXPIRED),
        ("REGISTRATION EXPIRED", R.REGISTRATION_EXPIRED),
        ("Reservation In Progress", R.RESERVATION_IN_PROGRESS),
        ("Registered - Specific License Reservation", R.REGISTERED_SLR),
        ("REGISTERED - SPECIFIC LICENSE RESERVATION", R.REGISTERED_SLR),
        ("Registered - Universal License Reservation", R.REGISTERED_ULR),
        ("registered-universal-license-reservation", R.REGISTERED_ULR),
        ("  registered  ", R.REGISTERED),
        ("Half Registered", R.UNKNOWN),
        ("", R.UNKNOWN),
        (None, R.UNKNOWN),
    ],
)
def test_registration_words(word: str | None, status: R) -> None:
    assert vocab.registration_status(word) is status


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("No Licenses in Use", A.NO_LICENSES_IN_USE),
        ("NO LICENSES IN USE", A.NO_LICENSES_IN_USE),
        ("Evaluation Mode", A.EVALUATION),
        ("EVAL MODE", A.EVALUATION),
        ("EVALUATION MODE", A.EVALUATION),
        ("Evaluation Expired", A.EVALUATION_EXPIRED),
        ("EVAL EXPIRED", A.EVALUATION_EXPIRED),
        ("Authorized", A.AUTHORIZED),
        ("AUTHORIZED", A.AUTHORIZED),
        ("Out of Compliance", A.OUT_OF_COMPLIANCE),
        ("OUT OF COMPLIANCE", A.OUT_OF_COMPLIANCE),
        ("Authorization Expired", A.AUTHORIZATION_EXPIRED),
        ("AUTHORIZATION EXPIRED", A.AUTHORIZATION_EXPIRED),
        ("Authorized - Reserved", A.AUTHORIZED_RESERVED),
        ("AUTHORIZED - RESERVED", A.AUTHORIZED_RESERVED),
        ("Not Authorized - Reserved", A.NOT_AUTHORIZED_RESERVED),
        ("FOO BAR", A.UNKNOWN),
        (None, A.UNKNOWN),
    ],
)
def test_authorization_words(word: str | None, status: A) -> None:
    assert vocab.authorization_status(word) is status


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Init", E.INIT),
        ("InCompliance", E.IN_COMPLIANCE),
        ("IN COMPLIANCE", E.IN_COMPLIANCE),
        ("AUTHORIZED", E.IN_COMPLIANCE),
        ("EVAL MODE", E.EVALUATION),
        ("Eval", E.EVALUATION),
        ("OutOfCompliance", E.OUT_OF_COMPLIANCE),
        ("OUT OF COMPLIANCE", E.OUT_OF_COMPLIANCE),
        ("EvalExpired", E.EVALUATION_EXPIRED),
        ("AuthorizationExpired", E.AUTHORIZATION_EXPIRED),
        ("Waiting", E.WAITING),
        ("Reserved", E.RESERVED),
        ("NotAuthorized", E.NOT_AUTHORIZED),
        ("Quarantined", E.UNKNOWN),
        ("", E.UNKNOWN),
    ],
)
def test_entitlement_words(word: str, status: E) -> None:
    assert vocab.entitlement_status(word) is status


@pytest.mark.parametrize(
    ("word", "result"),
    [
        ("SUCCEEDED", "succeeded"),
        ("SUCCESS", "succeeded"),
        ("Succeeded", "succeeded"),
        ("FAILED", "failed"),
        ("None", None),
        ("NONE", None),
        ("", None),
        ("PENDING", None),
    ],
)
def test_attempt_results(word: str, result: str | None) -> None:
    assert vocab.attempt_result(word) == result


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("Allowed", "allowed"),
        ("ALLOWED", "allowed"),
        ("Not Allowed", "not_allowed"),
        ("NOT ALLOWED", "not_allowed"),
        ("Maybe", None),
    ],
)
def test_export_control_words(word: str, value: str | None) -> None:
    assert vocab.export_control(word) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Successful.", None),
        ("successful", None),
        ("None", None),
        ("", None),
        ("  Fail to send out Call Home HTTP message. ", "Fail to send out Call Home HTTP message."),
    ],
)
def test_failure_reasons(text: str, reason: str | None) -> None:
    assert vocab.failure_reason(text) == reason


UUID = "66d0d1cf-4863-4761-91d0-d01d3eb1949a"
ENHANCED = f"regid.2016-07.com.cisco.UCM_Enhanced,12.0_{UUID}"


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        (ENHANCED, ENHANCED),
        (f"{UUID}{ENHANCED}", ENHANCED),
        (f"({ENHANCED})", ENHANCED),
        (f"  ({ENHANCED}):", ENHANCED),
        ("(ax_10M)", "ax_10M"),
    ],
)
def test_bare_tag(text: str, tag: str) -> None:
    assert vocab.bare_tag(text) == tag


@pytest.mark.parametrize(
    ("tag", "name"),
    [
        ("regid.2017-02.com.cisco.UCM_CUWL,12.0_cc59375a-1cd8-4b36-8366-6f4d2abba965", "CUWL"),
        (
            "regid.2016-07.com.cisco.UCM_EnhancedPlus,12.0_d8372792-588c-4caa-b279-8587e5ce2f82",
            "Enhanced Plus",
        ),
        (ENHANCED, "Enhanced"),
        (f"{UUID}{ENHANCED}", "Enhanced"),
        ("regid.2016-07.com.cisco.UCM_Basic,12.0_ef827a2f-f4ae-4ebb-887f-052737063d3a", "Basic"),
        (
            "regid.2016-07.com.cisco.UCM_Essential,12.0_25f9c396-c67c-4519-aa98-d4b3ad18f805",
            "Essential",
        ),
        (
            "regid.2016-07.com.cisco.UCM_TelePresenceRoom,12.0_d9a71418-29e9-4c9a-9d3a-1366ebe38e7c",
            "TelePresence Room",
        ),
        ("regid.2016-07.com.cisco.HUCM_Foundation,12.0_0a1b2c3d-aaaa", "HCS Foundation"),
        ("regid.2016-07.com.cisco.HUCM_Essential,12.0_0a1b2c3d-aaaa", "HCS Essential"),
        ("regid.2016-07.com.cisco.HUCM_TelePresenceRoom,12.0_0a", "HCS TelePresence Room"),
        ("regid.2019-01.com.cisco.UCM_NewTier,14.0_0a1b", "New Tier"),
        ("DNA_NWStack", "DNA NW Stack"),
        ("ax_10M", "ax 10M"),
    ],
)
def test_entitlement_names(tag: str, name: str) -> None:
    assert vocab.entitlement_name(tag) == name


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        # CLI, two-digit and one-digit day, IST read as India by default
        ("Jan 26 15:11:23 2018 IST", None, utc(2018, 1, 26, 9, 41, 23)),
        ("Nov 9 23:46:35 2017 IST", None, utc(2017, 11, 9, 18, 16, 35)),
        # year before time (IOS XE agent)
        ("Jan 20 2023 10:59:10 UTC", None, utc(2023, 1, 20, 10, 59, 10)),
        # AXL Java Date.toString()
        ("Sun Mar 02 11:10:25 EST 2025", None, utc(2025, 3, 2, 16, 10, 25)),
        ("Mon May 19 20:31:12 EDT 2025", None, utc(2025, 5, 20, 0, 31, 12)),
        # the default table
        ("Jan 1 12:00:00 2024 GMT", None, utc(2024, 1, 1, 12)),
        ("Jan 1 12:00:00 2024 CST", None, utc(2024, 1, 1, 18)),
        ("Jul 1 12:00:00 2024 CDT", None, utc(2024, 7, 1, 17)),
        ("Jan 1 12:00:00 2024 MST", None, utc(2024, 1, 1, 19)),
        ("Jul 1 12:00:00 2024 MDT", None, utc(2024, 7, 1, 18)),
        ("Jan 1 12:00:00 2024 PST", None, utc(2024, 1, 1, 20)),
        ("Jul 1 12:00:00 2024 PDT", None, utc(2024, 7, 1, 19)),
        ("Jan 1 12:00:00 2024 CET", None, utc(2024, 1, 1, 11)),
        ("Jul 1 12:00:00 2024 CEST", None, utc(2024, 7, 1, 10)),
        ("Jul 1 12:00:00 2024 BST", None, utc(2024, 7, 1, 11)),
        ("Jan 1 12:00:00 2024 JST", None, utc(2024, 1, 1, 3)),
        ("Jan 1 12:00:00 2024 SGT", None, utc(2024, 1, 1, 4)),
        ("Jul 1 12:00:00 2024 AEST", None, utc(2024, 7, 1, 2)),
        ("Jan 1 12:00:00 2024 AEDT", None, utc(2024, 1, 1, 1)),
        # a cluster zone overrides an abbreviation that zone uses
        ("Jan 26 15:11:23 2018 IST", "Asia/Jerusalem", utc(2018, 1, 26, 13, 11, 23)),
        ("Jul 26 15:11:23 2018 IST", "Europe/Dublin", utc(2018, 7, 26, 14, 11, 23)),
        ("Jan 1 12:00:00 2024 CST", "Asia/Shanghai", utc(2024, 1, 1, 4)),
        ("Jan 1 12:00:00 2024 CST", "America/Chicago", utc(2024, 1, 1, 18)),
        # ...but not one it does not use: EST stays US Eastern for an Indian cluster
        ("Jan 1 12:00:00 2024 EST", "Asia/Kolkata", utc(2024, 1, 1, 17)),
        # a missing zone is read in the cluster zone without complaint
        ("Jan 1 12:00:00 2024", "Europe/Paris", utc(2024, 1, 1, 11)),
        # ISO 8601, in case a newer agent prints it
        ("2023-01-20T10:59:10Z", None, utc(2023, 1, 20, 10, 59, 10)),
        ("2023-01-20T10:59:10+05:30", "Europe/Paris", utc(2023, 1, 20, 5, 29, 10)),
        ("2023-01-20 10:59:10", "Asia/Kolkata", utc(2023, 1, 20, 5, 29, 10)),
    ],
)
def test_date_forms(text: str, zone: str | None, expected: datetime) -> None:
    value, reason = parse_datetime(text, field="f", cluster_zone=zone)
    assert reason is None
    assert value == expected
    assert value is not None and value.tzinfo is not None


@pytest.mark.parametrize(
    ("text", "zone", "expected", "reason_part"),
    [
        ("Mar 1 10:00:00 2024 XYZ", None, utc(2024, 3, 1, 10), "zone 'XYZ' is unknown"),
        ("Mar 1 10:00:00 2024 XYZ", "Asia/Tokyo", utc(2024, 3, 1, 1), "Asia/Tokyo"),
        ("Mar 1 10:00:00 2024", None, utc(2024, 3, 1, 10), "no zone"),
    ],
)
def test_unresolvable_zone_keeps_wall_time_and_says_so(
    text: str, zone: str | None, expected: datetime, reason_part: str
) -> None:
    value, reason = parse_datetime(text, field="registration.expires", cluster_zone=zone)
    assert value == expected
    assert reason is not None and "registration.expires" in reason and reason_part in reason


@pytest.mark.parametrize("text", ["None", "NONE", "", "Unavailable"])
def test_none_dates_are_null_without_reason(text: str) -> None:
    assert parse_datetime(text, field="f") == (None, None)


@pytest.mark.parametrize("text", ["soon", "Feb 30 10:00:00 2024 UTC", "Foo 1 10:00:00 2024 UTC"])
def test_garbage_dates_are_null_with_reason(text: str) -> None:
    value, reason = parse_datetime(text, field="x.y")
    assert value is None
    assert reason is not None and reason.startswith("x.y:")


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("89", 89.0),
        ("89 days, 1 hours", 89.04),
        ("89 days, 1 hours, 33 minutes, 51 seconds", 89.07),
        ("87 days 1 hr 41 min 0 sec", 87.07),
        ("0 days, 12 hours, 0 minutes, 0 seconds", 0.5),
        ("never", None),
        (None, None),
    ],
)
def test_evaluation_remaining(text: str | None, days: float | None) -> None:
    assert parse_remaining_days(text) == days
