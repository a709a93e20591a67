"""The SSH side of a mock fleet: scenarios carried over to the shell, host keys vouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.errors import CliTimeoutError, LicdashError, RefusedError, SshAuthError
from collectors.mock.testing import small_fleet
from collectors.mock.vos import SshEndpoints
from collectors.transports.cli import CliSession, SshTarget


@pytest.mark.parametrize(
    ("scenario", "error"),
    [
        ("healthy", None),
        ("renewal_failing", None),
        ("auth_failure", SshAuthError),
        ("refused", RefusedError),
        ("slow", CliTimeoutError),
    ],
)
async def test_fleet_scenarios_over_ssh(
    scenario: str, error: type[LicdashError] | None, tmp_path: Path
) -> None:
    side = SshEndpoints(slow_s=30.0)
    async with small_fleet([scenario], seed=5) as fleet:
        info = fleet.publishers[0]
        try:
            (port,) = await side.start(list(fleet.servers.values()), tmp_path)
            assert side.known_hosts is not None
            target = SshTarget(
                cluster=info.name,
                host=info.host,
                port=port,
                username=info.username,
                password=info.password,
                known_hosts=side.known_hosts,
            )
            session = CliSession(target)
            if error is None:
                text = await session.run(timeout=5)
                await session.close()
                assert "Smart Licensing is ENABLED" in text
                assert fleet.state(info.name).registration.smart_account in text
            else:
                with pytest.raises(error) as caught:
                    await session.run(timeout=0.8)
                assert caught.value.cluster == info.name
                assert info.password not in str(caught.value)
        finally:
            await side.close()
