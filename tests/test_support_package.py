"""The one test-support package: what the store, the faces and the benchmarks rely on."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from collectors.model import AuthorizationStatus, RegistrationStatus, Severity
from tests.support.factory import NOW, WEEK_START, good, minutes, snapshot, status

ROOT = Path(__file__).resolve().parent.parent
BENCH_USERS = sorted(
    p.name for p in (ROOT / "bench").glob("*.py") if "tests.support" in p.read_text()
)


def test_equal_content_at_different_times_differs_only_in_when() -> None:
    """The store's change-only history needs this: dates are offsets from NOW."""
    early, late = snapshot(at=NOW), snapshot(at=NOW + minutes(30))
    assert early.collected_at != late.collected_at
    assert early.registration == late.registration
    assert early.authorization == late.authorization
    assert [(d.kind, d.at) for d in early.deadlines] == [(d.kind, d.at) for d in late.deadlines]


def test_severity_comes_from_the_real_rules_unless_set() -> None:
    expired = snapshot(registration=RegistrationStatus.REGISTRATION_EXPIRED)
    assert expired.severity is Severity.CRITICAL
    assert expired.reasons  # the rules say why
    evaluation = snapshot(authorization=AuthorizationStatus.EVALUATION, eval_days=12)
    assert evaluation.severity is Severity.WARNING
    assert any(d.kind.value == "evaluation_end" for d in evaluation.deadlines)
    assert snapshot(severity=Severity.UNKNOWN).severity is Severity.UNKNOWN


def test_status_and_update_agree_with_their_snapshot() -> None:
    snap = snapshot("emea-lon", NOW - minutes(3))
    st = status("emea-lon", snap, error="read_timeout", failures=2)
    assert (st.last_seen, st.consecutive_failures) == (snap.collected_at, 2)
    assert st.last_error is not None and st.last_error.kind == "read_timeout"
    assert status("never").last_good is None
    update = good(snap)
    assert update.result.snapshot == snap and update.status.last_good == snap


def test_the_store_week_starts_on_the_monday_after_now() -> None:
    assert WEEK_START.weekday() == 0 and (WEEK_START.hour, WEEK_START.minute) == (8, 0)
    assert NOW < WEEK_START < NOW + timedelta(days=7)


def test_some_benchmarks_use_the_support_package() -> None:
    assert BENCH_USERS, "bench/ should build its fleets with tests.support"


@pytest.mark.parametrize("script", BENCH_USERS)
def test_benchmarks_import_it_when_run_from_the_project_root(script: str) -> None:
    """``.venv/bin/python bench/<name>.py`` from the root: sys.path[0] is bench/."""
    out = subprocess.run(
        [sys.executable, f"bench/{script}", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "usage:" in out.stdout
