"""A fleet started with ``ssh=True`` also serves each publisher's VOS shell."""

from __future__ import annotations

import tomllib
from pathlib import Path

from collectors.config import load_config
from collectors.mock.testing import small_fleet
from collectors.transports.cli import CliSession, SshTarget


async def test_ssh_fleet_answers_the_same_state_over_the_cli_and_configures_it() -> None:
    async with small_fleet(["healthy", "refused"], seed=2, ssh=True) as fleet:
        healthy, refused = fleet.publishers
        assert fleet.known_hosts is not None
        assert healthy.ssh_port is not None and refused.ssh_port is not None
        assert healthy.ssh_port != healthy.port
        session = CliSession(
            SshTarget(
                cluster=healthy.name,
                host=healthy.host,
                port=healthy.ssh_port,
                username=healthy.username,
                password=healthy.password,
                known_hosts=fleet.known_hosts,
            )
        )
        try:
            text = await session.run(timeout=5)
        finally:
            await session.close()
        assert fleet.state(healthy.name).registration.smart_account in text
        config_text = fleet.config_toml()
        data = tomllib.loads(config_text)
        assert [c["ssh_port"] for c in data["clusters"]] == [healthy.ssh_port, refused.ssh_port]
        path = Path(healthy.ca_bundle).parent / "ssh.toml"
        path.write_text(config_text)
        config = load_config(path)
    assert config.clusters[0].known_hosts == str(fleet.known_hosts)
