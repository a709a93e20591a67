"""The HTTPS plumbing every web-API transport shares: AXL, Unity's CUPI, Expressway's REST.

One :class:`HttpPool` serves a whole engine. httpx fixes TLS verification per client,
so it keeps connection pools keyed by TLS setting, and spreads the connections of one
setting over several pools of ``shard_size`` connections each: a single pool with
hundreds of connections spends its time in httpcore's bookkeeping (see measured.md),
several small ones do not. Each publisher also gets a pool of its own that keeps one
idle connection between polls (as many publishers as the descriptor limit allows,
:mod:`~collectors.transports.fd_budget`): a poll within ``idle_expiry`` of the last one
skips the TCP and TLS handshakes, most of its CPU. Requests go straight to the pool's
transport rather than through ``httpx.AsyncClient``: every poll is one fixed request with
its own auth, so the client's merging, cookie jar, auth and redirect layers would only
cost CPU.

What else every transport needs from a peer's answer lives here once: the decoded-size
cap (:mod:`~collectors.transports.body_limits`), removing every secret sent to that peer
from what it sent back, naming httpx's failures (:func:`map_httpx_error`) and HTTP
statuses (:meth:`HttpPool.status_error`) as licdash's errors.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib
import logging
import math
import socket
import ssl
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpcore
import httpx
import sniffio

from collectors import event_loop
from collectors.config import ClusterConfig
from collectors.errors import (
    AuthError,
    BusyError,
    ConnectTimeoutError,
    DnsError,
    HttpStatusError,
    LicdashError,
    MalformedResponseError,
    OversizeResponseError,
    ReadTimeoutError,
    RefusedError,
    ServerError,
    TlsError,
    TransportError,
)
from collectors.secret_scrub import scrub_bytes
from collectors.secrets import SecretResolver
from collectors.transports.aio_net import AsyncioHTTPTransport
from collectors.transports.body_limits import encodings, read_bounded
from collectors.transports.fd_budget import idle_budget

log = logging.getLogger(__name__)

VerifyKey = bool | str


@dataclass(frozen=True, slots=True)
class Exchange:
    """One answered request: status, headers and the capped, scrubbed body."""

    status: int
    headers: httpx.Headers
    body: bytes


class _Shard:
    """One connection pool (an httpx transport), how many polls it is serving and since
    when it serves none (a publisher's own pool is closed once that passes the expiry)."""

    __slots__ = ("idle_since", "in_flight", "transport")

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self.transport = transport
        self.in_flight = 0
        self.idle_since = 0.0


class HttpPool:
    """Connection pools, trust stores and Basic credentials for every HTTPS transport."""

    def __init__(
        self,
        *,
        secrets: SecretResolver,
        timeout: float = 15.0,
        max_body_bytes: int = 2_000_000,
        concurrency: int = 100,
        shard_size: int = 25,
        idle_per_client: int = 5,
        idle_expiry: float = 15.0,
        http_transport: httpx.AsyncBaseTransport | None = None,
        network: Literal["asyncio", "anyio"] = "asyncio",
        keep_idle_per_publisher: bool = True,
    ) -> None:
        self.secrets = secrets
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self._timeout_exts: dict[float, dict[str, float | None]] = {}
        self._shard_size = max(1, shard_size)
        self._idle = max(0, min(idle_per_client, self._shard_size))
        self._idle_expiry = idle_expiry
        self._shards_per_key = max(1, math.ceil(concurrency / self._shard_size))
        self._concurrency = concurrency
        self._http_transport = http_transport
        self._network = network
        self._ssl: dict[VerifyKey, ssl.SSLContext] = {}
        self._pools: dict[VerifyKey, list[_Shard]] = {}
        self._auth: dict[str, str] = {}
        # One small pool per publisher (its idle connection survives between polls), for
        # as many publishers as there are descriptors to spare: decided on the running
        # loop, by prepare() or the first poll (see _idle_slots_for).
        self._keep_idle = keep_idle_per_publisher and http_transport is None
        self._keep_idle = self._keep_idle and network == "asyncio" and idle_expiry > 0
        self._idle_slots: int | None = None
        self._own: dict[tuple[VerifyKey, str, int], _Shard] = {}
        self._next_sweep = 0.0
        self._sweeps: set[asyncio.Task[None]] = set()
        self._targets: dict[tuple[str, int, str], tuple[httpcore.URL, bytes]] = {}
        self.closed = False

    # ----- life cycle ----------------------------------------------------------------

    async def prepare(self, clusters: Sequence[ClusterConfig]) -> None:
        """Load TLS trust stores and the HTTP stack's modules before the first poll.

        Reading a CA bundle (the system one holds hundreds of certificates) and the
        first imports of the HTTP stack block; here they run in a worker thread instead
        of stalling the event loop in the middle of the first cycle.
        """

        def load() -> None:
            for key in {c.verify for c in clusters}:
                with contextlib.suppress(TlsError):  # that cluster's polls report it
                    self._ssl_context(key)
            for module in ("h11", "anyio._backends._asyncio"):
                with contextlib.suppress(ImportError):
                    importlib.import_module(module)

        await asyncio.to_thread(load)
        declare_asyncio()
        self._idle_slots_for(len({(c.verify, c.host, c.port) for c in clusters}))
        for key in {c.verify for c in clusters}:
            if key in self._ssl:
                self._shards(key)

    async def aclose(self) -> None:
        self.closed = True
        pools, self._pools = self._pools, {}
        own, self._own = self._own, {}
        for task in list(self._sweeps):
            await task
        for shards in pools.values():
            for shard in shards:
                await shard.transport.aclose()
        for pool in own.values():
            await pool.transport.aclose()

    def forget(self, cluster: str) -> None:
        """Drop the cluster's cached credentials (a reload or a refused login)."""
        self._auth.pop(cluster, None)

    # ----- one poll ------------------------------------------------------------------

    async def ensure_trust(self, cluster: ClusterConfig) -> None:
        """Load the cluster's trust store if :meth:`prepare` did not (a reload added it,
        or the bundle was unreadable); reading it blocks, so it happens in a thread."""
        if cluster.verify in self._ssl:
            return
        try:
            await asyncio.to_thread(self._ssl_context, cluster.verify)
        except LicdashError as exc:
            raise exc.with_cluster(cluster.name) from None

    @contextlib.contextmanager
    def lease(self, cluster: ClusterConfig) -> Iterator[httpx.AsyncBaseTransport]:
        """The publisher's own pool (its idle connection kept between polls) when it has
        one or a descriptor is spare for it; else the least busy shared pool for the
        cluster's TLS setting. For one poll."""
        own = self._own_pool(cluster)
        if own is not None:
            own.in_flight += 1
            try:
                yield own.transport
            finally:
                own.in_flight -= 1
                own.idle_since = self._sweep_if_due()
            return
        shard = min(self._shards(cluster.verify), key=lambda s: s.in_flight)
        shard.in_flight += 1
        try:
            yield shard.transport
        finally:
            shard.in_flight -= 1

    async def call(
        self,
        transport: httpx.AsyncBaseTransport,
        cluster: ClusterConfig,
        method: str,
        path: str,
        *,
        headers: Sequence[tuple[str, str]],
        budget_s: float,
        content: bytes | None = None,
    ) -> Exchange:
        """``method https://<publisher><path>``, asking for an unencoded body and timing
        out within ``budget_s``; read at most ``max_body_bytes`` decoded, and scrub the
        cluster's secrets from it.

        On licdash's own asyncio transport the request goes to the pool as httpcore
        parts, the URL parsed once per publisher: the same bytes on the wire as an
        ``httpx.Request``, without its URL parsing and header normalisation (a tenth of
        a poll's CPU). Any other transport (``httpx.MockTransport`` in tests, anyio)
        gets an ``httpx.Request``.
        """
        place = where(cluster)
        extensions: dict[str, Any] = {"timeout": self._timeout_ext(budget_s)}
        fields = [("Accept-Encoding", "identity"), *headers]
        try:
            if isinstance(transport, AsyncioHTTPTransport):
                target, host = self._target(cluster, path)
                raw = [(b"Host", host)]
                if content is not None:
                    raw.append((b"Content-Length", str(len(content)).encode()))
                raw += [(k.encode(), v.encode("latin-1")) for k, v in fields]
                resp = await transport.send_raw(
                    method.encode(), target, raw, content or b"", extensions
                )
            else:
                request = httpx.Request(
                    method,
                    base_url(cluster) + path,
                    headers=fields,
                    content=content,
                    extensions=extensions,
                )
                resp = await transport.handle_async_request(request)
            try:
                body = await self._read_capped(resp, place)
            finally:
                await resp.aclose()
        except httpx.HTTPError as exc:
            raise map_httpx_error(exc, cluster=cluster.name, where=place) from None
        except OversizeResponseError as exc:
            raise exc.with_cluster(cluster.name) from None
        return Exchange(resp.status_code, resp.headers, scrub_bytes(body, cluster.name))

    async def get(
        self, cluster: ClusterConfig, path: str, *, budget_s: float | None, accept: str
    ) -> Exchange:
        """``GET https://<publisher><path>`` with the cluster's Basic credentials."""
        await self.ensure_trust(cluster)
        budget = self.timeout if budget_s is None else budget_s
        headers = [("Accept", accept), ("Authorization", await self.authorization(cluster))]
        with self.lease(cluster) as transport:
            return await self.call(
                transport, cluster, "GET", path, headers=headers, budget_s=budget
            )

    def _target(self, cluster: ClusterConfig, path: str) -> tuple[httpcore.URL, bytes]:
        """The publisher's URL for ``path`` (parsed once) and its ``Host`` header, as
        httpx spells them (the port left out when it is 443)."""
        key = (cluster.host, cluster.port, path)
        found = self._targets.get(key)
        if found is None:
            url = httpx.URL(base_url(cluster) + path)
            target = httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            )
            found = self._targets[key] = (target, url.netloc)
        return found

    async def authorization(self, cluster: ClusterConfig) -> str:
        """The cluster's ``Authorization: Basic`` value (its password resolved once)."""
        header = self._auth.get(cluster.name)
        if header is None:
            password = await self.secrets.get(cluster)
            token = base64.b64encode(f"{cluster.username}:{password}".encode()).decode("ascii")
            header = f"Basic {token}"
            self._auth[cluster.name] = header
        return header

    def status_error(
        self, answer: Exchange, cluster: ClusterConfig, *, where: str, service: str
    ) -> LicdashError:
        """The error for a status that is neither a success nor the transport's own case.

        A refused login also forgets the cluster's password, so the next poll reads it
        again (a rotated password is picked up without a restart).
        """
        status = answer.status
        if status in (401, 403):
            self._auth.pop(cluster.name, None)
            self.secrets.forget(cluster.name)
            what = "rejected the credentials of" if status == 401 else "refused access to"
            return AuthError(
                f"HTTP {status} from {where}: the {service} service {what} "
                f"user {cluster.username!r}",
                status_code=status,
                cluster=cluster.name,
            )
        if status == 503:
            return BusyError(
                f"HTTP 503 from {where}: the {service} service is busy or starting",
                status_code=status,
                cluster=cluster.name,
            )
        if status >= 500:
            return ServerError(
                f"HTTP {status} from {where}: the {service} service failed",
                status_code=status,
                cluster=cluster.name,
            )
        return HttpStatusError(
            f"unexpected HTTP {status} from {where}", status_code=status, cluster=cluster.name
        )

    # ----- connection pools ----------------------------------------------------------

    def _idle_slots_for(self, publishers: int) -> int:
        """How many publishers get a pool of their own (decided once).

        Only on uvloop: its TLS transport costs about 28 KB per idle connection, while
        asyncio's allocates a 256 KiB read buffer for each (2.5 GB for 10,000 idle ones).
        """
        if self._idle_slots is None:
            self._idle_slots = 0
            if self._keep_idle and event_loop.running_uvloop():
                budget = idle_budget(publishers, self._concurrency)
                self._idle_slots = budget.slots
                if budget.shortfall:
                    log.warning("%s", budget.shortfall)
        return self._idle_slots

    def _sweep_if_due(self) -> float:
        """Now (the loop's clock); every half expiry, a sweep closes the publishers' own
        pools idle for longer than the expiry, so an idle connection holds neither its
        descriptor nor its memory until the next poll (minutes away, at a usual interval)."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if now >= self._next_sweep:
            self._next_sweep = now + self._idle_expiry / 2
            task = loop.create_task(self._sweep(now - self._idle_expiry))
            self._sweeps.add(task)
            task.add_done_callback(self._sweeps.discard)
        return now

    async def _sweep(self, idle_before: float) -> None:
        stale = [
            key
            for key, pool in self._own.items()
            if pool.in_flight == 0 and pool.idle_since < idle_before
        ]
        closing = [self._own.pop(key) for key in stale]  # before any await: none leased
        for pool in closing:
            await pool.transport.aclose()

    def _own_pool(self, cluster: ClusterConfig) -> _Shard | None:
        key = (cluster.verify, cluster.host, cluster.port)
        pool = self._own.get(key)
        if pool is None and len(self._own) < self._idle_slots_for(len(self._own) + 1):
            # Two connections: one poll's requests go one after another (the engine's
            # per-publisher lock), a second is for anyone polling beside the engine.
            limits = httpx.Limits(
                max_connections=2, max_keepalive_connections=1, keepalive_expiry=self._idle_expiry
            )
            transport = AsyncioHTTPTransport(self._ssl_context(cluster.verify), limits)
            pool = self._own[key] = _Shard(transport)
        return pool

    def _shards(self, key: VerifyKey) -> list[_Shard]:
        shards = self._pools.get(key)
        if shards is None:
            shards = [_Shard(self._new_transport(key)) for _ in range(self._shards_per_key)]
            self._pools[key] = shards
        return shards

    def _new_transport(self, key: VerifyKey) -> httpx.AsyncBaseTransport:
        """A keep-alive connection pool for one TLS setting."""
        if self._http_transport is not None:
            return self._http_transport
        limits = httpx.Limits(
            max_connections=self._shard_size,
            max_keepalive_connections=self._idle,
            keepalive_expiry=self._idle_expiry,
        )
        if self._network == "asyncio":
            return AsyncioHTTPTransport(self._ssl_context(key), limits)
        return httpx.AsyncHTTPTransport(
            verify=self._ssl_context(key), limits=limits, trust_env=False
        )

    def _ssl_context(self, key: VerifyKey) -> ssl.SSLContext:
        ctx = self._ssl.get(key)
        if ctx is None:
            if key is False:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            elif key is True:
                ctx = ssl.create_default_context()
            else:
                try:
                    ctx = ssl.create_default_context(cafile=str(key))
                except (OSError, ssl.SSLError) as exc:  # SSLError: no certificate in it
                    reason = getattr(exc, "reason", None) or exc.strerror or type(exc).__name__
                    raise TlsError(
                        f"cannot load the CA bundle {key}: {reason}", field="verify"
                    ) from None
            self._ssl[key] = ctx
        return ctx

    def _timeout_ext(self, timeout: float) -> dict[str, float | None]:
        """httpx's timeout extension for a per-poll budget of ``timeout`` seconds.

        Connect gets part of the budget, so an unreachable host is reported as a connect
        timeout before the engine's overall per-poll timeout fires.
        """
        ext = self._timeout_exts.get(timeout)
        if ext is None:
            ext = httpx.Timeout(timeout, connect=max(0.5, 0.6 * timeout), pool=None).as_dict()
            self._timeout_exts[timeout] = ext
        return ext

    async def _read_capped(self, resp: httpx.Response, where: str) -> bytes:
        limit = self.max_body_bytes
        length = resp.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit:
            raise OversizeResponseError(
                f"{where} announced a {int(length):,}-byte answer; the cap is {limit:,}"
            )
        if resp.is_stream_consumed:  # an in-memory response (httpx.MockTransport)
            return await read_bounded(_once(resp.content), [], limit, where)
        codings = encodings(resp.headers.get_list("content-encoding"))
        return await read_bounded(resp.aiter_raw(), codings, limit, where)


def declare_asyncio() -> None:
    """Tell sniffio, for the running task and every task it starts from now on, that the
    library running them is asyncio (its ``current_async_library_cvar``, which async
    libraries set so).

    httpcore (and anyio under it) asks sniffio which library runs at every lock, event
    and cancellation shield of a request, 13 times a poll; for asyncio sniffio otherwise
    finds out each time by asking for the current task. Declared, the answer is one
    context-variable read: httpcore's lock + shield + event round 36.6 -> 23.8 us,
    about 0.04 ms of a poll's 4-5 ms of CPU."""
    if sniffio.current_async_library_cvar.get() is None:
        sniffio.current_async_library_cvar.set("asyncio")


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


