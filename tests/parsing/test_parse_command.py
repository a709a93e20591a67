"""``licdash parse`` as a real subprocess: JSON on success, one stderr line and exit 2 otherwise."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parent / "cases"
USING_POLICY = (
    "unsupported_format: Smart Licensing Using Policy output: "
    "no registration or authorization status; not supported"
)
ROOT = Path(__file__).resolve().parents[2]


def licdash_parse(*args: str | Path) -> subprocess.CompletedProcess[str]:
    # The sub-command module runs standalone, so this test does not depend on every other
    # command registered in the router being importable.
    return subprocess.run(
        [sys.executable, "-m", "collectors.commands.parse_cmd", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_parse_prints_the_snapshot_json() -> None:
    case = CASES / "shared-axl-14.0-registered"
    args = json.loads((case / "args.json").read_text())
    result = licdash_parse(
        case / "getSmartLicenseStatus-14.0-registered.xml",
        "--now", args["now"], "--timezone", args["timezone"], "--cluster", args["cluster"],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout) == json.loads((case / "expected.json").read_text())


def test_parse_defaults_cluster_to_stem_and_now_to_the_clock(tmp_path: Path) -> None:
    source = CASES / "cli-status-no-licenses-in-use" / "show-license-status.txt"
    target = tmp_path / "emea-lon-cucm1.txt"
    target.write_bytes(source.read_bytes())
    before = datetime.now(UTC).replace(microsecond=0)
    result = licdash_parse(target)
    after = datetime.now(UTC)
    assert result.returncode == 0, result.stderr
    snapshot = json.loads(result.stdout)
    assert snapshot["cluster"] == "emea-lon-cucm1"
    assert snapshot["source"] == "cli"
    collected = datetime.fromisoformat(snapshot["collected_at"].replace("Z", "+00:00"))
    assert before <= collected <= after


@pytest.mark.parametrize(
    ("case", "file", "cause"),
    [
        ("axl-fault-axlcode", "response.xml", "soap_fault: SOAP fault (AXL code 5007)"),
        ("axl-fault-dispatch-method", "response.xml", "unsupported_version"),
        ("shared-cli-udi-12.0", "show-license-udi-12.0.txt", "no Smart Licensing status found"),
        ("axl-truncated", "response.xml", "malformed: unreadable XML"),
        *(
            (f"cli-using-policy-{command}", f"show-license-{command}.txt", USING_POLICY)
            for command in ("all", "status", "summary")
        ),
    ],
)
def test_parse_failures_give_one_line_and_exit_2(case: str, file: str, cause: str) -> None:
    path = CASES / case / file
    result = licdash_parse(path, "--now", "2025-01-01T00:00:00Z")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and cause in lines[0]


@pytest.mark.parametrize(
    ("args", "cause"),
    [
        (["does-not-exist.txt"], "cannot read file"),
        ([str(CASES), "--now", "2025-01-01T00:00:00Z"], "cannot read file"),
        (["x.txt", "--timezone", "Mars/Olympus"], "unknown time zone"),
    ],
)
def test_parse_unreadable_inputs(args: list[str], cause: str) -> None:
    result = licdash_parse(*args)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and args[0] in lines[0] and cause in lines[0]


def test_the_licdash_router_reaches_parse() -> None:
    case = CASES / "cli-all-slr"
    ok = subprocess.run(
        [sys.executable, "-m", "collectors.cli", "parse", str(case / "show-license-all.txt"),
         "--now", "2024-01-01T00:00:00Z", "--cluster", "airgap"],
        capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == json.loads((case / "expected.json").read_text())
    bad = subprocess.run(
        [sys.executable, "-m", "collectors.cli", "parse",
         str(CASES / "axl-truncated" / "response.xml")],
        capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1
