"""The ``cli`` transport: ``show license all`` over SSH, as an engineer would type it.

For CUCM 12.0 (no ``getSmartLicenseStatus`` in its AXL) and for sites that grant SSH
but not AXL. One :class:`CliSession` per cluster keeps one SSH connection with one
interactive VOS shell open across polls while it stays healthy; a broken session is
closed and the next poll (or a single in-poll retry of a reused session) logs in again.

Per session: TCP connect, SSH login (password or key), wait for the ``admin:`` prompt
(VOS logins take seconds to tens of seconds), ``set cli pagination off``; per poll:
``show license all``, read to the next prompt answering any pager stop, clean the text
(``collectors.transports.vos_session``) and hand it to the Foundation parser.

Host keys are checked against a known-hosts file. An unknown host is refused unless
``trust_on_first_use`` is set, and then its key is recorded; a changed key is always
refused. Every failure is an error of ``collectors.errors`` naming the cluster, never
the password.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

import asyncssh

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
from collectors.model import LicenseSnapshot
from collectors.secrets import SecretResolver
from collectors.transports import vos_session as vos
from collectors.transports.base import Answer

if TYPE_CHECKING:
    from collectors.config import ClusterConfig
    from collectors.severity import Thresholds

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


# ----- host keys ----------------------------------------------------------------------


@dataclass
class _HostKeyCheck:
    """Host-key decisions for one connection attempt, kept for the error message."""

    known: bool
    tofu: bool
    offered: asyncssh.SSHKey | None = None
    accepted_new: bool = False


class _Client(asyncssh.SSHClient):
    def __init__(self, check: _HostKeyCheck):
        self._check = check

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        # Only called for a key the known-hosts file does not list for this host.
        self._check.offered = key
        if self._check.known or not self._check.tofu:
            return False
        self._check.accepted_new = True
        return True


class KnownHostsFile:
    """One known-hosts file, parsed once and again only when it changes on disk.

    A fleet's first logins would otherwise parse the whole file once per cluster.
    Shared by every session that uses the file; appends (trust on first use) are
    single ``O_APPEND`` writes of one line.
    """

    def __init__(self, path: Path):
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._parsed: asyncssh.SSHKnownHosts | None = None
        self._lock = asyncio.Lock()

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise HostKeyError(f"cannot read known_hosts file {self.path}: {exc}") from None
        return st.st_mtime_ns, st.st_size

    def _read(self) -> tuple[tuple[int, int] | None, asyncssh.SSHKnownHosts]:
        stamp = self._stat()
        if stamp is not None and stamp == self._stamp and self._parsed is not None:
            return stamp, self._parsed
        if stamp is None:
            return None, asyncssh.import_known_hosts("")
        try:
            return stamp, asyncssh.read_known_hosts(str(self.path))
        except (OSError, ValueError) as exc:
            raise HostKeyError(f"cannot read known_hosts file {self.path}: {exc}") from None

    async def load(self) -> asyncssh.SSHKnownHosts:
        async with self._lock:
            stamp, parsed = await asyncio.to_thread(self._read)
            self._stamp, self._parsed = stamp, parsed
            return parsed

    def _append(self, pattern: str, key: asyncssh.SSHKey) -> None:
        line = key.export_public_key("openssh").decode().split()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(f"{pattern} {line[0]} {line[1]}\n")

    async def record(self, pattern: str, key: asyncssh.SSHKey) -> None:
        """Append ``pattern key`` (trust on first use)."""
        async with self._lock:
            await asyncio.to_thread(self._append, pattern, key)


def _fingerprint(key: asyncssh.SSHKey | None) -> str:
    return key.get_fingerprint("sha256") if key is not None else "unknown"


# ----- the session --------------------------------------------------------------------


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
            except _SessionLost:
                if not reused:
                    raise
            # A session that sat idle may have been dropped by the publisher: log in again.
            await self.close()
            await self._login(deadline)
            return await self._command(command, deadline)
        except _SessionLost as exc:
            await self.close()
            raise CliError(f"the SSH session closed while running {command!r}: {exc}") from None
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
            raise RefusedError(f"connection to {target.host}:{target.port} (SSH) refused")
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
        check = _HostKeyCheck(known=bool(keys), tofu=target.trust_on_first_use)
        try:
            conn = await asyncio.wait_for(
                asyncssh.connect(
                    target.host,
                    target.port,
                    sock=sock,
                    config=None,
                    client_factory=lambda: _Client(check),
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

    def _login_error(self, exc: BaseException, check: _HostKeyCheck, path: Path) -> BaseException:
        """The licdash error for a failed ``asyncssh.connect`` (others pass through)."""
        where = self.target.host_pattern
        if isinstance(exc, TimeoutError | CliTimeoutError):
            return CliTimeoutError(f"SSH login to {where} did not finish")
        if isinstance(exc, asyncssh.HostKeyNotVerifiable):
            return self._host_key_error(check, path)
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

    def _host_key_error(self, check: _HostKeyCheck, path: Path) -> HostKeyError:
        where = self.target.host_pattern
        fp = _fingerprint(check.offered)
        if check.known:
            return HostKeyError(
                f"the SSH host key of {where} changed ({fp}) and does not match {path};"
                " refusing to connect"
            )
        return HostKeyError(
            f"the SSH host key of {where} ({fp}) is not in {path}; set"
            " trust_on_first_use or add it to that file"
        )

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
            raise _SessionLost("the shell is closed")
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
                    raise _SessionLost(f"shell closed; last output: {reader.tail()!r}")
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
            raise _SessionLost(str(exc) or type(exc).__name__) from None

    def _timeout(self, reader: vos.OutputReader, waiting_for: str) -> LicdashError:
        foreign = vos.foreign_prompt(reader.text)
        if foreign is not None:
            return PromptNotFoundError(
                f"no admin: prompt while waiting for {waiting_for}; the shell shows {foreign!r}"
            )
        return CliTimeoutError(f"timed out waiting for {waiting_for}")


class _SessionLost(Exception):
    """The connection or shell went away mid-dialogue (internal; becomes CliError)."""


# ----- the transport ------------------------------------------------------------------

BUDGET_MARGIN: Final = 0.5
"""Seconds of the engine's per-poll timeout kept back, so the CLI's own, more precise
timeout error (login versus command) wins over the engine's generic one."""


