"""SSH host-key trust for the CLI transport: the known-hosts file and each login's check.

A host the known-hosts file lists must offer a listed key (asyncssh enforces it). An
unknown host is refused unless trust on first use is on; then its key is accepted and
recorded. A changed key is always refused.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

from collectors.errors import HostKeyError
from collectors.sshlib import asyncssh


@dataclass
class HostKeyCheck:
    """Host-key decisions for one connection attempt, kept for the error message."""

    known: bool
    tofu: bool
    offered: asyncssh.SSHKey | None = None
    accepted_new: bool = False


class HostKeyClient(asyncssh.SSHClient):
    """Accepts a key the known-hosts file lacks only for trust on first use."""

    def __init__(self, check: HostKeyCheck):
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


def fingerprint(key: asyncssh.SSHKey | None) -> str:
    return key.get_fingerprint("sha256") if key is not None else "unknown"


def host_key_error(where: str, check: HostKeyCheck, path: Path) -> HostKeyError:
    """The error for a host key the file does not vouch for (changed or unknown)."""
    fp = fingerprint(check.offered)
    if check.known:
        return HostKeyError(
            f"the SSH host key of {where} changed ({fp}) and does not match {path};"
            " refusing to connect"
        )
    return HostKeyError(
        f"the SSH host key of {where} ({fp}) is not in {path}; set"
        " trust_on_first_use or add it to that file"
    )
