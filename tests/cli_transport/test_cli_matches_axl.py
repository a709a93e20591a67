"""Every licence scenario read over SSH equals the same publisher read over AXL.

The mock renders both interfaces from one living state; a frozen simulated clock makes
the two reads see the same instant. Fields compared are everything in the snapshot
except the documented list below.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collectors import vocab
from collectors.config import LicdashConfig, parse_config
from collectors.mock.cli_render import command_renderer
from collectors.mock.clock import SimClock
from collectors.mock.fleet import MockFleet
from collectors.mock.scenarios import LICENCE_SCENARIOS
from collectors.mock.testing import small_fleet
from collectors.mock.vos import VosEndpoint, generate_host_key
from collectors.secrets import SecretResolver
from collectors.severity import Thresholds
from collectors.transports.axl import AxlTransport
from collectors.transports.cli import CliTransport

ONLY_ONE_INTERFACE: dict[str, str] = {
    "source": "says which interface answered: axl or cli",
    "registration.raw": "the raw word as each interface spells it (Registered / REGISTERED)",
    "authorization.raw": "the raw word as each interface spells it (Authorized / AUTHORIZED)",
    "registration.initial_registration": "CLI only: the Initial Registration line",
    "authorization.since": "CLI only: the date in AUTHORIZED on <date>",
}
"""Fields excluded from the comparison, and why."""
CLI_ONLY = ("registration.initial_registration", "authorization.since")


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """``{"registration.status": ..., "entitlements[0].count": ...}``."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else key))
        return out
    if isinstance(data, list):
        out = {f"{prefix}.len": len(data)}
        for i, value in enumerate(data):
            out.update(flatten(value, f"{prefix}[{i}]"))
        return out
    return {prefix: data}


@pytest.fixture
async def mixed_fleet(tmp_path: Path) -> AsyncIterator[tuple[MockFleet, LicdashConfig]]:
    """Every licence scenario, each with an HTTPS and an SSH endpoint, on frozen time."""
    clock = SimClock(1.0, elapsed=lambda: 0.0)
    host_key = generate_host_key()
    endpoints: list[VosEndpoint] = []
    async with small_fleet(list(LICENCE_SCENARIOS), seed=11, clock=clock) as fleet:
        lines = fleet.config_toml().splitlines()
        out: list[str] = []
        for line in lines:
            out.append(line)
            if line.startswith("publisher = "):
                info = fleet.publishers[len(endpoints)]
                endpoint = VosEndpoint(
                    host_key=host_key,
                    render=command_renderer(fleet.servers[info.name]),
                    username=info.username,
                    password=info.password,
                )
                await endpoint.start()
                endpoints.append(endpoint)
                out.append(f"ssh_port = {endpoint.port}")
        config = parse_config("\n".join(out), source=tmp_path / "licdash.toml")
        try:
            yield fleet, config
        finally:
            for endpoint in endpoints:
                await endpoint.close()


async def test_every_licence_scenario_reads_the_same_over_ssh_and_axl(
    mixed_fleet: tuple[MockFleet, LicdashConfig], tmp_path: Path
) -> None:
    fleet, config = mixed_fleet
    secrets = SecretResolver()
    axl = AxlTransport(secrets=secrets)
    cli = CliTransport(
        secrets=secrets, accept_new_host_keys=True, known_hosts=tmp_path / "known_hosts"
    )
    now = datetime.now(UTC)
    thresholds = Thresholds()
    mismatches: dict[str, dict[str, tuple[Any, Any]]] = {}
    seen: set[tuple[str, str]] = set()
    try:
        for info, cluster in zip(fleet.publishers, config.clusters, strict=True):
            by_axl = await axl.poll(cluster, now=now, thresholds=thresholds)
            by_cli = await cli.poll(cluster, now=now, thresholds=thresholds)
            a, c = by_axl.snapshot, by_cli.snapshot
            assert (a.source, c.source, by_cli.transport) == ("axl", "cli", "cli")
            fa, fc = flatten(a.to_json_dict()), flatten(c.to_json_dict())
            diff = {
                k: (fa.get(k), fc.get(k))
                for k in fa.keys() | fc.keys()
                if k not in ONLY_ONE_INTERFACE and fa.get(k) != fc.get(k)
            }
            if diff:
                mismatches[info.scenario] = diff
            # The excluded fields are excluded for the stated reason, not hiding a bug.
            for field in CLI_ONLY:
                assert fa[field] is None, (info.scenario, field)
            assert vocab.registration_status(c.registration.raw) is a.registration.status
            assert vocab.authorization_status(c.authorization.raw) is a.authorization.status
            seen.add((a.registration.status.value, a.authorization.status.value))
    finally:
        await axl.aclose()
        await cli.aclose()
    assert mismatches == {}
    # The comparison covered genuinely different states, not ten copies of one.
    assert len(seen) >= 7
