"""A simulated CUCM platform shell (VOS) over SSH, for the mock fleet and the tests.

Each :class:`VosEndpoint` is one publisher's SSH port on loopback (asyncssh server).
After a password or key login it behaves like the VOS ``admin:`` shell: a start-up
banner (optionally slow, like a real VOS login), the prompt, the pager until
``set cli pagination off``, and the licence commands, whose text comes from a
renderer callback bound to the publisher's living licence state (see
``collectors.mock.cli_render``). Unknown commands get VOS's refusal. The prompt and
pager come from a real shell's recording (``collectors.mock.vos_transcript``), not from
the client's constants.

The shell handles its own echo and line editing (no asyncssh line editor), because
the pager reads single keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from collectors.mock.vos_transcript import PAGER_PROMPT, PAGINATION_OFF, PROMPT
from collectors.sshlib import asyncssh

if TYPE_CHECKING:
    from collectors.mock.cli_render import VosPublisher

CommandRenderer = Callable[[str], str | None]
"""Maps a normalised command (``show license all``, lower case, single spaces) to its
output text with ``\\n`` line ends, or None when the command is not a licence command."""

STARTING: Final = "Command Line Interface is starting up, please wait ...\n"
WELCOME: Final = (
    "\n   Welcome to the Platform Command Line Interface\n\n"
    "VMware Installation:\n"
    "        2 vCPU: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz\n"
    "        Disk 1: 110GB, Partitions aligned\n"
    "        8192 Mbytes RAM\n\n"
)
PAGINATION_OFF_REPLY: Final = "Automatic pagination is turned off\n"
PAGINATION_ON_REPLY: Final = "Automatic pagination is turned on\n"


def unknown_command_reply(command: str) -> str:
    """What VOS prints for a command it does not have."""
    return f"Executed command unsuccessfully\nInvalid command: {command}\n"


@dataclass
class VosBehaviour:
    """How one simulated shell behaves; mutable so a test can change it between polls."""

    login_delay: float = 0.0
    """Seconds between "starting up" and the first prompt (real VOS: seconds to tens)."""
    page_lines: int = 20
    """Lines per pager page while pagination is on."""
    ignore_pagination_off: bool = False
    """Acknowledge ``set cli pagination off`` but keep paging (a stubborn shell)."""
    pager_stuck: bool = False
    """The pager never advances: every key redraws the same pager prompt."""
    known_commands: bool = True
    """False: the licence commands are unknown too (an older VOS)."""
    cli_fails_to_start: bool = False
    """Print the start-up line, then close (VOS does this when its services are down)."""
    prompt: str = PROMPT + " "
    """The prompt; anything but ``admin:`` plays a login that lands in another shell."""


def normalise_command(line: str) -> str:
    return " ".join(line.split()).lower()


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


class _Shell:
    """One interactive session: line editing with echo, the pager, the commands."""

    def __init__(self, endpoint: VosEndpoint, process: asyncssh.SSHServerProcess[str]):
        self._endpoint = endpoint
        self._process = process
        self._pending = ""
        self._pagination = True
        self._echo = process.get_terminal_type() is not None

    def _write(self, text: str) -> None:
        self._process.stdout.write(_crlf(text))

    async def _key(self) -> str | None:
        while not self._pending:
            data = await self._process.stdin.read(4096)
            if not data:
                return None
            self._pending += data
        key, self._pending = self._pending[0], self._pending[1:]
        return key

    async def _line(self) -> str | None:
        chars: list[str] = []
        last = ""
        while True:
            key = await self._key()
            if key is None:
                return None
            if key == "\n" and last == "\r":
                last = ""
                continue
            last = key
            if key in "\r\n":
                if self._echo:
                    self._process.stdout.write("\r\n")
                return "".join(chars)
            if key in "\x7f\b":
                if chars:
                    chars.pop()
                    if self._echo:
                        self._process.stdout.write("\b \b")
            elif key == "\x03":
                chars.clear()
                if self._echo:
                    self._process.stdout.write("^C\r\n")
                return ""
            elif key.isprintable():
                chars.append(key)
                if self._echo:
                    self._process.stdout.write(key)

    async def _page(self, text: str) -> None:
        behaviour = self._endpoint.behaviour
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        if not self._pagination or len(lines) <= behaviour.page_lines:
            self._write(text)
            return
        index = 0
        budget = behaviour.page_lines
        erase = "\r" + " " * len(PAGER_PROMPT) + "\r"
        while index < len(lines):
            chunk = lines[index : index + budget]
            self._write("\n".join(chunk) + "\n")
            index += len(chunk)
            if index >= len(lines):
                break
            self._endpoint.pager_stops += 1
            self._process.stdout.write(PAGER_PROMPT)
            key = await self._key()
            self._process.stdout.write(erase)
            while behaviour.pager_stuck and key is not None:
                self._endpoint.pager_stops += 1
                self._process.stdout.write(PAGER_PROMPT)
                key = await self._key()
                self._process.stdout.write(erase)
            if key is None or key.lower() == "q":
                return
            budget = 1 if key in "\r\n" else behaviour.page_lines

    async def _run_command(self, line: str) -> bool:
        """Run one command line; False when the session should end."""
        command = normalise_command(line)
        behaviour = self._endpoint.behaviour
        if not command:
            return True
        if command in ("exit", "quit"):
            return False
        if command == PAGINATION_OFF:
            if not behaviour.ignore_pagination_off:
                self._pagination = False
            self._write(PAGINATION_OFF_REPLY)
            return True
        if command == "set cli pagination on":
            self._pagination = True
            self._write(PAGINATION_ON_REPLY)
            return True
        text = self._endpoint.render(command) if behaviour.known_commands else None
        if text is None:
            self._write(unknown_command_reply(" ".join(line.split())))
            return True
        self._endpoint.commands_served += 1
        await self._page(text if text.endswith("\n") else text + "\n")
        self._write("\n")
        return True

    async def run(self) -> None:
        self._endpoint.logins += 1
        process = self._process
        if process.command is not None:
            # VOS has no exec channel: it only offers the interactive shell.
            self._write("Executed command unsuccessfully\nThis system only offers a shell.\n")
            process.exit(1)
            return
        self._write(STARTING)
        if self._endpoint.behaviour.cli_fails_to_start:
            process.exit(1)
            return
        delay = self._endpoint.behaviour.login_delay
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._endpoint.closing.wait(), delay)
            if self._endpoint.closing.is_set():
                return
        self._write(WELCOME)
        while True:
            process.stdout.write(self._endpoint.behaviour.prompt)
            line = await self._line()
            if line is None or not await self._run_command(line):
                break
        process.exit(0)


class _VosServer(asyncssh.SSHServer):
    def __init__(self, endpoint: VosEndpoint):
        self._endpoint = endpoint
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._endpoint.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._endpoint.connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return self._endpoint.password is not None

    def validate_password(self, username: str, password: str) -> bool:
        expected = self._endpoint.password
        ok = (
            expected is not None
            and hmac.compare_digest(username.encode(), self._endpoint.username.encode())
            and hmac.compare_digest(password.encode(), expected.encode())
        )
        if not ok:
            self._endpoint.auth_failures += 1
        return ok

    def public_key_auth_supported(self) -> bool:
        return bool(self._endpoint.authorized_keys)

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        if username != self._endpoint.username:
            return False
        wanted = key.public_data
        return any(k.public_data == wanted for k in self._endpoint.authorized_keys)


class VosEndpoint:
    """One simulated publisher's SSH service on loopback.

    Counters (``logins``, ``commands_served``, ``auth_failures``, ``pager_stops``) let
    tests and benchmarks see what a client really did.
    """

    def __init__(
        self,
        *,
        host_key: asyncssh.SSHKey,
        render: CommandRenderer,
        username: str = "admin",
        password: str | None = None,
        authorized_keys: Sequence[asyncssh.SSHKey] = (),
        behaviour: VosBehaviour | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self.host_key = host_key
        self.render = render
        self.username = username
        self.password = password
        self.authorized_keys = tuple(authorized_keys)
        self.behaviour = behaviour or VosBehaviour()
        self.host = host
        self._requested_port = port
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self.closing = asyncio.Event()
        """Set by :meth:`close`: releases shells still in a (long) login delay."""
        self.logins = 0
        self.commands_served = 0
        self.auth_failures = 0
        self.pager_stops = 0

    @property
    def port(self) -> int:
        if self._acceptor is None:
            raise RuntimeError("the VOS endpoint is not listening")
        return int(self._acceptor.get_port())

    async def start(self) -> int:
        """Listen; returns the port (chosen by the system when ``port`` was 0)."""
        self._acceptor = await asyncssh.listen(
            self.host,
            self._requested_port,
            server_host_keys=[self.host_key],
            server_factory=lambda: _VosServer(self),
            process_factory=self._process,
            line_editor=False,
            encoding="utf-8",
            allow_scp=False,
            agent_forwarding=False,
            x11_forwarding=False,
            keepalive_interval=0,
            config=None,
            reuse_address=True,
        )
        return self.port

    async def _process(self, process: asyncssh.SSHServerProcess[str]) -> None:
        with contextlib.suppress(asyncssh.Error, OSError, asyncio.CancelledError):
            await _Shell(self, process).run()

    def drop_connections(self) -> None:
        """Cut every open session, as a publisher reboot or an idle timeout would."""
        for conn in list(self.connections):
            conn.close()

    async def close(self) -> None:
        """Stop listening and close every open session."""
        self.closing.set()
        if self._acceptor is not None:
            self._acceptor.close()
        conns = list(self.connections)
        for conn in conns:
            conn.close()
        for conn in conns:
            with contextlib.suppress(Exception):
                await conn.wait_closed()
        if self._acceptor is not None:
            await self._acceptor.wait_closed()
            self._acceptor = None

    async def __aenter__(self) -> VosEndpoint:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


def generate_host_key() -> asyncssh.SSHKey:
    """A fresh Ed25519 host key (one per fleet, or per endpoint in tests)."""
    return asyncssh.generate_private_key("ssh-ed25519")


# ----- fleet helpers ---------------------------------------------------------------------


def behaviour_for(scenario: str, *, slow_s: float) -> VosBehaviour:
    """How a publisher playing ``scenario`` behaves over SSH.

    Timing faults carry over (``slow`` logs in slowly, ``hang`` never shows a prompt);
    faults peculiar to AXL (TLS, XML, SOAP, 503) do not touch the shell.
    """
    if scenario == "slow":
        return VosBehaviour(login_delay=slow_s)
    if scenario == "hang":
        return VosBehaviour(login_delay=24 * 3600.0)
    return VosBehaviour()


def endpoint_for(
    publisher: VosPublisher,
    *,
    host_key: asyncssh.SSHKey,
    host: str = "127.0.0.1",
    port: int = 0,
    slow_s: float = 3.0,
) -> VosEndpoint:
    """A (not yet started) SSH endpoint for one mock publisher, from its scenario.

    It answers the licence commands from the publisher's living state, with the
    publisher's credentials (refusing every login for ``auth_failure``).
    """
    from collectors.mock.cli_render import command_renderer

    profile = publisher.profile
    refuse = profile.scenario == "auth_failure"
    return VosEndpoint(
        host_key=host_key,
        render=command_renderer(publisher),
        username=profile.username,
        password=None if refuse else profile.password,
        behaviour=behaviour_for(profile.scenario, slow_s=slow_s),
        host=host,
        port=port,
    )


def known_hosts_text(endpoints: Sequence[VosEndpoint]) -> str:
    """known_hosts lines vouching for every endpoint's host key."""
    lines = []
    for endpoint in endpoints:
        algorithm, data = endpoint.host_key.export_public_key("openssh").decode().split()[:2]
        where = endpoint.host if endpoint.port == 22 else f"[{endpoint.host}]:{endpoint.port}"
        lines.append(f"{where} {algorithm} {data}\n")
    return "".join(lines)


