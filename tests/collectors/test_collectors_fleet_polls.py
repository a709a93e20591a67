"""The engine against the mock fleet over loopback HTTPS: states, errors, versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from collectors import event_loop
from collectors.engine import PollEngine
from collectors.mock import FAULT_SCENARIOS, LICENCE_SCENARIOS
from collectors.mock.testing import small_fleet
from collectors.model import AuthorizationStatus as A
from collectors.model import RegistrationStatus as R
from collectors.model import Severity as S
from collectors.secrets import SecretResolver
from collectors.transports.axl import AxlTransport

# What each licence scenario is meant to look like to a NOC engineer.
EXPECTED: dict[str, tuple[R, A | None, set[S]]] = {
    "healthy": (R.REGISTERED, A.AUTHORIZED, {S.OK}),
    "evaluation": (R.UNREGISTERED, A.EVALUATION, {S.WARNING}),
    "evaluation_expired": (R.UNREGISTERED, A.EVALUATION_EXPIRED, {S.CRITICAL}),
    "unregistered": (R.UNREGISTERED, None, {S.WARNING}),
    "out_of_compliance": (R.REGISTERED, A.OUT_OF_COMPLIANCE, {S.CRITICAL}),
    "authorization_expired": (R.REGISTERED, A.AUTHORIZATION_EXPIRED, {S.CRITICAL}),
    "registration_expired": (R.REGISTRATION_EXPIRED, None, {S.CRITICAL}),
    "renewal_failing": (R.REGISTERED, None, {S.WARNING}),
    "registration_expiring": (R.REGISTERED, None, {S.WARNING, S.CRITICAL}),
    "slr_reserved": (R.REGISTERED_SLR, None, {S.OK}),
}

FAULT_KINDS = {
    "hang": "read_timeout",
    "flapping": "busy",  # its first answer is a 503
    "auth_failure": "auth",
    "malformed": "malformed",
    "truncated": "malformed",
    "soap_fault": "soap_fault",
    "untrusted_tls": "tls",
    "refused": "refused",
}


async def test_every_licence_scenario_gives_its_state(fleet_cfg: Any) -> None:
    assert set(EXPECTED) == set(LICENCE_SCENARIOS)
    async with small_fleet(list(LICENCE_SCENARIOS)) as fleet:
        config = fleet_cfg(fleet)
        async with PollEngine(config) as engine:
            updates = await engine.poll_once()
    for pub, update in zip(fleet.publishers, updates, strict=True):
        result = update.result
        assert result.error is None, (pub.scenario, result.error)
        snap = result.snapshot
        assert snap is not None
        registration, authorization, severities = EXPECTED[pub.scenario]
        assert snap.cluster == pub.name
        assert snap.registration.status is registration, pub.scenario
        if authorization is not None:
            assert snap.authorization.status is authorization, pub.scenario
        assert snap.severity in severities, (pub.scenario, snap.severity, snap.reasons)
        assert result.axl_version == pub.axl_version
        assert update.status.last_good == snap
        assert update.status.consecutive_failures == 0
        assert update.status.tags == pub.tags


@pytest.mark.parametrize("network", ["asyncio", "anyio"])
async def test_every_fault_gives_its_error_kind(fleet_cfg: Any, network: str) -> None:
    """Both httpcore network backends name every failure the same way."""
    await _every_fault_gives_its_error_kind(fleet_cfg, network)


def test_every_fault_gives_its_error_kind_on_the_headless_loop(fleet_cfg: Any) -> None:
    """On the loop ``collect`` and ``status`` run on (uvloop) every failure is named as
    on asyncio's: its TLS layer and transports raise the same errors."""
    assert event_loop.loop_factory()[0] == "uvloop"
    event_loop.run(_every_fault_gives_its_error_kind(fleet_cfg, "asyncio"))


async def _every_fault_gives_its_error_kind(fleet_cfg: Any, network: str) -> None:
    faults = [f for f in FAULT_SCENARIOS if f != "slow"]
    assert set(faults) == set(FAULT_KINDS)
    async with small_fleet(faults) as fleet:
        config = fleet_cfg(fleet, settings={"timeout": 1.0})
        secrets = SecretResolver()
        axl = AxlTransport(secrets=secrets, timeout=1.0, network=network)  # type: ignore[arg-type]
        async with PollEngine(config, transports={"axl": axl}, secrets=secrets) as engine:
            updates = await engine.poll_once()
        await axl.aclose()
    for pub, update in zip(fleet.publishers, updates, strict=True):
        result = update.result
        assert result.snapshot is None, pub.scenario
        assert result.error is not None
        assert result.error.kind == FAULT_KINDS[pub.scenario], (pub.scenario, result.error)
        assert result.error.cluster == pub.name
        assert result.error.hint
        assert update.status.consecutive_failures == 1
        assert update.status.last_error == result.error
        assert update.status.last_good is None


async def test_slow_publisher_answers_within_the_timeout(fleet_cfg: Any) -> None:
    fleet = small_fleet(["slow"], slow_ms=300)
    async with fleet, PollEngine(fleet_cfg(fleet)) as engine:
        (update,) = await engine.poll_once()
    assert update.result.ok
    assert update.result.duration_s >= 0.3


async def test_flapping_publisher_recovers_on_the_next_poll(fleet_cfg: Any) -> None:
    async with small_fleet(["flapping"]) as fleet:
        pub = fleet.publishers[0]
        # Pinned, so every poll is one request and the 503s alternate with answers.
        config = fleet_cfg(fleet, overrides={pub.name: {"axl_version": pub.axl_version}})
        async with PollEngine(config) as engine:
            (first,) = await engine.poll_once()
            (second,) = await engine.poll_once()
    assert first.result.error is not None and first.result.error.kind == "busy"
    assert second.result.ok
    assert second.status.consecutive_failures == 0
    assert second.status.last_error is None


