"""The Prometheus page, scraped and parsed back, says what the statuses say."""

from __future__ import annotations

import asyncio
import re
import subprocess
import threading
import urllib.request
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

from prometheus_client.parser import text_string_to_metric_families

from collectors.cluster_state import CycleStats
from collectors.metrics import (
    ERROR_KINDS,
    error_kind_label,
    fleet_registry,
    in_loop,
    render,
)
from collectors.metrics_server import MetricsServer
from collectors.model import AuthorizationStatus, RegistrationStatus, Severity
from collectors.policy import FreshnessPolicy
from collectors.products import PRODUCT_KEYS
from collectors.results import ClusterStatus

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d|\d\d:\d\d|\d{9,}")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(
    statuses: Mapping[str, ClusterStatus],
    now: datetime,
    *,
    threshold: timedelta | None = None,
    cycle: CycleStats | None = None,
) -> Samples:
    frozen = MappingProxyType(dict(statuses))
    registry = fleet_registry(
        lambda: frozen,
        policy=(lambda: FreshnessPolicy.uniform(threshold)) if threshold else None,
        cycle=lambda: cycle,
        clock=lambda: now,
    )
    samples: Samples = {}
    for family in text_string_to_metric_families(render(registry)):
        for s in family.samples:
            key = (s.name, frozenset(s.labels.items()))
            assert key not in samples, f"duplicate series {key}"
            samples[key] = s.value
    return samples


def get(samples: Samples, metric: str, /, **labels: str) -> float:
    return samples[(metric, frozenset(labels.items()))]


def series(
    samples: Samples, metric: str, /, **labels: str
) -> dict[frozenset[tuple[str, str]], float]:
    want = set(labels.items())
    return {lbl: v for (n, lbl), v in samples.items() if n == metric and want <= set(lbl)}


def test_healthy_cluster_figures(status_factory, now) -> None:
    st = status_factory("lon", Severity.OK, age=timedelta(minutes=2), expiry_days=200)
    samples = scrape({"lon": st}, now)

    assert get(samples, "licdash_up", cluster="lon") == 1
    assert get(samples, "licdash_poll_duration_seconds", cluster="lon") == 0.25
    assert get(samples, "licdash_seconds_since_last_success", cluster="lon") == 120
    assert get(samples, "licdash_consecutive_failures", cluster="lon") == 0
    assert get(samples, "licdash_stale", cluster="lon") == 0
    assert get(samples, "licdash_severity", cluster="lon") == 0
    assert series(samples, "licdash_poll_error") == {}
    # The deadline counts from scrape time, not from the poll 2 minutes earlier.
    reg = get(samples, "licdash_deadline_seconds", cluster="lon", kind="registration_expiry")
    assert reg == 200 * 86400 - 120
    # Only hard deadlines: the authorization renewal is not exported.
    kinds = {dict(k)["kind"] for k in series(samples, "licdash_deadline_seconds")}
    assert kinds == {"registration_expiry", "authorization_expiry"}
    assert (
        get(
            samples,
            "licdash_entitlement_in_use",
            cluster="lon",
            tag=st.last_good.entitlements[0].tag,
            name="CUWL",
            status="in_compliance",
        )
        == 120
    )
    info = series(samples, "licdash_cluster_info", cluster="lon")
    assert [dict(k) for k in info] == [
        {
            "cluster": "lon",
            "product": "cucm",
            "transport": "axl",
            "axl_version": "14.0",
            "tag_region": "emea",
        }
    ]


def test_state_sets_have_exactly_one_current_value(status_factory, now) -> None:
    samples = scrape({"lon": status_factory("lon", Severity.CRITICAL)}, now)
    reg = series(samples, "licdash_registration_state", cluster="lon")
    auth = series(samples, "licdash_authorization_state", cluster="lon")
    sev = series(samples, "licdash_severity_state", cluster="lon")
    assert len(reg) == len(RegistrationStatus) and sum(reg.values()) == 1
    assert len(auth) == len(AuthorizationStatus) and sum(auth.values()) == 1
    assert len(sev) == len(Severity) and sum(sev.values()) == 1
    assert get(samples, "licdash_registration_state", cluster="lon", state="registered") == 1
    assert get(samples, "licdash_authorization_state", cluster="lon", state="authorized") == 1
    assert get(samples, "licdash_severity_state", cluster="lon", severity="critical") == 1
    assert get(samples, "licdash_severity", cluster="lon") == Severity.CRITICAL.rank


