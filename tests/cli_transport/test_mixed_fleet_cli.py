"""A fleet with CUCM 12.0 publishers: AXL lacks the operation, the CLI answers."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.config import parse_config
from collectors.errors import UnsupportedVersionError
from collectors.mock.fleet import MockFleet
from collectors.secrets import SecretResolver
from collectors.severity import Thresholds
from collectors.transports.axl import AxlTransport
from collectors.transports.cli import CliTransport


async def test_cucm12_publishers_are_configured_for_the_cli_and_answer_there(
    tmp_path: Path,
) -> None:
    async with MockFleet(clusters=8, scenario_mix="healthy", seed=4, ssh=True,
                         cli_share=0.25) as fleet:  # fmt: skip
        text = fleet.config_toml()
        manifest = fleet.manifest()
        config = parse_config(text, source=tmp_path / "licdash.toml")
        old = [p for p in fleet.publishers if p.axl_version == "12.0"]
        assert len(old) == 2
        by_transport = {c.name: c.transport for c in config.clusters}
        assert sorted(n for n, t in by_transport.items() if t == "cli") == sorted(
            p.name for p in old
        )
        assert all(e["ssh_port"] for e in manifest["publishers"])
        assert tomllib.loads(text)["clusters"][0]["known_hosts"] == str(fleet.known_hosts)
        secrets = SecretResolver()
        axl, cli = AxlTransport(secrets=secrets), CliTransport(secrets=secrets)
        now = datetime.now(UTC)
        try:
            for cluster in config.clusters:
                if cluster.transport != "cli":
                    continue
                with pytest.raises(UnsupportedVersionError):
                    await axl.poll(cluster, now=now, thresholds=Thresholds())
                answer = await cli.poll(cluster, now=now, thresholds=Thresholds())
                assert answer.snapshot.source == "cli"
                assert answer.snapshot.registration.smart_account == (
                    fleet.state(cluster.name).registration.smart_account
                )
        finally:
            await axl.aclose()
            await cli.aclose()


def test_cli_share_needs_ssh() -> None:
    with pytest.raises(ValueError, match="needs ssh"):
        MockFleet(clusters=4, cli_share=0.5)