class CliTransport:
    """The ``cli`` transport for a whole engine: one :class:`CliSession` per cluster."""

    name = "cli"

    def __init__(
        self,
        *,
        secrets: SecretResolver,
        timeout: float = 15.0,
        accept_new_host_keys: bool = False,
        known_hosts: Path | None = None,
        parse: Callable[..., LicenseSnapshot] | None = None,
    ) -> None:
        """
        Args:
            secrets: resolves each cluster's password (the same sources as AXL).
            timeout: the engine's per-poll timeout; the CLI keeps within it.
            accept_new_host_keys: trust on first use for every cluster
                (``--accept-new-host-keys``); a changed key is still refused.
            known_hosts: the file for clusters that name none (default:
                ``<config dir>/known_hosts``).
        """
        self._secrets = secrets
        self._budget = max(timeout - BUDGET_MARGIN, timeout * 0.8)
        self._accept_new = accept_new_host_keys
        self._known_hosts = known_hosts
        self._parse = parse
        self._sessions: dict[str, CliSession] = {}
        self._files: dict[Path, KnownHostsFile] = {}

    def session(self, cluster: str) -> CliSession | None:
        """The cluster's current session, if one was opened (for tests and metrics)."""
        return self._sessions.get(cluster)

    async def target_for(self, cluster: ClusterConfig) -> SshTarget:
        """Where and how to log in for ``cluster`` (resolves its password)."""
        has_password = cluster.password_source is not None
        password = await self._secrets.get(cluster) if has_password else None
        known = cluster.known_hosts
        return SshTarget(
            cluster=cluster.name,
            host=cluster.host,
            port=cluster.ssh_port,
            username=cluster.cli_username,
            password=password,
            client_keys=(Path(cluster.ssh_key),) if cluster.ssh_key else (),
            known_hosts=Path(known) if known else self._known_hosts,
            trust_on_first_use=self._accept_new
            or bool(getattr(cluster, "trust_on_first_use", False)),
        )

    async def poll(
        self, cluster: ClusterConfig, *, now: datetime, thresholds: Thresholds
    ) -> Answer:
        try:
            target = await self.target_for(cluster)
        except LicdashError as exc:
            raise exc.with_cluster(cluster.name) from None
        session = self._sessions.get(cluster.name)
        if session is None or session.target != target:
            if session is not None:
                await session.close()
            path = target.known_hosts_path()
            file = self._files.get(path)
            if file is None:
                file = self._files[path] = KnownHostsFile(path)
            session = self._sessions[cluster.name] = CliSession(target, known_hosts=file)
        text = await session.run(vos.LICENSE_COMMAND, timeout=self._budget)
        parse = self._parse or _default_parse()
        try:
            snapshot = parse(
                text,
                cluster=cluster.name,
                publisher=cluster.publisher,
                now=now,
                timezone=cluster.timezone,
                thresholds=thresholds,
            )
        except LicdashError as exc:
            raise exc.with_cluster(cluster.name) from None
        return Answer(snapshot=snapshot, raw=text, transport=self.name)

    def forget(self, cluster: str) -> None:
        """Close the cluster's session (its config changed or it was removed)."""
        session = self._sessions.pop(cluster, None)
        if session is not None:
            session.abort()

    async def aclose(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(s.close() for s in sessions))


def _default_parse() -> Callable[..., LicenseSnapshot]:
    from collectors.parsing import parse_cli

    return parse_cli
