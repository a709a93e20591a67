"""One simulated publisher's AXL endpoint: ``POST /axl/`` behind Basic auth and a cookie.

The handler stays lean (no XML parsing: a regex finds the namespace version and the
operation) and rendered answers are cached per AXL version and simulated second.
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from aiohttp import web

from collectors.mock.axl_render import dispatch_fault, malformed, render_status, service_fault
from collectors.mock.clock import SimClock
from collectors.mock.profiles import AXL_VERSIONS, Profile
from collectors.mock.state import LicenceState, licence_state

COOKIE: Final = "JSESSIONIDSSO"
OPERATION: Final = "getSmartLicenseStatus"
_MAX_SESSIONS: Final = 256
_XML: Final = "text/xml; charset=utf-8"
_NS_RE: Final = re.compile(rb"http://www\.cisco\.com/AXL/API/([0-9][0-9.]*)")
_OP_RE: Final = re.compile(rb"Body[^>]*>\s*<(?:[\w.-]+:)?([A-Za-z]\w*)")
_ACTION_RE: Final = re.compile(r"ver=([0-9][0-9.]*)")
_UNAUTHORIZED: Final = (
    b"<html><head><title>Error 401 Unauthorized</title></head>"
    b"<body><h1>HTTP Status 401 - Unauthorized</h1></body></html>"
)
_BUSY: Final = (
    b"<html><head><title>Error 503 Service Unavailable</title></head>"
    b"<body><h1>HTTP Status 503 - AXL service is busy, try again later</h1></body></html>"
)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


ToReal = Callable[[datetime], datetime]
Render = Callable[[LicenceState, ToReal], bytes]


class SimulatedServer:
    """What every simulated node shares: its profile's living state on the simulated
    clock, rendered answers cached per simulated second, request counts, Basic auth.

    ``closing`` is set when the fleet stops, releasing ``hang`` handlers.
    """

    def __init__(
        self,
        profile: Profile,
        clock: SimClock,
        *,
        latency_ms: float,
        slow_ms: float,
        closing: asyncio.Event,
    ) -> None:
        self.profile = profile
        self.clock = clock
        self.zone = ZoneInfo(profile.timezone)
        self.requests = 0
        self.in_flight = 0
        self._latency = latency_ms / 1000.0
        self._slow = slow_ms / 1000.0
        self._closing = closing
        token = base64.b64encode(f"{profile.username}:{profile.password}".encode()).decode()
        self._expected_auth = f"Basic {token}"
        self._cache: dict[str, tuple[int, bytes]] = {}

    def state(self, at: datetime | None = None) -> LicenceState:
        """The living licence state now (or at simulated time ``at``)."""
        return licence_state(self.profile.plan, at or self.clock.now())

    def rendered(self, key: str, render: Render) -> bytes:
        """``render`` of the state at the current simulated second, cached by ``key``."""
        elapsed = self.clock.elapsed()
        second = int(elapsed * self.clock.speed)
        hit = self._cache.get(key)
        if hit is None or hit[0] != second:

            def to_real(t: datetime) -> datetime:
                return self.clock.to_real(t, elapsed=elapsed)

            hit = (second, render(self.state(self.clock.sim_at(elapsed)), to_real))
            self._cache[key] = hit
        return hit[1]

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        self.requests += 1
        self.in_flight += 1
        try:
            return await self._handle(request)
        finally:
            self.in_flight -= 1

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        raise NotImplementedError


class PublisherServer(SimulatedServer):
    """Answers AXL for one publisher according to its scenario."""

    def __init__(
        self,
        profile: Profile,
        clock: SimClock,
        *,
        latency_ms: float,
        slow_ms: float,
        closing: asyncio.Event,
    ) -> None:
        super().__init__(profile, clock, latency_ms=latency_ms, slow_ms=slow_ms, closing=closing)
        self._sessions: dict[str, None] = {}
        own = _version_key(profile.axl_version)
        self._served = frozenset(v for v in AXL_VERSIONS if _version_key(v) <= own)

    def answer(self, version: str) -> bytes:
        """The rendered answer for the current simulated second, cached."""

        def render(state: LicenceState, to_real: ToReal) -> bytes:
            return render_status(state, version=version, zone=self.zone, to_real=to_real)

        return self.rendered(version, render)

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        scenario = self.profile.scenario
        if request.method != "POST" or request.path.rstrip("/") != "/axl":
            return web.Response(status=404, text="Not Found")
        if scenario == "hang":
            await self._closing.wait()
            return web.Response(status=503, body=_BUSY, content_type="text/html")
        if self._latency:
            await asyncio.sleep(self._latency)
        new_session = self._authenticate(request)
        if new_session is False:
            return web.Response(
                status=401,
                body=_UNAUTHORIZED,
                content_type="text/html",
                headers={"WWW-Authenticate": 'Basic realm="Cisco AXL API"'},
            )
        body = await request.read()
        if scenario == "slow":
            await asyncio.sleep(self._slow)
        elif scenario == "flapping" and self.requests % 2 == 1:
            return web.Response(status=503, body=_BUSY, content_type="text/html")
        status, payload = self._payload(request, body)
        headers = {"Content-Type": _XML}
        if isinstance(new_session, str):
            headers["Set-Cookie"] = f"{COOKIE}={new_session}; Path=/; Secure; HttpOnly"
        if scenario == "truncated" and status == 200:
            return await self._truncated(request, payload, headers)
        return web.Response(status=status, body=payload, headers=headers)

    def _authenticate(self, request: web.BaseRequest) -> str | bool:
        """False: refuse; True: a known session; a string: a new session id to set."""
        auth = request.headers.get("Authorization")
        if auth is None:
            cookie = request.cookies.get(COOKIE)
            return cookie is not None and cookie in self._sessions
        if self.profile.scenario == "auth_failure" or auth != self._expected_auth:
            return False
        cookie = request.cookies.get(COOKIE)
        if cookie is not None and cookie in self._sessions:
            return True
        sid = secrets.token_hex(16).upper()
        self._sessions[sid] = None
        if len(self._sessions) > _MAX_SESSIONS:
            del self._sessions[next(iter(self._sessions))]
        return sid

    def _payload(self, request: web.BaseRequest, body: bytes) -> tuple[int, bytes]:
        ns = _NS_RE.search(body)
        if ns is not None:
            version = ns.group(1).decode()
        else:
            action = _ACTION_RE.search(request.headers.get("SOAPAction", ""))
            version = action.group(1) if action else "unknown"
        op_match = _OP_RE.search(body)
        op = op_match.group(1).decode() if op_match else OPERATION
        if op != OPERATION or version not in self._served:
            return 500, dispatch_fault(version, op)
        scenario = self.profile.scenario
        if scenario == "soap_fault":
            return 500, service_fault()
        answer = self.answer(version)
        if scenario == "malformed":
            return 200, malformed(answer)
        return 200, answer

    async def _truncated(
        self, request: web.BaseRequest, payload: bytes, headers: dict[str, str]
    ) -> web.StreamResponse:
        cut = payload.find(b"<LicenseStatus>") + 20
        return await send_truncated(
            request, payload, cut, headers, honest_length=self.profile.variant == 1
        )


async def send_truncated(
    request: web.BaseRequest,
    payload: bytes,
    cut: int,
    headers: dict[str, str],
    *,
    honest_length: bool,
) -> web.StreamResponse:
    """The ``truncated`` scenario: ``payload`` cut at ``cut``, either with an honest
    Content-Length, or promising the whole answer and closing the connection early."""
    if honest_length:
        return web.Response(status=200, body=payload[:cut], headers=headers)
    resp = web.StreamResponse(status=200, headers=headers)
    resp.content_length = len(payload)
    await resp.prepare(request)
    await resp.write(payload[:cut])
    if request.transport is not None:
        request.transport.close()
    raise asyncio.CancelledError
