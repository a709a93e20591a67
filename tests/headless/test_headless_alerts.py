"""docs/prometheus-alerts.yml: valid, complete, and firing on what the exporter really emits.

The structural checks always run. When ``promtool`` is installed (Debian package
``prometheus``), the rules also go through ``promtool check rules`` and a
``promtool test rules`` unit test whose input series are a real scrape of
:class:`collectors.metrics.FleetCollector` over a fleet with one cluster per alert, and
an acknowledged twin of each (``<name>-acked``) that must raise nothing: every
per-cluster rule skips a cluster that licdash counts as acknowledged.
"""

from __future__ import annotations

import math
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from prometheus_client.parser import text_string_to_metric_families

from collectors.acks import Ack, AckBook, problem_of
from collectors.cluster_state import CycleStats
from collectors.metrics import fleet_registry, render
from collectors.model import (
    AuthorizationStatus,
    Entitlement,
    EntitlementStatus,
    RegistrationStatus,
    Severity,
)
from tests.support.factory import NOW

RULES = Path(__file__).resolve().parents[2] / "docs" / "prometheus-alerts.yml"
PROMQL_WORDS = {"and", "or", "unless", "on", "ignoring", "by", "without", "bool"}
PROMQL_WORDS |= {"group_left", "group_right", "offset"}
# `up` is the series Prometheus itself writes for every scrape target.
PROMETHEUS_OWN = {"up"}
EXPECTED_ALERTS = {
    "LicdashRegistrationExpiringSoon",
    "LicdashRegistrationExpiring",
    "LicdashAuthorizationExpiringSoon",
    "LicdashAuthorizationExpiring",
    "LicdashEvaluationEndingSoon",
    "LicdashEvaluationEnding",
    "LicdashOutOfCompliance",
    "LicdashEntitlementOutOfCompliance",
    "LicdashLicensingExpired",
    "LicdashClusterStale",
    "LicdashPollFailing",
    "LicdashCollectorDown",
    "LicdashCollectorAbsent",
    "LicdashCollectorStuck",
}


def load_rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"]]


