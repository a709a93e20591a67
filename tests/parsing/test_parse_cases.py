"""Every case folder parses to its hand-checked expected JSON (or its expected error)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from collectors.errors import ParseError, SoapFaultError
from collectors.model import LicenseSnapshot
from collectors.parsing import parse_any, parse_axl, parse_cli, parse_expressway, parse_unity

CASES_DIR = Path(__file__).resolve().parent / "cases"
META_FILES = frozenset({"args.json", "expected.json", "expected_error.json"})


@dataclass(frozen=True)
class Case:
    """One folder: an input capture, its arguments, and what parsing it must give."""

    name: str
    input: Path
    now: datetime
    timezone: str | None
    cluster: str
    expected: dict[str, Any] | None
    expected_error: dict[str, Any] | None


def load_case(folder: Path) -> Case:
    inputs = [p for p in folder.iterdir() if p.is_file() and p.name not in META_FILES]
    assert len(inputs) == 1, f"{folder.name}: want exactly one input file, found {inputs}"
    args = json.loads((folder / "args.json").read_text())
    expected = folder / "expected.json"
    error = folder / "expected_error.json"
    assert expected.exists() != error.exists(), f"{folder.name}: need expected or expected_error"
    return Case(
        name=folder.name,
        input=inputs[0],
        now=datetime.fromisoformat(args["now"].replace("Z", "+00:00")),
        timezone=args.get("timezone"),
        cluster=args["cluster"],
        expected=json.loads(expected.read_text()) if expected.exists() else None,
        expected_error=json.loads(error.read_text()) if error.exists() else None,
    )


def all_cases() -> list[Case]:
    return [load_case(folder) for folder in sorted(CASES_DIR.iterdir()) if folder.is_dir()]


CASES = all_cases()


def _parse(case: Case) -> LicenseSnapshot:
    return parse_any(
        case.input.read_bytes(), cluster=case.cluster, now=case.now, timezone=case.timezone
    )


@pytest.mark.parametrize("case", [c for c in CASES if c.expected], ids=lambda c: c.name)
def test_case_parses_to_expected_json(case: Case) -> None:
    snapshot = _parse(case)
    assert snapshot.to_json_dict() == case.expected


@pytest.mark.parametrize("case", [c for c in CASES if c.expected], ids=lambda c: c.name)
def test_case_snapshot_is_a_valid_model(case: Case) -> None:
    """The parsers build models without re-validation; the result must still validate."""
    snapshot = _parse(case)
    again = LicenseSnapshot.model_validate_json(snapshot.to_json())
    assert again.to_json_dict() == snapshot.to_json_dict()
    assert LicenseSnapshot.from_json_dict(case.expected or {}) == again


@pytest.mark.parametrize("case", [c for c in CASES if c.expected_error], ids=lambda c: c.name)
def test_case_raises_expected_error(case: Case) -> None:
    want = case.expected_error or {}
    with pytest.raises(ParseError) as caught:
        _parse(case)
    err = caught.value
    assert err.kind == want["kind"]
    assert want["contains"] in str(err)
    assert err.cluster == case.cluster
    if "axl_code" in want:
        assert isinstance(err, SoapFaultError)
        assert err.axl_code == want["axl_code"]


@pytest.mark.parametrize("case", [c for c in CASES if c.expected], ids=lambda c: c.name)
def test_explicit_parser_matches_auto_detection(case: Case) -> None:
    data = case.input.read_bytes()
    kwargs = {"cluster": case.cluster, "now": case.now, "timezone": case.timezone}
    source = case.expected["source"] if case.expected else None
    if source == "axl":
        snapshot = parse_axl(data, **kwargs)  # type: ignore[arg-type]
    elif source == "cupi":
        snapshot = parse_unity(data, **kwargs)  # type: ignore[arg-type]
    elif source == "rest":
        snapshot = parse_expressway(data, **kwargs)  # type: ignore[arg-type]
    else:
        snapshot = parse_cli(data.decode(), **kwargs)  # type: ignore[arg-type]
    assert snapshot.to_json_dict() == case.expected


def test_every_shared_sample_has_a_case(shared_dir: Path) -> None:
    inputs = {case.input.read_bytes() for case in CASES}
    samples = sorted(p for p in (shared_dir / "samples").rglob("*") if p.is_file())
    assert samples, "no shared samples found"
    missing = [str(p) for p in samples if p.read_bytes() not in inputs]
    assert not missing, f"add a case folder under {CASES_DIR} for: {missing}"
