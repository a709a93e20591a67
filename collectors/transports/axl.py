"""``getSmartLicenseStatus`` over AXL (SOAP over HTTPS) with httpx.

One :class:`AxlTransport` serves a whole fleet. httpx fixes TLS verification per
client, so it keeps a small pool of ``AsyncClient`` objects keyed by TLS setting, and
spreads the connections of one setting over several clients of ``shard_size``
connections each: a single client with hundreds of connections spends its time in
httpcore's pool bookkeeping (see measured.md), several small ones do not.

Session cookies (``JSESSIONIDSSO``/``JSESSIONID``) are kept per cluster, not in the
clients' cookie jars: many publishers may share one host name or address (NAT, a lab),
and a cookie jar ignores ports.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib.util
import math
import re
import socket
import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import httpcore
import httpx

from collectors.config import AXL_VERSIONS, ClusterConfig
from collectors.errors import (
    AuthError,
    AxlNotFoundError,
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
    UnsupportedVersionError,
)
from collectors.model import LicenseSnapshot
from collectors.secret_scrub import scrub_bytes
from collectors.secrets import SecretResolver
from collectors.transports.aio_net import AsyncioHTTPTransport
from collectors.transports.base import Answer
from collectors.transports.body_limits import encodings, read_bounded

if TYPE_CHECKING:
    from collectors.severity import Thresholds

ParseFn = Callable[..., LicenseSnapshot]
VerifyKey = bool | str

ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:ns="http://www.cisco.com/AXL/API/{version}">'
    "<soapenv:Header/><soapenv:Body><ns:getSmartLicenseStatus/></soapenv:Body>"
    "</soapenv:Envelope>"
)
SESSION_COOKIES = ("JSESSIONIDSSO", "JSESSIONID")


def _default_parse() -> ParseFn:
    from collectors.parsing import parse_axl

    return parse_axl


class _Shard:
    """One connection pool (an httpx transport) and how many polls it is serving."""

    __slots__ = ("in_flight", "transport")

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self.transport = transport
        self.in_flight = 0


class AxlTransport:
    """Polls publishers over AXL; one instance per engine."""

    name = "axl"

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
        parse: ParseFn | None = None,
    ) -> None:
        self._secrets = secrets
        self._timeout = timeout
        self._timeout_exts: dict[float, dict[str, float | None]] = {}
        self._envelopes: dict[str, bytes] = {}
        self._targets: dict[tuple[str, int], tuple[httpcore.URL, bytes]] = {}
        self._max_body = max_body_bytes
        self._shard_size = max(1, shard_size)
        self._idle = max(0, min(idle_per_client, self._shard_size))
        self._idle_expiry = idle_expiry
        self._shards_per_key = max(1, math.ceil(concurrency / self._shard_size))
        self._http_transport = http_transport
        self._network = network
        self._parse = parse
        self._ssl: dict[VerifyKey, ssl.SSLContext] = {}
        self._pools: dict[VerifyKey, list[_Shard]] = {}
        self._versions: dict[str, str] = {}
        self._cookies: dict[str, dict[str, str]] = {}
        self._auth: dict[str, str] = {}
        self._closed = False

    # ----- public ------------------------------------------------------------------

    def known_version(self, cluster: str) -> str | None:
        """The AXL version that last answered for ``cluster``, if any."""
        return self._versions.get(cluster)

    def forget(self, cluster: str) -> None:
        self._versions.pop(cluster, None)
        self._cookies.pop(cluster, None)
        self._auth.pop(cluster, None)

    async def prepare(self, clusters: Sequence[ClusterConfig]) -> None:
        """Load the parser, TLS trust stores and clients before the first poll.

        Reading a CA bundle (the system one holds hundreds of certificates) and the
        first imports of the HTTP stack block; here they run in a worker thread instead
        of stalling the event loop in the middle of the first cycle.
        """

        def load() -> None:
            if self._parse is None:
                self._parse = _default_parse()
            for key in {c.verify for c in clusters}:
                with contextlib.suppress(TlsError):  # that cluster's polls report it
                    self._ssl_context(key)
            for module in ("h11", "anyio._backends._asyncio"):
                with contextlib.suppress(ImportError):
                    importlib.import_module(module)

        await asyncio.to_thread(load)
        for key in {c.verify for c in clusters}:
            if key in self._ssl:
                self._shard_for_key(key)

    async def poll(
        self,
        cluster: ClusterConfig,
        *,
        now: datetime,
        thresholds: Thresholds,
        budget_s: float | None = None,
    ) -> Answer:
        if self._closed:
            raise RuntimeError("AxlTransport is closed")
        parse = self._parse or _default_parse()
        self._parse = parse
        if cluster.verify not in self._ssl:
            # Not loaded by prepare (a reload added it, or the bundle was unreadable):
            # reading a trust store blocks, so it happens in a worker thread.
            try:
                await asyncio.to_thread(self._ssl_context, cluster.verify)
            except LicdashError as exc:
                raise exc.with_cluster(cluster.name) from None
        budget = self._timeout if budget_s is None else budget_s
        shard = self._shard_for(cluster)
        shard.in_flight += 1
        try:
            for version, last in self._versions_to_try(cluster):
                try:
                    body = await self._request(shard.transport, cluster, version, budget)
                    snapshot = parse(
                        body,
                        cluster=cluster.name,
                        publisher=cluster.publisher,
                        now=now,
                        timezone=cluster.timezone,
                        thresholds=thresholds,
                        max_bytes=self._max_body,
                    )
                except UnsupportedVersionError as exc:
                    if self._versions.get(cluster.name) == version:
                        del self._versions[cluster.name]
                    if last:
                        raise exc.with_cluster(cluster.name) from None
                    continue
                except LicdashError as exc:
                    raise exc.with_cluster(cluster.name) from None
                self._versions[cluster.name] = version
                return Answer(
                    snapshot=snapshot,
                    raw=body.decode("utf-8", errors="replace"),
                    transport=self.name,
                    axl_version=version,
                )
            raise AssertionError("unreachable: no AXL version to try")  # pragma: no cover
        finally:
            shard.in_flight -= 1

    async def aclose(self) -> None:
        self._closed = True
        pools, self._pools = self._pools, {}
        for shards in pools.values():
            for shard in shards:
                await shard.transport.aclose()

    # ----- versions ----------------------------------------------------------------

    def _versions_to_try(self, cluster: ClusterConfig) -> list[tuple[str, bool]]:
        order: list[str]
        if cluster.axl_version != "auto":
            order = [cluster.axl_version]
        else:
            known = self._versions.get(cluster.name)
            order = [known] if known else []
            order += [v for v in AXL_VERSIONS if v != known]
        return [(v, i == len(order) - 1) for i, v in enumerate(order)]

    # ----- clients -----------------------------------------------------------------

    def _shard_for(self, cluster: ClusterConfig) -> _Shard:
        return min(self._shard_for_key(cluster.verify), key=lambda s: s.in_flight)

    def _shard_for_key(self, key: VerifyKey) -> list[_Shard]:
        shards = self._pools.get(key)
        if shards is None:
            shards = [_Shard(self._new_transport(key)) for _ in range(self._shards_per_key)]
            self._pools[key] = shards
        return shards

    def _new_transport(self, key: VerifyKey) -> httpx.AsyncBaseTransport:
        """A keep-alive connection pool for one TLS setting.

        Polls go straight to the transport rather than through ``httpx.AsyncClient``:
        every request is a fixed POST with its own auth and session cookie, so the
        client's request merging, cookie jar, auth and redirect layers would only cost
        CPU (about a tenth of a poll's, measured with bench/bench_collect.py).
        """
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

    # ----- one request -------------------------------------------------------------

    async def _request(
        self,
        transport: httpx.AsyncBaseTransport,
        cluster: ClusterConfig,
        version: str,
        budget_s: float,
    ) -> bytes:
        headers = [
            ("Content-Type", "text/xml; charset=utf-8"),
            ("Accept-Encoding", "identity"),
            ("SOAPAction", f'"CUCM:DB ver={version} getSmartLicenseStatus"'),
            ("Authorization", await self._authorization(cluster)),
        ]
        cookies = self._cookies.get(cluster.name)
        if cookies:
            headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())))
        body = self._envelope(version)
        extensions: dict[str, Any] = {"timeout": self._timeout_ext(budget_s)}
        where = f"{cluster.host}:{cluster.port}"
        try:
            if isinstance(transport, AsyncioHTTPTransport):
                target, host = self._target(cluster)
                raw = [(b"Host", host), (b"Content-Length", str(len(body)).encode())]
                raw += [(k.encode(), v.encode("latin-1")) for k, v in headers]
                resp = await transport.post(target, raw, body, extensions)
            else:
                url = f"https://{_url_host(cluster.host)}:{cluster.port}/axl/"
                request = httpx.Request(
                    "POST", url, headers=headers, content=body, extensions=extensions
                )
                resp = await transport.handle_async_request(request)
            try:
                self._remember_cookies(cluster.name, resp)
                body = scrub_bytes(await self._read_capped(resp, where), cluster.name)
            finally:
                await resp.aclose()
        except httpx.HTTPError as exc:
            raise map_httpx_error(exc, cluster=cluster.name, where=where) from None
        status = resp.status_code
        if status == 200:
            return body
        if status in (401, 403):
            self._cookies.pop(cluster.name, None)
            self._auth.pop(cluster.name, None)
            self._secrets.forget(cluster.name)
            what = "rejected the credentials of" if status == 401 else "refused AXL access to"
            raise AuthError(
                f"HTTP {status} from {where}: the publisher {what} user {cluster.username!r}",
                status_code=status,
                cluster=cluster.name,
            )
        if status == 404:
            raise AxlNotFoundError(
                f"HTTP 404 from {where}: no AXL service at /axl/",
                status_code=status,
                cluster=cluster.name,
            )
        if status == 503:
            raise BusyError(
                f"HTTP 503 from {where}: the AXL service is busy or starting",
                status_code=status,
                cluster=cluster.name,
            )
        if status == 500 and _is_soap_fault(resp, body):
            return body  # a SOAP fault: the parser turns it into SoapFaultError
        if status >= 500:
            raise ServerError(
                f"HTTP {status} from {where}: the AXL service failed",
                status_code=status,
                cluster=cluster.name,
            )
        raise HttpStatusError(
            f"unexpected HTTP {status} from {where}", status_code=status, cluster=cluster.name
        )

    def _envelope(self, version: str) -> bytes:
        body = self._envelopes.get(version)
        if body is None:
            body = self._envelopes[version] = ENVELOPE.format(version=version).encode()
        return body

    def _target(self, cluster: ClusterConfig) -> tuple[httpcore.URL, bytes]:
        """The publisher's AXL URL (parsed once) and its ``Host`` header, as httpx
        spells them (the port left out when it is 443)."""
        key = (cluster.host, cluster.port)
        found = self._targets.get(key)
        if found is None:
            url = httpx.URL(f"https://{_url_host(cluster.host)}:{cluster.port}/axl/")
            target = httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            )
            host = url.netloc
            found = self._targets[key] = (target, host)
        return found

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

    async def _authorization(self, cluster: ClusterConfig) -> str:
        header = self._auth.get(cluster.name)
        if header is None:
            password = await self._secrets.get(cluster)
            token = base64.b64encode(f"{cluster.username}:{password}".encode()).decode("ascii")
            header = f"Basic {token}"
            self._auth[cluster.name] = header
        return header

    def _remember_cookies(self, cluster: str, resp: httpx.Response) -> None:
        for line in resp.headers.get_list("set-cookie"):
            found = _session_cookie(line)
            if found is not None:
                self._cookies.setdefault(cluster, {})[found[0]] = found[1]

    async def _read_capped(self, resp: httpx.Response, where: str) -> bytes:
        length = resp.headers.get("content-length")
        if length and length.isdigit() and int(length) > self._max_body:
            raise OversizeResponseError(
                f"{where} announced a {int(length):,}-byte answer; the cap is {self._max_body:,}"
            )
        if resp.is_stream_consumed:  # an in-memory response (httpx.MockTransport)
            return await read_bounded(_once(resp.content), [], self._max_body, where)
        codings = encodings(resp.headers.get_list("content-encoding"))
        return await read_bounded(resp.aiter_raw(), codings, self._max_body, where)


_COOKIE_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _session_cookie(line: str) -> tuple[str, str] | None:
    """``(name, value)`` of a ``Set-Cookie`` line that sets a session cookie.

    A ``Set-Cookie`` header sets one cookie: its first ``name=value`` pair; what follows
    the ``;`` are attributes (RFC 6265 5.2). A quoted value loses its quotes.
    """
    pair = line.split(";", 1)[0]
    name, eq, value = pair.partition("=")
    name, value = name.strip(), value.strip()
    if not eq or not _COOKIE_NAME.fullmatch(name) or name.upper() not in SESSION_COOKIES:
        return None
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not value or any(c in value for c in ' ",;\\') or not value.isprintable():
        return None
    return name, value


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


_FAULT_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Fault[\s>/]")
_ENVELOPE_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Envelope[\s>/]")


def _is_soap_fault(resp: httpx.Response, body: bytes) -> bool:
    """A 500 carrying a SOAP envelope with a Fault element (SOAP's way of failing), not
    a web server's error page that happens to contain the word "Fault"."""
    ctype = resp.headers.get("content-type", "").lower()
    if "html" in ctype:
        return False
    head = body[:4096].lstrip()
    if head[:1] != b"<" or head[:15].lower().startswith((b"<!doctype html", b"<html")):
        return False
    return bool(_ENVELOPE_ELEMENT.search(body) and _FAULT_ELEMENT.search(body))


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


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
