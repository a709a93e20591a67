"""TLS failures: an untrusted certificate and a certificate for another host."""

from __future__ import annotations

from pathlib import Path

from collectors.mock.tls import CertAuthority
from tests.adversarial.harness import Harness


async def test_a_certificate_from_another_authority_is_tls(
    harness: Harness, tmp_path: Path
) -> None:
    first = await harness.cycle()
    assert first.report.ok == 3
    stranger = CertAuthority(tmp_path / "other-ca", "some other CA")
    harness.hostile_verify = str(stranger.bundle)
    cycle = await harness.cycle()
    harness.assert_contained(cycle, "tls")


async def test_a_certificate_for_another_host_is_tls(harness: Harness, tmp_path: Path) -> None:
    first = await harness.cycle()
    assert first.report.ok == 3
    # Same CA, but the server now presents a certificate for another name.
    ca = harness.ca
    wrong = ca.issue("not-this-host", ["cucm.elsewhere.example"])
    import ssl

    from aiohttp import web

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(wrong)
    runner = web.AppRunner(web.Application(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
    await site.start()
    try:
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        harness.fleet.publishers["hostile"].port = port
        cycle = await harness.cycle()
        harness.assert_contained(cycle, "tls")
    finally:
        await runner.cleanup()
