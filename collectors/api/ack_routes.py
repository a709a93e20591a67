"""The API's acknowledgement writes: the one way a follower changes a collector's store.

=================================  ====================================================
``POST /api/v1/acks``              acknowledge or snooze (an edit when one of the same
                                   scope holds)
``POST /api/v1/acks/remove``       remove a cluster's acknowledgements (or one, by id)
``POST /api/v1/acks/note``         record a shift note
=================================  ====================================================

By the time a request gets here the guard has refused it without the token (401) and
refused every write of a collector started without one (403). Here each write is bounded
again: a rate limit of its own per client (slower than reads), a JSON body of at most
:data:`MAX_BODY` bytes with known fields only, each capped, text made safe as any text
from people is (:func:`collectors.acks.user_text`: secret shapes masked, every registered
secret scrubbed, control characters escaped, lengths capped) and a cluster the store
holds. The write itself is :class:`~collectors.store.ack_files.AckStore`'s, beside the
store under its own short lock (never the collector's writer lock), in a thread of its
own; its audit event records the body's ``by`` and ``via`` = ``licdash.api/1 from
<client address>``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TypeVar

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from collectors.acks import (
    CLUSTER_SCOPE,
    ENTITLEMENT_PREFIX,
    MAX_NAME,
    MAX_NOTE,
    MAX_REASON,
    REASON_PREFIX,
    AckKind,
    user_text,
)
from collectors.api import request_parts as rp
from collectors.api import wire
from collectors.api.guard import RateLimiter, retry_after
from collectors.api.request_parts import ApiError, error_response
from collectors.errors import AckError, StoreError
from collectors.policy import DEFAULT_POLICY, FreshnessPolicy
from collectors.results import ClusterStatus
from collectors.store.ack_files import AckEvent, AckStore
from collectors.text_safety import neutralise

log = logging.getLogger("licdash.api")

_T = TypeVar("_T")
Look = tuple[Mapping[str, ClusterStatus], FreshnessPolicy]

MAX_BODY: Final = 8 * 1024
"""Bytes of one write's JSON body."""
WRITE_RATE: Final = 1.0
"""Writes a second per client after :data:`WRITE_BURST` (reads have their own bucket)."""
WRITE_BURST: Final = 20
_RAW_TEXT: Final = 4 * MAX_NOTE
"""Characters a text field may have before it is made safe and cut (larger: refused)."""
_ACK_ID: Final = r"^[A-Za-z0-9_-]{1,32}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    by: str = Field(min_length=1, max_length=4 * MAX_NAME)
    """Who acts, as the follower's user gave it (recorded with where it came from)."""


class AckBody(_Body):
    cluster: str = Field(min_length=1, max_length=512)
    reason: str = Field(min_length=1, max_length=_RAW_TEXT)
    kind: AckKind = "ack"
    until: AwareDatetime | None = None
    scope: str = Field(CLUSTER_SCOPE, max_length=512)

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        if value != CLUSTER_SCOPE and not value.startswith((REASON_PREFIX, ENTITLEMENT_PREFIX)):
            raise ValueError(
                f"must be {CLUSTER_SCOPE!r}, {REASON_PREFIX}<problem> or {ENTITLEMENT_PREFIX}<name>"
            )
        return value


class RemoveBody(_Body):
    cluster: str = Field(min_length=1, max_length=512)
    reason: str = Field("", max_length=_RAW_TEXT)
    ack_id: str | None = Field(None, pattern=_ACK_ID)


class NoteBody(_Body):
    text: str = Field(min_length=1, max_length=_RAW_TEXT)


