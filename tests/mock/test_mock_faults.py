"""Each fault scenario, seen by a plain httpx client over real loopback sockets."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
from lxml import etree

from collectors.errors import MalformedResponseError, SoapFaultError, UnsupportedVersionError
from collectors.mock.server import COOKIE
from collectors.mock.testing import (
    axl_headers,
    axl_request,
    post_axl,
    publisher,
    small_fleet,
    trusting,
)
from collectors.parsing import parse_axl


def _parse(resp: httpx.Response, name: str) -> object:
    return parse_axl(resp.content, cluster=name, now=datetime.now(UTC))


def _faultstring(resp: httpx.Response) -> str:
    root = etree.fromstring(resp.content)
    return str(root.findtext(".//faultstring"))


async def test_wrong_password_is_401() -> None:
    async with small_fleet(["healthy"]) as fleet:
        pub = fleet.publishers[0]
        resp = await post_axl(pub, auth=(pub.username, "not-the-password"))
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Basic")


async def test_auth_failure_refuses_even_the_listed_credentials() -> None:
    async with small_fleet(["auth_failure"]) as fleet:
        resp = await post_axl(fleet.publishers[0])
    assert resp.status_code == 401


async def test_session_cookie_is_set_and_accepted_without_credentials() -> None:
    async with small_fleet(["healthy"]) as fleet:
        pub = fleet.publishers[0]
        v = pub.axl_version
        async with httpx.AsyncClient(verify=trusting(pub), timeout=5) as client:
            first = await client.post(
                pub.url, content=axl_request(v), headers=axl_headers(v),
                auth=(pub.username, pub.password),
            )  # fmt: skip
            sid = first.cookies[COOKIE]
            assert first.status_code == 200
            again = await client.post(pub.url, content=axl_request(v), headers=axl_headers(v))
            assert "authorization" not in again.request.headers
            assert again.status_code == 200
            assert COOKIE not in again.cookies  # no new session for a known cookie
        async with httpx.AsyncClient(verify=trusting(pub), timeout=5) as fresh:
            bogus = await fresh.post(
                pub.url, content=axl_request(v),
                headers={**axl_headers(v), "Cookie": f"{COOKIE}={sid[::-1]}"},
            )  # fmt: skip
    assert bogus.status_code == 401


async def test_flapping_alternates_503_and_answers() -> None:
    async with small_fleet(["flapping"]) as fleet:
        pub = fleet.publishers[0]
        codes = [(await post_axl(pub)).status_code for _ in range(4)]
    assert codes == [503, 200, 503, 200]


async def test_hang_accepts_but_never_answers() -> None:
    async with small_fleet(["hang"]) as fleet:
        with pytest.raises(httpx.ReadTimeout):
            await post_axl(fleet.publishers[0], read_timeout=0.3)


async def test_hung_requests_end_when_their_client_gives_up() -> None:
    async with small_fleet(["hang"]) as fleet:
        pub = fleet.publishers[0]
        server = fleet.servers[pub.name]
        for _ in range(3):
            with pytest.raises(httpx.ReadTimeout):
                await post_axl(pub, read_timeout=0.2)
        for _ in range(100):  # the disconnect reaches the server within a few loop turns
            if server.in_flight == 0:
                break
            await asyncio.sleep(0.01)
        assert server.requests == 3
        assert server.in_flight == 0


async def test_slow_answers_after_its_delay() -> None:
    async with small_fleet(["slow"], slow_ms=400) as fleet:
        pub = fleet.publishers[0]
        with pytest.raises(httpx.ReadTimeout):
            await post_axl(pub, read_timeout=0.1)
        assert (await post_axl(pub, read_timeout=5)).status_code == 200


async def test_refused_port_is_reserved_but_closed() -> None:
    async with small_fleet(["refused"]) as fleet:
        with pytest.raises(httpx.ConnectError):
            await post_axl(fleet.publishers[0])


async def test_untrusted_tls_fails_verification_against_the_fleet_ca() -> None:
    async with small_fleet(["untrusted_tls", "healthy"]) as fleet:
        bad, good = fleet.publishers
        assert bad.ca_bundle == good.ca_bundle
        with pytest.raises(httpx.ConnectError) as info:
            await post_axl(bad)
        assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
        assert (await post_axl(good)).status_code == 200


async def test_malformed_body_is_broken_xml() -> None:
    async with small_fleet(["malformed"]) as fleet:
        pub = fleet.publishers[0]
        resp = await post_axl(pub)
    assert resp.status_code == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(resp.content)
    with pytest.raises(MalformedResponseError):
        _parse(resp, pub.name)


async def test_truncated_bodies_both_flavours() -> None:
    async with small_fleet(["truncated"] * 6, seed=1) as fleet:
        by_variant = {p.variant: fleet.publishers[p.index] for p in fleet.profiles}
        assert set(by_variant) == {0, 1}
        # Content-Length promises more than arrives.
        with pytest.raises(httpx.RemoteProtocolError):
            await post_axl(by_variant[0])
        # An honest length, but the body stops mid-element.
        resp = await post_axl(by_variant[1])
    assert resp.status_code == 200
    assert not resp.content.rstrip().endswith(b"</soapenv:Envelope>")
    with pytest.raises(MalformedResponseError):
        _parse(resp, "truncated")


async def test_soap_fault_carries_axl_error_detail() -> None:
    async with small_fleet(["soap_fault"]) as fleet:
        pub = fleet.publishers[0]
        resp = await post_axl(pub)
    assert resp.status_code == 500
    root = etree.fromstring(resp.content)
    assert root.findtext(".//axlError/axlcode") == "5002"
    with pytest.raises(SoapFaultError) as info:
        _parse(resp, pub.name)
    assert not isinstance(info.value, UnsupportedVersionError)


@pytest.mark.parametrize("asked", ["15.0", "16.0", "12.0"])
async def test_version_newer_or_unknown_is_a_dispatch_fault(asked: str) -> None:
    async with small_fleet(["healthy"], axl_versions=["14.0"]) as fleet:
        pub = fleet.publishers[0]
        resp = await post_axl(pub, version=asked)
    assert resp.status_code == 500
    assert _faultstring(resp) == (
        f"Cannot find dispatch method for {{http://www.cisco.com/AXL/API/{asked}}}"
        "getSmartLicenseStatus"
    )
    with pytest.raises(UnsupportedVersionError):
        _parse(resp, pub.name)


@pytest.mark.parametrize("asked", ["12.5", "14.0", "15.0"])
async def test_older_versions_are_answered_in_their_own_namespace(asked: str) -> None:
    async with small_fleet(["healthy"], axl_versions=["15.0"]) as fleet:
        resp = await post_axl(fleet.publishers[0], version=asked)
    assert resp.status_code == 200
    root = etree.fromstring(resp.content)
    body = root[0]
    assert body[0].tag == f"{{http://www.cisco.com/AXL/API/{asked}}}getSmartLicenseStatusResponse"


async def test_unknown_path_is_404() -> None:
    async with small_fleet(["healthy"]) as fleet:
        pub = fleet.publishers[0]
        async with httpx.AsyncClient(verify=trusting(pub), timeout=5) as client:
            resp = await client.get(pub.url.replace("/axl/", "/ccmadmin/"))
    assert resp.status_code == 404


def test_publisher_lookup_names_a_missing_scenario() -> None:
    fleet = small_fleet(["healthy"])
    with pytest.raises(LookupError, match="hang"):
        publisher(fleet, "hang")
