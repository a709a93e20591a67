"""A hostile AXL publisher: a real aiohttp HTTPS server on loopback, one port per cluster.

Each port serves one *behaviour* (a name in :data:`BEHAVIOURS`), switchable between
cycles, so a test polls a cluster healthily first (it gets a last good snapshot), then
turns it hostile and checks what survives. Nothing here is the demo mock: every answer is
built by hand, byte by byte where the attack needs it.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import inspect
import ssl
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

Handler = Callable[[web.Request, "Publisher"], Awaitable[web.StreamResponse]]


def _when(days: float) -> str:
    at = datetime.now(UTC) + timedelta(days=days)
    return at.strftime("%a %b %d %H:%M:%S UTC %Y")


def healthy_body(
    count: str = "25", smart_account: str = "ACME CORP", status: str = "Registered"
) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        "<soapenv:Body><ns:getSmartLicenseStatusResponse "
        'xmlns:ns="http://www.cisco.com/AXL/API/14.0"><LicenseDetails>'
        "<SmartLicensing>ENABLED</SmartLicensing><Registration>"
        f"<Status>{status}</Status><SmartAccount>{smart_account}</SmartAccount>"
        "<VirtualAccount>voice</VirtualAccount>"
        f"<LastRenewalAttempt>{_when(-10)}</LastRenewalAttempt>"
        f"<NextRenewalAttempt>{_when(170)}</NextRenewalAttempt>"
        "<LastRenewalStatus>SUCCEEDED</LastRenewalStatus>"
        f"<RegistrationExpires>{_when(355)}</RegistrationExpires>"
        "<ExportControlFunctionality>ALLOWED</ExportControlFunctionality></Registration>"
        "<Authorization><Status>Authorized</Status>"
        f"<LastCommunicationAttempt>{_when(-1)}</LastCommunicationAttempt>"
        "<LastCommunicationStatus>SUCCEEDED</LastCommunicationStatus>"
        f"<NextCommunicationAttempt>{_when(29)}</NextCommunicationAttempt>"
        f"<AuthorizationExpires>{_when(89)}</AuthorizationExpires></Authorization>"
        "<LicenseStatus><Entitlement><Tag>regid.2016-07.com.cisco.CUCM_Enh,14.0</Tag>"
        f"<Count>{count}</Count><Status>In Compliance</Status></Entitlement></LicenseStatus>"
        "</LicenseDetails></ns:getSmartLicenseStatusResponse></soapenv:Body></soapenv:Envelope>"
    ).encode()


def fault_body(faultstring: str) -> bytes:
    escaped = faultstring.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        "<soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode>"
        f"<faultstring>{escaped}</faultstring><detail><axlError><axlcode>-1</axlcode>"
        "</axlError></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()


def _xml(body: bytes, status: int = 200, **headers: str) -> web.Response:
    return web.Response(
        body=body, status=status, headers={"Content-Type": "text/xml; charset=utf-8", **headers}
    )


def _password(request: web.Request) -> tuple[str, str]:
    """(the Authorization header as sent, the password in it)."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Basic ")
    try:
        pair = base64.b64decode(token).decode()
    except ValueError:
        return header, ""
    return header, pair.partition(":")[2]


BOMB_SIZE = 100 * 1024 * 1024
"""Decoded size of the compression bombs (far over any cap, a few hundred KB on the wire)."""


