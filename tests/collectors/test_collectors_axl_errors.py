"""HTTP statuses and low-level failures the mock fleet does not produce, mapped to kinds.

These use ``httpx.MockTransport`` (or hand-built httpx exceptions) because no publisher
scenario answers 404, a bare 500, 502 or fails DNS; everything else is tested against
the mock fleet over loopback.
"""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from collectors.config import ClusterConfig
from collectors.errors import LicdashError
from collectors.secrets import SecretResolver
from collectors.severity import Thresholds
from collectors.transports.axl import AxlTransport, _session_cookie, map_httpx_error

CLUSTER = ClusterConfig.model_validate(
    {
        "name": "lab",
        "publisher": "pub.example.net:8443",
        "username": "axl",
        "password": "not-a-real-one",
        "axl_version": "14.0",
    }
)
FAULT = (
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    b"<soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode>"
    b"<faultstring>Item not valid</faultstring><detail><axlError><axlcode>5007</axlcode>"
    b"</axlError></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, b"", "auth"),
        (403, b"", "auth"),
        (404, b"Not Found", "not_found"),
        (503, b"busy", "busy"),
        (500, b"<html>oops</html>", "server_error"),
        (502, b"", "server_error"),
        (500, FAULT, "soap_fault"),
        (302, b"", "http_error"),
    ],
)
async def test_statuses_map_to_error_kinds(status: int, body: bytes, kind: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, content=body)

    transport = AxlTransport(secrets=SecretResolver(), http_transport=httpx.MockTransport(handler))
    try:
        with pytest.raises(LicdashError) as info:
            await transport.poll(CLUSTER, now=datetime.now(UTC), thresholds=Thresholds())
    finally:
        await transport.aclose()
    assert info.value.kind == kind
    assert info.value.cluster == "lab"
    assert "not-a-real-one" not in str(info.value)
    request = seen[0]
    assert str(request.url) == "https://pub.example.net:8443/axl/"
    assert request.headers["SOAPAction"] == '"CUCM:DB ver=14.0 getSmartLicenseStatus"'
    assert request.headers["Content-Type"].startswith("text/xml")
    assert b"http://www.cisco.com/AXL/API/14.0" in request.content


def _connect_error(cause: BaseException) -> httpx.ConnectError:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise httpx.ConnectError("connect failed") from inner
    except httpx.ConnectError as exc:
        return exc


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (_connect_error(socket.gaierror(-2, "Name or service not known")), "dns"),
        (_connect_error(ConnectionRefusedError(111, "Connection refused")), "refused"),
        (_connect_error(ssl.SSLCertVerificationError(1, "certificate verify failed")), "tls"),
        (_connect_error(OSError(113, "No route to host")), "transport"),
        (httpx.ConnectTimeout("timed out"), "connect_timeout"),
        (httpx.ReadTimeout("timed out"), "read_timeout"),
        (httpx.RemoteProtocolError("peer closed"), "malformed"),
        (httpx.ReadError("reset"), "transport"),
    ],
)
def test_httpx_failures_map_to_error_kinds(exc: httpx.HTTPError, kind: str) -> None:
    err = map_httpx_error(exc, cluster="lab", where="pub:8443")
    assert err.kind == kind
    assert err.cluster == "lab" and "pub:8443" in err.message


@pytest.mark.parametrize(("cap", "kind"), [(2_000_000, None), (1_100_000, "oversize")])
async def test_the_configured_body_cap_is_the_one_applied(
    shared_dir: Path, cap: int, kind: str | None
) -> None:
    """``max_body_bytes`` governs the parser too, not a cap of the parser's own."""
    sample = (shared_dir / "samples/axl/getSmartLicenseStatus-14.0-registered.xml").read_bytes()
    padding = b"<!--" + b"x" * 1_100_000 + b"-->"  # a 1.1 MB answer, still a valid one
    body = sample.replace(b"</soapenv:Envelope>", padding + b"</soapenv:Envelope>")
    assert body != sample and 1_100_000 < len(body) < 2_000_000

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    transport = AxlTransport(
        secrets=SecretResolver(),
        max_body_bytes=cap,
        http_transport=httpx.MockTransport(handler),
    )
    try:
        if kind is None:
            answer = await transport.poll(CLUSTER, now=datetime.now(UTC), thresholds=Thresholds())
            assert answer.snapshot.cluster == "lab"
        else:
            with pytest.raises(LicdashError) as info:
                await transport.poll(CLUSTER, now=datetime.now(UTC), thresholds=Thresholds())
            assert info.value.kind == kind
            assert f"{cap:,}" in str(info.value)
    finally:
        await transport.aclose()


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("JSESSIONIDSSO=4F2A91; Path=/; Secure; HttpOnly", ("JSESSIONIDSSO", "4F2A91")),
        ('JSESSIONID="q1w2"; Path=/axl', ("JSESSIONID", "q1w2")),
        ("jsessionid = abc ; path=/", ("jsessionid", "abc")),
        ("OTHER=1; Path=/", None),  # not a session cookie
        ("JSESSIONID=; Max-Age=0", None),  # a server clearing it
        ("JSESSIONID=a b", None),
        ("JSESSIONID=x\r\nX-Injected: 1", None),  # nothing unprintable goes back
        ("no equals sign", None),
    ],
)
def test_a_set_cookie_line_keeps_only_a_well_formed_session_cookie(
    line: str, kept: tuple[str, str] | None
) -> None:
    assert _session_cookie(line) == kept
