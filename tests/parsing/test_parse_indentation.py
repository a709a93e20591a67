"""Indentation never changes what a CLI capture says.

A capture pasted from a document, an e-mail or a ticket tool arrives with every line
indented, or with its section headers indented differently from their fields. Each CLI
input of the case folders (the shared samples among them) is re-indented several ways
and must parse to exactly the snapshot (or the error) of the text as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from collectors.errors import ParseError
from collectors.parsing import parse_cli

CASES = Path(__file__).resolve().parent / "cases"
META = frozenset({"args.json", "expected.json", "expected_error.json"})


def _cli_inputs() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for folder in sorted(CASES.iterdir()):
        if not folder.name.startswith(("cli-", "shared-cli-")):
            continue
        (source,) = [p for p in folder.iterdir() if p.name not in META]
        args = json.loads((folder / "args.json").read_text())
        found.append((folder.name, source.read_text(encoding="utf-8", errors="replace"), args))
    return found


def _lines(text: str) -> list[tuple[int, str]]:
    """``(indent, stripped text)`` per line (blank lines as ``(-1, "")``), tabs expanded."""
    out = []
    for line in text.replace("\r\n", "\n").split("\n"):
        expanded = line.expandtabs()
        stripped = expanded.strip()
        out.append((len(expanded) - len(expanded.lstrip()), stripped) if stripped else (-1, ""))
    return out


def uniform(pad: str) -> Callable[[str], str]:
    def indent(text: str) -> str:
        return "\n".join(pad + line if line.strip() else line for line in text.split("\n"))

    return indent


def headers_apart(header: int, field: int) -> Callable[[str], str]:
    """The least-indented lines (the headers) at ``header`` cells; every other line at
    ``field`` cells plus its own depth below the headers."""

    def indent(text: str) -> str:
        lines = _lines(text)
        base = min((n for n, s in lines if s), default=0)
        first = min((n for n, s in lines if s and n > base), default=base + 1)
        out = []
        for n, stripped in lines:
            if not stripped:
                out.append("")
            elif n == base:
                out.append(" " * header + stripped)
            else:
                out.append(" " * (field + n - first) + stripped)
        return "\n".join(out)

    return indent


TRANSFORMS = {
    "2-spaces": uniform("  "),
    "4-spaces": uniform("    "),
    "8-spaces": uniform(" " * 8),
    "tab": uniform("\t"),
    "two-tabs": uniform("\t\t"),
    "headers-deeper-than-fields": headers_apart(6, 2),
    "fields-far-below-headers": headers_apart(1, 10),
}
INPUTS = _cli_inputs()


def _result(text: str, args: dict[str, Any]) -> dict[str, Any] | tuple[str, str]:
    now = datetime.fromisoformat(args["now"].replace("Z", "+00:00"))
    try:
        snapshot = parse_cli(text, cluster=args["cluster"], now=now, timezone=args["timezone"])
    except ParseError as err:
        return (err.kind, err.message)
    return snapshot.to_json_dict()


@pytest.mark.parametrize("transform", list(TRANSFORMS), ids=str)
@pytest.mark.parametrize(("name", "text", "args"), INPUTS, ids=[i[0] for i in INPUTS])
def test_reindented_capture_parses_as_the_original(
    name: str, text: str, args: dict[str, Any], transform: str
) -> None:
    assert _result(TRANSFORMS[transform](text), args) == _result(text, args)


def test_an_indented_other_section_never_overwrites_the_authorization() -> None:
    """The bug this guards: with every line indented, ``Utility:`` was not seen as a new
    section and its ``Status: DISABLED`` became the authorization status."""
    text = uniform("    ")(
        "Registration:\n  Status: UNREGISTERED\n\nLicense Authorization:\n"
        "  Status: EVAL MODE\n\nUtility:\n  Status: DISABLED\n\n"
        "License Conversion:\n  Status: Not started\n\nTransport:\n  Status: DISABLED\n"
    )
    result = _result(text, {"now": "2024-01-01T00:00:00Z", "cluster": "c", "timezone": None})
    assert isinstance(result, dict)
    assert result["authorization"]["raw"] == "EVAL MODE"
    assert result["authorization"]["status"] == "evaluation"


def test_the_transforms_really_move_the_headers() -> None:
    """The cases above would pass vacuously if a transform left the text as it was."""
    text = "Registration:\n  Status: REGISTERED\n"
    moved = TRANSFORMS["headers-deeper-than-fields"](text).split("\n")
    assert moved[:2] == ["      Registration:", "  Status: REGISTERED"]
    assert TRANSFORMS["fields-far-below-headers"](text).split("\n")[1].startswith(" " * 10 + "S")
