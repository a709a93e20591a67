"""``MockFleet``: many simulated publishers on loopback, each on its own HTTPS port.

CUCM publishers speak AXL (and, with ``ssh``, the VOS shell); Unity Connection
publishers and Expressway nodes their status resources (:mod:`collectors.mock.web_server`).
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import ssl
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web

from collectors.mock.clock import SimClock
from collectors.mock.products import EXPRESSWAY_NO_V1, PRODUCTS, assign_products
from collectors.mock.profiles import Profile, make_profiles
from collectors.mock.scenarios import check_scenarios, choose_scenarios
from collectors.mock.server import PublisherServer
from collectors.mock.state import LicenceState
from collectors.mock.tls import CertAuthority, server_context
from collectors.mock.web_server import (
    EXPRESSWAY_PLAIN,
    EXPRESSWAY_V1,
    UNITY_PATH,
    ExpresswayServer,
    UnityServer,
    WebPublisherServer,
)

if TYPE_CHECKING:
    from collectors.mock.vos import SshEndpoints

KEEPALIVE_S = 20.0
"""How long a publisher keeps an idle HTTPS connection (Tomcat's shipped default); the
collector's idle expiry (15 s) is shorter."""


@dataclass(frozen=True)
class MockPublisherInfo:
    """What a client needs to reach one simulated publisher."""

    name: str
    host: str
    port: int
    url: str
    axl_version: str
    username: str
    password: str
    ca_bundle: str
    scenario: str
    timezone: str
    tags: dict[str, str] = field(default_factory=dict)
    ssh_port: int | None = None
    product: str = "cucm"
    version: str | None = None
    """Unity Connection or Expressway version (CUCM's is ``axl_version``)."""
    group: str | None = None
    """Expressway: the cluster (config table) this node is a peer of."""


class MockFleet:
    """Simulated CUCM publishers; ``async with`` starts them, leaving stops them.

    ``scenarios`` (one name per publisher) overrides ``clusters``/``scenario_mix``;
    ``axl_versions`` (one per publisher) overrides the drawn AXL versions.
    ``slow_ms`` is the extra delay of ``slow`` publishers (default: the larger of
    20 x latency and 3 s). ``clock`` may be injected to drive simulated time by hand.
    ``ssh`` also starts a VOS shell per publisher (``collectors.mock.vos``) answering
    ``show license ...`` from the same living state; ``known_hosts`` then vouches for them.
    ``cli_share`` (with ``ssh``) makes that share of the CUCM publishers, chosen from the
    seed, run CUCM 12.0: AXL lacks ``getSmartLicenseStatus`` (a dispatch fault for every
    version) and the config polls them with ``transport = "cli"``.
    ``products`` shares the fleet between ``cucm``, ``unity`` and ``expressway`` (e.g.
    ``{"cucm": 0.6, "unity": 0.2, "expressway": 0.2}``; default all CUCM);
    ``product_list`` names each publisher's product instead, and ``versions`` each one's
    Unity Connection or Expressway version (:mod:`collectors.mock.products`).
    """

    def __init__(
        self,
        clusters: int = 24,
        seed: int = 0,
        scenario_mix: str = "demo",
        speed: float = 1.0,
        latency_ms: float = 0.0,
        *,
        scenarios: Sequence[str] | None = None,
        axl_versions: Sequence[str] | None = None,
        host: str = "127.0.0.1",
        base_port: int = 0,
        workdir: str | Path | None = None,
        slow_ms: float | None = None,
        clock: SimClock | None = None,
        ssh: bool = False,
        ssh_base_port: int = 0,
        cli_share: float = 0.0,
        products: Mapping[str, float] | None = None,
        product_list: Sequence[str] | None = None,
        versions: Sequence[str] | None = None,
    ) -> None:
        if scenarios is not None:
            names = check_scenarios(scenarios)
        else:
            if clusters < 0:
                raise ValueError(f"clusters must be >= 0, got {clusters}")
            names = choose_scenarios(clusters, scenario_mix, seed)
        if product_list is not None:
            unknown = sorted(set(product_list) - set(PRODUCTS))
            if unknown or len(product_list) != len(names):
                raise ValueError(f"product_list must name one of {', '.join(PRODUCTS)} each")
            kinds: list[str] | None = list(product_list)
        else:
            kinds = assign_products(len(names), products, seed) if products else None
        self.clock = clock or SimClock(speed)
        self.host = host
        self.base_port = base_port
        self.latency_ms = latency_ms
        self.slow_ms = slow_ms if slow_ms is not None else max(20 * latency_ms, 3000.0)
        self.profiles: list[Profile] = make_profiles(
            names, seed, self.clock.start, axl_versions, kinds, versions
        )
        if cli_share:
            self.profiles = _with_cucm12(self.profiles, cli_share, seed, ssh=ssh)
        self._workdir_arg = Path(workdir) if workdir is not None else None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.workdir: Path | None = None
        self.publishers: list[MockPublisherInfo] = []
        self.servers: dict[str, PublisherServer | WebPublisherServer] = {}
        self._sockets: list[socket.socket] = []
        self._listeners: list[tuple[asyncio.Server, web.Server]] = []
        self._closing: asyncio.Event | None = None
        self._ssh_wanted = ssh
        self._ssh_base_port = ssh_base_port
        self._ssh: SshEndpoints | None = None
        self.known_hosts: Path | None = None

    # ----- lifecycle -----------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Issue certificates, bind every port and start listening."""
        if self._workdir_arg is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="licdash-mock-")
            self.workdir = Path(self._tmp.name)
        else:
            self.workdir = self._workdir_arg
        self._closing = asyncio.Event()
        self.publishers, self.servers = [], {}
        loop = asyncio.get_running_loop()
        try:
            ca, rogue = await asyncio.to_thread(self._authorities, self.workdir)
            contexts = await asyncio.to_thread(self._contexts, ca, rogue)
            for i, profile in enumerate(self.profiles):
                sock = self._bind(i)
                port = sock.getsockname()[1]
                kind = _SERVERS.get(profile.product, PublisherServer)
                server = kind(
                    profile,
                    self.clock,
                    latency_ms=self.latency_ms,
                    slow_ms=self.slow_ms,
                    closing=self._closing,
                )
                self.servers[profile.name] = server
                if profile.scenario != "refused":
                    # Cancel a handler when its client goes away (a hang must not pile up tasks).
                    # An idle connection is kept KEEPALIVE_S, as Tomcat's shipped
                    # connectionTimeout (CUCM and Unity serve AXL and CUPI from Tomcat)
                    # does; aiohttp's own default is an hour.
                    web_server = web.Server(
                        server.handle,
                        access_log=None,
                        handler_cancellation=True,
                        keepalive_timeout=KEEPALIVE_S,
                    )
                    aio = await loop.create_server(web_server, sock=sock, ssl=contexts[i])
                    self._listeners.append((aio, web_server))
                self.publishers.append(self._info(profile, port, str(ca.bundle)))
            if self._ssh_wanted:
                await self._start_ssh(self.workdir)
        except BaseException:
            await self.stop()
            raise

    async def _start_ssh(self, workdir: Path) -> None:
        from collectors.mock.vos import SshEndpoints

        self._ssh = SshEndpoints(
            host=self.host, base_port=self._ssh_base_port, slow_s=self.slow_ms / 1000.0
        )
        cucm = [s for p in self.profiles if isinstance(s := self.servers[p.name], PublisherServer)]
        ports = dict(
            zip([s.profile.name for s in cucm], await self._ssh.start(cucm, workdir), strict=True)
        )
        self.known_hosts = self._ssh.known_hosts
        self.publishers = [replace(info, ssh_port=ports.get(info.name)) for info in self.publishers]

    async def stop(self) -> None:
        """Stop listening, release hanging requests and close every socket."""
        if self._closing is not None:
            self._closing.set()
        if self._ssh is not None:
            ssh, self._ssh = self._ssh, None
            await ssh.close()
        listeners, self._listeners = self._listeners, []
        for aio, ws in listeners:
            aio.close()
            ws.pre_shutdown()  # wakes idle keep-alive connections so they end now
        transports = [h.transport for _, ws in listeners for h in ws.connections]
        await asyncio.gather(*(ws.shutdown(1.0) for _, ws in listeners), return_exceptions=True)
        # A TLS close waits for the peer's close_notify; an idle keep-alive client may
        # never send it, so cut what is left rather than leak it past the loop.
        for transport in transports:
            if transport is not None:
                transport.abort()
        if transports:
            await asyncio.sleep(0)
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def _authorities(self, workdir: Path) -> tuple[CertAuthority, CertAuthority]:
        ca = CertAuthority(workdir)
        rogue = CertAuthority(workdir / "untrusted", common="unknown corporate CA")
        return ca, rogue

    def _contexts(self, ca: CertAuthority, rogue: CertAuthority) -> list[ssl.SSLContext | None]:
        out: list[ssl.SSLContext | None] = []
        hosts = [self.host, "127.0.0.1", "localhost"]
        for p in self.profiles:
            if p.scenario == "refused":
                out.append(None)
                continue
            issuer = rogue if p.scenario == "untrusted_tls" else ca
            label = p.name.replace("/", "-")  # an Expressway peer: "<cluster>/peer2"
            out.append(server_context(issuer.issue(label, [*hosts, label])))
        return out

    def _bind(self, index: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sockets.append(sock)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        port = self.base_port + index if self.base_port else 0
        try:
            sock.bind((self.host, port))
        except OSError as exc:
            raise OSError(f"mock publisher {index}: cannot bind {self.host}:{port}: {exc}") from exc
        return sock

    def _info(self, p: Profile, port: int, bundle: str) -> MockPublisherInfo:
        return MockPublisherInfo(
            name=p.name,
            host=self.host,
            port=port,
            url=f"https://{self.host}:{port}{_path(p)}",
            axl_version=p.axl_version,
            username=p.username,
            password=p.password,
            ca_bundle=bundle,
            scenario=p.scenario,
            timezone=p.timezone,
            tags=dict(p.tags),
            product=p.product,
            version=p.version,
            group=p.group,
        )

    # ----- views ---------------------------------------------------------------------

    def state(self, name: str) -> LicenceState:
        """The living licence state of publisher ``name`` now."""
        return self.servers[name].state()

    def manifest(self) -> dict[str, Any]:
        keys = ("name", "product", "url", "axl_version", "username", "password", "ca_bundle")
        out = []
        for p in self.publishers:
            entry = {k: getattr(p, k) for k in (*keys, "scenario")}
            if p.version is not None:
                entry["version"] = p.version
            if p.ssh_port is not None:
                entry["ssh_port"] = p.ssh_port
            out.append(entry)
        return {"publishers": out}

    def manifest_json(self) -> str:
        return json.dumps(self.manifest(), indent=2) + "\n"

    def config_toml(self, *, settings: dict[str, int] | None = None) -> str:
        """A licdash config listing every publisher (plain-text mock passwords).

        With ``ssh`` on, each cluster also names its ``ssh_port`` and the fleet's
        ``known_hosts``, so switching ``transport`` to ``cli`` or ``auto`` just works.
        """
        lines = ["# licdash config for a mock fleet (passwords are mock values)", "[settings]"]
        merged = {"interval": 300, "timeout": 15, "concurrency": 100} | (settings or {})
        lines += [f"{k} = {v}" for k, v in merged.items()]
        peers: dict[str, list[MockPublisherInfo]] = {}
        for p in self.publishers:
            if p.group is not None:
                peers.setdefault(p.group, []).append(p)
        for p in self.publishers:
            if p.group is not None and peers[p.group][0] is not p:
                continue  # listed in its first peer's table
            lines += ["", *_cluster_table(p, peers.get(p.group or "", []), self.known_hosts)]
        return "\n".join(lines) + "\n"


CUCM12 = "12.0"
"""The AXL version of a CUCM 12.0 publisher: no ``getSmartLicenseStatus`` at all."""
_SERVERS: dict[str, type[UnityServer] | type[ExpresswayServer]] = {
    "unity": UnityServer,
    "expressway": ExpresswayServer,
}


def _path(p: Profile) -> str:
    if p.product == "unity":
        return UNITY_PATH
    if p.product == "expressway":
        return EXPRESSWAY_PLAIN if p.version in EXPRESSWAY_NO_V1 else EXPRESSWAY_V1
    return "/axl/"


def _cluster_table(
    p: MockPublisherInfo, peers: list[MockPublisherInfo], known_hosts: Path | None
) -> list[str]:
    """One ``[[clusters]]`` table: a CUCM or Unity publisher, or an Expressway cluster
    whose ``peers`` expand to one row per node (named ``<group>/peer<n>``)."""
    tags = ", ".join(f"{k} = {_q(v)}" for k, v in p.tags.items())
    lines = ["[[clusters]]", f"name = {_q(p.group or p.name)}"]
    if p.product != "cucm":
        lines.append(f"product = {_q(p.product)}")
    lines.append(f"publisher = {_q(f'{p.host}:{p.port}')}")
    if len(peers) > 1:
        lines.append("peers = [" + ", ".join(_q(f"{x.host}:{x.port}") for x in peers[1:]) + "]")
    if p.product == "cucm":
        cli = p.axl_version == CUCM12
        lines.append(f"transport = {_q('cli' if cli else 'axl')}")
        lines.append(f"axl_version = {_q('auto' if cli else p.axl_version)}")
    lines += [
        f"username = {_q(p.username)}",
        f"password = {_q(p.password)}",
        f"verify = {_q(p.ca_bundle)}",
        f"timezone = {_q(p.timezone)}",
        f"tags = {{ {tags} }}",
    ]
    if p.ssh_port is not None:
        lines.append(f"ssh_port = {p.ssh_port}")
        if known_hosts is not None:
            lines.append(f"known_hosts = {_q(str(known_hosts))}")
    return lines


def _with_cucm12(profiles: list[Profile], share: float, seed: int, *, ssh: bool) -> list[Profile]:
    """``share`` of the profiles, chosen from ``seed``, turned into CUCM 12.0 publishers."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"cli_share must be between 0 and 1, got {share}")
    if not ssh:
        raise ValueError("cli_share needs ssh: CUCM 12.0 publishers are polled over SSH")
    rng = random.Random(f"licdash-mock-cucm12:{seed}")
    cucm = [i for i, p in enumerate(profiles) if p.product == "cucm"]
    chosen = set(rng.sample(cucm, round(share * len(cucm))))
    return [replace(p, axl_version=CUCM12) if i in chosen else p for i, p in enumerate(profiles)]


def _q(value: str) -> str:
    """A TOML basic string."""
    return json.dumps(value)


class ThreadedFleet:
    """A :class:`MockFleet` on its own event loop in a daemon thread, for sync code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args = args
        self._kwargs = kwargs
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.fleet: MockFleet | None = None

    @property
    def publishers(self) -> list[MockPublisherInfo]:
        return self._require().publishers

    def _require(self) -> MockFleet:
        if self.fleet is None:
            raise RuntimeError("ThreadedFleet is not started")
        return self.fleet

    def start(self, timeout: float = 60.0) -> Self:
        """Start the loop thread and the fleet; returns once every publisher listens."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(
            target=loop.run_forever, name="licdash-mock-fleet", daemon=True
        )
        self._thread.start()

        async def make() -> MockFleet:
            fleet = MockFleet(*self._args, **self._kwargs)
            await fleet.start()
            return fleet

        try:
            self.fleet = asyncio.run_coroutine_threadsafe(make(), loop).result(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 30.0) -> None:
        loop, fleet = self._loop, self.fleet
        if loop is None:
            return
        if fleet is not None:
            asyncio.run_coroutine_threadsafe(fleet.stop(), loop).result(timeout)
        # getaddrinfo and friends leave a default-executor thread behind otherwise.
        asyncio.run_coroutine_threadsafe(loop.shutdown_default_executor(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout)
        loop.close()
        self._loop = None
        self.fleet = None

    def manifest(self) -> dict[str, Any]:
        return self._require().manifest()

    def config_toml(self) -> str:
        return self._require().config_toml()

    def state(self, name: str) -> LicenceState:
        return self._require().state(name)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
