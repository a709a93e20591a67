"""The ``cli`` transport: ``show license all`` over SSH, as an engineer would type it.

For CUCM 12.0 (no ``getSmartLicenseStatus`` in its AXL) and for sites that grant SSH
but not AXL. :class:`CliTransport` keeps one :class:`CliSession` per cluster (one SSH
connection with one interactive VOS shell, reused across polls while it stays healthy)
and one shared :class:`KnownHostsFile` per known-hosts path, and hands the cleaned text
to the Foundation parser.

The pieces live beside it: host-key trust in :mod:`collectors.transports.ssh_host_keys`,
the session in :mod:`collectors.transports.ssh_session`, the prompt/pager dialogue in
:mod:`collectors.transports.vos_session`. Every failure is an error of
``collectors.errors`` naming the cluster, never the password.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from collectors.errors import LicdashError
from collectors.model import LicenseSnapshot
from collectors.secret_scrub import scrub
from collectors.secrets import SecretResolver
from collectors.transports import vos_session as vos
from collectors.transports.base import Answer
from collectors.transports.ssh_host_keys import KnownHostsFile
from collectors.transports.ssh_session import CliSession, SshTarget

if TYPE_CHECKING:
    from collectors.config import ClusterConfig
    from collectors.severity import Thresholds

__all__ = ["BUDGET_MARGIN", "CliSession", "CliTransport", "KnownHostsFile", "SshTarget"]

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
        self._timeout = timeout
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
        self,
        cluster: ClusterConfig,
        *,
        now: datetime,
        thresholds: Thresholds,
        budget_s: float | None = None,
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
        timeout = self._timeout if budget_s is None else budget_s
        budget = max(timeout - BUDGET_MARGIN, timeout * 0.8)
        text = scrub(await session.run(vos.LICENSE_COMMAND, timeout=budget), cluster.name)
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
