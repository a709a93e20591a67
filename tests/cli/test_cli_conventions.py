"""Unix conventions of the ``licdash`` front door: -V, complete and consistent --help."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from collectors import __version__
from collectors.cli_help import (
    CONFIG_DEFAULT,
    STORE_DEFAULT,
    HelpFormatter,
    normalise,
    options_without_help,
    parsers,
)

LICDASH = Path(sys.executable).with_name("licdash")


def full_parser() -> argparse.ArgumentParser:
    from collectors.manpage import router_parser

    return router_parser()


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_flags(flag: str) -> None:
    done = subprocess.run([str(LICDASH), flag], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout.strip() == f"licdash {__version__}"


def test_every_option_of_every_command_has_help() -> None:
    assert options_without_help(full_parser()) == []


def test_options_without_help_are_found() -> None:
    parser = argparse.ArgumentParser(prog="x")
    parser.add_argument("--quiet", action="store_true")
    assert options_without_help(parser) == ["x --quiet"]


def test_config_and_store_defaults_are_described_one_way() -> None:
    seen: dict[str, list[str]] = {"--config": [], "--store": []}
    for prog, parser in parsers(full_parser()):
        for action in parser._actions:
            for option, texts in seen.items():
                if option in action.option_strings:
                    texts.append(f"{prog}: {action.help}")
    assert len(seen["--config"]) >= 5 and len(seen["--store"]) >= 4
    for text in seen["--config"]:
        # `serve` without a config shows the demo fleet, and says so.
        assert text.endswith(f"(default: {CONFIG_DEFAULT})") or "demo fleet" in text, text
        assert text.count("default") == 1, text
    for text in seen["--store"]:
        # The demo keeps its own default (a temporary directory) and says so.
        assert text.endswith(f"(default: {STORE_DEFAULT})") or "temporary" in text, text


def test_every_parser_shows_defaults() -> None:
    for prog, parser in parsers(full_parser()):
        assert parser.formatter_class is HelpFormatter, prog
    collect = subprocess.run(
        [str(LICDASH), "export", "--help"], capture_output=True, text=True, timeout=60
    )
    assert "(default: json)" in " ".join(collect.stdout.split())


def test_formatter_adds_a_default_once_and_only_a_real_one() -> None:
    parser = argparse.ArgumentParser(prog="x", formatter_class=HelpFormatter)
    parser.add_argument("--port", type=int, default=9464, help="listen port")
    parser.add_argument("--host", default="::1", help="address (default: loopback)")
    parser.add_argument("--tag", action="append", default=[], help="a tag")
    parser.add_argument("--name", default=None, help="a name")
    parser.add_argument("--once", action="store_true", help="once")
    parser.add_argument("--seed", type=int, default=0, help="seed")
    parser.add_argument("--delay", type=float, default=0.0, help="delay")
    text = " ".join(parser.format_help().split())
    assert "seed (default: 0)" in text and "delay (default: 0.0)" in text
    assert "listen port (default: 9464)" in text
    assert "address (default: loopback)" in text and "(default: ::1)" not in text
    assert "a tag (default" not in text and "a name (default" not in text
    assert "once (default" not in text


def test_normalise_rewrites_only_the_default_clause() -> None:
    parser = argparse.ArgumentParser(prog="x")
    sub = parser.add_subparsers()
    one = sub.add_parser("one")
    one.add_argument("--config", help="cluster list (default: $LICDASH_CONFIG)")
    one.add_argument("--store", help="keep it here (default: a temporary directory)")
    one.add_argument("--n", default=3, help="count (default 3)")
    normalise(parser)
    helps = {a.dest: a.help for a in one._actions}
    assert helps["config"] == f"cluster list (default: {CONFIG_DEFAULT})"
    assert helps["store"] == "keep it here (default: a temporary directory)"
    assert helps["n"] == "count (default: 3)"


@pytest.mark.parametrize("name", ["status", "collect", "export", "config", "completion"])
def test_sub_command_help_is_complete_text(name: str) -> None:
    done = subprocess.run(
        [str(LICDASH), name, "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.startswith(f"usage: licdash {name}")
    assert not re.search(r"\(default: None\)", done.stdout)


def test_every_command_describes_itself_at_the_top_of_its_help() -> None:
    for prog, parser in parsers(full_parser()):
        assert parser.description, prog