class SshEndpoints:
    """The SSH side of a mock fleet: one VOS endpoint per publisher, one host key.

    ``start`` returns each publisher's SSH port in order (a ``refused`` publisher gets
    a bound port that never listens) and writes ``known_hosts`` vouching for them all,
    so a collector can check host keys without trusting on first use.
    """

    def __init__(self, *, host: str = "127.0.0.1", base_port: int = 0, slow_s: float = 3.0):
        self.host = host
        self.base_port = base_port
        self.slow_s = slow_s
        self.endpoints: dict[str, VosEndpoint] = {}
        self.known_hosts: Path | None = None
        self._reserved: list[socket.socket] = []

    async def start(self, publishers: Sequence[VosPublisher], workdir: Path) -> list[int]:
        host_key = await asyncio.to_thread(generate_host_key)
        ports: list[int] = []
        try:
            for i, publisher in enumerate(publishers):
                port = self.base_port + i if self.base_port else 0
                if publisher.profile.scenario == "refused":
                    ports.append(self._reserve(port))
                    continue
                endpoint = endpoint_for(
                    publisher, host_key=host_key, host=self.host, port=port, slow_s=self.slow_s
                )
                ports.append(await endpoint.start())
                self.endpoints[publisher.profile.name] = endpoint
            self.known_hosts = workdir / "known_hosts"
            text = known_hosts_text(list(self.endpoints.values()))
            await asyncio.to_thread(self.known_hosts.write_text, text, encoding="utf-8")
        except BaseException:
            await self.close()
            raise
        return ports

    def _reserve(self, port: int) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._reserved.append(sock)
        sock.bind((self.host, port))
        return int(sock.getsockname()[1])

    async def close(self) -> None:
        endpoints, self.endpoints = list(self.endpoints.values()), {}
        await asyncio.gather(*(e.close() for e in endpoints), return_exceptions=True)
        for sock in self._reserved:
            sock.close()
        self._reserved.clear()
