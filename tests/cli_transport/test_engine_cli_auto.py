"""The poll engine with CLI and ``auto`` clusters, against a mixed mock fleet."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from collectors.config import ClusterConfig, LicdashConfig, parse_config
from collectors.engine import AUTO_REPROBE_S, PollEngine
from collectors.errors import CliError
from collectors.mock.fleet import MockFleet
from collectors.secrets import SecretResolver
from collectors.transports.axl import AxlTransport
from collectors.transports.base import Answer
from collectors.transports.cli import CliTransport


@pytest.fixture
async def fleet() -> AsyncIterator[MockFleet]:
    async with MockFleet(clusters=6, scenario_mix="healthy", seed=9, ssh=True,
                         cli_share=0.34, slow_ms=5000) as running:  # fmt: skip
        yield running


def config_of(fleet: MockFleet, tmp_path: Path, *, transport: str | None = None,
              timeout: int = 10) -> LicdashConfig:  # fmt: skip
    text = fleet.config_toml(settings={"timeout": timeout})
    if transport is not None:
        text = re.sub(r'^transport = "\w+"$', f'transport = "{transport}"', text, flags=re.M)
    return parse_config(text, source=tmp_path / "licdash.toml")


async def test_a_mixed_fleet_polls_each_cluster_over_its_own_transport(
    fleet: MockFleet, tmp_path: Path
) -> None:
    config = config_of(fleet, tmp_path)
    async with PollEngine(config) as engine:
        updates = await engine.poll_once()
        again = await engine.poll_once()
    cli_names = {p.name for p in fleet.publishers if p.axl_version == "12.0"}
    assert len(cli_names) == 2
    for update in updates + again:
        result = update.result
        assert result.ok, result.error
        expected = "cli" if result.cluster in cli_names else "axl"
        assert result.transport == expected
        assert result.snapshot is not None and result.snapshot.source == expected
        assert update.status.transport == expected


async def test_auto_falls_back_to_the_cli_when_axl_lacks_the_operation(
    fleet: MockFleet, tmp_path: Path
) -> None:
    config = config_of(fleet, tmp_path, transport="auto")
    async with PollEngine(config) as engine:
        updates = await engine.poll_once()
    got = {u.result.cluster: u.result.transport for u in updates}
    assert all(u.result.ok for u in updates)
    assert got == {p.name: ("cli" if p.axl_version == "12.0" else "axl") for p in fleet.publishers}


def _axl_answering(status: int) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, text="no"))


@pytest.mark.parametrize(
    ("status", "kind", "transport"), [(404, None, "cli"), (401, "auth", "axl")]
)
async def test_auto_falls_back_on_404_but_not_on_other_axl_failures(
    fleet: MockFleet, tmp_path: Path, status: int, kind: str | None, transport: str
) -> None:
    config = config_of(fleet, tmp_path, transport="auto")
    secrets = SecretResolver()
    transports = {
        "axl": AxlTransport(secrets=secrets, http_transport=_axl_answering(status)),
        "cli": CliTransport(secrets=secrets),
    }
    name = config.clusters[0].name
    try:
        async with PollEngine(config, transports=transports, secrets=secrets) as engine:
            (update,) = await engine.poll_once([name])
    finally:
        for t in transports.values():
            await t.aclose()
    assert update.result.transport == transport
    if kind is None:
        assert update.result.ok
    else:
        assert update.result.error is not None and update.result.error.kind == kind


async def test_the_engine_reuses_one_ssh_session_per_cluster(
    fleet: MockFleet, tmp_path: Path
) -> None:
    config = config_of(fleet, tmp_path, transport="cli")
    secrets = SecretResolver()
    cli = CliTransport(secrets=secrets)
    try:
        async with PollEngine(config, transports={"cli": cli}, secrets=secrets) as engine:
            for _ in range(3):
                assert all(u.result.ok for u in await engine.poll_once())
        sessions = [cli.session(c.name) for c in config.clusters]
        assert [s.logins if s else None for s in sessions] == [1] * len(config.clusters)
    finally:
        await cli.aclose()


async def test_a_login_slower_than_the_poll_timeout_is_a_cli_timeout(tmp_path: Path) -> None:
    async with MockFleet(scenarios=["slow"], seed=1, ssh=True, slow_ms=5000) as slow:
        config = config_of(slow, tmp_path, transport="cli", timeout=1)
        async with PollEngine(config) as engine:
            (update,) = await engine.poll_once()
    assert update.result.error is not None
    assert update.result.error.kind == "cli_timeout"
    assert update.result.transport == "cli"


async def test_a_failed_fallback_is_reported_as_the_cli_failure(tmp_path: Path) -> None:
    async with MockFleet(scenarios=["auth_failure"], seed=2, ssh=True) as refusing:
        config = config_of(refusing, tmp_path, transport="auto")
        secrets = SecretResolver()
        transports = {
            "axl": AxlTransport(secrets=secrets, http_transport=_axl_answering(404)),
            "cli": CliTransport(secrets=secrets),
        }
        try:
            async with PollEngine(config, transports=transports, secrets=secrets) as engine:
                (update,) = await engine.poll_once()
        finally:
            for t in transports.values():
                await t.aclose()
    assert update.result.transport == "cli"
    assert update.result.error is not None and update.result.error.kind == "ssh_auth"
    assert refusing.publishers[0].password not in update.result.error.message


class _Clock:
    """A settable monotonic clock for the engine's scheduling."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _axl_requests(fleet: MockFleet) -> dict[str, int]:
    return {name: server.requests for name, server in fleet.servers.items()}


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in after}