def test_failing_and_never_polled_clusters(status_factory, now) -> None:
    failing = status_factory(
        "par", Severity.WARNING, age=timedelta(hours=2), failures=4, error_kind="read_timeout"
    )
    never = status_factory("nyc", None, failures=1, error_kind="something_new")
    samples = scrape({"par": failing, "nyc": never}, now, threshold=timedelta(minutes=15))

    assert get(samples, "licdash_up", cluster="par") == 0
    assert get(samples, "licdash_consecutive_failures", cluster="par") == 4
    assert get(samples, "licdash_poll_error", cluster="par", kind="read_timeout") == 1
    assert get(samples, "licdash_stale", cluster="par") == 1
    assert get(samples, "licdash_seconds_since_last_success", cluster="par") == 7200
    # Its last known licensing state is still exported while it is unreachable.
    assert get(samples, "licdash_severity_state", cluster="par", severity="warning") == 1

    assert get(samples, "licdash_up", cluster="nyc") == 0
    assert get(samples, "licdash_severity", cluster="nyc") == Severity.UNKNOWN.rank
    # An unheard-of error kind is folded into "other": the label set stays bounded.
    assert get(samples, "licdash_poll_error", cluster="nyc", kind="other") == 1
    assert series(samples, "licdash_seconds_since_last_success", cluster="nyc") == {}
    assert series(samples, "licdash_registration_state", cluster="nyc") == {}
    assert get(samples, "licdash_stale", cluster="nyc") == 0

    assert get(samples, "licdash_clusters") == 2
    assert get(samples, "licdash_stale_clusters") == 1
    assert get(samples, "licdash_clusters_by_severity", severity="unknown") == 1
    assert get(samples, "licdash_clusters_by_severity", severity="warning") == 1
    assert get(samples, "licdash_clusters_by_severity", severity="ok") == 0


def test_stale_flag_from_the_store_is_honoured(status_factory, now) -> None:
    st = status_factory("lon", Severity.OK, age=timedelta(minutes=1), stale=True)
    assert get(scrape({"lon": st}, now), "licdash_stale", cluster="lon") == 1


def test_cycle_and_build_metrics(now) -> None:
    cycle = CycleStats(started_at=now, finished_at=now, duration_s=1.5, polled=10, failed=2)
    samples = scrape({}, now, cycle=cycle)
    assert get(samples, "licdash_cycle_duration_seconds") == 1.5
    assert get(samples, "licdash_last_cycle_timestamp_seconds") == now.timestamp()
    assert get(samples, "licdash_last_cycle_polls") == 10
    assert get(samples, "licdash_last_cycle_failures") == 2
    assert get(samples, "licdash_clusters") == 0
    assert len(series(samples, "licdash_build_info")) == 1


def test_labels_carry_no_free_text(status_factory, now) -> None:
    statuses = {
        f"c{i}": status_factory(
            f"c{i}",
            sev,
            failures=1 if i % 2 else 0,
            error_kind="auth" if i % 2 else None,
            tags={"region": "emea", "customer-id": "acme"},
        )
        for i, sev in enumerate([*Severity, None])
    }
    samples = scrape(statuses, now)
    allowed_label_names = {
        "cluster", "state", "severity", "kind", "tag", "name", "status",
        "transport", "axl_version", "version", "tag_region", "tag_customer_id",
        "band", "type",  # licdash_deadlines: fixed enums
        "product",  # cucm, unity or expressway
    }  # fmt: skip
    for (_name, labels), _value in samples.items():
        for key, value in labels:
            assert key in allowed_label_names
            assert "talking to" not in value  # the error message never becomes a label
            assert not TIMESTAMP.search(value), f"{key}={value} looks like a timestamp"
        kinds = {v for k, v in labels if k == "kind"}
        assert kinds <= ERROR_KINDS | {"other", "registration_expiry", "authorization_expiry"}
        assert {v for k, v in labels if k == "product"} <= set(PRODUCT_KEYS)


def test_error_kind_labels_are_the_error_tree() -> None:
    assert {"auth", "read_timeout", "tls", "internal", "cli_timeout"} <= ERROR_KINDS
    assert error_kind_label("read_timeout") == "read_timeout"
    assert error_kind_label("Traceback: boom at 12:00") == "other"


