"""The export tells the policy's truth too: an expired evaluation is an overdue deadline."""

from __future__ import annotations

import csv
import io

from collectors.export_render import render
from collectors.model import AuthorizationStatus, RegistrationStatus
from tests.support.factory import snapshot, status


def test_an_expired_evaluation_exports_as_an_overdue_deadline() -> None:
    snap = snapshot(
        "eval-x",
        registration=RegistrationStatus.UNREGISTERED,
        authorization=AuthorizationStatus.EVALUATION_EXPIRED,
        reg_expires_days=None,
        auth_expires_days=None,
    )
    body = render("csv", [(status("eval-x", snap), snap)], bom=False).decode("utf-8")
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["next_deadline_kind"] == "evaluation_end"
    assert float(row["next_deadline_days_left"]) <= 0
    assert row["next_deadline_at"] <= snap.collected_at.strftime("%Y-%m-%dT%H:%M:%SZ")
