"""One publisher's VOS shell over SSH (asyncssh), kept open across polls.

Per session: TCP connect, SSH login (password or key), wait for the ``admin:`` prompt
(VOS logins take seconds to tens of seconds), ``set cli pagination off``; per command:
write it, read to the next prompt answering any pager stop, and clean the text
(:mod:`collectors.transports.vos_session` holds those decisions). A reused session that
the publisher dropped while idle is logged into again once within the same command.
Every failure is an error of :mod:`collectors.errors`, never naming the password.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from collectors.errors import (
    CliError,
    CliTimeoutError,
    CommandNotRecognisedError,
    ConnectTimeoutError,
    DnsError,
    HostKeyError,
    LicdashError,
    OversizeResponseError,
    PagerStuckError,
    PromptNotFoundError,
    RefusedError,
    SshAuthError,
    TransportError,
)
from collectors.sshlib import asyncssh
from collectors.transports import vos_session as vos
from collectors.transports.ssh_host_keys import (
    HostKeyCheck,
    HostKeyClient,
    KnownHostsFile,
    host_key_error,
)

MAX_OUTPUT: Final = 512 * 1024
"""Characters one command may print; a licence report is a few kilobytes."""
TERM_SIZE: Final = (200, 50)
"""Wide enough that VOS never wraps an entitlement tag line."""


@dataclass(frozen=True)
class SshTarget:
    """Where and how to log in to one publisher's platform shell."""

    cluster: str
    host: str
    port: int = 22
    username: str = "admin"
    password: str | None = field(default=None, repr=False)
    """Resolved by the caller from the cluster's secret source; never logged."""
    client_keys: tuple[Path, ...] = ()
    """Private key files tried before the password."""
    known_hosts: Path | None = None
    """The known-hosts file; None means ``<config dir>/known_hosts``."""
    trust_on_first_use: bool = False
    """Accept and record the key of a host the file does not know yet."""

    @property
    def host_pattern(self) -> str:
        """The host as a known_hosts line names it."""
        return self.host if self.port == 22 else f"[{self.host}]:{self.port}"

    def known_hosts_path(self) -> Path:
        if self.known_hosts is not None:
            return self.known_hosts.expanduser()
        from collectors.paths import config_dir

        return config_dir() / "known_hosts"