def _zeros_gzip(size: int) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1024 * 1024)
    parts = [comp.compress(block) for _ in range(size // len(block))]
    parts.append(comp.flush())
    return b"".join(parts)


_CACHE: dict[str, bytes] = {}


def gzip_bomb() -> bytes:
    if "gz" not in _CACHE:
        _CACHE["gz"] = _zeros_gzip(BOMB_SIZE)
    return _CACHE["gz"]


def gzip_gzip_bomb() -> bytes:
    if "gzgz" not in _CACHE:
        _CACHE["gzgz"] = gzip.compress(gzip_bomb(), 9)
    return _CACHE["gzgz"]


def deflate_bomb() -> bytes:
    if "deflate" not in _CACHE:
        comp = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS)
        block = b"\0" * (1024 * 1024)
        _CACHE["deflate"] = b"".join(comp.compress(block) for _ in range(100)) + comp.flush()
    return _CACHE["deflate"]


# ----- behaviours ---------------------------------------------------------------------


async def healthy(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return _xml(healthy_body())


async def soap_fault_text(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return _xml(fault_body(pub.text), status=500)


async def echo_credentials(request: web.Request, pub: Publisher) -> web.StreamResponse:
    header, password = _password(request)
    user = "licdash-axl"
    text = (
        f"denied: Authorization: {header} | password={password} | basic {header[6:]} "
        f"| url {quote(password, safe='')} | pair {user}:{password} | raw {password}"
    )
    return _xml(fault_body(text), status=500)


async def echo_in_fields(request: web.Request, pub: Publisher) -> web.StreamResponse:
    header, password = _password(request)
    escaped = password.replace("&", "&amp;").replace("<", "&lt;")
    return _xml(healthy_body(smart_account=f"{escaped} {header}"))


async def value(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return _xml(healthy_body(count=pub.text))


async def raw_status(request: web.Request, pub: Publisher) -> web.StreamResponse:
    escaped = pub.text.replace("&", "&amp;").replace("<", "&lt;")
    return _xml(healthy_body(status=escaped))


async def html_500_with_fault(request: web.Request, pub: Publisher) -> web.StreamResponse:
    page = b"<html><body><h1>Internal Error</h1><p>Fault in module axl</p></body></html>"
    return web.Response(body=page, status=500, content_type="text/html")


def _encoded(body: bytes, encoding: str) -> web.Response:
    return web.Response(
        body=body, headers={"Content-Type": "text/xml", "Content-Encoding": encoding}
    )


async def gzip_layer(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return _encoded(gzip_bomb(), "gzip")


async def gzip_gzip(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return _encoded(gzip_gzip_bomb(), "gzip, gzip")


async def gzip_small(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return _encoded(gzip.compress(healthy_body()), "gzip")  # held: decoded within the cap


async def deflate(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return _encoded(deflate_bomb(), "deflate")


async def three_layers(request: web.Request, pub: Publisher) -> web.StreamResponse:
    body = gzip.compress(gzip.compress(gzip.compress(healthy_body())))
    return _encoded(body, "gzip, gzip, gzip")


async def brotli(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return _encoded(b"\x1b\x03\x00\xf8\xa5\x04", "br")


async def corrupt_gzip(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return _encoded(b"\x1f\x8b\x08\x00garbage-not-deflate" * 10, "gzip")


async def billion_laughs(request: web.Request, pub: Publisher) -> web.StreamResponse:
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    body = f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{lol}]><a>&lol9;</a>'
    return _xml(body.encode())


async def xxe(request: web.Request, pub: Publisher) -> web.StreamResponse:
    body = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<soapenv:Envelope><soapenv:Body><LicenseDetails><Registration><Status>&x;"
        "</Status></Registration></LicenseDetails></soapenv:Body></soapenv:Envelope>"
    )
    return _xml(body.encode())


async def big_body(request: web.Request, pub: Publisher) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/xml"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    chunk = b"<a>" + b"x" * (1024 * 1024) + b"</a>"
    try:
        for _ in range(50):
            await resp.write(chunk)
    except (ConnectionError, RuntimeError):
        pass
    return resp


async def announced_big(request: web.Request, pub: Publisher) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/xml"})
    resp.content_length = 50 * 1024 * 1024
    await resp.prepare(request)
    await resp.write(b"<a>")
    await asyncio.sleep(5)
    return resp


async def slowloris(request: web.Request, pub: Publisher) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/xml"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    try:
        for byte in healthy_body():
            await resp.write(bytes([byte]))
            await asyncio.sleep(0.2)
    except (ConnectionError, RuntimeError):
        pass
    return resp


async def hang(request: web.Request, pub: Publisher) -> web.StreamResponse:
    await asyncio.sleep(30)
    return _xml(healthy_body())


async def mid_body_close(request: web.Request, pub: Publisher) -> web.StreamResponse:
    body = healthy_body()
    resp = web.StreamResponse(headers={"Content-Type": "text/xml"})
    resp.content_length = len(body)
    await resp.prepare(request)
    await resp.write(body[:200])
    assert request.transport is not None
    request.transport.close()
    return resp


async def redirect(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return web.Response(status=302, headers={"Location": "https://evil.example/axl/"})


async def status_401(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return web.Response(status=401, text="no")


async def status_503(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return web.Response(status=503, text="busy")


async def status_404(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return web.Response(status=404, text="not here")


async def empty_200(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return _xml(b"")


async def html_200(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return web.Response(text="<html><body>Login</body></html>", content_type="text/html")


async def bad_encoding_decl(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return _xml(b'<?xml version="1.0" encoding="x-bogus-42"?><a/>')


async def invalid_utf8(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return _xml(b'<?xml version="1.0" encoding="UTF-8"?><a>\xff\xfe\xc3\x28</a>')


async def huge_header(request: web.Request, pub: Publisher) -> web.StreamResponse:
    return web.Response(text="x", headers={"X-Junk": "a" * 200_000})


BEHAVIOURS: dict[str, Handler] = {
    name: fn
    for name, fn in dict(globals()).items()
    if callable(fn)
    and getattr(fn, "__module__", None) == __name__
    and inspect.iscoroutinefunction(fn)
}


@dataclass
class Publisher:
    """One hostile publisher (one port); ``behaviour`` and ``text`` switch between cycles."""

    behaviour: str = "healthy"
    text: str = ""
    port: int = 0
    requests: int = 0
    seen_accept_encoding: list[str] = field(default_factory=list)


class HostileFleet:
    """An aiohttp app listening on one TLS port per publisher."""

    def __init__(self, cert: Path, names: list[str]) -> None:
        self._cert = cert
        self.publishers = {name: Publisher() for name in names}
        self._by_port: dict[int, Publisher] = {}
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        sock = request.transport.get_extra_info("sockname") if request.transport else None
        pub = self._by_port[sock[1]]
        pub.requests += 1
        pub.seen_accept_encoding.append(request.headers.get("Accept-Encoding", ""))
        await request.read()
        return await BEHAVIOURS[pub.behaviour](request, pub)

    async def __aenter__(self) -> HostileFleet:
        app = web.Application(handler_args={"max_field_size": 1 << 20})
        app.router.add_post("/axl/", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self._cert)
        for pub in self.publishers.values():
            site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=ctx)
            await site.start()
            server = site._server
            assert server is not None
            pub.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self._by_port[pub.port] = pub
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
