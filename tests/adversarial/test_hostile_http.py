"""Hostile AXL publishers: each class breaks one poll, and only that poll.

Every case runs through :class:`tests.adversarial.conftest.Harness`: a healthy cycle,
then a cycle with the ``hostile`` cluster misbehaving. Each asserts the named error kind,
the kept last good snapshot, the two good clusters, no secret in any output, and bounded
time and memory (:meth:`Harness.assert_contained`).
"""

from __future__ import annotations

import json

import pytest

from tests.adversarial.harness import Harness

FAILING = [
    # compression: refused or strictly capped, counted as decoded
    ("gzip_layer", "oversize"),
    ("gzip_gzip", "oversize"),
    ("deflate", "oversize"),
    ("three_layers", "malformed"),
    ("brotli", "malformed"),
    ("corrupt_gzip", "malformed"),
    # XML attacks (held before; kept that way)
    ("billion_laughs", "malformed"),
    ("xxe", "malformed"),
    # size and timing
    ("big_body", "oversize"),
    ("announced_big", "oversize"),
    ("slowloris", "read_timeout"),
    ("hang", "read_timeout"),
    ("mid_body_close", "malformed"),
    # HTTP
    ("redirect", "http_error"),
    ("status_401", "auth"),
    ("status_503", "busy"),
    ("status_404", "not_found"),
    ("html_500_with_fault", "server_error"),
    ("huge_header", "malformed"),
    # bodies that are not an answer
    ("empty_200", "malformed"),
    ("html_200", "malformed"),
    ("bad_encoding_decl", "malformed"),
    ("invalid_utf8", "malformed"),
]


@pytest.mark.parametrize(("behaviour", "kind"), FAILING, ids=[b for b, _ in FAILING])
async def test_a_hostile_answer_fails_only_its_own_poll(
    harness: Harness, behaviour: str, kind: str
) -> None:
    cycle = await harness.good_then(behaviour)
    harness.assert_contained(cycle, kind)


async def test_identity_is_asked_for_and_a_small_gzip_answer_still_reads(
    harness: Harness,
) -> None:
    cycle = await harness.good_then("gzip_small")
    harness.assert_contained(cycle, None)
    seen = harness.fleet.publishers["hostile"].seen_accept_encoding
    assert seen and set(seen) == {"identity"}


FORGED = "boom\n2026-12-02T10:00:00.000Z ERROR collectors.engine: cluster good-a: forged"


async def test_a_faultstring_cannot_forge_a_log_line(harness: Harness) -> None:
    cycle = await harness.good_then("soap_fault_text", FORGED)
    harness.assert_contained(cycle, "soap_fault")
    lines = harness.human.getvalue().splitlines()
    assert not any(line.startswith("2026-12-02T10:00:00.000Z") for line in lines)
    assert any("boom\\n2026-12-02" in line for line in lines)
    for line in harness.json.getvalue().splitlines():
        json.loads(line)  # still one JSON object per line


TERMINAL_ATTACKS = [
    # XML 1.0 cannot carry C0 controls other than tab/CR/LF: the answer is refused whole
    ("osc_title", "\x1b]0;pwned title\x07rest", "malformed"),
    ("csi_clear", "\x1b[2J\x1b[31mred", "malformed"),
    # what XML can carry must be made inert
    ("c1_csi", "\x9b2Jc1", "soap_fault"),
    ("bidi", "abc\u202edcba", "soap_fault"),
    ("cr_overwrite", "real\rfake", "soap_fault"),
    ("line_separator", "one\u2028two", "soap_fault"),
]


@pytest.mark.parametrize(
    ("name", "text", "kind"), TERMINAL_ATTACKS, ids=[n for n, _, _ in TERMINAL_ATTACKS]
)
async def test_control_characters_never_reach_a_terminal_or_a_line(
    harness: Harness, name: str, text: str, kind: str
) -> None:
    cycle = await harness.good_then("soap_fault_text", f"fault {text}")
    harness.assert_contained(cycle, kind)
    outputs = harness.outputs()
    for face in ("human log", "status table", "status json", "store files", "export csv"):
        for bad in ("\x1b", "\x9b", "\u202e", "\x07", "\r", "\u2028"):
            assert bad not in outputs[face], f"{bad!r} reached the {face}"
    assert harness.latest()["hostile"].last_error is not None


async def test_reflected_credentials_are_scrubbed_everywhere(harness: Harness) -> None:
    cycle = await harness.good_then("echo_credentials")
    latest = harness.assert_contained(cycle, "soap_fault")
    error = latest["hostile"].last_error
    assert error is not None and "***" in error.message


async def test_credentials_echoed_into_fields_are_scrubbed_from_the_snapshot(
    harness: Harness,
) -> None:
    cycle = await harness.good_then("echo_in_fields")
    latest = harness.assert_contained(cycle, None)
    snap = latest["hostile"].last_good
    assert snap is not None and snap.registration.smart_account is not None
    assert "***" in snap.registration.smart_account


RICH_AND_FORMULAS = [
    ("rich_markup", "[bold red]PWNED[/bold red] [/x] [link=http://evil]x[/link]"),
    ("csv_formula", '=HYPERLINK("http://evil","x")'),
    ("label_breaker", 'x"} 1\nlicdash_up{cluster="good-a"} 0'),
]


@pytest.mark.parametrize(("name", "text"), RICH_AND_FORMULAS, ids=[n for n, _ in RICH_AND_FORMULAS])
async def test_markup_formulas_and_label_breakers_stay_text(
    harness: Harness, name: str, text: str
) -> None:
    cycle = await harness.good_then("soap_fault_text", text)
    harness.assert_contained(cycle, "soap_fault")
    outputs = harness.outputs()
    assert 'licdash_up{cluster="good-a"} 0' not in outputs["metrics"]
    assert "PWNED" not in outputs["metrics"] and "HYPERLINK" not in outputs["metrics"]
    for line in outputs["export csv"].splitlines():
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "@")), line


BAD_COUNTS = ["-5", "abc", "1.5e3", "9" * 5000, "4x"]


@pytest.mark.parametrize("count", BAD_COUNTS, ids=["negative", "word", "float", "huge", "4x"])
async def test_a_count_that_makes_no_sense_is_flagged_not_zeroed(
    harness: Harness, count: str
) -> None:
    cycle = await harness.good_then("value", count)
    latest = harness.assert_contained(cycle, None)
    snap = latest["hostile"].last_good
    assert snap is not None
    (ent,) = snap.entitlements
    assert ent.status.value == "unknown"
    assert any(count[:20] in r and "count" in r for r in snap.reasons), snap.reasons


async def test_a_raw_status_with_a_newline_stays_on_one_line(harness: Harness) -> None:
    cycle = await harness.good_then("raw_status", "Registered\nFAKE LINE \x9b2J \u202e")
    latest = harness.assert_contained(cycle, None)
    snap = latest["hostile"].last_good
    assert snap is not None and snap.registration.raw is not None
    for bad in ("\n", "\x9b", "\u202e"):
        assert bad not in snap.registration.raw
    assert "FAKE LINE" in snap.registration.raw


async def test_a_real_soap_fault_in_a_500_is_still_a_soap_fault(harness: Harness) -> None:
    cycle = await harness.good_then("soap_fault_text", "Smart License Manager is not running")
    latest = harness.assert_contained(cycle, "soap_fault")
    assert latest["hostile"].last_error is not None
    assert "not running" in latest["hostile"].last_error.message