class CliSession:
    """One publisher's VOS shell, kept open across polls.

    Not safe for concurrent use: the engine runs at most one poll per cluster.
    """

    def __init__(self, target: SshTarget, *, known_hosts: KnownHostsFile | None = None):
        self.target = target
        self.known_hosts = known_hosts or KnownHostsFile(target.known_hosts_path())
        self._conn: asyncssh.SSHClientConnection | None = None
        self._process: asyncssh.SSHClientProcess[str] | None = None
        self.logins = 0
        """Successful logins so far (a reused session does not add one)."""

    @property
    def open(self) -> bool:
        """Whether a logged-in shell is available for the next command."""
        process = self._process
        return process is not None and not process.is_closing()

    async def run(self, command: str = vos.LICENSE_COMMAND, *, timeout: float) -> str:  # noqa: ASYNC109
        """Run one command within ``timeout`` seconds (login included); its cleaned text.

        Raises:
            CliError subclasses, TransportError subclasses, OversizeResponseError.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        reused = self.open
        try:
            if not reused:
                await self._login(deadline)
            try:
                return await self._command(command, deadline)
            except SessionLost:
                if not reused:
                    raise
            # A session that sat idle may have been dropped by the publisher: log in again.
            await self.close()
            await self._login(deadline)
            return await self._command(command, deadline)
        except SessionLost as exc:
            await self.close()
            raise CliError(
                f"the SSH session closed while running {command!r}: {exc}",
                cluster=self.target.cluster,
            ) from None
        except LicdashError as exc:
            await self.close()
            raise exc.with_cluster(self.target.cluster) from None
        except BaseException:
            await self.close()
            raise

    def abort(self) -> asyncssh.SSHClientConnection | None:
        """Drop the shell and the connection now; returns the connection to await."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if process is not None:
            process.close()
        if conn is not None:
            conn.close()
        return conn

    async def close(self) -> None:
        conn = self.abort()
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.wait_closed(), 1.0)

    # ----- steps ------------------------------------------------------------------------

    def _remaining(self, deadline: float, what: str) -> float:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise CliTimeoutError(f"timed out before {what}")
        return remaining

    async def _connect_socket(self, deadline: float) -> socket.socket:
        target = self.target
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM),
                self._remaining(deadline, "DNS resolution"),
            )
        except socket.gaierror as exc:
            raise DnsError(f"cannot resolve {target.host}: {exc.strerror}") from None
        except TimeoutError:
            raise DnsError(f"resolving {target.host} timed out") from None
        last: Exception | None = None
        for family, type_, proto, _, addr in infos:
            sock = socket.socket(family, type_, proto)
            sock.setblocking(False)
            try:
                await asyncio.wait_for(
                    loop.sock_connect(sock, addr), self._remaining(deadline, "TCP connect")
                )
                return sock
            except (TimeoutError, CliTimeoutError):
                sock.close()
                raise ConnectTimeoutError(
                    f"no answer connecting to {target.host}:{target.port} (SSH)"
                ) from None
            except OSError as exc:
                sock.close()
                last = exc
        if isinstance(last, ConnectionRefusedError):
            raise RefusedError(
                f"connection to {target.host}:{target.port} (SSH) refused",
                port=target.port,
                via="ssh",
            )
        raise TransportError(f"cannot connect to {target.host}:{target.port} (SSH): {last}")

    async def _login(self, deadline: float) -> None:
        target = self.target
        if target.password is None and not target.client_keys:
            raise SshAuthError("no password and no SSH key configured", field="password")
        client_keys = await self._client_keys()
        path = self.known_hosts.path
        known_hosts = await self.known_hosts.load()
        sock = await self._connect_socket(deadline)
        peer = sock.getpeername()[0]
        keys = asyncssh.match_known_hosts(
            known_hosts, target.host, peer, None if target.port == 22 else target.port
        )[0]
        check = HostKeyCheck(known=bool(keys), tofu=target.trust_on_first_use)
        try:
            conn = await asyncio.wait_for(
                asyncssh.connect(
                    target.host,
                    target.port,
                    sock=sock,
                    config=None,
                    client_factory=lambda: HostKeyClient(check),
                    known_hosts=known_hosts,
                    username=target.username,
                    password=target.password,
                    client_keys=client_keys,
                    agent_path=None,
                    keepalive_interval=30,
                    login_timeout=self._remaining(deadline, "SSH login") + 1,
                ),
                self._remaining(deadline, "SSH login"),
            )
        except BaseException as exc:
            sock.close()  # asyncssh may not have taken it over
            raise self._login_error(exc, check, path) from None
        self._conn = conn
        if check.accepted_new and check.offered is not None:
            await self.known_hosts.record(target.host_pattern, check.offered)
        self.logins += 1
        try:
            self._process = await asyncio.wait_for(
                conn.create_process(
                    term_type="vt100",
                    term_size=TERM_SIZE,
                    encoding="utf-8",
                    errors="replace",
                    stderr=asyncssh.STDOUT,
                ),
                self._remaining(deadline, "opening the shell"),
            )
        except TimeoutError:
            raise CliTimeoutError(f"{target.host_pattern} did not open a shell in time") from None
        except (asyncssh.Error, OSError) as exc:
            raise CliError(f"{target.host_pattern} refused a shell: {exc}") from None
        await self._read(None, deadline, waiting_for="the admin: prompt after login")
        await self._read(vos.PAGINATION_OFF, deadline, waiting_for="set cli pagination off")

    async def _client_keys(self) -> Sequence[asyncssh.SSHKeyPair] | None:
        """The configured private keys, loaded before connecting (fail fast, no socket)."""
        files = [str(k.expanduser()) for k in self.target.client_keys]
        if not files:
            return None
        try:
            return await asyncio.to_thread(asyncssh.load_keypairs, files)
        except (asyncssh.KeyImportError, OSError) as exc:
            raise SshAuthError(
                f"cannot use the SSH key {', '.join(files)}: {exc}", field="ssh_key"
            ) from None

    def _login_error(self, exc: BaseException, check: HostKeyCheck, path: Path) -> BaseException:
        """The licdash error for a failed ``asyncssh.connect`` (others pass through)."""
        where = self.target.host_pattern
        if isinstance(exc, TimeoutError | CliTimeoutError):
            return CliTimeoutError(f"SSH login to {where} did not finish")
        if isinstance(exc, asyncssh.HostKeyNotVerifiable):
            return host_key_error(where, check, path)
        if isinstance(exc, asyncssh.KeyExchangeFailed):
            if check.known:
                return HostKeyError(
                    f"{where} offers no host key of the type recorded in {path} ({exc.reason})"
                )
            return CliError(f"SSH key exchange with {where} failed: {exc.reason}")
        if isinstance(exc, asyncssh.PermissionDenied):
            return SshAuthError(f"SSH login as {self.target.username!r} to {where} was refused")
        if isinstance(exc, asyncssh.Error | OSError):
            return CliError(f"SSH connection to {where} failed: {exc}")
        return exc

    async def _command(self, command: str, deadline: float) -> str:
        text = await self._read(command, deadline, waiting_for=f"the answer to {command!r}")
        complaint = vos.command_error(text)
        if complaint is not None:
            raise CommandNotRecognisedError(f"{command!r} refused: {complaint}")
        return text

    async def _read(self, command: str | None, deadline: float, *, waiting_for: str) -> str:
        """Send ``command`` (None: just wait) and read to the next prompt; cleaned text."""
        process = self._process
        if process is None or (command is not None and process.is_closing()):
            raise SessionLost("the shell is closed")
        reader = vos.OutputReader()
        try:
            if command is not None:
                process.stdin.write(command + "\n")
            while True:
                remaining = self._remaining(deadline, waiting_for)
                try:
                    chunk = await asyncio.wait_for(process.stdout.read(65536), remaining)
                except TimeoutError:
                    raise self._timeout(reader, waiting_for) from None
                if not chunk:
                    if command is None:
                        raise PromptNotFoundError(
                            "the shell closed before any admin: prompt; last output:"
                            f" {reader.tail()!r}"
                        )
                    raise SessionLost(f"shell closed; last output: {reader.tail()!r}")
                step = reader.feed(chunk)
                while step is vos.Step.PAGER:
                    process.stdin.write(" ")
                    step = reader.feed("")
                if step is vos.Step.PAGER_STUCK:
                    process.stdin.write("q")
                    raise PagerStuckError(
                        f"the pager did not finish {waiting_for} after {reader.pages} pages"
                    )
                if step is vos.Step.PROMPT:
                    return vos.clean_output(reader.text, command)
                if len(reader.text) > MAX_OUTPUT:
                    raise OversizeResponseError(
                        f"more than {MAX_OUTPUT} characters while waiting for {waiting_for}"
                    )
        except (asyncssh.Error, BrokenPipeError, ConnectionError) as exc:
            raise SessionLost(str(exc) or type(exc).__name__) from None

    def _timeout(self, reader: vos.OutputReader, waiting_for: str) -> LicdashError:
        foreign = vos.foreign_prompt(reader.text)
        if foreign is not None:
            return PromptNotFoundError(
                f"no admin: prompt while waiting for {waiting_for}; the shell shows {foreign!r}"
            )
        return CliTimeoutError(f"timed out waiting for {waiting_for}")


class SessionLost(Exception):
    """The connection or shell went away mid-dialogue (becomes a CliError in ``run``)."""