def test_provider_is_called_at_each_scrape(status_factory, now) -> None:
    """The collector keeps nothing: each scrape reflects the provider's latest value."""
    current: list[Mapping[str, ClusterStatus]] = [{}]
    registry = fleet_registry(lambda: current[0], clock=lambda: now)
    assert "licdash_up{" not in render(registry)
    current[0] = MappingProxyType({"lon": status_factory("lon")})
    assert 'licdash_up{cluster="lon"} 1.0' in render(registry)


def test_page_passes_promtool_lint_when_available(status_factory, now, promtool: str) -> None:
    """``promtool check metrics`` flags naming mistakes (a gauge named ``*_count``...)."""
    statuses = {
        "lon": status_factory("lon", Severity.WARNING),
        "nyc": status_factory("nyc", None, failures=2, error_kind="tls"),
    }
    cycle = CycleStats(started_at=now, finished_at=now, duration_s=1.0, polled=2, failed=1)
    page = render(fleet_registry(lambda: statuses, cycle=lambda: cycle, clock=lambda: now))
    out = subprocess.run(
        [promtool, "check", "metrics"], input=page, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_metrics_server_serves_a_scrapeable_page(status_factory, now) -> None:
    statuses = MappingProxyType({"lon": status_factory("lon", Severity.WARNING)})
    server = MetricsServer(fleet_registry(lambda: statuses), host="127.0.0.1", port=0)
    try:
        host, port = server.address
        assert host == "127.0.0.1" and port > 0
        with urllib.request.urlopen(server.url, timeout=10) as response:
            page = response.read().decode()
    finally:
        server.close()
    families = {f.name: f for f in text_string_to_metric_families(page)}
    assert families["licdash_severity"].samples[0].value == Severity.WARNING.rank


def test_in_loop_reads_statuses_in_the_engine_thread() -> None:
    """A scrape thread never touches the engine's state itself: the read runs in its loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        seen: list[int] = []

        def statuses() -> Mapping[str, ClusterStatus]:
            seen.append(threading.get_ident())
            return MappingProxyType({})

        assert in_loop(loop, statuses)() == {}
        assert seen == [thread.ident]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def test_cluster_info_carries_each_cluster_product(now) -> None:
    from tests.support.factory import snapshot, status

    statuses = {
        "cuc": status("cuc", snapshot("cuc", product="unity", source="cupi"), transport="cupi"),
        "exp/peer1": status(
            "exp/peer1",
            snapshot("exp/peer1", product="expressway", entitlements=[]),
            transport="rest",
        ),
        "never": status("never", None, product="expressway", failures=1, error="auth"),
        "pub": status("pub", snapshot("pub")),
    }
    samples = scrape(statuses, now)
    products = {
        dict(labels)["cluster"]: dict(labels)["product"]
        for labels in series(samples, "licdash_cluster_info")
    }
    assert products == {"cuc": "unity", "exp/peer1": "expressway", "never": "expressway",
                        "pub": "cucm"}  # fmt: skip
    assert get(samples, "licdash_up", cluster="exp/peer1") == 1
    # No per-licence counts for Expressway: no entitlement series, never a made-up 0.
    assert not series(samples, "licdash_entitlement_in_use", cluster="exp/peer1")


def test_metrics_behind_tls_and_a_token_refuse_a_scrape_without_it(
    status_factory, tmp_path
) -> None:
    """What the listener rule demands beyond loopback, served for real: HTTPS with the
    certificate given, 401 without the bearer token, the page with it."""
    import ssl

    import httpx
    import trustme

    from collectors.listener import check_listener

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    pem = tmp_path / "metrics.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(pem))
    token = tmp_path / "metrics.token"
    token.write_text("metrics-token-0123456789\n")
    token.chmod(0o600)
    security = check_listener("127.0.0.1", tls_cert=pem, tls_key=pem, token_file=token)
    statuses = MappingProxyType({"lon": status_factory("lon", Severity.CRITICAL)})
    server = MetricsServer(
        fleet_registry(lambda: statuses), host="127.0.0.1", port=0, security=security
    )
    try:
        assert server.url.startswith("https://")
        trust = ssl.create_default_context()
        ca.configure_trust(trust)
        with httpx.Client(verify=trust, timeout=10) as client:
            refused = client.get(server.url)
            wrong = client.get(server.url, headers={"Authorization": "Bearer nope"})
            page = client.get(
                server.url, headers={"Authorization": "Bearer metrics-token-0123456789"}
            )
    finally:
        server.close()
    assert refused.status_code == wrong.status_code == 401
    assert "metrics-token" not in refused.text
    assert page.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(page.text)}
    assert families["licdash_severity"].samples[0].value == Severity.CRITICAL.rank
