"""The ``licdash`` front door: every sub-command is reachable and documents itself."""

from __future__ import annotations

import pytest

from collectors.cli import COMMANDS, build_parser, main


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert f"    {name}" in out


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_has_working_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([name, "--help"])
    assert exc.value.code == 0
    assert f"licdash {name}" in capsys.readouterr().out


def test_only_the_chosen_command_module_is_needed() -> None:
    """A stubbed sub-command still parses to its module, so dispatch stays correct."""
    args = build_parser("parse").parse_args(["status"])
    assert args._module == COMMANDS["status"][0]


def test_status_usage_error_is_unknown_not_critical(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--format", "yaml"]) == 3
    assert "invalid choice" in capsys.readouterr().err


def test_other_usage_errors_keep_argparse_code() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["export", "--format", "yaml"])
    assert exc.value.code == 2


def test_options_without_a_command_go_to_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    """`licdash --theme light ...` runs the demo with those options (here refused early)."""
    assert main(["--theme", "light", "--clusters", "0"]) != 0
    assert "--clusters must be at least 1" in capsys.readouterr().err
