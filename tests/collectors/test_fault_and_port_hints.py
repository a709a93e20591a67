"""A hint says what to check for *this* failure: the fault's cause, the configured port."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from collectors.config import parse_config
from collectors.engine import PollEngine
from collectors.errors import RefusedError, SoapFaultError, UnsupportedVersionError
from collectors.fault_hints import fault_hint
from collectors.mock.axl_render import dispatch_fault, render_fault, service_fault
from collectors.mock.testing import small_fleet
from collectors.parsing import parse_axl

AXL_ROLE = "AXL API"


def _fault(body: bytes) -> SoapFaultError:
    with pytest.raises(SoapFaultError) as info:
        parse_axl(body, cluster="lab", now=datetime.now(UTC))
    return info.value


def test_stopped_licence_service_gets_its_own_hint() -> None:
    err = _fault(service_fault())
    assert "Smart License Manager" in err.hint and AXL_ROLE not in err.hint


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("User not authorized for this request", "Standard AXL API Access"),
        ("AXL request throttled: maximum concurrent requests reached", "backs off"),
        ("Smart Licensing is not enabled", "not enabled"),
        ("Database communication error: Informix unavailable", "database"),
    ],
)
def test_known_fault_texts(text: str, words: str) -> None:
    assert words in _fault(render_fault(text, axl_code=5000)).hint


def test_unknown_fault_text_keeps_the_generic_hint() -> None:
    err = _fault(render_fault("Item not valid", axl_code=5007))
    assert err.hint == SoapFaultError.hint
    assert fault_hint("Item not valid") is None


def test_version_fault_keeps_its_own_hint() -> None:
    with pytest.raises(UnsupportedVersionError) as info:
        parse_axl(dispatch_fault("15.0"), cluster="lab", now=datetime.now(UTC))
    assert info.value.hint == UnsupportedVersionError.hint


def test_refused_hint_names_the_port() -> None:
    assert "port 9443" in RefusedError("x", port=9443).hint
    assert "8443" not in RefusedError("x", port=9443).hint
    assert "ssh_port" in RefusedError("x", port=2222, via="ssh").hint
    assert "8443" not in RefusedError("x").hint


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_polls_over_loopback_carry_the_specific_hints() -> None:
    """Real polls: a mock publisher whose licence service is down, and a closed port."""
    port = _closed_port()
    async with small_fleet(["soap_fault"]) as fleet:
        text = fleet.config_toml() + (
            f'\n[[clusters]]\nname = "closed"\npublisher = "127.0.0.1:{port}"\n'
            'username = "u"\npassword = "p"\naxl_version = "14.0"\n'
        )
        config = parse_config(text)
        async with PollEngine(config) as engine:
            updates = {u.result.cluster: u.result for u in await engine.poll_once()}
    closed = updates.pop("closed").error
    (faulty,) = updates.values()
    assert faulty.error is not None and faulty.error.kind == "soap_fault"
    assert faulty.error.hint and "Smart License Manager" in faulty.error.hint
    assert AXL_ROLE not in faulty.error.hint
    assert closed is not None and closed.kind == "refused"
    assert closed.hint and f"port {port}" in closed.hint and "8443" not in closed.hint
