"""``AsyncioHTTPTransport``: httpx's exception types (cause chained) and pooled connections.

Plain HTTP on loopback is enough here: TLS goes through the same pool and is covered by
the fleet tests, which run every fault scenario on both network back ends.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpcore
import httpx
import pytest

from collectors.transports.aio_net import AsyncioHTTPTransport, as_httpx_error

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
LIMITS = httpx.Limits(max_connections=2, max_keepalive_connections=2, keepalive_expiry=30)


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[tuple[int, list[int]]]:
    """A loopback server; yields its port and a list that grows by one per connection."""
    connections: list[int] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            await handler(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1], connections


async def read_request(reader: asyncio.StreamReader) -> None:
    await reader.readuntil(b"\r\n\r\n")


def request(port: int, timeout: float = 2.0) -> httpx.Request:
    return httpx.Request(
        "GET",
        f"http://127.0.0.1:{port}/axl/",
        extensions={"timeout": httpx.Timeout(timeout).as_dict()},
    )


def transport() -> AsyncioHTTPTransport:
    return AsyncioHTTPTransport(ssl.create_default_context(), LIMITS)


def chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_refused_connect_is_httpx_connect_error_chained_to_the_os_error() -> None:
    t = transport()
    try:
        with pytest.raises(httpx.ConnectError) as info:
            await t.handle_async_request(request(free_port()))
    finally:
        await t.aclose()
    assert isinstance(info.value.__cause__, httpcore.ConnectError)
    # httpcore's pool re-raises ``from None``, which keeps the OS error as the context.
    assert any(isinstance(c, ConnectionRefusedError) for c in chain(info.value))


async def test_silent_server_is_httpx_read_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(5)

    t = transport()
    async with serve(silent) as (port, _):
        try:
            with pytest.raises(httpx.ReadTimeout) as info:
                await t.handle_async_request(request(port, timeout=0.2))
        finally:
            await t.aclose()
    assert isinstance(info.value.__cause__, httpcore.ReadTimeout)


async def test_body_cut_short_is_remote_protocol_error_while_reading() -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a little")
        await writer.drain()

    t = transport()
    async with serve(cut) as (port, _):
        try:
            response = await t.handle_async_request(request(port))
            assert response.status_code == 200
            with pytest.raises(httpx.RemoteProtocolError) as info:
                await response.aread()
            await response.aclose()
        finally:
            await t.aclose()
    assert isinstance(info.value.__cause__, httpcore.RemoteProtocolError)


async def test_closed_response_returns_its_connection_for_reuse() -> None:
    async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(3):
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    t = transport()
    async with serve(keep_alive) as (port, connections):
        try:
            for _ in range(3):
                response = await t.handle_async_request(request(port))
                assert await response.aread() == b"ok"
                await response.aclose()
        finally:
            await t.aclose()
    assert len(connections) == 1


async def test_unread_body_closed_early_frees_the_pool_slot() -> None:
    """A capped read stops mid-body; closing must still release the connection slot."""

    async def big(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
            await writer.drain()

    t = AsyncioHTTPTransport(
        ssl.create_default_context(), httpx.Limits(max_connections=1, max_keepalive_connections=1)
    )
    async with serve(big) as (port, _):
        try:
            for _ in range(3):
                response = await t.handle_async_request(request(port, timeout=1.0))
                await response.aclose()  # without reading: would hold the only slot
        finally:
            await t.aclose()


@pytest.mark.parametrize(
    ("core", "expected"),
    [
        (httpcore.ConnectTimeout, httpx.ConnectTimeout),
        (httpcore.ReadTimeout, httpx.ReadTimeout),
        (httpcore.WriteTimeout, httpx.WriteTimeout),
        (httpcore.PoolTimeout, httpx.PoolTimeout),
        (httpcore.ConnectError, httpx.ConnectError),
        (httpcore.ReadError, httpx.ReadError),
        (httpcore.WriteError, httpx.WriteError),
        (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
        (httpcore.LocalProtocolError, httpx.LocalProtocolError),
        (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
        (httpcore.ProxyError, httpx.ProxyError),
    ],
)
def test_each_httpcore_error_maps_to_the_same_httpx_type(
    core: type[Exception], expected: type[httpx.HTTPError]
) -> None:
    mapped = as_httpx_error(core("why"))
    assert type(mapped) is expected
    assert str(mapped) == "why"


def test_foreign_errors_are_not_mapped() -> None:
    assert as_httpx_error(ValueError("x")) is None


async def test_a_prepared_pool_declares_asyncio_to_the_tasks_it_starts_afterwards() -> None:
    """httpcore asks sniffio which library runs at every lock and shield of a request;
    once the pool is prepared the answer is declared, not sniffed from the current task,
    and a request still goes through."""
    import sniffio

    from collectors.secrets import SecretResolver
    from collectors.transports.http_pool import HttpPool

    async def declared() -> str | None:
        return sniffio.current_async_library_cvar.get()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    async def run() -> tuple[str | None, str | None, bytes]:
        before = await asyncio.create_task(declared())
        await HttpPool(secrets=SecretResolver()).prepare([])
        after = await asyncio.create_task(declared())
        async with serve(answer) as (port, _):
            transport = AsyncioHTTPTransport(ssl.create_default_context(), LIMITS)
            try:
                resp = await asyncio.create_task(transport.handle_async_request(request(port)))
                body = await resp.aread()
            finally:
                await transport.aclose()
        return before, after, body

    # In a task of its own: the declaration stays in that task's context.
    assert await asyncio.create_task(run()) == (None, "asyncio", b"ok")
    assert sniffio.current_async_library_cvar.get() is None
