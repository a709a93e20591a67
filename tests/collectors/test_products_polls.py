"""Unity Connection and Expressway polled through the engine, against the mock over
loopback (and ``httpx.MockTransport`` for what no mock scenario produces).

The mock renders every product from the same living licence state: with the same seed,
scenario and frozen clock, a Unity publisher or an Expressway node must read exactly
as the CUCM publisher does, field by field, where its interface carries the field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from collectors.config import ClusterConfig, LicdashConfig, parse_config
from collectors.engine import PollEngine
from collectors.mock.clock import SimClock
from collectors.mock.fleet import MockFleet
from collectors.mock.scenarios import LICENCE_SCENARIOS
from collectors.mock.testing import small_fleet
from collectors.model import LicenseSnapshot
from collectors.results import PollResult
from collectors.secret_scrub import register
from collectors.secrets import SecretResolver
from collectors.severity import Thresholds
from collectors.transports.expressway import PATHS, ExpresswayTransport
from collectors.transports.http_pool import HttpPool
from collectors.transports.unity import UnityTransport

SHARED = (
    "registration.status",
    "registration.smart_account",
    "registration.virtual_account",
    "registration.export_controlled",
    "registration.next_renewal_attempt",
    "registration.expires",
    "authorization.status",
    "authorization.next_communication_attempt",
    "authorization.last_communication_attempt",
    "severity",
)
"""What every product's interface says. Not compared: the raw words (each product spells
them its own way), the entitlements (each product has its own licences), the attempts'
results and failure reasons (Expressway gives none), Unity's derived authorization
expiry when the last communication failed (unknown, and said so)."""


def value(snap: LicenseSnapshot, path: str) -> Any:
    data: Any = snap.to_json_dict()
    for part in path.split("."):
        data = data[part]
    return data


async def poll(fleet: MockFleet) -> dict[str, PollResult]:
    config = parse_config(fleet.config_toml())
    async with PollEngine(config, clock=lambda: datetime(2030, 1, 1, tzinfo=UTC)) as engine:
        return {u.result.cluster: u.result for u in await engine.poll_once()}


def by_scenario(fleet: MockFleet, results: dict[str, PollResult]) -> dict[str, PollResult]:
    return {p.scenario: results[p.name] for p in fleet.publishers}


@pytest.mark.parametrize(("product", "version"), [("unity", "15.0"), ("expressway", "X14.2")])
async def test_every_licence_scenario_reads_as_the_cucm_publisher_does(
    product: str, version: str
) -> None:
    scenarios = list(LICENCE_SCENARIOS)
    clock = SimClock(1.0, start=datetime(2026, 3, 1, 12, tzinfo=UTC), elapsed=lambda: 0.0)
    async with small_fleet(scenarios, seed=21, clock=clock) as cucm_fleet:
        cucm = by_scenario(cucm_fleet, await poll(cucm_fleet))
    async with small_fleet(
        scenarios,
        seed=21,
        clock=clock,
        product_list=[product] * len(scenarios),
        versions=[version] * len(scenarios),
    ) as other_fleet:
        other = by_scenario(other_fleet, await poll(other_fleet))
    for scenario in scenarios:
        a, b = cucm[scenario].snapshot, other[scenario].snapshot
        assert a is not None and b is not None, (scenario, other[scenario].error)
        assert (a.product, b.product) == ("cucm", product)
        assert b.source == ("cupi" if product == "unity" else "rest")
        for path in SHARED:
            mine, theirs = value(b, path), value(a, path)
            if (
                product == "unity"
                and path == "authorization.expires"
                and b.authorization.last_communication_result == "failed"
            ):
                assert mine is None
                continue
            if "account" in path and "/peer" in b.cluster and not b.cluster.endswith("/peer1"):
                continue  # the peers of an Expressway cluster share its first peer's accounts
            assert mine == theirs, (scenario, path)
        if product == "unity":
            assert value(b, "authorization.expires") == value(a, "authorization.expires") or (
                b.authorization.last_communication_result == "failed"
            )
            assert [e.count for e in b.entitlements] and all(
                e.name and not e.name.startswith("regid") for e in b.entitlements
            )
        else:
            assert b.entitlements == ()


async def test_expressway_severity_follows_its_own_words_without_entitlements() -> None:
    """CUCM's out-of-compliance publisher is critical through its authorization word and
    an entitlement; the Expressway node has only the word, which is enough."""
    async with small_fleet(
        ["out_of_compliance", "evaluation"],
        product_list=["expressway"] * 2,
        versions=["X15.3"] * 2,
    ) as fleet:
        results = by_scenario(fleet, await poll(fleet))
    ooc, evaluation = results["out_of_compliance"].snapshot, results["evaluation"].snapshot
    assert ooc is not None and ooc.severity.value == "critical"
    assert "Out of compliance" in ooc.reasons
    assert evaluation is not None and evaluation.severity.value == "warning"


async def test_peers_are_rows_and_unity_12_0_is_unsupported() -> None:
    async with small_fleet(
        ["healthy", "healthy", "healthy", "healthy"],
        product_list=["expressway", "expressway", "unity", "unity"],
        versions=["X12.7", "X15.3", "12.0", "14.0"],
        seed=5,
    ) as fleet:
        config = parse_config(fleet.config_toml())
        async with PollEngine(config) as engine:
            results = {u.result.cluster: u for u in await engine.poll_once()}
            rest = engine._transports["rest"]
    names = [p.name for p in fleet.publishers]
    assert sorted(results) == sorted(names)
    old_exp, new_exp, old_cuc, new_cuc = (results[n] for n in names)
    assert old_exp.result.ok and new_exp.result.ok and new_cuc.result.ok
    assert isinstance(rest, ExpresswayTransport)
    assert rest.known_path(fleet.publishers[0].name) == PATHS[1]  # fell back to /api/...
    assert rest.known_path(fleet.publishers[1].name) == PATHS[0]
    error = old_cuc.result.error
    assert error is not None and error.kind == "unsupported"
    assert "12.0" in error.message and "12.5(1)" in error.message
    assert old_cuc.status.product == "unity" and old_exp.status.product == "expressway"
    assert {u.result.transport for u in results.values()} == {"cupi", "rest"}


@pytest.mark.parametrize("product", ["unity", "expressway"])
async def test_fault_scenarios_become_the_same_error_kinds_as_for_cucm(product: str) -> None:
    scenarios = ["auth_failure", "malformed", "truncated", "soap_fault", "hang", "untrusted_tls"]
    version = "14.0" if product == "unity" else "X15.3"
    async with small_fleet(
        scenarios, product_list=[product] * 6, versions=[version] * 6, slow_ms=0
    ) as fleet:
        text = fleet.config_toml(settings={"timeout": 2})
        results = by_scenario(fleet, await poll_config(parse_config(text)))
    kinds = {s: r.error.kind for s, r in results.items() if r.error is not None}
    assert kinds == {
        "auth_failure": "auth",
        "malformed": "malformed",
        "truncated": "malformed",
        "soap_fault": "server_error",
        "hang": "read_timeout",
        "untrusted_tls": "tls",
    }
    auth = results["auth_failure"].error
    assert auth is not None and auth.hint is not None and "AXL" not in auth.hint
    assert ("Unity Connection" if product == "unity" else "Expressway") in auth.hint


async def poll_config(config: LicdashConfig) -> dict[str, PollResult]:
    async with PollEngine(config) as engine:
        return {u.result.cluster: u.result for u in await engine.poll_once()}


# ----- what no mock scenario produces ------------------------------------------------

UNITY = ClusterConfig.model_validate(
    {"name": "cuc", "product": "unity", "publisher": "cuc.example.net", "username": "admin",
     "password": "s3cret-Unity!"}
)  # fmt: skip
EXPRESSWAY = ClusterConfig.model_validate(
    {"name": "exp", "product": "expressway", "publisher": "exp.example.net:8443",
     "username": "admin", "password": "s3cret-Exp!"}
)  # fmt: skip
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def pool_answering(handler: Any) -> HttpPool:
    return HttpPool(secrets=SecretResolver(), http_transport=httpx.MockTransport(handler))


async def test_requests_ask_for_json_with_basic_auth_and_no_encoding() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404)

    pool = pool_answering(handler)
    for transport, cluster in (
        (UnityTransport(pool=pool), UNITY),
        (ExpresswayTransport(pool=pool), EXPRESSWAY),
    ):
        with pytest.raises(Exception, match="no Smart Licensing"):
            await transport.poll(cluster, now=NOW, thresholds=Thresholds())
    urls = [str(r.url) for r in seen]
    assert urls == [
        "https://cuc.example.net/vmrest/smartlicense/licensedetails",  # 443: the default
        "https://exp.example.net:8443/api/v1/status/common/smartlicensing/licensing",
        "https://exp.example.net:8443/api/status/common/smartlicensing/licensing",
    ]
    for request in seen:
        assert request.method == "GET"
        assert request.headers["accept"] == "application/json"
        assert request.headers["accept-encoding"] == "identity"
        assert request.headers["authorization"].startswith("Basic ")


async def test_a_password_echoed_back_never_reaches_the_snapshot_or_raw() -> None:
    register("cuc", "s3cret-Unity!", "admin")

    def handler(request: httpx.Request) -> httpx.Response:
        body = (
            '{"SmartLicensing": "Enabled", "Register": {"Status": "Registered", '
            '"SmartAccount": "s3cret-Unity!"}, "Authorization": {"Status": "Authorized"}}'
        )
        return httpx.Response(200, content=body.encode())

    answer = await UnityTransport(pool=pool_answering(handler)).poll(
        UNITY, now=NOW, thresholds=Thresholds()
    )
    assert "s3cret-Unity!" not in answer.raw
    assert "s3cret-Unity!" not in answer.snapshot.to_json()


@pytest.mark.parametrize(
    ("status", "kind"), [(401, "auth"), (403, "auth"), (503, "busy"), (502, "server_error"),
                         (302, "http_error")]
)  # fmt: skip
async def test_statuses_name_their_error_kinds(status: int, kind: str) -> None:
    pool = pool_answering(lambda request: httpx.Response(status))
    with pytest.raises(Exception) as caught:
        await ExpresswayTransport(pool=pool).poll(EXPRESSWAY, now=NOW, thresholds=Thresholds())
    assert getattr(caught.value, "kind", None) == kind
    assert getattr(caught.value, "cluster", None) == "exp"


async def test_an_oversize_answer_is_refused() -> None:
    pool = HttpPool(
        secrets=SecretResolver(),
        max_body_bytes=2048,
        http_transport=httpx.MockTransport(lambda r: httpx.Response(200, content=b"{" * 5000)),
    )
    with pytest.raises(Exception) as caught:
        await UnityTransport(pool=pool).poll(UNITY, now=NOW, thresholds=Thresholds())
    assert getattr(caught.value, "kind", None) == "oversize"
