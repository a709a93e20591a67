"""Simulated Unity Connection publishers and Expressway nodes: one HTTPS ``GET`` each,
behind Basic auth, answering from the same living licence state as the CUCM mock.

The fault scenarios mean what they mean for AXL: ``auth_failure`` (401), ``slow``,
``hang``, ``flapping`` (503 every other request), ``malformed`` (broken JSON or XML),
``truncated`` (cut mid-answer), and ``soap_fault``, which, SOAP being CUCM's, becomes
the web service's own failure: an HTTP 500 page. ``untrusted_tls`` and ``refused`` are
the fleet's. A Unity Connection 12.0 publisher has no ``/vmrest/smartlicense`` (404);
an Expressway before X14.2 answers on ``/api/status/...`` only.
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Final

from aiohttp import web

from collectors.mock import expressway_render, unity_render
from collectors.mock.products import EXPRESSWAY_NO_V1, UNITY_NO_API
from collectors.mock.server import SimulatedServer, ToReal, send_truncated
from collectors.mock.state import LicenceState

UNITY_PATH: Final = "/vmrest/smartlicense/licensedetails"
EXPRESSWAY_V1: Final = "/api/v1/status/common/smartlicensing/licensing"
EXPRESSWAY_PLAIN: Final = "/api/status/common/smartlicensing/licensing"
_JSON: Final = "application/json"
_XML: Final = "application/xml"


def _page(status: int, text: str) -> bytes:
    return (
        f"<!doctype html><html><head><title>HTTP Status {status} – {text}</title></head>"
        f"<body><h1>HTTP Status {status} – {text}</h1></body></html>"
    ).encode()


_BUSY: Final = _page(503, "Service Unavailable")


class WebPublisherServer(SimulatedServer):
    """One simulated node answering its product's status resource."""

    realm = "licdash mock"

    def serves(self, path: str) -> bool:
        """Whether this node has the resource at ``path`` (its version decides)."""
        raise NotImplementedError

    def format(self, request: web.BaseRequest) -> str:
        """``json`` or ``xml``: what this request gets."""
        return "json"

    def body(self, state: LicenceState, to_real: ToReal, fmt: str) -> bytes:
        raise NotImplementedError

    def answer(self, request: web.BaseRequest) -> tuple[str, bytes]:
        """``(content type, body)`` for the current simulated second, cached."""
        fmt = self.format(request)
        body = self.rendered(fmt, lambda state, to_real: self.body(state, to_real, fmt))
        return (_JSON if fmt == "json" else _XML), body

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        scenario = self.profile.scenario
        if request.method != "GET" or not self.serves(request.path):
            return web.Response(status=404, body=_page(404, "Not Found"), content_type="text/html")
        if scenario == "hang":
            await self._closing.wait()
            return web.Response(
                status=503, body=_page(503, "Unavailable"), content_type="text/html"
            )
        if self._latency:
            await asyncio.sleep(self._latency)
        given = request.headers.get("Authorization", "").encode()
        expected = self._expected_auth.encode()
        if scenario == "auth_failure" or not hmac.compare_digest(given, expected):
            return web.Response(
                status=401,
                body=_page(401, "Unauthorized"),
                content_type="text/html",
                headers={"WWW-Authenticate": f'Basic realm="{self.realm}"'},
            )
        if scenario == "slow":
            await asyncio.sleep(self._slow)
        elif scenario == "flapping" and self.requests % 2 == 1:
            return web.Response(
                status=503, body=_page(503, "Unavailable"), content_type="text/html"
            )
        if scenario == "soap_fault":
            body = _page(500, "Internal Server Error")
            return web.Response(status=500, body=body, content_type="text/html")
        ctype, body = self.answer(request)
        headers = {"Content-Type": f"{ctype}; charset=utf-8"}
        if scenario == "malformed":
            return web.Response(status=200, body=_broken(body), headers=headers)
        if scenario == "truncated":
            return await send_truncated(
                request, body, len(body) // 2, headers, honest_length=self.profile.variant == 1
            )
        return web.Response(status=200, body=body, headers=headers)


def _broken(body: bytes) -> bytes:
    """A damaged copy of an answer: JSON without its closing brace, or a closing tag
    that does not match its opening one."""
    stripped = body.rstrip()
    if stripped.startswith(b"{"):
        return stripped[:-1].replace(b'": "', b'": ', 1)
    return body.replace(b"</Register>", b"</Registration>", 1)


class UnityServer(WebPublisherServer):
    """``GET /vmrest/smartlicense/licensedetails``: XML, or JSON when asked for."""

    realm = "Cisco Unity Connection"

    def serves(self, path: str) -> bool:
        return path == UNITY_PATH and self.profile.version != UNITY_NO_API

    def format(self, request: web.BaseRequest) -> str:
        return "json" if _JSON in request.headers.get("Accept", "") else "xml"

    def body(self, state: LicenceState, to_real: ToReal, fmt: str) -> bytes:
        render = unity_render.render_json if fmt == "json" else unity_render.render_xml
        return render(state, zone=self.zone, to_real=to_real, variant=self.profile.variant)


class ExpresswayServer(WebPublisherServer):
    """``GET /api/v1/status/common/smartlicensing/licensing`` (before X14.2 the mock
    serves only ``/api/status/...``)."""

    realm = "Cisco Expressway"

    def serves(self, path: str) -> bool:
        if path == EXPRESSWAY_PLAIN:
            return True
        return path == EXPRESSWAY_V1 and self.profile.version not in EXPRESSWAY_NO_V1

    def body(self, state: LicenceState, to_real: ToReal, fmt: str) -> bytes:
        return expressway_render.render(state, to_real=to_real, variant=self.profile.variant)
