"""``getSmartLicenseStatus`` over AXL (SOAP over HTTPS) with httpx.

One :class:`AxlTransport` serves a whole fleet, on the engine's shared
:class:`~collectors.transports.http_pool.HttpPool` (sharded connection pools per TLS
setting, trust stores, Basic credentials, capped reads, error names).

Session cookies (``JSESSIONIDSSO``/``JSESSIONID``) are kept per cluster, not in a
cookie jar: many publishers may share one host name or address (NAT, a lab), and a
cookie jar ignores ports.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Literal

import httpx

from collectors.config import AXL_VERSIONS, ClusterConfig
from collectors.errors import AxlNotFoundError, LicdashError, UnsupportedVersionError
from collectors.model import LicenseSnapshot
from collectors.secrets import SecretResolver
from collectors.transports.base import Answer
from collectors.transports.http_pool import HttpPool, map_httpx_error, url_host

if TYPE_CHECKING:
    from collectors.severity import Thresholds

__all__ = ["ENVELOPE", "SESSION_COOKIES", "AxlTransport", "map_httpx_error"]

ParseFn = Callable[..., LicenseSnapshot]

ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
    ' xmlns:ns="http://www.cisco.com/AXL/API/{version}">'
    "<soapenv:Header/><soapenv:Body><ns:getSmartLicenseStatus/></soapenv:Body>"
    "</soapenv:Envelope>"
)
SESSION_COOKIES = ("JSESSIONIDSSO", "JSESSIONID")


def _default_parse() -> ParseFn:
    from collectors.parsing import parse_axl

    return parse_axl


class AxlTransport:
    """Polls publishers over AXL; one instance per engine.

    ``pool`` is the engine's shared :class:`~collectors.transports.http_pool.HttpPool`;
    without one the transport builds (and closes) its own from the other arguments.
    """

    name = "axl"

    def __init__(
        self,
        *,
        secrets: SecretResolver,
        timeout: float = 15.0,
        max_body_bytes: int = 2_000_000,
        concurrency: int = 100,
        shard_size: int = 25,
        idle_per_client: int = 5,
        idle_expiry: float = 15.0,
        http_transport: httpx.AsyncBaseTransport | None = None,
        network: Literal["asyncio", "anyio"] = "asyncio",
        parse: ParseFn | None = None,
        pool: HttpPool | None = None,
    ) -> None:
        self._owns_pool = pool is None
        self._pool = pool or HttpPool(
            secrets=secrets,
            timeout=timeout,
            max_body_bytes=max_body_bytes,
            concurrency=concurrency,
            shard_size=shard_size,
            idle_per_client=idle_per_client,
            idle_expiry=idle_expiry,
            http_transport=http_transport,
            network=network,
        )
        self._parse = parse
        self._versions: dict[str, str] = {}
        self._cookies: dict[str, dict[str, str]] = {}
        self._closed = False

    # ----- public ------------------------------------------------------------------

    def known_version(self, cluster: str) -> str | None:
        """The AXL version that last answered for ``cluster``, if any."""
        return self._versions.get(cluster)

    def forget(self, cluster: str) -> None:
        self._versions.pop(cluster, None)
        self._cookies.pop(cluster, None)
        self._pool.forget(cluster)

    async def prepare(self, clusters: Sequence[ClusterConfig]) -> None:
        """Load the parser, TLS trust stores and clients before the first poll."""
        if self._parse is None:
            self._parse = await asyncio.to_thread(_default_parse)
        await self._pool.prepare(clusters)

    async def poll(
        self,
        cluster: ClusterConfig,
        *,
        now: datetime,
        thresholds: Thresholds,
        budget_s: float | None = None,
    ) -> Answer:
        if self._closed:
            raise RuntimeError("AxlTransport is closed")
        parse = self._parse or _default_parse()
        self._parse = parse
        pool = self._pool
        await pool.ensure_trust(cluster)
        budget = pool.timeout if budget_s is None else budget_s
        with pool.lease(cluster) as transport:
            for version, last in self._versions_to_try(cluster):
                try:
                    body = await self._request(transport, cluster, version, budget)
                    snapshot = parse(
                        body,
                        cluster=cluster.name,
                        publisher=cluster.publisher,
                        now=now,
                        timezone=cluster.timezone,
                        thresholds=thresholds,
                        max_bytes=pool.max_body_bytes,
                    )
                except UnsupportedVersionError as exc:
                    if self._versions.get(cluster.name) == version:
                        del self._versions[cluster.name]
                    if last:
                        raise exc.with_cluster(cluster.name) from None
                    continue
                except LicdashError as exc:
                    raise exc.with_cluster(cluster.name) from None
                self._versions[cluster.name] = version
                return Answer(
                    snapshot=snapshot,
                    raw=body.decode("utf-8", errors="replace"),
                    transport=self.name,
                    axl_version=version,
                )
        raise AssertionError("unreachable: no AXL version to try")  # pragma: no cover

    async def aclose(self) -> None:
        self._closed = True
        if self._owns_pool:
            await self._pool.aclose()

    # ----- versions ----------------------------------------------------------------

    def _versions_to_try(self, cluster: ClusterConfig) -> list[tuple[str, bool]]:
        order: list[str]
        if cluster.axl_version != "auto":
            order = [cluster.axl_version]
        else:
            known = self._versions.get(cluster.name)
            order = [known] if known else []
            order += [v for v in AXL_VERSIONS if v != known]
        return [(v, i == len(order) - 1) for i, v in enumerate(order)]

    # ----- one request -------------------------------------------------------------

    async def _request(
        self,
        transport: httpx.AsyncBaseTransport,
        cluster: ClusterConfig,
        version: str,
        budget_s: float,
    ) -> bytes:
        pool = self._pool
        url = f"https://{url_host(cluster.host)}:{cluster.port}/axl/"
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"CUCM:DB ver={version} getSmartLicenseStatus"',
            "Authorization": await pool.authorization(cluster),
        }
        cookies = self._cookies.get(cluster.name)
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        request = pool.request(
            "POST",
            url,
            headers=headers,
            content=ENVELOPE.format(version=version).encode(),
            budget_s=budget_s,
        )
        where = f"{cluster.host}:{cluster.port}"
        answer = await pool.send(transport, request, cluster=cluster.name, where=where)
        self._remember_cookies(cluster.name, answer.headers)
        status = answer.status
        if status == 200:
            return answer.body
        if status in (401, 403):
            self._cookies.pop(cluster.name, None)
        if status == 404:
            raise AxlNotFoundError(
                f"HTTP 404 from {where}: no AXL service at /axl/",
                status_code=status,
                cluster=cluster.name,
            )
        if status == 500 and _is_soap_fault(answer.headers, answer.body):
            return answer.body  # a SOAP fault: the parser turns it into SoapFaultError
        raise pool.status_error(answer, cluster, where=where, service="AXL")

    def _remember_cookies(self, cluster: str, headers: httpx.Headers) -> None:
        for line in headers.get_list("set-cookie"):
            try:
                parsed = SimpleCookie(line)
            except CookieError:
                continue
            for name, morsel in parsed.items():
                if name.upper() in SESSION_COOKIES:
                    self._cookies.setdefault(cluster, {})[name] = morsel.value


_FAULT_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Fault[\s>/]")
_ENVELOPE_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Envelope[\s>/]")


def _is_soap_fault(headers: httpx.Headers, body: bytes) -> bool:
    """A 500 carrying a SOAP envelope with a Fault element (SOAP's way of failing), not
    a web server's error page that happens to contain the word "Fault"."""
    ctype = headers.get("content-type", "").lower()
    if "html" in ctype:
        return False
    head = body[:4096].lstrip()
    if head[:1] != b"<" or head[:15].lower().startswith((b"<!doctype html", b"<html")):
        return False
    return bool(_ENVELOPE_ELEMENT.search(body) and _FAULT_ELEMENT.search(body))
