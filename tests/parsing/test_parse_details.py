"""Parser behaviours that case folders show less directly: encodings, caps, SSH noise."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.errors import (
    MalformedResponseError,
    OversizeResponseError,
    SoapFaultError,
    UnsupportedVersionError,
)
from collectors.parsing import MAX_RESPONSE_BYTES, parse_any, parse_axl, parse_cli

CASES = Path(__file__).resolve().parent / "cases"
AXL = (
    CASES / "shared-axl-14.0-registered" / "getSmartLicenseStatus-14.0-registered.xml"
).read_bytes()
CLI_ALL = (
    CASES / "shared-cli-all-12.0-registered" / "show-license-all-12.0-registered.txt"
).read_text()
NOW = datetime(2025, 2, 20, tzinfo=UTC)
PAGER = "Press <enter> for 1 line, <space> for one page, or <q> to quit"


def test_axl_with_byte_order_marks_and_utf16() -> None:
    plain = parse_any(AXL, cluster="c", now=NOW)
    assert parse_any(b"\xef\xbb\xbf" + AXL, cluster="c", now=NOW) == plain
    assert parse_any("\ufeff" + AXL.decode(), cluster="c", now=NOW) == plain
    utf16 = AXL.decode().replace("UTF-8", "UTF-16").encode("utf-16")
    assert parse_any(utf16, cluster="c", now=NOW) == plain


def test_ssh_noise_does_not_change_the_snapshot() -> None:
    clean = parse_cli(CLI_ALL, cluster="c", now=NOW)
    lines = CLI_ALL.splitlines()
    noisy = ["admin:show license all", *lines[:20], PAGER, *lines[20:40], PAGER + "   "]
    noisy += [*lines[40:], "admin:"]
    crlf = "\r\n".join(line + "   " for line in noisy) + "\r\n"
    assert parse_cli(crlf, cluster="c", now=NOW) == clean
    assert parse_any(crlf.encode(), cluster="c", now=NOW) == clean


def test_other_sections_status_lines_are_never_registration_or_authorization() -> None:
    text = (
        "Smart Licensing is ENABLED\n\nUtility:\n  Status: DISABLED\n\n"
        "License Conversion:\n  Status: Not started\n\nLicense Usage\n=============\n"
        "License Authorization Status: AUTHORIZED as of Jan 26 15:12:59 2018 IST\n"
        " (regid.2016-07.com.cisco.UCM_Basic,12.0_x)\n  Count: 2\n  Status: InCompliance\n"
    )
    snap = parse_cli(text, cluster="c", now=NOW)
    assert snap.registration.raw is None and snap.authorization.raw is None
    assert snap.registration.status == "unknown" and snap.authorization.status == "unknown"
    assert [(e.count, e.raw_status) for e in snap.entitlements] == [(2, "InCompliance")]
    assert snap.severity == "unknown"


def test_smart_licensing_disabled_alone_is_a_status() -> None:
    text = "admin:show license status\nSmart Licensing is DISABLED\n"
    snap = parse_cli(text, cluster="c", now=NOW)
    assert snap.smart_licensing == "disabled"


def test_bytes_given_to_parse_cli_are_decoded() -> None:
    assert parse_cli(CLI_ALL.encode(), cluster="c", now=NOW) == parse_cli(  # type: ignore[arg-type]
        CLI_ALL, cluster="c", now=NOW
    )


@pytest.mark.parametrize("parser", [parse_axl, parse_cli, parse_any])
def test_size_cap(parser: object) -> None:
    assert callable(parser)
    with pytest.raises(OversizeResponseError) as caught:
        parser("x" * 2000, cluster="big", now=NOW, max_bytes=1000)
    assert caught.value.cluster == "big" and "1000" in str(caught.value)
    with pytest.raises(OversizeResponseError):
        parser(" " * (MAX_RESPONSE_BYTES + 1), cluster="big", now=NOW)


def test_soap_12_fault_and_version_faults() -> None:
    fault12 = (
        '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>'
        "<env:Fault><env:Code><env:Value>env:Sender</env:Value></env:Code>"
        "<env:Reason><env:Text>Access denied</env:Text></env:Reason></env:Fault>"
        "</env:Body></env:Envelope>"
    )
    with pytest.raises(SoapFaultError) as caught:
        parse_axl(fault12, cluster="c", now=NOW)
    err = caught.value
    assert err.faultstring == "Access denied" and err.faultcode == "env:Sender"
    assert not isinstance(err, UnsupportedVersionError)


def test_undeclared_prefix_is_malformed_not_a_crash() -> None:
    with pytest.raises(MalformedResponseError) as caught:
        parse_axl("<ns:LicenseDetails/>", cluster="c", now=NOW)
    assert caught.value.cluster == "c"


def test_external_entity_is_refused() -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        "<LicenseDetails><SmartLicensing>&e;</SmartLicensing></LicenseDetails>"
    )
    with pytest.raises(MalformedResponseError):
        parse_axl(xxe, cluster="c", now=NOW)


def test_missing_elements_become_null() -> None:
    xml = (
        "<r><LicenseDetails><Registration><Status>Registered</Status></Registration>"
        "</LicenseDetails></r>"
    )
    snap = parse_axl(xml, cluster="c", now=NOW)
    assert snap.smart_licensing is None and snap.udi is None and snap.entitlements == ()
    assert snap.registration.status == "registered" and snap.registration.expires is None
    assert snap.authorization.status == "unknown" and snap.authorization.raw is None
    assert snap.severity == "unknown"
    assert snap.reasons == ("No authorization status reported",)


def test_summary_table_multi_word_statuses_and_labels() -> None:
    text = (
        "Smart Licensing is ENABLED\nLicense Usage:\n"
        "  License                 Entitlement tag               Count Status\n"
        "  ---------------------------------------------------------------------\n"
        "  CUCM Basic (12.x)  (regid.2016-07.com.cisco.UCM_Basic,12.0_ef82)  12 "
        "NOT AUTHORIZED - RESERVED\n"
        "  (ax_10M)   3 OUT OF COMPLIANCE\n"
    )
    got = [
        (e.tag, e.count, e.status, e.raw_status)
        for e in parse_cli(text, cluster="c", now=NOW).entitlements
    ]
    assert got == [
        ("regid.2016-07.com.cisco.UCM_Basic,12.0_ef82", 12, "not_authorized",
         "NOT AUTHORIZED - RESERVED"),
        ("ax_10M", 3, "out_of_compliance", "OUT OF COMPLIANCE"),
    ]  # fmt: skip


def test_known_status_word_keeps_its_meaning_when_its_date_is_unreadable() -> None:
    text = "Smart Licensing is ENABLED\nLicense Authorization:\n  Status: AUTHORIZED on someday\n"
    snap = parse_cli(text, cluster="c", now=NOW)
    assert snap.authorization.status == "authorized" and snap.authorization.since is None
    assert "authorization.since: cannot read date 'someday'" in snap.reasons
