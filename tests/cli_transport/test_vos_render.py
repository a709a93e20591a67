"""The mock's VOS text against real CUCM 12.0 captures, line by line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from collectors.mock.cli_render import (
    CliExtras,
    cli_date,
    render_all,
    render_summary,
    render_udi,
)
from collectors.mock.state import (
    AuthorizationState,
    EntitlementUsage,
    LicenceState,
    RegistrationState,
)
from collectors.model import AuthorizationStatus, RegistrationStatus
from collectors.parsing import parse_cli

IST = ZoneInfo("Asia/Kolkata")
TAGS = (
    "regid.2017-02.com.cisco.UCM_CUWL,12.0_cc59375a-1cd8-4b36-8366-6f4d2abba965",
    "regid.2016-07.com.cisco.UCM_EnhancedPlus,12.0_d8372792-588c-4caa-b279-8587e5ce2f82",
    "regid.2016-07.com.cisco.UCM_Enhanced,12.0_66d0d1cf-4863-4761-91d0-d01d3eb1949a",
    "regid.2016-07.com.cisco.UCM_Basic,12.0_ef827a2f-f4ae-4ebb-887f-052737063d3a",
    "regid.2016-07.com.cisco.UCM_Essential,12.0_25f9c396-c67c-4519-aa98-d4b3ad18f805",
    "regid.2016-07.com.cisco.UCM_TelePresenceRoom,12.0_d9a71418-29e9-4c9a-9d3a-1366ebe38e7c",
)


def ist(text: str) -> datetime:
    return datetime.strptime(text, "%b %d %H:%M:%S %Y").replace(tzinfo=IST)


def sample_state() -> tuple[LicenceState, CliExtras]:
    """The licence state behind the shared 12.0 captures (doc 212915)."""
    registration = RegistrationState(
        "Registered",
        "BU Production Test",
        "TAC-CollabTesting",
        ist("Jan 26 15:11:23 2018"),
        ist("Jul 25 15:11:23 2018"),
        "SUCCEEDED",
        "Successful.",
        ist("Jan 26 15:06:21 2019"),
        "UDI: PID:UCM,SN:37624,UUID:6fe83addc80240bc92dc071ac7a37624",
        "Allowed",
    )
    authorization = AuthorizationState(
        "Authorized",
        ist("Jan 26 15:12:59 2018"),
        ist("Feb 25 15:12:59 2018"),
        "SUCCEEDED",
        "Successful.",
        ist("Apr 26 15:06:59 2018"),
        0,
    )
    counts = (0, 0, 5, 2, 0, 0)
    entitlements = tuple(
        EntitlementUsage(tag, n, "InCompliance" if n else "Init")
        for tag, n in zip(TAGS, counts, strict=True)
    )
    state = LicenceState(
        ist("Feb 01 00:00:00 2018"), "ENABLED", registration, authorization, entitlements
    )
    extras = CliExtras(
        initial_registration=ist("Jan 26 15:11:23 2018"),
        evaluation_end=ist("Nov 09 23:46:35 2017"),
    )
    return state, extras


def capture(shared_dir: Path, name: str) -> list[str]:
    """A capture's lines without its provenance header and trailing blanks.

    The mirror the captures come from put one space on blank lines; compare rstripped.
    """
    text = (shared_dir / "samples/cli" / name).read_text()
    return [line.rstrip() for line in text.splitlines() if not line.startswith("#")]


def test_show_license_all_matches_the_capture_line_by_line(shared_dir: Path) -> None:
    state, extras = sample_state()
    got = [line.rstrip() for line in render_all(state, zone=IST, extras=extras).splitlines()]
    assert got == capture(shared_dir, "show-license-all-12.0-registered.txt")


def test_show_license_summary_matches_the_capture_but_for_the_renewal_word(
    shared_dir: Path,
) -> None:
    state, extras = sample_state()
    got = [line.rstrip() for line in render_summary(state, zone=IST, extras=extras).splitlines()]
    want = capture(shared_dir, "show-license-summary-12.0-registered.txt")
    # The capture says "None" although `show license all` of the same box says the last
    # renewal SUCCEEDED; the mock prints the state's word (documented difference).
    assert want[6] == "  Last Renewal Attempt: None"
    assert got[6] == "  Last Renewal Attempt: SUCCEEDED"
    assert got[:6] + got[7:] == want[:6] + want[7:]


def test_show_license_udi_matches_the_capture(shared_dir: Path) -> None:
    state, _ = sample_state()
    assert render_udi(state).splitlines() == capture(shared_dir, "show-license-udi-12.0.txt")


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Kolkata", "Nov 9 23:46:35 2017 IST"),
        ("Europe/London", "Nov 9 18:16:35 2017 GMT"),
        ("America/New_York", "Nov 9 13:16:35 2017 EST"),
    ],
)
def test_cli_dates_use_the_publishers_zone_abbreviation(zone: str, expected: str) -> None:
    assert cli_date(ist("Nov 09 23:46:35 2017"), ZoneInfo(zone)) == expected


def test_rendered_states_read_back_through_the_foundation_parser() -> None:
    state, extras = sample_state()
    now = datetime(2018, 2, 1, tzinfo=UTC)
    snap = parse_cli(render_all(state, zone=IST, extras=extras), cluster="c", now=now)
    assert snap.registration.status is RegistrationStatus.REGISTERED
    assert snap.authorization.status is AuthorizationStatus.AUTHORIZED
    assert snap.authorization.since == ist("Jan 26 15:12:59 2018")
    assert snap.authorization.expires == ist("Apr 26 15:06:59 2018")
    assert snap.authorization.evaluation_remaining_days == 0
    assert [(e.name, e.count) for e in snap.entitlements if e.count] == [
        ("Enhanced", 5),
        ("Basic", 2),
    ]


def test_unknown_tags_get_a_readable_heading() -> None:
    state, extras = sample_state()
    hcs = "regid.2016-07.com.cisco.HUCM_Foundation,12.0_0f3c2a55-9d55-4f6c-9d0e-0a1b2c3d4e5f"
    state = LicenceState(
        state.at,
        state.smart_licensing,
        state.registration,
        state.authorization,
        (EntitlementUsage(hcs, 3, "InCompliance"),),
    )
    text = render_all(state, zone=IST, extras=extras)
    assert f"HCS UC Manager Foundation License (12.x) ({hcs})" in text.splitlines()
