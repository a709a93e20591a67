"""Property tests: whatever arrives, the parsers raise only their own error type."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.errors import ParseError
from collectors.model import LicenseSnapshot
from collectors.parsing import parse_any, parse_axl, parse_cli

CASES = Path(__file__).resolve().parent / "cases"
SAMPLES = sorted(
    p.read_bytes()
    for p in CASES.rglob("*")
    if p.is_file() and p.suffix in (".txt", ".xml") and p.stat().st_size > 300
)
NOW = datetime(2025, 1, 1, tzinfo=UTC)
ZONES = st.sampled_from([None, "UTC", "Asia/Kolkata", "America/Chicago", "Not/AZone"])
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(call: object, data: str | bytes, zone: str | None) -> None:
    """Parse; a success must be a valid snapshot, a failure a ParseError (never anything else)."""
    assert callable(call)
    try:
        snapshot = call(data, cluster="c", now=NOW, timezone=zone)
    except ParseError as err:
        assert err.cluster == "c"
        return
    assert isinstance(snapshot, LicenseSnapshot)
    LicenseSnapshot.model_validate_json(snapshot.to_json())


@FAST
@given(st.text(), ZONES)
def test_any_text_to_cli_parser(text: str, zone: str | None) -> None:
    check(parse_cli, text, zone)


@FAST
@given(st.binary(), ZONES)
def test_any_bytes_to_auto_detection(data: bytes, zone: str | None) -> None:
    check(parse_any, data, zone)


@FAST
@given(st.text(), ZONES)
def test_any_text_to_axl_parser(text: str, zone: str | None) -> None:
    check(parse_axl, text, zone)


LINE_WORDS = st.sampled_from(
    [
        "Registration:", "License Authorization: ", "Evaluation Period:", "License Usage",
        "=============", "  Status: ", "  Status: REGISTERED", "  Status: AUTHORIZED on ",
        "  Last Renewal Attempt: FAILED on ", "    Failure reason: ", "  Count: ",
        " (regid.2016-07.com.cisco.UCM_Basic,12.0_x)", "Smart Licensing is ", "UDI: ",
        "Jan 26 15:11:23 2018 IST", "Feb 30 99:99:99 0000 ???", "Press <enter> for 1 line",
        "admin:", "\r", "  License  Entitlement Tag  Count  Status", "  ----------",
        "  Evaluation Period Remaining: ", "89 days, 1 hours", "EVAL MODE", "\x00", "9" * 30,
    ]
)  # fmt: skip


@FAST
@given(st.lists(st.lists(st.one_of(LINE_WORDS, st.text(max_size=12)), max_size=4), max_size=40))
def test_cli_like_lines(lines: list[list[str]]) -> None:
    check(parse_cli, "\n".join("".join(parts) for parts in lines), None)


@st.composite
def mutated_sample(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["delete", "insert", "flip", "truncate", "dup"]))
        if op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "truncate":
            del data[at:]
        else:
            end = at + draw(st.integers(1, 200))
            data[at:at] = data[at:end]
    return bytes(data)


@FAST
@given(mutated_sample(), ZONES)
def test_mutated_real_samples(data: bytes, zone: str | None) -> None:
    check(parse_any, data, zone)


AXL_NAMES = st.sampled_from(
    [
        "LicenseDetails", "SmartLicensing", "Registration", "Authorization", "LicenseStatus",
        "Entitlement", "Tag", "Count", "Status", "LastRenewalAttempt", "RegistrationExpires",
        "AuthorizationExpires", "EvaluationPeriodRemaining", "ProductUDI", "Fault",
        "faultstring", "detail", "axlcode", "return", "Unknown",
    ]
)  # fmt: skip


@st.composite
def axl_tree(draw: st.DrawFn, depth: int = 0) -> str:
    name = draw(AXL_NAMES)
    prefix = draw(st.sampled_from(["", "ns:"]))
    if depth >= 3 or draw(st.booleans()):
        body = escape(draw(st.text(max_size=30)))
    else:
        children = draw(st.lists(axl_tree(depth + 1), max_size=4))
        body = "".join(children)
    return f"<{prefix}{name}>{body}</{prefix}{name}>"


@FAST
@given(st.lists(axl_tree(), min_size=1, max_size=4), ZONES)
def test_random_axl_shaped_xml(trees: list[str], zone: str | None) -> None:
    xml = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:ns="http://www.cisco.com/AXL/API/14.0"><soapenv:Body>'
        f"<ns:getSmartLicenseStatusResponse>{''.join(trees)}</ns:getSmartLicenseStatusResponse>"
        "</soapenv:Body></soapenv:Envelope>"
    )
    check(parse_axl, xml, zone)


def test_pathological_long_lines_are_skipped_not_backtracked() -> None:
    """A hostile 900 kB line (spaces between words, no colon) must not hang the regexes."""
    evil = "Registration:\n  Status" + " " * 450_000 + "x" + " 1 " * 150_000 + "\n"
    try:
        parse_cli(evil, cluster="c", now=NOW)
    except ParseError as err:
        assert "no Smart Licensing status" in str(err)
