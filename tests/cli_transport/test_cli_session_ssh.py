"""CliSession against mock VOS shells over real loopback SSH."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collectors.errors import (
    CliError,
    CliTimeoutError,
    CommandNotRecognisedError,
    HostKeyError,
    PagerStuckError,
    PromptNotFoundError,
    RefusedError,
    SshAuthError,
)
from collectors.mock.vos import generate_host_key
from collectors.model import RegistrationStatus
from collectors.parsing import parse_cli
from collectors.sshlib import asyncssh
from collectors.transports.cli import CliSession

PASSWORD = "s3cret-vos-pw"


def body(text: str) -> list[str]:
    """Non-blank lines, right-stripped: what the parser reads."""
    return [line.rstrip() for line in text.splitlines() if line.strip()]


async def test_one_login_serves_several_polls(
    make_vos, make_target, record_key, known_hosts, sample_all: str
) -> None:
    vos = await make_vos()
    record_key(known_hosts, vos)
    session = CliSession(make_target(vos))
    first = await session.run(timeout=5)
    second = await session.run(timeout=5)
    await session.close()
    assert body(first) == body(sample_all)
    assert second == first
    assert (vos.logins, session.logins, vos.commands_served) == (1, 1, 2)
    snap = parse_cli(first, cluster="lab-cucm12", now=datetime(2018, 2, 1, tzinfo=UTC))
    assert snap.registration.status is RegistrationStatus.REGISTERED


async def test_pager_is_answered_when_pagination_stays_on(
    make_vos, make_target, record_key, known_hosts, sample_all: str
) -> None:
    vos = await make_vos(ignore_pagination_off=True, page_lines=7)
    record_key(known_hosts, vos)
    session = CliSession(make_target(vos))
    text = await session.run(timeout=5)
    await session.close()
    assert vos.pager_stops >= len(body(sample_all)) // 7 - 1
    assert body(text) == body(sample_all)
    assert "Press <enter>" not in text


async def test_pagination_off_means_no_pager(
    make_vos, make_target, record_key, known_hosts
) -> None:
    vos = await make_vos(page_lines=7)
    record_key(known_hosts, vos)
    session = CliSession(make_target(vos))
    await session.run(timeout=5)
    await session.close()
    assert vos.pager_stops == 0


async def test_a_pager_that_never_advances_is_pager_stuck(
    make_vos, make_target, record_key, known_hosts
) -> None:
    vos = await make_vos(ignore_pagination_off=True, pager_stuck=True, page_lines=7)
    record_key(known_hosts, vos)
    session = CliSession(make_target(vos))
    with pytest.raises(PagerStuckError) as info:
        await session.run(timeout=5)
    assert info.value.kind == "pager_stuck"
    assert info.value.cluster == "lab-cucm12"
    assert not session.open


async def test_slow_login_inside_the_timeout_works(
    make_vos, make_target, record_key, known_hosts, sample_all: str
) -> None:
    vos = await make_vos(login_delay=0.4)
    record_key(known_hosts, vos)
    session = CliSession(make_target(vos))
    text = await session.run(timeout=5)
    await session.close()
    assert body(text) == body(sample_all)


async def test_slow_login_past_the_timeout_is_cli_timeout(
    make_vos, make_target, record_key, known_hosts
) -> None:
    vos = await make_vos(login_delay=3.0)
    record_key(known_hosts, vos)
    session = CliSession(make_target(vos))
    with pytest.raises(CliTimeoutError) as info:
        await session.run(timeout=0.6)
    assert info.value.kind == "cli_timeout"
    assert "admin: prompt" in info.value.message
    assert not session.open


async def test_a_login_into_another_shell_is_prompt_not_found(
    make_vos, make_target, record_key, known_hosts
) -> None:
    vos = await make_vos(prompt="[admin@cucm ~]$ ")
    record_key(known_hosts, vos)
    session = CliSession(make_target(vos))
    with pytest.raises(PromptNotFoundError) as info:
        await session.run(timeout=0.6)
    assert "[admin@cucm ~]$" in info.value.message


async def test_wrong_password_is_ssh_auth_and_never_shows_the_password(
    make_vos, make_target, record_key, known_hosts
) -> None:
    vos = await make_vos()
    record_key(known_hosts, vos)
    wrong = "wrong-Pa55word-xyz"
    session = CliSession(make_target(vos, password=wrong))
    with pytest.raises(SshAuthError) as info:
        await session.run(timeout=5)
    assert info.value.kind == "ssh_auth"
    assert vos.auth_failures >= 1
    assert wrong not in str(info.value) and PASSWORD not in str(info.value)
    assert wrong not in repr(session.target)


async def test_key_login_without_password(
    make_vos, make_target, record_key, known_hosts, tmp_path: Path
) -> None:
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "id_ed25519"
    client_key.write_private_key(str(key_file))
    vos = await make_vos(password=None, authorized_keys=[client_key])
    record_key(known_hosts, vos)
    session = CliSession(make_target(vos, password=None, client_keys=(key_file,)))
    text = await session.run(timeout=5)
    await session.close()
    assert "Smart Licensing is ENABLED" in text


async def test_unknown_host_is_refused_without_trust_on_first_use(
    make_vos, make_target, known_hosts
) -> None:
    vos = await make_vos()
    session = CliSession(make_target(vos))
    with pytest.raises(HostKeyError) as info:
        await session.run(timeout=5)
    assert "not in" in info.value.message and "SHA256:" in info.value.message
    assert not known_hosts.exists()
    assert vos.logins == 0


async def test_trust_on_first_use_records_the_key_once(make_vos, make_target, known_hosts) -> None:
    vos = await make_vos()
    session = CliSession(make_target(vos, trust_on_first_use=True))
    await session.run(timeout=5)
    await session.close()
    lines = known_hosts.read_text().splitlines()
    public = vos.host_key.export_public_key("openssh").decode().split()[1]
    assert lines == [f"[127.0.0.1]:{vos.port} ssh-ed25519 {public}"]
    assert known_hosts.stat().st_mode & 0o077 == 0
    # Now known: a session without the option gets in, and nothing is added.
    strict = CliSession(make_target(vos))
    await strict.run(timeout=5)
    await strict.close()
    assert known_hosts.read_text().splitlines() == lines


async def test_a_changed_host_key_is_refused_even_with_trust_on_first_use(
    make_vos, make_target, record_key, known_hosts
) -> None:
    vos = await make_vos()
    record_key(known_hosts, vos, generate_host_key())  # the key it had "before"
    before = known_hosts.read_text()
    session = CliSession(make_target(vos, trust_on_first_use=True))
    with pytest.raises(HostKeyError) as info:
        await session.run(timeout=5)
    assert "changed" in info.value.message
    assert known_hosts.read_text() == before
    assert vos.logins == 0


async def test_an_unknown_command_is_command_not_recognised(
    make_vos, make_target, record_key, known_hosts
) -> None:
    vos = await make_vos(known_commands=False)
    record_key(known_hosts, vos)
    session = CliSession(make_target(vos))
    with pytest.raises(CommandNotRecognisedError) as info:
        await session.run(timeout=5)
    assert "Executed command unsuccessfully" in info.value.message
    assert info.value.kind == "command_unknown"


async def test_a_dropped_session_is_replaced_within_the_poll(
    make_vos, make_target, record_key, known_hosts
) -> None:
    vos = await make_vos()
    record_key(known_hosts, vos)
    session = CliSession(make_target(vos))
    await session.run(timeout=5)
    vos.drop_connections()
    text = await session.run(timeout=5)
    await session.close()
    assert "Smart Licensing is ENABLED" in text
    assert (vos.logins, session.logins) == (2, 2)


async def test_a_closed_port_is_refused(make_target, known_hosts, make_vos) -> None:
    vos = await make_vos()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    session = CliSession(make_target(vos, port=free))
    with pytest.raises(RefusedError) as info:
        await session.run(timeout=5)
    assert info.value.cluster == "lab-cucm12"
    assert not isinstance(info.value, CliError)


async def test_an_unreadable_key_file_is_ssh_auth_naming_the_field(
    make_vos, make_target, record_key, known_hosts, tmp_path: Path
) -> None:
    vos = await make_vos()
    record_key(known_hosts, vos)
    bad = tmp_path / "id_broken"
    bad.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n")
    session = CliSession(make_target(vos, client_keys=(bad,)))
    with pytest.raises(SshAuthError) as info:
        await session.run(timeout=5)
    assert info.value.field == "ssh_key"
    assert str(bad) in info.value.message


async def test_a_shell_that_closes_before_its_prompt_is_prompt_not_found(
    make_vos, make_target, record_key, known_hosts
) -> None:
    vos = await make_vos(cli_fails_to_start=True)
    record_key(known_hosts, vos)
    session = CliSession(make_target(vos))
    with pytest.raises(PromptNotFoundError) as info:
        await session.run(timeout=5)
    assert "starting up" in info.value.message
    assert info.value.kind == "prompt_not_found"


async def test_a_session_lost_on_every_try_is_a_cli_error_naming_the_cluster(
    make_vos, make_target, record_key, known_hosts, sample_all: str
) -> None:
    """Lost, logged in again, lost again: the error still says which cluster."""
    endpoints: list[Any] = []

    def render(command: str) -> str | None:
        if command == "show license all" and endpoints[0].logins > 1:
            endpoints[0].drop_connections()  # the publisher hangs up mid-command
        return sample_all if command == "show license all" else None

    vos = await make_vos(render=render)
    endpoints.append(vos)
    record_key(known_hosts, vos)
    session = CliSession(make_target(vos))
    await session.run(timeout=5)
    vos.drop_connections()  # idle drop: the retry logs in again, then loses that too
    with pytest.raises(CliError) as info:
        await session.run(timeout=5)
    await session.close()
    assert info.value.kind == "cli"
    assert info.value.cluster == "lab-cucm12"
    assert "[lab-cucm12]" in str(info.value)
    assert PASSWORD not in str(info.value)