async def test_auto_version_falls_back_to_12_5_and_remembers(fleet_cfg: Any) -> None:
    async with small_fleet(["healthy"], axl_versions=["12.5"]) as fleet:
        pub = fleet.publishers[0]
        server = fleet.servers[pub.name]
        async with PollEngine(fleet_cfg(fleet)) as engine:
            (first,) = await engine.poll_once()
            tries_first = server.requests
            (second,) = await engine.poll_once()
            tries_second = server.requests - tries_first
    assert first.result.axl_version == "12.5"
    assert first.status.axl_version == "12.5"
    assert tries_first == 3  # 15.0 and 14.0 were refused with a version fault
    assert second.result.axl_version == "12.5"
    assert tries_second == 1  # remembered


async def test_pinned_newer_version_is_an_unsupported_version_error(fleet_cfg: Any) -> None:
    async with small_fleet(["healthy"], axl_versions=["14.0"]) as fleet:
        pub = fleet.publishers[0]
        config = fleet_cfg(fleet, overrides={pub.name: {"axl_version": "15.0"}})
        async with PollEngine(config) as engine:
            (update,) = await engine.poll_once()
    assert update.result.error is not None
    assert update.result.error.kind == "unsupported_version"


async def test_session_cookie_is_reused(fleet_cfg: Any) -> None:
    async with small_fleet(["healthy"], axl_versions=["15.0"]) as fleet:
        server = fleet.servers[fleet.publishers[0].name]
        async with PollEngine(fleet_cfg(fleet)) as engine:
            for _ in range(3):
                (update,) = await engine.poll_once()
                assert update.result.ok
        # Without the cookie every poll would open a new AXL session.
        assert len(server._sessions) == 1
        assert server.requests == 3


async def test_oversize_answer_is_refused(fleet_cfg: Any) -> None:
    async with small_fleet(["healthy"]) as fleet:
        config = fleet_cfg(fleet, settings={"max_body_bytes": 1024})
        async with PollEngine(config) as engine:
            (update,) = await engine.poll_once()
    assert update.result.error is not None
    assert update.result.error.kind == "oversize"


async def test_private_ca_must_be_named_and_verify_false_skips_the_check(fleet_cfg: Any) -> None:
    """``verify = true`` uses the system store, which does not hold the mock's CA."""
    async with small_fleet(["healthy", "healthy"]) as fleet:
        strict, lax = (p.name for p in fleet.publishers)
        config = fleet_cfg(fleet, overrides={strict: {"verify": True}, lax: {"verify": False}})
        async with PollEngine(config) as engine:
            first, second = await engine.poll_once()
    assert first.result.error is not None and first.result.error.kind == "tls"
    assert second.result.ok


async def test_an_unreadable_ca_bundle_fails_its_cluster_not_the_engine(
    fleet_cfg: Any, tmp_path: Path
) -> None:
    """A CA file that is not PEM, or is gone, is that cluster's TLS error (field verify)."""
    garbage = tmp_path / "not-a-ca.pem"
    garbage.write_text("this is not a certificate\n")
    async with small_fleet(["healthy", "healthy"]) as fleet:
        broken = fleet.publishers[0].name
        config = fleet_cfg(fleet, overrides={broken: {"verify": str(garbage)}})
        async with PollEngine(config) as engine:
            first, second = await engine.poll_once()
            garbage.unlink()
            (again,) = await engine.poll_once([broken])
    assert second.result.ok
    for update in (first, again):
        error = update.result.error
        assert error is not None and error.kind == "tls", error
        assert error.cluster == broken and error.field == "verify"
        assert str(garbage) in error.message


async def test_a_cluster_timeout_overrides_the_global_one(fleet_cfg: Any) -> None:
    """A slow publisher gets its own, longer budget; the others keep the short one."""
    async with small_fleet(["slow", "slow"], slow_ms=800, axl_versions=["15.0", "15.0"]) as fleet:
        patient, strict = fleet.publishers
        config = fleet_cfg(
            fleet,
            settings={"timeout": 0.5},
            overrides={
                patient.name: {"timeout": 3, "axl_version": "15.0"},
                strict.name: {"axl_version": "15.0"},
            },
        )
        async with PollEngine(config) as engine:
            updates = {u.result.cluster: u.result for u in await engine.poll_once()}
    assert updates[patient.name].ok
    error = updates[strict.name].error
    assert error is not None and error.kind == "read_timeout"


async def test_a_reloaded_global_timeout_reaches_the_transport(fleet_cfg: Any) -> None:
    """After a reload the new budget bounds the HTTP request too, not just the engine."""
    async with small_fleet(["slow"], slow_ms=800, axl_versions=["15.0"]) as fleet:
        pub = fleet.publishers[0]
        pinned = {pub.name: {"axl_version": "15.0"}}
        short = fleet_cfg(fleet, settings={"timeout": 0.5}, overrides=pinned)
        long = fleet_cfg(fleet, settings={"timeout": 3}, overrides=pinned)
        async with PollEngine(short) as engine:
            (before,) = await engine.poll_once()
            engine.reload(long)
            (after,) = await engine.poll_once()
    assert before.result.error is not None and before.result.error.kind == "read_timeout"
    assert after.result.ok, after.result.error