class AckRoutes:
    """The write routes of one :class:`~collectors.api.server.ApiServer`.

    ``look`` runs in the server's reader thread (``in_reader``) and gives the store's
    latest table and policy; ``touch`` (in that thread too) makes the next fleet answer
    look at the store again, so a follower sees a write at once. ``secrets``: text no
    answer or record may hold (the API token)."""

    def __init__(
        self,
        store_dir: Path,
        *,
        in_reader: Callable[[Callable[[], Any]], Awaitable[Any]],
        look: Callable[[], Look],
        touch: Callable[[], None],
        clock: Callable[[], datetime],
        secrets: tuple[str, ...] = (),
        limiter: RateLimiter | None = None,
    ) -> None:
        self.acks = AckStore(store_dir, clock=lambda: clock().replace(microsecond=0))
        self.limiter = limiter or RateLimiter(rate=WRITE_RATE, burst=WRITE_BURST)
        self._in_reader = in_reader
        self._look = look
        self._touch = touch
        self._secrets = secrets
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="licdash-api-acks")

    def add_to(self, app: web.Application) -> None:
        post = app.router.add_post
        post(f"{wire.PREFIX}/acks", self.acknowledge)
        post(f"{wire.PREFIX}/acks/remove", self.remove)
        post(f"{wire.PREFIX}/acks/note", self.note)

    def close(self) -> None:
        self._writer.shutdown(wait=True)

    def events(
        self, since: datetime | None, until: datetime | None, cluster: str | None
    ) -> list[AckEvent]:
        """The audit trail (``GET /acks/events``; blocking: the reader thread calls it)."""
        return self.acks.events(since, until, cluster=cluster)

    # ----- the routes -------------------------------------------------------------------

    async def acknowledge(self, request: web.Request) -> web.StreamResponse:
        return await self._write(request, AckBody, self._acknowledge)

    async def remove(self, request: web.Request) -> web.StreamResponse:
        return await self._write(request, RemoveBody, self._remove)

    async def note(self, request: web.Request) -> web.StreamResponse:
        return await self._write(request, NoteBody, self._note)

    async def _write(
        self,
        request: web.Request,
        model: type[_Body],
        apply: Callable[[Any, Look, str], list[AckEvent]],
    ) -> web.StreamResponse:
        client = request.remote or "?"
        wait = self.limiter.take(client)
        if wait:
            return error_response(
                429,
                "too many acknowledgement writes; slow down",
                **{"Retry-After": retry_after(wait)},
            )
        try:
            body = model.model_validate(await _body(request))
        except ValidationError as exc:
            raise ApiError(400, f"invalid request: {_invalid(exc)}") from None
        looked: Look = await self._in_reader(self._look)
        via = f"{wire.API} from {client}"
        loop = asyncio.get_running_loop()
        try:
            events = await loop.run_in_executor(self._writer, lambda: apply(body, looked, via))
        except AckError as exc:
            raise ApiError(422, str(exc)) from None
        except StoreError as exc:  # the lock stayed taken, the disk refused
            raise ApiError(503, f"the acknowledgement could not be written now: {exc}") from None
        await self._in_reader(self._touch)
        for event in events:
            said = f"{event.action} {event.cluster or ''} by {event.by} via API from {client}"
            log.info("%s", neutralise(said))
        doc = {"api": wire.API, "events": [wire.event_doc(e) for e in events]}
        return rp.json_answer(request, wire.dumps(wire.clean(doc)))

    # ----- the writes (in the writer thread) ---------------------------------------------

    def _safe(self, text: str, limit: int) -> str:
        return user_text(text, limit=limit, secrets=self._secrets)

    def _by(self, body: _Body) -> str:
        by = self._safe(body.by, MAX_NAME)
        if not by:
            raise AckError("by is empty: say who acknowledges")
        return by

    def _acknowledge(self, body: AckBody, looked: Look, via: str) -> list[AckEvent]:
        statuses, policy = looked
        cluster = _known(body.cluster, statuses)
        event = self.acks.acknowledge(
            cluster,
            statuses[cluster],
            by=self._by(body),
            reason=self._safe(body.reason, MAX_REASON),
            kind=body.kind,
            until=body.until,
            scope=neutralise(body.scope),
            statuses=statuses,
            policy=policy,
            via=via,
        )
        return [event]

    def _remove(self, body: RemoveBody, looked: Look, via: str) -> list[AckEvent]:
        statuses, policy = looked
        cluster = body.cluster
        if cluster not in statuses and cluster not in self.acks.book().by_cluster:
            _known(cluster, statuses)  # gone from the store and nothing to clean: 404
        return self.acks.remove(
            cluster,
            by=self._by(body),
            reason=self._safe(body.reason, MAX_REASON),
            ack_id=body.ack_id,
            statuses=statuses,
            policy=policy,
            via=via,
        )

    def _note(self, body: NoteBody, looked: Look, via: str) -> list[AckEvent]:
        statuses, policy = looked
        text = self._safe(body.text, MAX_NOTE)
        return [self.acks.note(text, by=self._by(body), statuses=statuses, policy=policy, via=via)]


def look_at(store: Any) -> Look:
    """The latest table and the policy a write is judged by (in the reader thread)."""
    return dict(store.latest()), store.policy() or DEFAULT_POLICY


def _known(cluster: str, statuses: Mapping[str, ClusterStatus]) -> str:
    if cluster not in statuses:
        raise ApiError(404, f"no cluster named {neutralise(cluster)!r} in this collector's store")
    return cluster


async def _body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object, at most :data:`MAX_BODY` bytes."""
    if request.content_type != "application/json":
        raise ApiError(415, "send the body as application/json")
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ApiError(413, f"the body is larger than {MAX_BODY:,} bytes")
    data = await request.content.read(MAX_BODY + 1)
    while len(data) <= MAX_BODY and not request.content.at_eof():
        more = await request.content.read(MAX_BODY + 1 - len(data))
        if not more:
            break
        data += more
    if len(data) > MAX_BODY:
        raise ApiError(413, f"the body is larger than {MAX_BODY:,} bytes")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, f"the body is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ApiError(400, "the body is not a JSON object")
    return doc


_LOC = re.compile(r"[^A-Za-z0-9_.]")


def _invalid(exc: ValidationError) -> str:
    """``field: what is wrong`` for the first few problems (never the value sent)."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False)[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{_LOC.sub('?', where)[:40]}: {error['msg']}")
    return "; ".join(parts)
