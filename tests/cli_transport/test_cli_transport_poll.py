"""CliTransport as the engine sees it: ClusterConfig in, Answer out, one session each."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors.config import ClusterConfig, parse_config
from collectors.errors import CliTimeoutError, HostKeyError, SshAuthError
from collectors.model import RegistrationStatus
from collectors.secrets import SecretResolver
from collectors.severity import Thresholds
from collectors.sshlib import asyncssh
from collectors.transports.cli import CliTransport

NOW = datetime(2018, 2, 1, tzinfo=UTC)
PASSWORD = "s3cret-vos-pw"


def cluster_config(tmp_path: Path, port: int, extra: str = "") -> ClusterConfig:
    text = f"""
[[clusters]]
name = "lab-cucm12"
publisher = "127.0.0.1:8443"
transport = "cli"
username = "axl-user"
ssh_username = "ccmadmin"
password_env = "LICDASH_TEST_VOS_PW"
ssh_port = {port}
known_hosts = "known_hosts"
timezone = "Asia/Kolkata"
{extra}
"""
    return parse_config(text, source=tmp_path / "licdash.toml").clusters[0]


@pytest.fixture(autouse=True)
def vos_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LICDASH_TEST_VOS_PW", PASSWORD)


async def test_polls_reuse_one_session_and_answer_as_cli(
    make_vos, record_key, tmp_path: Path
) -> None:
    vos = await make_vos()
    record_key(tmp_path / "known_hosts", vos)
    cluster = cluster_config(tmp_path, vos.port)
    transport = CliTransport(secrets=SecretResolver())
    try:
        first = await transport.poll(cluster, now=NOW, thresholds=Thresholds())
        second = await transport.poll(cluster, now=NOW, thresholds=Thresholds())
    finally:
        await transport.aclose()
    assert first.transport == "cli" and first.axl_version is None
    assert first.snapshot.source == "cli"
    assert first.snapshot.cluster == "lab-cucm12"
    assert first.snapshot.publisher == "127.0.0.1:8443"
    assert first.snapshot.registration.status is RegistrationStatus.REGISTERED
    assert "Smart Licensing is ENABLED" in first.raw
    assert second.snapshot == first.snapshot
    assert vos.logins == 1


async def test_forget_closes_the_session_and_the_next_poll_logs_in_again(
    make_vos, record_key, tmp_path: Path
) -> None:
    vos = await make_vos()
    record_key(tmp_path / "known_hosts", vos)
    cluster = cluster_config(tmp_path, vos.port)
    transport = CliTransport(secrets=SecretResolver())
    try:
        await transport.poll(cluster, now=NOW, thresholds=Thresholds())
        old = transport.session(cluster.name)
        transport.forget(cluster.name)
        await transport.poll(cluster, now=NOW, thresholds=Thresholds())
        for _ in range(50):
            if old is None or not old.open:
                break
            await asyncio.sleep(0.01)
        assert old is not None and not old.open
        assert transport.session(cluster.name) is not old
    finally:
        await transport.aclose()
    assert vos.logins == 2


async def test_a_new_password_opens_a_new_session(
    make_vos, record_key, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vos = await make_vos(password="rotated-pw-2")
    record_key(tmp_path / "known_hosts", vos)
    cluster = cluster_config(tmp_path, vos.port)
    secrets = SecretResolver()
    transport = CliTransport(secrets=secrets)
    try:
        with pytest.raises(SshAuthError) as info:
            await transport.poll(cluster, now=NOW, thresholds=Thresholds())
        assert info.value.cluster == "lab-cucm12"
        assert PASSWORD not in str(info.value)
        monkeypatch.setenv("LICDASH_TEST_VOS_PW", "rotated-pw-2")
        secrets.forget(cluster.name)
        answer = await transport.poll(cluster, now=NOW, thresholds=Thresholds())
    finally:
        await transport.aclose()
    assert answer.snapshot.registration.status is RegistrationStatus.REGISTERED


async def test_key_only_cluster_logs_in_with_its_key(make_vos, record_key, tmp_path: Path) -> None:
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key.write_private_key(str(tmp_path / "id_vos"))
    vos = await make_vos(password=None, authorized_keys=[client_key])
    record_key(tmp_path / "known_hosts", vos)
    text = f"""
[[clusters]]
name = "keyed"
publisher = "127.0.0.1"
transport = "cli"
username = "ccmadmin"
ssh_key = "id_vos"
ssh_port = {vos.port}
known_hosts = "known_hosts"
"""
    cluster = parse_config(text, source=tmp_path / "licdash.toml").clusters[0]
    transport = CliTransport(secrets=SecretResolver())
    try:
        answer = await transport.poll(cluster, now=NOW, thresholds=Thresholds())
    finally:
        await transport.aclose()
    assert answer.snapshot.cluster == "keyed"


async def test_accept_new_host_keys_records_unknown_hosts(make_vos, tmp_path: Path) -> None:
    vos = await make_vos()
    cluster = cluster_config(tmp_path, vos.port)
    transport = CliTransport(secrets=SecretResolver(), accept_new_host_keys=True)
    try:
        await transport.poll(cluster, now=NOW, thresholds=Thresholds())
    finally:
        await transport.aclose()
    assert f"[127.0.0.1]:{vos.port} ssh-ed25519 " in (tmp_path / "known_hosts").read_text()


async def test_trust_on_first_use_from_the_cluster_config(make_vos, tmp_path: Path) -> None:
    vos = await make_vos()
    strict = cluster_config(tmp_path, vos.port)
    trusting = cluster_config(tmp_path, vos.port, "trust_on_first_use = true")
    transport = CliTransport(secrets=SecretResolver())
    try:
        with pytest.raises(HostKeyError):
            await transport.poll(strict, now=NOW, thresholds=Thresholds())
        assert not (tmp_path / "known_hosts").exists()
        await transport.poll(trusting, now=NOW, thresholds=Thresholds())
        transport.forget(strict.name)
        answer = await transport.poll(strict, now=NOW, thresholds=Thresholds())
    finally:
        await transport.aclose()
    assert answer.snapshot.source == "cli"
    assert len((tmp_path / "known_hosts").read_text().splitlines()) == 1


async def test_the_cli_keeps_within_the_budget_the_engine_gives_it(
    make_vos, record_key, tmp_path: Path
) -> None:
    """A slow VOS login fails under a short budget and passes under a longer one."""
    vos = await make_vos(login_delay=1.0)
    record_key(tmp_path / "known_hosts", vos)
    cluster = cluster_config(tmp_path, vos.port)
    transport = CliTransport(secrets=SecretResolver(), timeout=15)
    try:
        with pytest.raises(CliTimeoutError):
            await transport.poll(cluster, now=NOW, thresholds=Thresholds(), budget_s=0.6)
        transport.forget(cluster.name)
        answer = await transport.poll(cluster, now=NOW, thresholds=Thresholds(), budget_s=4)
    finally:
        await transport.aclose()
    assert answer.snapshot.source == "cli"
