"""A collector's data API (``licdash.api/1``) as a source: a follower over HTTPS.

The follower asks "anything since my token?" and gets 304 (a few hundred bytes of
headers) or only the clusters that changed; the whole table travels only on the first
look and after the collector restarted. It keeps the last answer in memory: when the
collector cannot be reached the last known table stays, with the failure.

TLS certificates are verified by default (``verify``: the system's CA store, or a CA
bundle file; ``False`` only when asked, loudly). Plain ``http://`` is accepted only for
a loopback address: the token would otherwise cross the network in clear. Every answer
is read under a cap on its decoded size (:mod:`collectors.transports.body_limits`),
cleaned like any text from outside (:func:`collectors.api.wire.clean`), and the token
is registered with :mod:`collectors.secret_scrub` so an echo of it never shows.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import httpx

from collectors.acks import CLUSTER_SCOPE, EMPTY_BOOK, AckBook, AckKind
from collectors.api import wire
from collectors.errors import (
    AckError,
    LicdashError,
    SourceAuthError,
    SourceError,
    SourceUnsupportedError,
)
from collectors.listener import check_url, read_token
from collectors.liveness import CollectorState
from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus, ErrorInfo
from collectors.secret_scrub import register
from collectors.sources.base import SourceState, refused
from collectors.store.ack_records import AckEvent
from collectors.store.records import ClusterHistory, FailureEvent, Transition
from collectors.transports.body_limits import BoundedBody, encodings

log = logging.getLogger("licdash.sources")

MAX_BODY: Final = 64 * 1024 * 1024
"""Decoded bytes one answer may have (a 10,000-cluster page is about 15 MB)."""
MAX_PAGES: Final = 1000
"""Pages one look may take; a server that never says "last page" is cut off here."""
MAX_CHANGES: Final = 20_000
"""History changes gathered over the pages of one query."""
PAGE: Final = 1000


def tls_verify(verify: bool | str) -> ssl.SSLContext | bool:
    if verify is False:
        return False
    if verify is True:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=verify)


class RemoteSource:
    """The collector whose API is at ``url`` (e.g. ``https://emea-collector:9465``)."""

    def __init__(
        self,
        name: str,
        url: str,
        *,
        token_file: Path | None = None,
        verify: bool | str = True,
        timeout: float = 10.0,
        max_body: int = MAX_BODY,
        page: int = PAGE,
        transport: httpx.BaseTransport | None = None,
        read_only: bool = False,
    ) -> None:
        self.name = name
        self.url = url
        self.location = url
        self._where = f"source {name} ({url})"
        self.token_file = token_file
        self.verify = verify
        self.timeout = timeout
        self.max_body = max_body
        self.page = page
        self.bytes_read = 0
        """Decoded answer bytes so far (benchmarks: what a follower costs the network)."""
        self._transport = transport
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._token: str | None = None
        self._since: str | None = None
        self._statuses: dict[str, ClusterStatus] = {}
        self._stale_after: dict[str, float] = {}
        self._policy_head: dict[str, Any] | None = None
        self._policy: FreshnessPolicy | None = None
        self._retry_at = 0.0
        self._collector: CollectorState | None = None
        self._acks: AckBook = EMPTY_BOOK
        self._acks_accepted: bool | None = None
        """Whether the collector said it takes acknowledgements (None: not asked yet)."""
        self.read_only = read_only
        self._state = SourceState(name, url, acks_refused=self.acks_refused())
        if verify is False:
            log.warning("source %s: TLS CERTIFICATE CHECKING IS OFF for %s", name, url)

    # ----- HTTP ---------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        if self._client is None:
            base = check_url(self.url)
            headers = {"Accept": "application/json", "Accept-Encoding": "gzip"}
            if self.token_file is not None:
                try:
                    token = read_token(self.token_file)
                except ValueError as exc:
                    raise SourceError(f"{self._where}: {exc}", source=self.name) from None
                register(f"<source {self.name}>", token)
                headers["Authorization"] = f"Bearer {token}"
            self._client = httpx.Client(
                base_url=base,
                headers=headers,
                verify=tls_verify(self.verify),
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=False,
                transport=self._transport,
            )
        return self._client

    def _get(
        self, path: str, params: Mapping[str, str], etag: str | None = None
    ) -> tuple[int, dict[str, Any] | None]:
        """(status, the cleaned JSON answer; None for 304). Raises :class:`SourceError`
        naming this source for anything but 200 and 304. A kept-alive connection the
        collector dropped (a restart) is retried once on a fresh one."""
        try:
            return self._get_once(path, params, etag)
        except _Dropped:
            return self._get_once(path, params, etag)

    def _get_once(
        self, path: str, params: Mapping[str, str], etag: str | None
    ) -> tuple[int, dict[str, Any] | None]:
        headers = {"If-None-Match": f'"{etag}"'} if etag else {}
        status, data, retry = self._exchange("GET", path, params=params, headers=headers)
        if status == 304:
            return 304, None
        if status == 200:
            return 200, self._answer(data)
        said = _error_text(data)
        if status in (401, 403):
            raise SourceAuthError(
                f"{self._where} refused the token (HTTP {status}){said}", source=self.name
            )
        self._refuse(status, said, retry)
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> tuple[int, bytes, str | None]:
        """(status, the decoded body read under the cap, Retry-After); every network or
        size problem is a :class:`SourceError` naming this source."""
        where = self._where
        try:
            client = self._http()
            with client.stream(
                method, wire.PREFIX + path, params=params, headers=headers, json=body
            ) as r:
                if r.status_code == 304:
                    return 304, b"", None
                codings = encodings(r.headers.get_list("content-encoding"))
                bounded = BoundedBody(codings, self.max_body, where)
                raw = 0
                for chunk in r.iter_raw():
                    raw += len(chunk)
                    if raw > self.max_body:
                        raise SourceError(f"{where} sent more than {self.max_body:,} bytes")
                    bounded.feed(chunk)
                data = bounded.finish()
                self.bytes_read += len(data)
                return r.status_code, data, r.headers.get("Retry-After")
        except ValueError as exc:  # a bad URL
            raise SourceError(f"{self._where}: {exc}", source=self.name) from None
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError) as exc:
            raise _Dropped(f"{where}: {_network_reason(exc)}", source=self.name) from None
        except httpx.HTTPError as exc:
            raise SourceError(f"{where}: {_network_reason(exc)}", source=self.name) from None
        except LicdashError as exc:  # oversize, bad encoding
            if isinstance(exc, SourceError):
                exc.source = self.name
                raise
            raise SourceError(f"{where}: {exc.message}", source=self.name) from None

    def _answer(self, data: bytes) -> dict[str, Any]:
        try:
            return wire.loads(data, self._where)
        except ValueError as exc:
            raise SourceError(str(exc), source=self.name) from None

    def _refuse(self, status: int, said: str, retry: str | None) -> None:
        """Raise the :class:`SourceError` for an answer that is not a success."""
        if status == 429:
            wait = float(retry) if retry and retry.isdigit() else 5.0
            self._retry_at = time.monotonic() + wait
            raise SourceError(
                f"{self._where} asks to slow down (HTTP 429, retry in {wait:g} s)",
                source=self.name,
            )
        raise SourceError(f"{self._where} answered HTTP {status}{said}", source=self.name)

    # ----- following ------------------------------------------------------------------

    def fetch(self, now: datetime) -> SourceState:
        with self._lock:
            if time.monotonic() < self._retry_at:
                return self._state
            try:
                changed = self._follow()
            except Exception as exc:
                error = (
                    exc
                    if isinstance(exc, LicdashError)
                    else SourceError(f"{self._where}: {type(exc).__name__}: {exc}")
                )
                last = self._state
                self._state = SourceState(
                    self.name,
                    self.url,
                    last.statuses,
                    last.policy,
                    last.collector,
                    ErrorInfo.from_exception(error),
                    last.last_ok,
                    frozenset(),
                    last.acks,
                    self.acks_refused(),
                )
                return self._state
            last = self._state
            statuses = last.statuses if not changed else MappingProxyType(dict(self._statuses))
            self._state = SourceState(
                self.name,
                self.url,
                statuses,
                self._policy,
                self._collector,
                None,
                now,
                changed,
                self._acks,
                self.acks_refused(),
            )
            return self._state

    def _follow(self) -> frozenset[str]:
        """One look: 304, or every page of what changed since the last token."""
        since = self._since
        _, doc = self._get("/fleet", {"since": since} if since else {}, etag=since)
        if doc is None:
            return frozenset()
        first_token = str(doc.get("token") or "")
        full = bool(doc.get("full"))
        table = {} if full else dict(self._statuses)
        stale = {} if full else dict(self._stale_after)
        changed: set[str] = set()
        policy_seen = False
        pages = 0
        old = self._statuses
        while True:
            pages += 1
            for item in doc.get("clusters") or []:
                cluster, stale_after = wire.read_entry(item)
                table[cluster.cluster] = cluster
                if stale_after is not None:
                    stale[cluster.cluster] = stale_after
                changed.add(cluster.cluster)
            for name in doc.get("removed") or []:
                table.pop(name, None)
                stale.pop(name, None)
                changed.add(str(name))
            if "policy" in doc:
                self._policy_head, policy_seen = doc["policy"], True
            if "acks" in doc:  # (the first page, when they changed since our token)
                self._acks = wire.read_acks(doc["acks"], doc.get("token"))
            if "acks_accepted" in doc:
                self._acks_accepted = doc["acks_accepted"] is True
            self._collector = wire.read_collector(doc.get("collector"))
            after = doc.get("next")
            if not after:
                break
            if pages >= MAX_PAGES:
                raise SourceError(f"{self._where}: the fleet answer never ended")
            params = {"after": str(after)} | ({"since": since} if since and not full else {})
            _, doc = self._get("/fleet", params)
            if doc is None:
                raise SourceError(f"{self._where}: a page answered 304")
        if full:
            changed |= {n for n in old if n not in table}
        if policy_seen or stale != self._stale_after:
            head = self._policy_head or {}
            self._policy = wire.read_policy(head, stale) if head else None
        self._statuses, self._stale_after = table, stale
        self._since = first_token or None
        return frozenset(changed)

    # ----- queries ------------------------------------------------------------------

    def _query(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        _, doc = self._get(path, {k: v for k, v in params.items() if v})
        assert doc is not None
        return doc

    def history(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> ClusterHistory:
        params = {"cluster": cluster, "since": wire.ts(since) or "", "until": wire.ts(until) or ""}
        changes: list[Any] = []
        while True:
            doc = self._query("/history", params)
            try:
                page, after = wire.read_history_page(doc.get("history"))
            except ValueError as exc:
                raise SourceError(f"{self._where}: bad history answer: {exc}") from None
            changes.extend(page.changes)
            if not after or len(changes) >= MAX_CHANGES:
                break
            params["after"] = after
        return ClusterHistory(
            page.cluster, page.since, page.until, tuple(changes), page.before, page.seen,
            page.failures,
        )  # fmt: skip

    def _list(self, path: str, key: str, params: dict[str, str], read: Any) -> list[Any]:
        out: list[Any] = []
        for _ in range(MAX_PAGES):
            doc = self._query(path, params)
            try:
                out.extend(read(item) for item in doc.get(key) or [])
            except ValueError as exc:
                raise SourceError(f"{self._where}: bad {key} answer: {exc}") from None
            after = doc.get("next")
            if not after:
                break
            params["after"] = str(after)
        return out

    def transitions(self, since: datetime, until: datetime | None = None) -> list[Transition]:
        params = {"since": wire.ts(since) or "", "until": wire.ts(until) or ""}
        return self._list("/transitions", "transitions", params, wire.read_transition)

    def failures(
        self, cluster: str | None = None, since: datetime | None = None
    ) -> list[FailureEvent]:
        params = {"cluster": cluster or "", "since": wire.ts(since) or ""}
        return self._list("/failures", "failures", params, wire.read_failure)

    def entitlement_series(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, list[tuple[datetime, int]]]:
        params = {"cluster": cluster, "since": wire.ts(since) or "", "until": wire.ts(until) or ""}
        doc = self._query("/series", params)
        try:
            return wire.read_series(doc.get("series"))
        except (ValueError, TypeError, IndexError) as exc:
            raise SourceError(f"{self._where}: bad series answer: {exc}") from None

    # ----- acknowledgements ----------------------------------------------------------------

    def acks_refused(self) -> str | None:
        """Why acknowledgements cannot be written through this source (None: they can,
        as far as this follower knows; the collector has the last word)."""
        if self.read_only:
            return "read-only in the config (read_only = true): it takes no acknowledgements"
        if self.token_file is None:
            return (
                "no token_file is configured for it: a collector takes acknowledgements "
                "only with its API token"
            )
        if self._acks_accepted is False:
            return "this collector accepts no acknowledgements: start it with --token-file"
        return None

    def _post(self, path: str, body: Mapping[str, Any], cluster: str | None) -> list[AckEvent]:
        """One write; its audit events. Refusals raise naming this source (see
        :meth:`collectors.sources.base.Source.acknowledge`)."""
        why = self.acks_refused()
        if why is not None:
            raise refused(self.name, self.url, why, cluster)
        with self._lock:
            try:
                status, data, retry = self._exchange("POST", path, body=body)
            except _Dropped:  # a kept-alive connection the collector dropped
                status, data, retry = self._exchange("POST", path, body=body)
        where = self._where
        if status == 200:
            doc = self._answer(data)
            try:
                return [wire.read_event(e) for e in doc.get("events") or []]
            except ValueError as exc:
                raise SourceError(f"{where}: bad acknowledgement answer: {exc}") from None
        said = _error_text(data)
        if status == 401:
            raise SourceAuthError(
                f"{where} refused the token (HTTP 401){said}", source=self.name, cluster=cluster
            )
        if status == 403:
            self._acks_accepted = False
            raise SourceUnsupportedError(
                f"{where} refused the acknowledgement (HTTP 403){said}",
                source=self.name,
                cluster=cluster,
            )
        if status in (400, 404, 413, 415, 422):
            raise AckError(f"{where} refused it (HTTP {status}){said}", cluster=cluster)
        if status == 429:
            wait = retry if retry and retry.isdigit() else "a few"
            raise SourceError(
                f"{where} takes no more acknowledgements for now (HTTP 429, retry in {wait} s)",
                source=self.name,
            )
        raise SourceError(f"{where} answered HTTP {status}{said}", source=self.name)

    def acknowledge(
        self,
        cluster: str,
        *,
        by: str,
        reason: str,
        kind: AckKind = "ack",
        until: datetime | None = None,
        scope: str = CLUSTER_SCOPE,
    ) -> AckEvent:
        body = {"cluster": cluster, "by": by, "reason": reason, "kind": kind, "scope": scope}
        if until is not None:
            body["until"] = wire.ts(until) or ""
        events = self._post("/acks", body, cluster)
        if len(events) != 1:
            raise SourceError(f"{self._where}: the acknowledgement answer has no event")
        return events[0]

    def unacknowledge(
        self, cluster: str, *, by: str, reason: str = "", ack_id: str | None = None
    ) -> list[AckEvent]:
        body = {"cluster": cluster, "by": by, "reason": reason}
        if ack_id is not None:
            body["ack_id"] = ack_id
        return self._post("/acks/remove", body, cluster)

    def note(self, text: str, *, by: str) -> AckEvent:
        events = self._post("/acks/note", {"by": by, "text": text}, None)
        if len(events) != 1:
            raise SourceError(f"{self._where}: the note answer has no event")
        return events[0]

    def ack_events(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cluster: str | None = None,
    ) -> list[AckEvent]:
        params = {
            "since": wire.ts(since) or "",
            "until": wire.ts(until) or "",
            "cluster": cluster or "",
        }
        return self._list("/acks/events", "events", params, wire.read_event)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()


class _Dropped(SourceError):
    """The connection broke mid-request (worth one more try)."""


def _network_reason(exc: httpx.HTTPError) -> str:
    """What went wrong on the way, in a NOC engineer's words (never the token)."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return f"TLS certificate not trusted ({text}); set verify to the collector's CA bundle"
    if isinstance(exc, httpx.ConnectError):
        if "refused" in text.lower():
            return "connection refused (is the collector running with --api-port?)"
        return f"cannot connect: {text}"
    if isinstance(exc, httpx.ReadError | httpx.RemoteProtocolError | httpx.WriteError):
        return f"the connection was dropped ({text})"
    return f"{type(exc).__name__}: {text}"


def _error_text(data: bytes) -> str:
    """``: <the API's error message>`` when the answer carries one."""
    try:
        doc = wire.loads(data, "")
    except ValueError:
        return ""
    error = doc.get("error")
    message = error.get("message") if isinstance(error, dict) else None
    return f": {message}" if isinstance(message, str) and message else ""