def url_host(host: str) -> str:
    """A host as it goes in a URL (an IPv6 address in brackets)."""
    return f"[{host}]" if ":" in host else host


def base_url(cluster: ClusterConfig) -> str:
    return f"https://{url_host(cluster.host)}:{cluster.port}"


def where(cluster: ClusterConfig) -> str:
    """``host:port`` of the cluster's publisher, as errors name it."""
    return f"{cluster.host}:{cluster.port}"


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def map_httpx_error(exc: httpx.HTTPError, *, cluster: str, where: str) -> LicdashError:
    """Name an httpx failure as one of licdash's errors (no URL credentials, no headers)."""
    chain = _causes(exc)
    if any(isinstance(c, ssl.SSLCertVerificationError) for c in chain):
        cert = next(c for c in chain if isinstance(c, ssl.SSLCertVerificationError))
        reason = getattr(cert, "verify_message", None) or "certificate verification failed"
        return TlsError(f"TLS to {where}: {reason}", cluster=cluster)
    if any(isinstance(c, ssl.SSLError) for c in chain):
        ssl_exc = next(c for c in chain if isinstance(c, ssl.SSLError))
        reason = getattr(ssl_exc, "reason", None) or type(ssl_exc).__name__
        return TlsError(f"TLS handshake with {where} failed: {reason}", cluster=cluster)
    if isinstance(exc, httpx.ConnectTimeout):
        return ConnectTimeoutError(f"connecting to {where} timed out", cluster=cluster)
    if isinstance(exc, httpx.TimeoutException):
        return ReadTimeoutError(f"{where} accepted but did not answer in time", cluster=cluster)
    if isinstance(exc, httpx.ConnectError):
        if any(isinstance(c, socket.gaierror) for c in chain) or _says(
            chain, "name or service not known", "nodename nor servname", "name resolution"
        ):
            return DnsError(f"cannot resolve the host name of {where}", cluster=cluster)
        if any(isinstance(c, ConnectionRefusedError) for c in chain) or _says(
            chain, "refused", "all connection attempts failed"
        ):
            port = where.rpartition(":")[2]
            return RefusedError(
                f"{where} refused the connection",
                port=int(port) if port.isdigit() else None,
                cluster=cluster,
            )
        return TransportError(f"cannot connect to {where}: {exc}", cluster=cluster)
    if isinstance(exc, httpx.RemoteProtocolError):
        return MalformedResponseError(
            f"{where} closed the connection before a complete answer", cluster=cluster
        )
    if isinstance(exc, httpx.DecodingError):
        return MalformedResponseError(f"{where} sent an undecodable body", cluster=cluster)
    return TransportError(f"talking to {where} failed ({type(exc).__name__})", cluster=cluster)


def _says(chain: list[BaseException], *needles: str) -> bool:
    text = " ".join(str(c).lower() for c in chain)
    return any(n in text for n in needles)
