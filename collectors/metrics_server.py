"""The ``/metrics`` endpoint: prometheus-client's WSGI app on a thread of its own, behind
the one listener rule (:mod:`collectors.listener`): plain HTTP on loopback, HTTPS and a
bearer token beyond it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app
from prometheus_client.registry import CollectorRegistry

from collectors.listener import bearer_ok

if TYPE_CHECKING:
    from collectors.listener import ListenerSecurity

WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # no access log
        pass


class MetricsServer:
    """The ``/metrics`` HTTP endpoint on its own daemon thread; :meth:`close` stops it.

    ``security`` (from :func:`collectors.listener.check_listener`) adds TLS and a bearer
    token when the listener rule asks for them; Prometheus sends them with
    ``authorization: {credentials_file: ...}`` and ``scheme: https`` in its scrape config.
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        host: str,
        port: int,
        security: ListenerSecurity | None = None,
    ) -> None:
        app = make_wsgi_app(registry)
        token = security.token if security is not None else None
        if token is not None:
            app = _bearer_only(app, token)
        server_class = _Server6 if ":" in host else _Server  # an IPv6 address or not
        self._httpd = make_server(host, port, app, server_class, handler_class=_Quiet)
        self._tls = security is not None and security.ssl_context is not None
        if security is not None and security.ssl_context is not None:
            self._httpd.socket = security.ssl_context.wrap_socket(
                self._httpd.socket, server_side=True
            )
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="licdash-metrics", daemon=True
        )
        self._thread.start()

    @property
    def address(self) -> tuple[str, int]:
        """The bound host and port (the real port when 0 was asked for)."""
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        scheme = "https" if self._tls else "http"
        return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}/metrics"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _bearer_only(app: WsgiApp, token: str) -> WsgiApp:
    """``app`` behind ``Authorization: Bearer <token>`` (401 otherwise)."""

    def guarded(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if bearer_ok(environ.get("HTTP_AUTHORIZATION"), token):
            return app(environ, start_response)
        start_response(
            "401 Unauthorized",
            [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="licdash"')],
        )
        return [b"a valid bearer token is required (Authorization: Bearer ...)\n"]

    return guarded
