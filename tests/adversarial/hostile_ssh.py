"""A hostile VOS shell: a real asyncssh server on loopback, written for these tests.

Behaviours: ``healthy`` (prompt, pagination off, ``show license all``), ``flood`` (an
endless answer), ``no_prompt`` (a login that never reaches ``admin:``), ``osc_error``
(an error line wrapped in OSC/CSI sequences that retitle a terminal) and ``osc_fields``
(a valid answer whose fields carry escapes). The host key can be swapped to play a
changed host key.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from collectors.sshlib import asyncssh

LICENSE = """Smart Licensing Status
=======================
Smart Licensing is ENABLED

Registration:
  Status: REGISTERED
  Smart Account: {account}
  Virtual Account: voice
  Export-Controlled Functionality: Allowed
  Last Renewal Attempt: SUCCEEDED on Jan 26 15:11:23 2026 UTC
  Next Renewal Attempt: Jul 25 15:11:23 2026 UTC
  Registration Expires: Jan 26 15:06:21 2027 UTC

License Authorization:
  Status: AUTHORIZED on Jan 26 15:12:59 2026 UTC
  Last Communication Attempt: SUCCEEDED on Jan 26 15:12:59 2026 UTC
  Next Communication Attempt: Feb 25 15:12:59 2026 UTC
  Communication Deadline: Apr 26 15:06:59 2027 UTC

License Usage
=============
 (regid.2016-07.com.cisco.UCM_EnhancedPlus,12.0_d8372792)
  Count: 5
  Status: InCompliance
"""
OSC = "\x1b]0;PWNED-TITLE\x07"


@dataclass
class Shell:
    behaviour: str = "healthy"
    password: str = ""
    host_key: asyncssh.SSHKey = field(
        default_factory=lambda: asyncssh.generate_private_key("ssh-ed25519")
    )
    port: int = 0
    logins: int = 0


class _Server(asyncssh.SSHServer):
    def __init__(self, shell: Shell) -> None:
        self._shell = shell

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return password == self._shell.password


async def _session(shell: Shell, process: asyncssh.SSHServerProcess[str]) -> None:
    shell.logins += 1
    out = process.stdout
    try:
        if shell.behaviour == "no_prompt":
            out.write("Welcome to a shell that is not VOS\r\n")
            await asyncio.sleep(30)
            return
        out.write("Command Line Interface is starting up, please wait ...\r\n\r\nadmin:")
        while True:
            line = await process.stdin.readline()
            if not line:
                return
            command = line.strip()
            if command == "set cli pagination off":
                out.write("Automation is on: pagination off\r\nadmin:")
            elif command == "show license all":
                await _answer(shell, out)
            elif command in ("exit", "quit"):
                return
            elif command:
                out.write(
                    f"Executed command unsuccessfully\r\nInvalid command: {command}\r\nadmin:"
                )
            else:
                out.write("admin:")
    except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged, BrokenPipeError, ConnectionError):
        return
    finally:
        with contextlib.suppress(Exception):
            process.exit(0)


async def _answer(shell: Shell, out: asyncssh.SSHWriter[str]) -> None:
    if shell.behaviour == "flood":
        block = "x" * 8192 + "\r\n"
        for _ in range(10_000):  # ~80 MB, far over the cap; the client leaves first
            out.write(block)
            await out.drain()
        return
    if shell.behaviour == "osc_error":
        out.write(f"{OSC}Executed command unsuccessfully {OSC}\x1b[2J\x9b31m\r\nadmin:")
        return
    account = "ACME CORP"
    if shell.behaviour == "osc_fields":
        account = f"ACME{OSC}\x9b2J\u202eCORP"
    out.write(LICENSE.format(account=account).replace("\n", "\r\n") + "admin:")


class HostileShell:
    """Serves one :class:`Shell` on a loopback port; ``restart`` changes the host key."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self._server: asyncssh.SSHAcceptor | None = None

    async def start(self) -> None:
        shell = self.shell

        async def handle(process: asyncssh.SSHServerProcess[str]) -> None:
            await _session(shell, process)

        self._server = await asyncssh.create_server(
            lambda: _Server(shell),
            "127.0.0.1",
            shell.port,
            server_host_keys=[shell.host_key],
            process_factory=handle,
            line_editor=False,
            keepalive_interval=0,
        )
        shell.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def known_hosts_line(self) -> str:
        public = self.shell.host_key.export_public_key("openssh").decode().split()
        return f"[127.0.0.1]:{self.shell.port} {public[0]} {public[1]}\n"

    def write_known_hosts(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.known_hosts_line())
