"""Metrics and ``status --poll`` against a real mock fleet polled by the real engine."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from collectors.commands import status_cmd
from collectors.config import load_config
from collectors.engine import PollEngine
from collectors.metrics import fleet_registry, render
from collectors.mock.testing import small_fleet
from collectors.model import AuthorizationStatus, RegistrationStatus, Severity

SCENARIOS = ["healthy", "out_of_compliance", "evaluation", "auth_failure"]


async def test_scrape_of_a_polled_mock_fleet_matches_the_statuses(tmp_path: Path) -> None:
    frozen_now = datetime.now(UTC).replace(microsecond=0)
    async with small_fleet(SCENARIOS) as fleet:
        config_file = tmp_path / "licdash.toml"
        config_file.write_text(fleet.config_toml(), encoding="utf-8")
        config = load_config(config_file)
        async with PollEngine(config) as engine:
            await engine.poll_once()
            statuses = engine.statuses()
            page = render(fleet_registry(engine.statuses, clock=lambda: frozen_now))

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for family in text_string_to_metric_families(page):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value

    def get(metric: str, /, **labels: str) -> float:
        return samples[(metric, frozenset(labels.items()))]

    by_scenario = {p.scenario: p.name for p in fleet.publishers}
    assert get("licdash_clusters") == len(SCENARIOS)
    for scenario, name in by_scenario.items():
        status = statuses[name]
        snap = status.last_good
        assert get("licdash_up", cluster=name) == (0 if scenario == "auth_failure" else 1)
        assert get("licdash_poll_duration_seconds", cluster=name) == pytest.approx(
            status.last_duration_s
        )
        assert get("licdash_severity_state", cluster=name, severity=status.severity.value) == 1
        if snap is None:
            assert scenario == "auth_failure"
            assert get("licdash_poll_error", cluster=name, kind="auth") == 1
            assert get("licdash_consecutive_failures", cluster=name) == 1
            continue
        assert (
            get("licdash_registration_state", cluster=name, state=snap.registration.status.value)
            == 1
        )
        assert (
            get("licdash_authorization_state", cluster=name, state=snap.authorization.status.value)
            == 1
        )
        for ent in snap.entitlements:
            labels = {"cluster": name, "tag": ent.tag, "name": ent.name}
            assert get("licdash_entitlement_in_use", **labels, status=ent.status.value) == (
                ent.count
            )
        for deadline in snap.hard_deadlines:
            value = get("licdash_deadline_seconds", cluster=name, kind=deadline.kind.value)
            assert value == (deadline.at - frozen_now).total_seconds()
        age = get("licdash_seconds_since_last_success", cluster=name)
        assert age == max(0.0, (frozen_now - status.last_seen).total_seconds())

    # What each scenario means, seen through the metrics page.
    ooc = by_scenario["out_of_compliance"]
    state = AuthorizationStatus.OUT_OF_COMPLIANCE.value
    assert get("licdash_authorization_state", cluster=ooc, state=state) == 1
    assert get("licdash_severity", cluster=ooc) == Severity.CRITICAL.rank
    healthy = by_scenario["healthy"]
    state = RegistrationStatus.REGISTERED.value
    assert get("licdash_registration_state", cluster=healthy, state=state) == 1
    assert get("licdash_severity", cluster=healthy) == Severity.OK.rank
    evaluation = by_scenario["evaluation"]
    assert (
        "licdash_deadline_seconds",
        frozenset({("cluster", evaluation), ("kind", "evaluation_end")}),
    ) in samples


def test_status_poll_against_a_mock_fleet(tmp_path: Path, capsys) -> None:
    from collectors.mock import ThreadedFleet

    with ThreadedFleet(scenarios=["healthy", "evaluation"]) as fleet:
        config_file = tmp_path / "licdash.toml"
        config_file.write_text(fleet.config_toml(), encoding="utf-8")
        parser = argparse.ArgumentParser()
        status_cmd.add_arguments(parser)
        args = parser.parse_args(["--poll", "--config", str(config_file), "--format", "json"])
        code = status_cmd.run(args)
    doc = json.loads(capsys.readouterr().out)
    assert code == 1  # evaluation mode is a warning
    assert [c["severity"] for c in doc["clusters"]] == ["warning", "ok"]
    assert all(c["schema"] == "licdash.snapshot/1" and not c["stale"] for c in doc["clusters"])
