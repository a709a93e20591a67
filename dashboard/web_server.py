"""The browser view's web server: textual-serve, made fit for a NOC network.

textual-serve relays each browser session to a subprocess of its own (here a read-only
``licdash dash --store`` viewer). On top of it this server:

- serves its page's script, style sheet and fonts itself: no CDN (a NOC screen or a
  test machine may have no internet);
- builds the session's WebSocket address from the address the browser used, over
  ``wss:`` when TLS is on;
- with a token (required beyond loopback, see :mod:`collectors.listener`), lets in only
  a browser that presented it: once as ``?token=`` (then kept as a cookie derived from
  it, and dropped from the address bar) or as ``Authorization: Bearer``;
- refuses a WebSocket opened by a page of another origin (a web page the user visits
  must not watch the fleet through the user's browser);
- runs on its own runner so that the bound port (``--port 0``) is known and a signal
  ends it cleanly (each session's app is told to quit).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server

from collectors.listener import ListenerSecurity, session_cookie, token_matches

TEMPLATES = Path(__file__).resolve().parent / "web"
COOKIE = "licdash_session"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class LicdashServer(Server):
    """A textual-serve server with the guards above; :meth:`run` serves until a signal."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        security: ListenerSecurity,
        title: str = "licdash",
        announce: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(command, host=host, port=port, title=title, templates_path=TEMPLATES)
        self.security = security
        self.bound_port: int | None = None
        self._announce = announce or (lambda line: print(line, flush=True))
        self._stop: asyncio.Event | None = None

    # ----- guards ---------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        token = self.security.token
        if token is not None:
            given = request.query.get("token")
            if request.path == "/" and given is not None:
                if not token_matches(token, given):
                    return _refused(401, "wrong token")
                query = {k: v for k, v in request.query.items() if k != "token"}
                location = "/" + (f"?{urlencode(query)}" if query else "")
                redirect = web.HTTPSeeOther(location)
                redirect.set_cookie(
                    COOKIE,
                    session_cookie(token),
                    httponly=True,
                    secure=self.security.ssl_context is not None,
                    samesite="Strict",
                )
                return redirect
            if not self._authorised(request, token):
                return _refused(401, "this licdash needs its token: open /?token=TOKEN")
        if request.path == "/ws" and not _same_origin(request, self.security.scheme):
            return _refused(403, "a page of another origin may not open a session")
        response = await handler(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @staticmethod
    def _authorised(request: web.Request, token: str) -> bool:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and token_matches(token, header[7:].strip()):
            return True
        cookie = request.cookies.get(COOKIE)
        return cookie is not None and token_matches(session_cookie(token), cookie)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    # ----- the page -------------------------------------------------------------------

    async def handle_index(self, request: web.Request) -> web.Response:
        router = request.app.router
        scheme = self.security.scheme
        base = f"{scheme}://{request.host}"
        font_size = request.query.get("fontsize", "16")
        context: dict[str, Any] = {
            "font_size": int(font_size) if font_size.isdigit() and int(font_size) < 200 else 16,
            "app_websocket_url": f"{'wss' if scheme == 'https' else 'ws'}://{request.host}"
            f"{router['websocket'].url_for()}",
            "config": {
                "static": {
                    "url": f"{base}{router['static'].url_for(filename='/')}".rstrip("/") + "/"
                }
            },
            "application": {"name": self.title},
            "ping_url": "",
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints a banner here; licdash says where it listens in :meth:`run`."""

    # ----- running --------------------------------------------------------------------

    def run(self) -> None:
        """Serve until SIGINT or SIGTERM."""
        self.initialize_logging()
        asyncio.run(self._serve())

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._stop.set)
        runner = web.AppRunner(await self._make_app(), handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, ssl_context=self.security.ssl_context)
            await site.start()
            server = site._server
            sockets = getattr(server, "sockets", None) or []
            self.bound_port = sockets[0].getsockname()[1] if sockets else self.port
            host = f"[{self.host}]" if ":" in self.host else self.host
            url = f"{self.security.scheme}://{host}:{self.bound_port}/"
            if self.security.token is not None:
                url += "?token=<the token in --token-file>"
            self._announce(f"licdash serve: open {url}")
            if warning := self.security.warning(self.host, self.bound_port):
                print(f"licdash serve: {warning}", file=sys.stderr, flush=True)
            await self._stop.wait()
        finally:
            await runner.cleanup()


def _same_origin(request: web.Request, scheme: str) -> bool:
    """No Origin (not a browser) is let through; a browser's must be this server."""
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{scheme}://{request.host}"


def _refused(status: int, text: str) -> web.Response:
    return web.Response(status=status, text=f"licdash: {text}\n")
