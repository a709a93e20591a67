"""The API's HTTP side: aiohttp routes over a read-only handle on the collector's store.

The server runs on the collector's event loop; every store read runs in one reader
thread of its own (a :class:`~collectors.store.SnapshotStore` belongs to one thread), so
a slow disk never stalls polling. It reads what the collector *committed* (the same
latest table, policy and heartbeat a local ``licdash dash --store`` sees), never the
engine's in-flight state.

Routes (``licdash.api/1``, docs/api.md):

=================================  ====================================================
``GET  /api/v1/fleet``             the latest table, or what changed since ``since``
``GET  /api/v1/history``           one cluster's changes, coverage and failures (paged)
``GET  /api/v1/series``            one cluster's entitlement counts over time
``GET  /api/v1/transitions``       fleet-wide state changes since a time (paged)
``GET  /api/v1/failures``          failure episodes (paged)
``GET  /api/v1/acks/events``       the acknowledgements' audit trail (paged)
``POST /api/v1/acks``              acknowledge or snooze; ``/acks/remove``, ``/acks/note``
                                   (token required: :mod:`collectors.api.ack_routes`)
=================================  ====================================================

The fleet answer carries the acknowledgements in force too (``acks``, when they changed
since the follower's token) and whether this collector takes them (``acks_accepted``).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypeVar

from aiohttp import web

from collectors.api import request_parts as rp
from collectors.api import wire
from collectors.api.ack_routes import AckRoutes, look_at
from collectors.api.guard import RateLimiter, retry_after
from collectors.api.journal import Journal
from collectors.api.request_parts import ApiError, error_response
from collectors.listener import bearer_ok
from collectors.store.ack_files import AckStore

log = logging.getLogger("licdash.api")

_T = TypeVar("_T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

FLEET_PAGE: Final = 1000
"""Clusters per fleet page unless the follower asks for fewer (``limit``)."""
FLEET_PAGE_MAX: Final = 5000
HISTORY_PAGE: Final = 200
HISTORY_PAGE_MAX: Final = 1000
LIST_PAGE: Final = 1000
LIST_PAGE_MAX: Final = 5000
MAX_RUNS: Final = 2000
"""Coverage runs and failure episodes sent with one history page (the newest)."""
MAX_POINTS: Final = 2000
"""Entitlement-series points per tag (the newest)."""
REFRESH_S: Final = 0.25
"""Requests closer together than this share one look at the store."""
MAX_REQUEST_BYTES: Final = 64 * 1024


def _utcnow() -> datetime:
    return datetime.now(UTC)


class StoreReader:
    """The store as the API sees it, in the one reader thread (never on the loop)."""

    def __init__(self, store_dir: Path, clock: Callable[[], datetime]) -> None:
        self.store_dir = store_dir
        self.clock = clock
        self.journal = Journal()
        self.acks = AckStore(store_dir)
        """Read here only (one ``stat`` per look); writes are :class:`AckRoutes`'."""
        self._store: Any = None
        self._looked_at = -1e9

    def store(self) -> Any:
        if self._store is None:
            from collectors.store import SnapshotStore

            self._store = SnapshotStore.open(self.store_dir, readonly=True)
        return self._store

    def refresh(self) -> None:
        """Bring the journal up to the store (at most once every :data:`REFRESH_S`)."""
        now_mono = time.monotonic()
        if now_mono - self._looked_at < REFRESH_S:
            return
        store = self.store()
        now = self.clock()
        self.journal.refresh(
            store.latest(), store.policy(), store.collector_state(now), now, self.acks.book()
        )
        self._looked_at = now_mono

    def touch(self) -> None:
        """Look at the store at the next request, however soon (after a write here)."""
        self._looked_at = -1e9

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class ApiServer:
    """``licdash.api/1`` on ``host:port``; see the module docstring.

    ``token``: when set, every request must carry it (``Authorization: Bearer``);
    writes always need one. ``tls``: serve HTTPS with this context. Where it may listen
    without them is :func:`collectors.listener.check_listener`'s to say, before this.
    """

    def __init__(
        self,
        store_dir: Path,
        *,
        host: str,
        port: int,
        token: str | None = None,
        tls: ssl.SSLContext | None = None,
        limiter: RateLimiter | None = None,
        write_limiter: RateLimiter | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.tls = tls
        self.limiter = limiter or RateLimiter()
        self.reader = StoreReader(store_dir, clock)
        self.reader.journal.acks_accepted = token is not None
        self._clock = clock
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="licdash-api")
        reader = self.reader
        self.ack_routes = AckRoutes(
            store_dir,
            in_reader=self._in_reader,
            look=lambda: look_at(reader.store()),
            touch=reader.touch,
            clock=clock,
            secrets=(token,) if token else (),
            limiter=write_limiter,
        )
        self._runner: web.AppRunner | None = None
        self._closed = False

    # ----- lifecycle ------------------------------------------------------------------

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=MAX_REQUEST_BYTES)
        get = app.router.add_get
        get(f"{wire.PREFIX}/fleet", self._fleet, allow_head=False)
        get(f"{wire.PREFIX}/history", self._history, allow_head=False)
        get(f"{wire.PREFIX}/series", self._series, allow_head=False)
        get(f"{wire.PREFIX}/transitions", self._transitions, allow_head=False)
        get(f"{wire.PREFIX}/failures", self._failures, allow_head=False)
        get(f"{wire.PREFIX}/acks/events", self._ack_events, allow_head=False)
        self.ack_routes.add_to(app)
        return app

    async def start(self) -> None:
        """Listen; ``OSError`` when the address cannot be bound."""
        runner = web.AppRunner(self.application(), access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, ssl_context=self.tls)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner

    @property
    def address(self) -> tuple[str, int]:
        """The bound host and port (the real port when 0 was asked for)."""
        assert self._runner is not None, "not started"
        host, port = self._runner.addresses[0][:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"

    async def close(self) -> None:
        """Stop listening and close the store handle (again: nothing to do)."""
        if self._closed:
            return
        self._closed = True
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self._in_reader(self.reader.close)
        self._pool.shutdown(wait=True)
        self.ack_routes.close()

    async def _in_reader(self, fn: Callable[[], _T]) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn)

    # ----- the guard --------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        wait = self.limiter.take(request.remote or "?")
        if wait:
            return error_response(
                429, "too many requests; slow down", **{"Retry-After": retry_after(wait)}
            )
        if self.token is not None and not bearer_ok(
            request.headers.get("Authorization"), self.token
        ):
            return error_response(
                401,
                "a valid bearer token is required (Authorization: Bearer ...)",
                **{"WWW-Authenticate": 'Bearer realm="licdash"'},
            )
        if request.method not in ("GET", "HEAD") and self.token is None:
            return error_response(
                403,
                "this collector accepts no acknowledgements: start it with --token-file",
            )
        try:
            response = await handler(request)
        except ApiError as exc:
            response = error_response(exc.status, exc.message)
        except web.HTTPException as exc:  # 404, 405 from the router: JSON like the rest
            response = error_response(exc.status, exc.reason)
        except Exception as exc:  # a store problem: say so without a traceback
            log.warning("API request %s failed: %s", request.path, exc)
            response = error_response(503, f"the store cannot be read now: {exc}")
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    # ----- routes -----------------------------------------------------------------------

    async def _fleet(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        since = query.get("since") or rp.etag(request.headers.get("If-None-Match"))
        after = query.get("after")
        limit = rp.limit(query.get("limit"), FLEET_PAGE, FLEET_PAGE_MAX)
        reader = self.reader

        def answer() -> tuple[str, bytes | None]:
            reader.refresh()
            journal = reader.journal
            if after is None and journal.unchanged(since):
                return journal.token, None
            return journal.token, journal.page(since, after=after, limit=limit, now=self._clock())

        token, body = await self._in_reader(answer)
        headers = {"ETag": f'"{token}"'}
        if body is None:
            return web.Response(status=304, headers=headers)
        return rp.json_answer(request, body, headers)

    async def _history(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        cluster = rp.required(query, "cluster")
        since, until = rp.time_param(query, "since"), rp.time_param(query, "until")
        after = rp.time_param(query, "after")
        limit = rp.limit(query.get("limit"), HISTORY_PAGE, HISTORY_PAGE_MAX)

        def answer() -> bytes:
            store = self.reader.store()
            if cluster not in store.clusters():
                raise ApiError(404, f"no cluster named {cluster!r} in this store")
            history = store.history(cluster, since, until)
            changes = [c for c in history.changes if after is None or c.collected_at > after]
            page = changes[:limit]
            more = len(changes) > limit
            doc = wire.history_doc(history, page, wire.ts(page[-1].collected_at) if more else None)
            truncated = len(doc["seen"]) > MAX_RUNS or len(doc["failures"]) > MAX_RUNS
            doc["seen"] = doc["seen"][-MAX_RUNS:]
            doc["failures"] = doc["failures"][-MAX_RUNS:]
            return wire.dumps(wire.clean({"api": wire.API, "history": doc, "truncated": truncated}))

        return rp.json_answer(request, await self._in_reader(answer))

    async def _series(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        cluster = rp.required(query, "cluster")
        since, until = rp.time_param(query, "since"), rp.time_param(query, "until")

        def answer() -> bytes:
            store = self.reader.store()
            if cluster not in store.clusters():
                raise ApiError(404, f"no cluster named {cluster!r} in this store")
            series = store.entitlement_series(cluster, since, until)
            doc = {tag: points[-MAX_POINTS:] for tag, points in series.items()}
            return wire.dumps(
                wire.clean({"api": wire.API, "cluster": cluster, "series": wire.series_doc(doc)})
            )

        return rp.json_answer(request, await self._in_reader(answer))

    async def _transitions(self, request: web.Request) -> web.StreamResponse:
        since = rp.time_param(request.query, "since")
        if since is None:
            raise ApiError(400, "since is required (an ISO 8601 time)")
        until = rp.time_param(request.query, "until")
        return await self._paged(
            request,
            "transitions",
            lambda store: store.transitions(since, until),
            wire.transition_doc,
        )

    async def _failures(self, request: web.Request) -> web.StreamResponse:
        cluster = request.query.get("cluster") or None
        since = rp.time_param(request.query, "since")
        return await self._paged(
            request, "failures", lambda store: store.failures(cluster, since), wire.failure_doc
        )

    async def _paged(
        self,
        request: web.Request,
        key: str,
        items: Callable[[Any], list[Any]],
        doc: Callable[[Any], dict[str, Any]],
    ) -> web.StreamResponse:
        """A list answer, ``limit`` items from offset ``after``; ``next`` the offset on."""
        offset = rp.offset(request.query.get("after"))
        limit = rp.limit(request.query.get("limit"), LIST_PAGE, LIST_PAGE_MAX)

        def answer() -> bytes:
            found = items(self.reader.store())
            page = found[offset : offset + limit]
            more = len(found) > offset + limit
            body = {
                "api": wire.API,
                key: [doc(item) for item in page],
                "next": str(offset + limit) if more else None,
            }
            return wire.dumps(wire.clean(body))

        return rp.json_answer(request, await self._in_reader(answer))

    async def _ack_events(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        cluster = query.get("cluster") or None
        since, until = rp.time_param(query, "since"), rp.time_param(query, "until")
        routes = self.ack_routes
        return await self._paged(
            request, "events", lambda _: routes.events(since, until, cluster), wire.event_doc
        )
