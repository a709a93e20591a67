"""Helpers for tests (no pytest import): start a small fleet, build requests."""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from typing import Any

import httpx

from collectors.mock.fleet import MockFleet, MockPublisherInfo


def small_fleet(scenarios: Sequence[str], **kwargs: Any) -> MockFleet:
    """A fleet with exactly these scenarios, one publisher each, in order.

    Use ``async with small_fleet(["healthy", "hang"]) as fleet:``. Keyword arguments go
    to :class:`MockFleet` (``seed``, ``speed``, ``latency_ms``, ``slow_ms``, ``clock``...).
    """
    return MockFleet(scenarios=list(scenarios), **kwargs)


def axl_request(version: str, operation: str = "getSmartLicenseStatus") -> bytes:
    """A SOAP request body for ``operation`` in AXL ``version``'s namespace."""
    return (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:ns="http://www.cisco.com/AXL/API/{version}"><soapenv:Header/>'
        f"<soapenv:Body><ns:{operation}/></soapenv:Body></soapenv:Envelope>"
    ).encode()


def axl_headers(version: str, operation: str = "getSmartLicenseStatus") -> dict[str, str]:
    return {"SOAPAction": f'"CUCM:DB ver={version} {operation}"', "Content-Type": "text/xml"}


def publisher(fleet: MockFleet, scenario: str) -> MockPublisherInfo:
    """The first publisher playing ``scenario``."""
    for p in fleet.publishers:
        if p.scenario == scenario:
            return p
    raise LookupError(f"no publisher plays {scenario!r}")


async def post_axl(
    pub: MockPublisherInfo,
    *,
    version: str | None = None,
    read_timeout: float = 5.0,
    auth: tuple[str, str] | None = None,
    client: httpx.AsyncClient | None = None,
) -> httpx.Response:
    """POST getSmartLicenseStatus to ``pub`` with its credentials, trusting the fleet CA.

    Pass the CA explicitly: the environment's ``SSL_CERT_FILE`` names the system bundle.
    """
    v = version or pub.axl_version
    creds = auth or (pub.username, pub.password)
    body, headers = axl_request(v), axl_headers(v)
    if client is not None:
        return await client.post(pub.url, content=body, headers=headers, auth=creds)
    async with httpx.AsyncClient(verify=trusting(pub), timeout=read_timeout) as c:
        return await c.post(pub.url, content=body, headers=headers, auth=creds)


def trusting(pub: MockPublisherInfo) -> ssl.SSLContext:
    """A client TLS context that trusts the fleet's CA (and nothing else)."""
    return ssl.create_default_context(cafile=pub.ca_bundle)