async def test_auto_remembers_that_a_cluster_needs_the_cli(
    fleet: MockFleet, tmp_path: Path
) -> None:
    """A 12.0 publisher costs three AXL faults once, then none until a day has passed."""
    config = config_of(fleet, tmp_path, transport="auto")
    old = {p.name for p in fleet.publishers if p.axl_version == "12.0"}
    clock = _Clock()
    async with PollEngine(config, monotonic=clock) as engine:
        start = _axl_requests(fleet)
        first = await engine.poll_once()
        after_first = _axl_requests(fleet)
        second = await engine.poll_once()
        after_second = _axl_requests(fleet)
        clock.now += AUTO_REPROBE_S
        third = await engine.poll_once()
        after_third = _axl_requests(fleet)
    assert all(u.result.ok for u in first + second + third)
    for updates in (first, second, third):
        assert {u.result.cluster for u in updates if u.result.transport == "cli"} == old
    expected_probe = {name: 3 if name in old else 1 for name in after_first}
    assert _delta(start, after_first) == expected_probe  # 15.0, 14.0, 12.5 all refused
    assert _delta(after_first, after_second) == {
        name: 0 if name in old else 1 for name in after_first
    }
    assert _delta(after_second, after_third) == expected_probe  # the daily re-probe


async def test_auto_asks_axl_again_after_a_reload(fleet: MockFleet, tmp_path: Path) -> None:
    config = config_of(fleet, tmp_path, transport="auto")
    old = {p.name for p in fleet.publishers if p.axl_version == "12.0"}
    async with PollEngine(config) as engine:
        await engine.poll_once(sorted(old))
        engine.reload(config)  # e.g. after the publisher was upgraded
        before = _axl_requests(fleet)
        updates = await engine.poll_once(sorted(old))
    assert all(u.result.ok and u.result.transport == "cli" for u in updates)
    assert {n: d for n, d in _delta(before, _axl_requests(fleet)).items() if n in old} == {
        name: 3 for name in old
    }


class _FailingOnce:
    """The real CLI transport, but its next poll fails when ``fail_next`` is set."""

    name = "cli"

    def __init__(self, inner: CliTransport) -> None:
        self.inner = inner
        self.fail_next = False

    async def poll(
        self,
        cluster: ClusterConfig,
        *,
        now: datetime,
        thresholds: Any,
        budget_s: float | None = None,
    ) -> Answer:
        if self.fail_next:
            self.fail_next = False
            raise CliError("the SSH session dropped", cluster=cluster.name)
        return await self.inner.poll(cluster, now=now, thresholds=thresholds)

    def forget(self, cluster: str) -> None:
        self.inner.forget(cluster)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_failing_cli_sends_auto_back_to_axl(fleet: MockFleet, tmp_path: Path) -> None:
    """Memory is a shortcut, not a verdict: when the CLI fails, AXL is tried again."""
    config = config_of(fleet, tmp_path, transport="auto")
    (name,) = [p.name for p in fleet.publishers if p.axl_version == "12.0"][:1]
    secrets = SecretResolver()
    cli = _FailingOnce(CliTransport(secrets=secrets))
    axl = AxlTransport(secrets=secrets)
    transports: dict[str, Any] = {"axl": axl, "cli": cli}
    try:
        async with PollEngine(config, transports=transports, secrets=secrets) as engine:
            await engine.poll_once([name])
            cli.fail_next = True
            before = fleet.servers[name].requests
            (failed,) = await engine.poll_once([name])
            assert fleet.servers[name].requests == before  # still remembered
            (again,) = await engine.poll_once([name])
    finally:
        await axl.aclose()
        await cli.aclose()
    assert failed.result.error is not None and failed.result.error.kind == "cli"
    assert failed.result.transport == "cli"
    assert again.result.ok and again.result.transport == "cli"
    assert fleet.servers[name].requests == before + 3  # AXL asked again, still absent
