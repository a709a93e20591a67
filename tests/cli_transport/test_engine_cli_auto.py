"""The poll engine with CLI and ``auto`` clusters, against a mixed mock fleet."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from collectors.config import LicdashConfig, parse_config
from collectors.engine import PollEngine
from collectors.mock.fleet import MockFleet
from collectors.secrets import SecretResolver
from collectors.transports.axl import AxlTransport
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
