"""Hostile VOS shells over SSH: floods, no prompt, escape sequences, a changed host key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from collectors.sshlib import asyncssh
from tests.adversarial.harness import SECRET, Harness
from tests.adversarial.hostile_ssh import OSC, HostileShell, Shell


@pytest.fixture
async def ssh_harness(harness: Harness) -> AsyncIterator[tuple[Harness, HostileShell]]:
    server = HostileShell(Shell(password=SECRET))
    await server.start()
    server.write_known_hosts(harness.known_hosts)
    harness.ssh_port = server.shell.port
    try:
        yield harness, server
    finally:
        await server.stop()


async def _hostile_ssh_cycle(
    ssh_harness: tuple[Harness, HostileShell], behaviour: str
) -> tuple[Harness, object]:
    harness, server = ssh_harness
    first = await harness.cycle()
    assert first.report.ok == 3, harness.human.getvalue()[-1500:]
    server.shell.behaviour = behaviour
    return harness, await harness.cycle()


@pytest.mark.parametrize(
    ("behaviour", "kind"),
    [("flood", "oversize"), ("osc_error", "command_unknown")],
)
async def test_a_hostile_shell_fails_only_its_own_poll(
    ssh_harness: tuple[Harness, HostileShell], behaviour: str, kind: str
) -> None:
    harness, cycle = await _hostile_ssh_cycle(ssh_harness, behaviour)
    harness.assert_contained(cycle, kind)  # type: ignore[arg-type]


async def test_a_shell_without_a_prompt_times_out_with_a_name(
    ssh_harness: tuple[Harness, HostileShell],
) -> None:
    harness, server = ssh_harness
    first = await harness.cycle()
    assert first.report.ok == 3
    server.shell.behaviour = "no_prompt"
    await server.stop()  # drop the logged-in session: the next poll logs in again
    await server.start()
    cycle = await harness.cycle()
    error = harness.latest()["hostile"].last_error
    assert error is not None and error.kind in ("cli_timeout", "prompt_not_found"), error
    harness.assert_contained(cycle, error.kind)


async def test_osc_sequences_never_reach_a_terminal(
    ssh_harness: tuple[Harness, HostileShell],
) -> None:
    harness, cycle = await _hostile_ssh_cycle(ssh_harness, "osc_error")
    harness.assert_contained(cycle, "command_unknown")  # type: ignore[arg-type]
    for face, text in harness.outputs().items():
        assert "\x1b" not in text and "\x9b" not in text, face
        assert "\x07" not in text, face


async def test_escapes_inside_fields_are_stripped_or_made_visible(
    ssh_harness: tuple[Harness, HostileShell],
) -> None:
    harness, cycle = await _hostile_ssh_cycle(ssh_harness, "osc_fields")
    latest = harness.assert_contained(cycle, None)  # type: ignore[arg-type]
    snap = latest["hostile"].last_good
    assert snap is not None and snap.registration.smart_account is not None
    account = snap.registration.smart_account
    assert "PWNED-TITLE" not in account and "\x1b" not in account and "\u202e" not in account
    assert OSC not in harness.store_text()


async def test_a_changed_host_key_is_refused_and_named(
    ssh_harness: tuple[Harness, HostileShell],
) -> None:
    harness, server = ssh_harness
    first = await harness.cycle()
    assert first.report.ok == 3
    await server.stop()
    server.shell.host_key = asyncssh.generate_private_key("ssh-ed25519")
    await server.start()  # same port, another key: a man in the middle
    cycle = await harness.cycle()
    harness.assert_contained(cycle, "host_key")
