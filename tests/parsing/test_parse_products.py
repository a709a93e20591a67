"""Unity Connection and Expressway answers: Cisco's documentation examples and the
opposite of every point docs/products.md marks UNCONFIRMED.

The case folders hold realistic answers with their expected snapshots; these tests pin
each documented field and each tolerance on its own, so a failure names what broke.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collectors.errors import MalformedResponseError, ParseError
from collectors.model import AuthorizationStatus, EntitlementStatus, RegistrationStatus
from collectors.parsing import parse_any, parse_expressway, parse_unity

NOW = datetime(2017, 12, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def products(shared_dir: Path) -> Path:
    return shared_dir / "products"


def unity_doc(**register: Any) -> dict[str, Any]:
    """A valid ``licensedetails`` JSON document; ``register`` overrides Register fields."""
    return {
        "SmartLicensing": "Enabled",
        "Register": {
            "Status": "Registered",
            "SmartAccount": "SA",
            "VirtualAccount": "VA",
            "LastRenewalAttempt": "SUCCEEDED 2017-11-22 13:17:19.0",
            "NextRenewalAttempt": "2018-05-23 13:17:19.0",
            "LastRegistrationSuccessTime": "2017-05-24 13:17:19.0",
            "ProductUDI": "pid=Cisco Unity Connection sn=abc",
            "ExportControlFunctionality": "Allowed",
            **register,
        },
        "Authorization": {
            "Status": "Authorized",
            "LastCommunicationAttempt": "SUCCEEDED 2017-11-27 13:17:19.0",
            "NextCommunicationAttempt": "2017-12-27 13:17:19.0",
            "EvaluationPeriodRemaining": "87:0:36",
        },
        "LicenseUsage": {
            "EntitlementTag": [
                {
                    "Id": "regid.2020-06.com.cisco.CUC_BasicMessaging,14_74b6bdc1-b3e1-45dc-9468-"
                    "6412b12fdef2",
                    "Count": "7",
                    "Status": "InCompliance",
                }
            ]
        },
    }


def unity(doc: Any, timezone: str | None = "UTC") -> Any:
    data = doc if isinstance(doc, str | bytes) else json.dumps(doc)
    return parse_unity(data, cluster="cuc", now=NOW, timezone=timezone)


# ----- Unity Connection: Cisco's examples -------------------------------------------


def test_unity_documentation_xml_maps_every_field(products: Path) -> None:
    data = (products / "unity" / "unity-licensedetails.doc.xml").read_bytes()
    snap = parse_unity(data, cluster="cuc", now=NOW, timezone="UTC")
    assert (snap.product, snap.source, snap.smart_licensing) == ("unity", "cupi", "enabled")
    assert snap.udi == "pid=Cisco Unity Connection sn=cbd7561030494c60af97aabbcba"
    reg, auth = snap.registration, snap.authorization
    assert (reg.status, reg.raw) == (RegistrationStatus.REGISTERED, "Registered")
    assert (reg.smart_account, reg.virtual_account) == ("BU Production Test", "Cisco_VA")
    assert reg.export_controlled == "allowed"
    assert reg.last_renewal_result == "succeeded"
    assert reg.last_renewal_attempt == datetime(2017, 11, 22, 13, 17, 19, tzinfo=UTC)
    assert reg.next_renewal_attempt == datetime(2018, 5, 23, 13, 17, 19, tzinfo=UTC)
    # No expiry in the answer: the last success (LastRegistrationSuccessTime, later than
    # the renewal) plus the documented year.
    assert reg.expires == datetime(2018, 11, 24, 13, 17, 19, tzinfo=UTC)
    assert (auth.status, auth.raw) == (AuthorizationStatus.AUTHORIZED, "Authorized")
    assert auth.last_communication_result == "succeeded"
    assert auth.last_communication_attempt == datetime(2017, 11, 27, 13, 17, 19, tzinfo=UTC)
    assert auth.next_communication_attempt == datetime(2017, 12, 27, 13, 17, 19, tzinfo=UTC)
    assert auth.expires == datetime(2018, 2, 25, 13, 17, 19, tzinfo=UTC)
    assert auth.evaluation_remaining_days == 87.03
    names = [(e.name, e.count, e.status) for e in snap.entitlements]
    assert names == [
        ("Basic Messaging", 1, EntitlementStatus.EVALUATION),  # "Evals" in this example
        ("Enhanced Messaging", 0, EntitlementStatus.INIT),
        ("SpeechView Pro", 0, EntitlementStatus.INIT),
        ("SpeechView", 10, EntitlementStatus.IN_COMPLIANCE),
        ("SpeechConnect Port", 0, EntitlementStatus.INIT),
        ("SpeechConnect Guest User", 0, EntitlementStatus.INIT),
    ]
    derived = [r for r in snap.reasons if "derived" in r]
    assert len(derived) == 2
    assert derived[0].startswith("Registration expiry 2018-11-24 derived")
    assert derived[1].startswith("Authorization expiry 2018-02-25 derived")


def test_unity_documentation_json_after_its_two_documented_repairs(products: Path) -> None:
    text = (products / "unity" / "unity-licensedetails.doc.json").read_text()
    with pytest.raises(MalformedResponseError, match="unreadable Unity Connection JSON"):
        parse_unity(text, cluster="cuc", now=NOW)
    repaired = text.replace("}{", "},{").replace("af840Init", "af84")
    snap = parse_unity(repaired, cluster="cuc", now=NOW, timezone="UTC")
    assert snap.registration.status is RegistrationStatus.RESERVATION_IN_PROGRESS
    assert snap.authorization.status is AuthorizationStatus.EVALUATION  # "Evaluation"
    # " 2018-05-23 13:17:19.0": the leading space of the JSON example is no problem.
    assert snap.registration.next_renewal_attempt == datetime(2018, 5, 23, 13, 17, 19, tzinfo=UTC)
    assert snap.entitlements[0].raw_status == "Eval"
    assert snap.entitlements[0].status is EntitlementStatus.EVALUATION
    assert len(snap.entitlements) == 6
    # Under a reservation Unity does not renew: nothing is derived.
    assert snap.registration.expires is None and snap.authorization.expires is None


# ----- Unity Connection: the opposite of every UNCONFIRMED point ---------------------


def test_one_entitlement_as_an_object_or_a_list_reads_the_same() -> None:
    as_list = unity_doc()
    as_object = unity_doc()
    as_object["LicenseUsage"]["EntitlementTag"] = as_object["LicenseUsage"]["EntitlementTag"][0]
    assert unity(as_object).entitlements == unity(as_list).entitlements
    assert unity(as_list).entitlements[0].count == 7


@pytest.mark.parametrize("usage", [None, "", {}, {"EntitlementTag": []}, []])
def test_empty_or_missing_licence_usage_is_no_entitlements(usage: Any) -> None:
    doc = unity_doc()
    doc["LicenseUsage"] = usage
    assert unity(doc).entitlements == ()


def test_counts_as_numbers_or_text_and_damaged_counts() -> None:
    doc = unity_doc()
    doc["LicenseUsage"]["EntitlementTag"][0]["Count"] = 7
    assert unity(doc).entitlements[0].count == 7
    doc["LicenseUsage"]["EntitlementTag"][0]["Count"] = "7x"
    ent = unity(doc).entitlements[0]
    assert (ent.count, ent.status) == (0, EntitlementStatus.UNKNOWN)


def test_cucm_names_case_and_a_wrapper_are_tolerated() -> None:
    doc = unity_doc()
    odd = {"licensedetails": {k.upper(): v for k, v in doc.items()}}
    odd["licensedetails"]["REGISTRATION"] = odd["licensedetails"].pop("REGISTER")
    assert unity(odd).model_dump() == unity(doc).model_dump()
    assert unity([doc]).registration.status is RegistrationStatus.REGISTERED


def test_xml_and_json_of_the_same_answer_agree() -> None:
    doc = unity_doc()
    ent = doc["LicenseUsage"]["EntitlementTag"][0]

    def elements(values: dict[str, str]) -> str:
        return "".join(f"<{k}>{v}</{k}>" for k, v in values.items())

    xml = (
        "<LicenseDetails><SmartLicensing>Enabled</SmartLicensing>"
        f"<Register>{elements(doc['Register'])}</Register>"
        f"<Authorization>{elements(doc['Authorization'])}</Authorization>"
        f"<LicenseUsage><EntitlementTag>{elements(ent)}</EntitlementTag></LicenseUsage>"
        "</LicenseDetails>"
    )
    assert unity(xml).model_dump() == unity(doc).model_dump()


def test_zone_less_times_are_read_in_the_cluster_zone() -> None:
    kolkata = unity(unity_doc(), timezone="Asia/Kolkata")
    assert kolkata.registration.last_renewal_attempt == datetime(
        2017, 11, 22, 7, 47, 19, tzinfo=UTC
    )
    no_zone = unity(unity_doc(), timezone=None)
    notes = [r for r in no_zone.reasons if "without a zone" in r]
    assert len(notes) == 1 and "read as UTC" in notes[0]
    assert not [r for r in kolkata.reasons if "without a zone" in r]


@pytest.mark.parametrize(
    ("attempt", "result", "when"),
    [
        ("SUCCEEDED 2017-11-22 13:17:19.0", "succeeded", datetime(2017, 11, 22, 13, 17, 19)),
        ("FAILED 2017-11-22 13:17:19.0", "failed", datetime(2017, 11, 22, 13, 17, 19)),
        ("Not Applicable", None, None),
        ("2017-11-22 13:17:19.0", None, datetime(2017, 11, 22, 13, 17, 19)),
        ("SUCCEEDED on Nov 22 13:17:19 2017 UTC", "succeeded", datetime(2017, 11, 22, 13, 17, 19)),
    ],
)
def test_attempt_strings(attempt: str, result: str | None, when: datetime | None) -> None:
    reg = unity(unity_doc(LastRenewalAttempt=attempt)).registration
    assert reg.last_renewal_result == result
    assert reg.last_renewal_attempt == (when.replace(tzinfo=UTC) if when else None)


def test_a_failed_communication_leaves_the_authorization_expiry_unknown_and_says_so() -> None:
    doc = unity_doc()
    doc["Authorization"]["LastCommunicationAttempt"] = "FAILED 2017-11-27 13:17:19.0"
    snap = unity(doc)
    assert snap.authorization.expires is None
    assert snap.authorization.last_communication_result == "failed"
    assert any(r.startswith("Authorization expiry unknown") for r in snap.reasons)
    assert "Last authorization renewal failed" in snap.reasons


def test_a_failed_renewal_derives_from_the_last_registration_success() -> None:
    snap = unity(unity_doc(LastRenewalAttempt="FAILED 2017-11-22 13:17:19.0"))
    assert snap.registration.expires == datetime(2018, 5, 24, 13, 17, 19, tzinfo=UTC)


def test_derived_deadlines_drive_severity_like_stated_ones() -> None:
    """Eleven months after the last success, the derived registration expiry is near."""
    snap = parse_unity(
        json.dumps(unity_doc(LastRenewalAttempt="FAILED 2018-04-20 10:00:00.0")),
        cluster="cuc",
        now=datetime(2018, 5, 20, tzinfo=UTC),
        timezone="UTC",
    )
    assert snap.severity.value == "critical"
    assert any(r.startswith("Registration expires in 4 d") for r in snap.reasons)


def test_an_unregistered_node_derives_nothing() -> None:
    snap = unity(unity_doc(Status="Unregistered", LastRenewalAttempt="Not Applicable"))
    assert snap.registration.expires is None
    assert not [r for r in snap.reasons if "derived" in r]


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Registration Expired", RegistrationStatus.REGISTRATION_EXPIRED),
        ("Registered - Specific License Reservation", RegistrationStatus.REGISTERED_SLR),
        (
            "Registered - Universal License Reservation (PLR)",
            RegistrationStatus.REGISTERED_ULR,
        ),
        ("Some New Word", RegistrationStatus.UNKNOWN),
    ],
)
def test_unity_ui_registration_words(word: str, status: RegistrationStatus) -> None:
    snap = unity(unity_doc(Status=word))
    assert (snap.registration.status, snap.registration.raw) == (status, word)


def test_unity_answers_without_details_are_malformed() -> None:
    for bad in ("{}", "[]", '{"LicenseUsage": {}}', "<LicenseDetails/>", "not json"):
        with pytest.raises(MalformedResponseError):
            unity(bad)


# ----- Expressway ---------------------------------------------------------------------


def expressway(doc: Any) -> Any:
    return parse_expressway(json.dumps(doc), cluster="exp", now=NOW)


def test_expressway_documentation_example_maps_every_field(products: Path) -> None:
    data = (products / "expressway" / "expressway-smartlicensing-licensing.doc.json").read_bytes()
    snap = parse_expressway(data, cluster="exp", now=NOW)
    assert (snap.product, snap.source, snap.smart_licensing, snap.udi) == (
        "expressway",
        "rest",
        None,
        None,
    )
    reg, auth = snap.registration, snap.authorization
    assert (reg.status, reg.raw) == (RegistrationStatus.REGISTERED, "REGISTERED")
    assert (reg.smart_account, reg.virtual_account) == ("testaccount.cisco.com", "Expressway")
    assert reg.export_controlled == "allowed"  # "True"
    assert reg.initial_registration == datetime(2020, 2, 5, 5, 59, 4, tzinfo=UTC)
    assert reg.expires == datetime(2021, 2, 4, 5, 54, 3, tzinfo=UTC)
    assert reg.next_renewal_attempt == datetime(2020, 8, 3, 5, 59, 4, tzinfo=UTC)
    assert (auth.status, auth.raw) == (AuthorizationStatus.OUT_OF_COMPLIANCE, "OUT OF COMPLIANCE")
    assert auth.expires == datetime(2020, 5, 5, 6, 13, 6, tzinfo=UTC)
    assert auth.next_communication_attempt == datetime(2020, 2, 5, 18, 18, 7, tzinfo=UTC)
    assert auth.last_communication_attempt == datetime(2020, 2, 5, 6, 18, 7, tzinfo=UTC)
    assert auth.last_communication_result is None  # the resource gives only the time
    assert snap.entitlements == ()
    assert snap.severity.value == "critical"
    assert not [r for r in snap.reasons if "derived" in r or "date" in r]


def test_expressway_flat_fields_status_keys_and_a_list_wrapper() -> None:
    flat = {
        "RegistrationStatus": "REGISTERED",
        "LicenseAuthorizationStatus": "AUTHORIZED",
        "SmartAccount": "SA",
        "RegistrationExpires": "Monday, 10 Jun 2024 14:02:51 GMT",
    }
    snap = expressway([flat])
    assert snap.registration.status is RegistrationStatus.REGISTERED
    assert snap.authorization.status is AuthorizationStatus.AUTHORIZED
    assert snap.registration.expires == datetime(2024, 6, 10, 14, 2, 51, tzinfo=UTC)
    nested = {"Registration": {"Status": "REGISTERED"}, "Authorization": {"Status": "AUTHORIZED"}}
    assert expressway(nested).authorization.status is AuthorizationStatus.AUTHORIZED


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Unregistered : Registration Expired", RegistrationStatus.REGISTRATION_EXPIRED),
        ("Unregistered : Registration Pending", RegistrationStatus.UNREGISTERED),
        ("UNREGISTERED", RegistrationStatus.UNREGISTERED),
        ("Not Applicable", RegistrationStatus.UNKNOWN),
    ],
)
def test_expressway_registration_words(word: str, status: RegistrationStatus) -> None:
    doc = {"Registration": {"RegistrationStatus": word}}
    assert expressway(doc).registration.status is status


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Out-of-compliance", AuthorizationStatus.OUT_OF_COMPLIANCE),
        ("EVALUATION EXPIRED", AuthorizationStatus.EVALUATION_EXPIRED),
        ("No Licenses in Use", AuthorizationStatus.NO_LICENSES_IN_USE),
        ("Not Applicable", AuthorizationStatus.UNKNOWN),
    ],
)
def test_expressway_authorization_words(word: str, status: AuthorizationStatus) -> None:
    doc = {"Authorization": {"LicenseAuthorizationStatus": word}}
    snap = expressway(doc)
    assert (snap.authorization.status, snap.authorization.raw) == (status, word)


def test_expressway_answers_without_a_status_are_malformed() -> None:
    for bad in ({}, {"SmartAccount": "x"}, [], [1, 2], "text"):
        with pytest.raises(MalformedResponseError):
            expressway(bad)


# ----- detection ----------------------------------------------------------------------


def test_parse_any_tells_the_products_apart(products: Path) -> None:
    xml = (products / "unity" / "unity-licensedetails.doc.xml").read_bytes()
    rest = (products / "expressway" / "expressway-smartlicensing-licensing.doc.json").read_bytes()
    assert parse_any(xml, cluster="c", now=NOW).source == "cupi"
    assert parse_any(json.dumps(unity_doc()), cluster="c", now=NOW).source == "cupi"
    assert parse_any(rest, cluster="c", now=NOW).source == "rest"
    with pytest.raises(ParseError):
        parse_any(b'{"something": "else"}', cluster="c", now=NOW)