def metric_names_in(expr: str) -> set[str]:
    """Metric names an expression selects (not functions, keywords or label names)."""
    text = re.sub(r'"[^"]*"', "", expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\b(?:on|ignoring|by|without|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set()
    text = re.sub(r"\[[^\]]*\]", "", text)  # range selectors such as [5m]
    for match in re.finditer(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*+(?!\s*\()", text):
        if match.group(0) not in PROMQL_WORDS:
            names.add(match.group(0))
    return names


def fleet(status_factory, now: datetime) -> dict[str, Any]:
    """One cluster per alert condition, plus a healthy one that must raise nothing."""
    ooc = (
        Entitlement(
            tag="regid.2016-07.com.cisco.UCM_Basic,12.0_ef827a2f",
            name="Basic",
            count=5,
            status=EntitlementStatus.OUT_OF_COMPLIANCE,
            raw_status="OutOfCompliance",
        ),
    )
    specs: dict[str, dict[str, Any]] = {
        "healthy": {},
        "reg-30": {"expiry_days": 20},
        "reg-7": {"expiry_days": 3, "severity": Severity.CRITICAL},
        "auth-30": {"auth_days": 25},
        "auth-7": {"auth_days": 2, "severity": Severity.CRITICAL},
        "eval-30": {"eval_days": 12, "authorization": AuthorizationStatus.EVALUATION},
        "eval-7": {"eval_days": 5, "authorization": AuthorizationStatus.EVALUATION},
        "ooc": {"authorization": AuthorizationStatus.OUT_OF_COMPLIANCE, "entitlements": ooc},
        "reg-expired": {"registration": RegistrationStatus.REGISTRATION_EXPIRED},
        "stale": {"stale": True},
        "failing": {"failures": 4, "error_kind": "read_timeout"},
    }
    statuses = {}
    for name, spec in specs.items():
        spec.setdefault("severity", Severity.WARNING if name != "healthy" else Severity.OK)
        statuses[name] = status_factory(name, now=now, **spec)
        if name != "healthy":
            twin = f"{name}-acked"
            statuses[twin] = status_factory(twin, now=now, **spec)
    return statuses


def acknowledgements(statuses: dict[str, Any], now: datetime) -> AckBook:
    """An acknowledgement of each ``*-acked`` cluster, covering what it has now."""
    return AckBook.of(
        Ack(
            id=f"a{index}",
            cluster=name,
            by="noc-a",
            at=now - timedelta(hours=1),
            reason="known, case with Cisco",
            severity=status.severity,
            problems=tuple(sorted(problem_of(status).keys)),
        )
        for index, (name, status) in enumerate(statuses.items())
        if name.endswith("-acked")
    )


def scrape_samples(status_factory, now: datetime) -> list[tuple[str, dict[str, str], float]]:
    statuses = fleet(status_factory, now)
    book = acknowledgements(statuses, now)
    # The last cycle finished at Unix time 0: in promtool's clock that is two hours
    # before the evaluation time, so the stuck-collector alert must fire.
    epoch = datetime.fromtimestamp(0, UTC)
    cycle = CycleStats(started_at=epoch, finished_at=epoch, duration_s=2, polled=11, failed=1)
    registry = fleet_registry(
        lambda: statuses, cycle=lambda: cycle, clock=lambda: now, acks=lambda: book
    )
    return [
        (s.name, dict(s.labels), s.value)
        for family in text_string_to_metric_families(render(registry))
        for s in family.samples
    ]


def go_humanize_duration(value: float) -> str:
    """Prometheus's ``humanizeDuration`` template function, for |value| >= 1 s."""
    assert abs(value) >= 1
    sign, value = ("-", -value) if value < 0 else ("", value)
    total = int(value)
    days, hours = total // 86400, total // 3600 % 24
    minutes, seconds = total // 60 % 60, total % 60
    if days:
        return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
    if hours:
        return f"{sign}{hours}h {minutes}m {seconds}s"
    if minutes:
        return f"{sign}{minutes}m {seconds}s"
    return f"{sign}{value:.4g}s"


def render_template(template: str, labels: dict[str, str], value: float) -> str:
    def sub(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        if inner.startswith("$labels."):
            return labels.get(inner.removeprefix("$labels."), "")
        if inner == "$value | humanizeDuration":
            return go_humanize_duration(value)
        if inner == "$value":
            return str(int(value)) if value == int(value) else repr(value)
        raise AssertionError(f"the test cannot render {{{{ {inner} }}}}")

    return re.sub(r"\{\{(.*?)\}\}", sub, template)


# ----- structural checks (always) ---------------------------------------------------


def test_rules_file_holds_every_expected_alert() -> None:
    rules = load_rules()
    names = [r["alert"] for r in rules]
    assert len(names) == len(set(names))
    assert set(names) == EXPECTED_ALERTS
    for rule in rules:
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]


def test_alerts_use_only_exported_metric_names(status_factory, now) -> None:
    exported = {name for name, _labels, _value in scrape_samples(status_factory, now)}
    for rule in load_rules():
        used = metric_names_in(rule["expr"])
        assert used, rule["alert"]
        assert used <= exported | PROMETHEUS_OWN, (rule["alert"], used - exported)


def test_every_per_cluster_alert_skips_acknowledged_clusters() -> None:
    for rule in load_rules():
        per_cluster = "cluster" in rule["annotations"]["summary"]
        skips = "unless on (cluster) licdash_acknowledged == 1" in rule["expr"]
        assert skips == per_cluster, rule["alert"]


def test_the_scrape_marks_exactly_the_acknowledged_twins(status_factory, now) -> None:
    acked = {
        labels["cluster"]: value
        for name, labels, value in scrape_samples(status_factory, now)
        if name == "licdash_acknowledged"
    }
    assert {c for c, v in acked.items() if v == 1} == {c for c in acked if c.endswith("-acked")}
    assert len(acked) == 21  # every cluster has the series, 0 or 1


def test_metric_name_extraction() -> None:
    expr = 'a_b{kind="x"} < 7 * 86400 and on (cluster) max by (c) (rate(c_total[5m])) > 0'
    assert metric_names_in(expr) == {"a_b", "c_total"}


# ----- promtool (when installed) ----------------------------------------------------


def test_promtool_check_rules_when_available(promtool: str) -> None:
    out = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"SUCCESS: {len(EXPECTED_ALERTS)} rules found" in out.stdout


def test_promtool_alerts_fire_on_a_real_scrape(
    status_factory, tmp_path: Path, promtool: str
) -> None:
    """Feed a scrape of the exporter to promtool and expect exactly the intended alerts."""
    now = NOW
    samples = scrape_samples(status_factory, now)
    samples.append(("up", {"job": "licdash", "instance": "collector-emea:9464"}, 0.0))

    def series_name(name: str, labels: dict[str, str]) -> str:
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        return f"{name}{{{inner}}}"

    input_series = [
        {"series": series_name(n, lbl), "values": f"{v!r}+0x150"}
        for n, lbl, v in samples
        if math.isfinite(v)
    ]
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for rule in load_rules():
        by_rule[rule["alert"]] = []
    expected_firing = {
        "LicdashRegistrationExpiringSoon": ("licdash_deadline_seconds", "reg-30"),
        "LicdashRegistrationExpiring": ("licdash_deadline_seconds", "reg-7"),
        "LicdashAuthorizationExpiringSoon": ("licdash_deadline_seconds", "auth-30"),
        "LicdashAuthorizationExpiring": ("licdash_deadline_seconds", "auth-7"),
        "LicdashEvaluationEndingSoon": ("licdash_deadline_seconds", "eval-30"),
        "LicdashEvaluationEnding": ("licdash_deadline_seconds", "eval-7"),
        "LicdashOutOfCompliance": ("licdash_authorization_state", "ooc"),
        "LicdashEntitlementOutOfCompliance": ("licdash_entitlement_in_use", "ooc"),
        "LicdashLicensingExpired": ("licdash_registration_state", "reg-expired"),
        "LicdashClusterStale": ("licdash_stale", "stale"),
        "LicdashPollFailing": ("licdash_poll_error", "failing"),
        "LicdashCollectorDown": ("up", None),
        "LicdashCollectorStuck": ("licdash_last_cycle_timestamp_seconds", None),
    }
    kind_of = {
        "LicdashRegistrationExpiringSoon": "registration_expiry",
        "LicdashRegistrationExpiring": "registration_expiry",
        "LicdashAuthorizationExpiringSoon": "authorization_expiry",
        "LicdashAuthorizationExpiring": "authorization_expiry",
        "LicdashEvaluationEndingSoon": "evaluation_end",
        "LicdashEvaluationEnding": "evaluation_end",
        "LicdashPollFailing": "read_timeout",
    }
    state_of = {
        "LicdashOutOfCompliance": "out_of_compliance",
        "LicdashLicensingExpired": "registration_expired",
    }
    rules = {r["alert"]: r for r in load_rules()}
    eval_at = timedelta(hours=2)
    for alert, (metric, cluster) in expected_firing.items():
        rule = rules[alert]
        matches = [
            (lbl, v)
            for n, lbl, v in samples
            if n == metric
            and (cluster is None or lbl.get("cluster") == cluster)
            and lbl.get("kind", kind_of.get(alert)) == kind_of.get(alert)
            and lbl.get("state", state_of.get(alert)) == state_of.get(alert)
        ]
        assert len(matches) == 1, (alert, matches)
        labels, value = matches[0]
        if alert == "LicdashCollectorStuck":
            value = eval_at.total_seconds() - value  # time() - timestamp
        exp_labels = {**labels, **rule["labels"]}
        by_rule[alert].append(
            {
                "exp_labels": exp_labels,
                "exp_annotations": {
                    k: render_template(t, exp_labels, value) for k, t in rule["annotations"].items()
                },
            }
        )
    test_doc = {
        "rule_files": [str(RULES)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": input_series,
                "alert_rule_test": [
                    {"eval_time": "2h", "alertname": name, "exp_alerts": exp}
                    for name, exp in by_rule.items()
                ],
            }
        ],
    }
    test_file = tmp_path / "licdash-alerts.test.yml"
    test_file.write_text(yaml.safe_dump(test_doc, sort_keys=False), encoding="utf-8")
    out = subprocess.run(
        [promtool, "test", "rules", str(test_file)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    assert "SUCCESS" in out.stdout
