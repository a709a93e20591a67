"""Values that make no sense are flagged: password command output, readable configs,
lost writes counted, exit lines that do not hide lost work, VOS escape sequences."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from collectors.config import load_config, parse_config
from collectors.daemon import OnceReport
from collectors.errors import SecretError
from collectors.metrics import fleet_registry, render
from collectors.secrets import resolve_password
from collectors.transports.vos_session import clean_output, printable


def _command_cluster(argv: str) -> object:
    text = (
        '[[clusters]]\nname = "c1"\npublisher = "pub.example.net"\nusername = "axl"\n'
        f"password_command = {argv}\n"
    )
    return parse_config(text).clusters[0]


@pytest.mark.parametrize(
    "argv",
    [
        '["/usr/bin/head", "-c", "10000000", "/dev/zero"]',
        '["/usr/bin/yes"]',  # endless: stopped at the cap, not at the timeout
    ],
    ids=["10MB", "endless"],
)
def test_password_command_output_is_capped(argv: str) -> None:
    with pytest.raises(SecretError, match="printed more than") as info:
        resolve_password(_command_cluster(argv), command_timeout=5)  # type: ignore[arg-type]
    assert info.value.field == "password_command"


PLAIN = (
    '[[clusters]]\nname = "c1"\npublisher = "pub.example.net"\nusername = "axl"\n'
    'password = "pl41n-pw"\n'
)


@pytest.mark.parametrize(("mode", "warned"), [(0o644, True), (0o640, True), (0o600, False)])
def test_a_readable_config_with_plain_passwords_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: int, warned: bool
) -> None:
    path = tmp_path / "licdash.toml"
    path.write_text(PLAIN)
    path.chmod(mode)
    with caplog.at_level(logging.WARNING):
        load_config(path)
    lines = [r.getMessage() for r in caplog.records if "chmod 600" in r.getMessage()]
    assert bool(lines) is warned
    if warned:
        assert str(path) in lines[0] and f"{mode:03o}" in lines[0]
    assert "pl41n-pw" not in caplog.text


def test_lost_results_are_a_metric() -> None:
    text = render(fleet_registry(lambda: {}, lost_results=lambda: 7))
    assert "licdash_store_lost_results_total 7.0" in text


def test_the_once_line_never_says_0_failed_when_results_were_lost() -> None:
    lost = OnceReport(polled=3, ok=3, failed=0, duration_s=0.5, lost=3).line()
    assert "0 failed" not in lost and "3 of 3 results LOST" in lost
    fine = OnceReport(polled=3, ok=2, failed=1, duration_s=0.5).line()
    assert fine == "polled 3 publishers: 2 ok, 1 failed in 0.5 s"


@pytest.mark.parametrize(
    "raw",
    [
        "\x1b]0;PWNED\x07Invalid command",
        "\x1b]8;;http://evil\x1b\\Invalid command\x1b]8;;\x1b\\",
        "\x1bP1$tPWNED\x1b\\Invalid command",
        "\x9d0;PWNED\x9cInvalid command",
        "\x1b[31mInvalid\x1b[0m command\x1b(B",
    ],
    ids=["osc-bel", "osc-hyperlink", "dcs", "c1-osc", "csi-and-charset"],
)
def test_the_vos_session_strips_every_escape_sequence(raw: str) -> None:
    assert printable(raw) == "Invalid command"
    assert "PWNED" not in clean_output(raw + "\r\nadmin:")


def test_config_check_shows_a_hostile_error_on_one_inert_line() -> None:
    from datetime import UTC, datetime

    from collectors.commands.config_cmd import describe
    from collectors.results import ClusterStatus, ErrorInfo, PollResult, PollUpdate

    error = ErrorInfo(kind="cli", message="bad\n2026 ERROR forged \x1b]0;PWNED\x07", cluster="c1")
    result = PollResult(cluster="c1", started_at=datetime.now(UTC), duration_s=0.1, error=error)
    line = describe(PollUpdate(result=result, status=ClusterStatus(cluster="c1")))
    assert "\n" not in line and "\x1b" not in line and "\x07" not in line
    assert line.startswith("FAIL") and "\\n2026 ERROR forged" in line


def test_parse_refusals_are_one_inert_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from collectors.commands import parse_cmd

    capture = tmp_path / "x\x1b]0;PWNED\x07\nERROR forged.txt"  # a hostile file name
    capture.write_text("nothing \x1b]0;PWNED\x07 here\n\u202eevil")
    code = parse_cmd.run(
        argparse.Namespace(file=str(capture), now=None, timezone=None, cluster=None)
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "\x1b" not in err and "\u202e" not in err and len(err.strip().splitlines()) == 1
