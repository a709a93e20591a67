"""An httpcore network backend on plain asyncio streams, for a lighter TLS path.

httpcore's default backend runs TLS through anyio's ``TLSStream``, a pure-Python memory
BIO layered over anyio's own socket stream. asyncio's native SSL transport does the
same job with fewer layers; across a fleet of short HTTPS polls that is a large share
of the collector's CPU (bench/bench_collect.py). Errors are raised as httpcore's
exception types chained to the original ``OSError``/``ssl`` error, exactly as the anyio
backend does. :class:`AsyncioHTTPTransport` puts an httpcore pool on this backend behind
httpx's public transport interface and maps those errors to httpx's types, chained, so
:func:`collectors.transports.http_pool.map_httpx_error` sees the same thing on either backend.
"""

# ruff: noqa: ASYNC109  (httpcore's backend interface takes `timeout` arguments)
from __future__ import annotations

import asyncio
import select
import socket
import ssl
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpcore
import httpx
from httpcore import SOCKET_OPTION, AsyncNetworkBackend, AsyncNetworkStream

CLOSE_WAIT_S = 1.0
"""How long a close waits for the TLS close_notify exchange before aborting."""


def _socket_readable(sock: socket.socket | None) -> bool:
    """Whether a recv would return at once (data or EOF); a gone socket counts as EOF."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class AsyncioStream(AsyncNetworkStream):
    """One TCP (or TLS) connection as asyncio's StreamReader/StreamWriter pair."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc) or "read timed out") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.ReadError(str(exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc) or "write timed out") from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.WriteError(str(exc)) from exc

    async def aclose(self) -> None:
        writer = self._writer
        if writer.transport.is_closing():
            return
        if writer.get_extra_info("ssl_object") is not None:
            # The pool closes a TLS connection only between exchanges (idle, expired,
            # over the keep-alive limit) or on failure: no answer can be cut short, so
            # the close_notify round trip (a read, an unwrap and a wakeup on both ends,
            # for every poll of a fleet polled over fresh connections) buys nothing.
            writer.transport.abort()
            return
        writer.close()
        try:
            async with asyncio.timeout(CLOSE_WAIT_S):
                await writer.wait_closed()
        except (TimeoutError, OSError, ssl.SSLError):
            writer.transport.abort()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            self._writer.transport.abort()
            raise httpcore.ConnectTimeout(str(exc) or "TLS handshake timed out") from exc
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            self._writer.transport.abort()
            raise httpcore.ConnectError(str(exc)) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":
            # asyncio reads eagerly: a close or stray bytes from the server on an idle
            # connection show up in the reader, not on the socket.
            if self._reader.at_eof() or self._writer.transport.is_closing():
                return True
            if getattr(self._reader, "_buffer", None):
                return True
            sock = self._writer.get_extra_info("socket")
            return _socket_readable(sock)
        return None


class AsyncioBackend(AsyncNetworkBackend):
    """Connects with :func:`asyncio.open_connection` (TCP_NODELAY is asyncio's default)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> AsyncNetworkStream:
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, local_addr=local)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc) or "connect timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_unix_connection(path)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc) or "connect timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        return AsyncioStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


_EXCEPTIONS: dict[type[Exception], type[httpx.HTTPError]] = {
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.ProtocolError: httpx.ProtocolError,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
}
"""httpcore's exception types and the httpx types httpx itself maps them to."""


def as_httpx_error(exc: Exception) -> httpx.HTTPError | None:
    """The httpx exception for an httpcore one (its most specific match), else None.

    The result is not chained yet: raise it ``from exc`` so the ``OSError``/``ssl`` cause
    stays reachable for :func:`collectors.transports.http_pool.map_httpx_error`.
    """
    for cls in type(exc).__mro__:
        target = _EXCEPTIONS.get(cls)
        if target is not None:
            return target(str(exc))
    return None


class _ResponseStream(httpx.AsyncByteStream):
    """The body of one httpcore response; closing it returns the connection to the pool."""

    def __init__(self, response: httpcore.Response) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_stream():
                yield chunk
        except Exception as exc:
            mapped = as_httpx_error(exc)
            if mapped is None:
                raise
            raise mapped from exc

    async def aclose(self) -> None:
        await self._response.aclose()


_STALE = (httpcore.RemoteProtocolError, httpcore.ReadError, httpcore.WriteError)
"""How a request fails on a kept connection the server has just closed."""


class AsyncioHTTPTransport(httpx.AsyncBaseTransport):
    """An HTTP/1.1 keep-alive pool on :class:`AsyncioBackend`, as an httpx transport.

    It does what ``httpx.AsyncHTTPTransport`` does (httpx offers no public way to pick
    httpcore's network backend): hand the request to an ``httpcore.AsyncConnectionPool``
    and raise httpx's exception types, each chained to httpcore's.
    """

    def __init__(self, ssl_context: ssl.SSLContext, limits: httpx.Limits) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=AsyncioBackend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        return await self._send(
            core_request, replayable=isinstance(request.stream, httpx.ByteStream)
        )

    async def send_raw(
        self,
        method: bytes,
        url: httpcore.URL,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        extensions: dict[str, Any],
    ) -> httpx.Response:
        """Send ``body`` with exactly ``headers`` (the caller gives ``Host`` and
        ``Content-Length``, as ``httpx.Request`` would add them): the same bytes on the
        wire as :meth:`handle_async_request`, without building an ``httpx.Request``
        (URL parsing and header normalisation, a tenth of a poll's CPU)."""
        request = httpcore.Request(
            method, url, headers=headers, content=body, extensions=extensions
        )
        return await self._send(request, replayable=True)

    async def _send(self, core_request: httpcore.Request, *, replayable: bool) -> httpx.Response:
        reuses = replayable and any(c.is_idle() for c in self._pool.connections)
        try:
            try:
                response = await self._pool.handle_async_request(core_request)
            except _STALE:
                if not reuses:
                    raise
                # The publisher closed its idle connection as the request went out (its
                # keep-alive ran out first): send it once more, on a new connection.
                response = await self._pool.handle_async_request(core_request)
        except Exception as exc:
            mapped = as_httpx_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
