"""``docs/licdash.1`` is the parser's own man page, and stays so."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from collectors import manpage

PAGE = Path(__file__).resolve().parents[2] / "docs" / "licdash.1"


def test_committed_man_page_is_current(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # the page must not depend on the terminal
    fresh = manpage.render()
    assert fresh == PAGE.read_text(encoding="utf-8"), (
        "docs/licdash.1 is out of date: .venv/bin/python -m collectors.manpage > docs/licdash.1"
    )


def test_man_page_documents_every_command_and_option() -> None:
    text = PAGE.read_text(encoding="utf-8").replace("\\-", "-")
    parser = manpage.router_parser()
    from collectors.cli_help import parsers

    for prog, each in parsers(parser):
        if prog != "licdash":
            assert f"'{prog}'" in text, prog
        for action in each._actions:
            for option in action.option_strings:
                assert option in text, f"{prog} {option}"


def test_man_renders_it() -> None:
    man = shutil.which("man")
    if man is None:
        if os.environ.get("CI"):
            pytest.fail("man is missing in CI")
        pytest.skip("man not installed; the page was only compared as text")
    done = subprocess.run(
        [man, "-l", str(PAGE)],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ | {"MANWIDTH": "80", "MAN_KEEP_FORMATTING": "0"},
    )
    assert done.returncode == 0, done.stderr
    text = re.sub(r".\x08", "", done.stdout)  # overstrike bold and underline, if any
    assert "licdash status" in text and "--format" in text
