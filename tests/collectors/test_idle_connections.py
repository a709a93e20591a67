"""Each publisher keeps one idle connection between polls, on uvloop, within ``ulimit -n``.

A loopback HTTPS server counts the connections it accepts: a second poll within the idle
expiry must not open a new one (no TCP or TLS handshake), and a publisher that closes
its idle connection just as the request goes out is asked again on a new one.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import trustme

from collectors import event_loop
from collectors.config import ClusterConfig
from collectors.secrets import SecretResolver
from collectors.transports import fd_budget
from collectors.transports.http_pool import HttpPool

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


class Server:
    """A keep-alive HTTPS server on loopback; ``drop_second`` closes a connection, without
    an answer, when a second request arrives on it (a keep-alive running out)."""

    def __init__(self, drop_second: bool = False) -> None:
        self.connections = 0
        self.open = 0
        self.requests = 0
        self.drop_second = drop_second

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                if served and self.drop_second:
                    return
                served += 1
                self.requests += 1
                writer.write(ANSWER)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            self.open -= 1
            writer.transport.abort()


@asynccontextmanager
async def publishers(
    tmp_path: Path, count: int, server: Server
) -> AsyncIterator[list[ClusterConfig]]:
    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    servers = [
        await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=ctx) for _ in range(count)
    ]
    clusters = [
        ClusterConfig.model_validate(
            {"name": f"c{i}", "publisher": f"127.0.0.1:{s.sockets[0].getsockname()[1]}",
             "username": "u", "password": "p", "verify": str(bundle)}
        )
        for i, s in enumerate(servers)
    ]  # fmt: skip
    try:
        yield clusters
    finally:
        for s in servers:
            s.close()


async def poll_twice(tmp_path: Path, count: int, server: Server) -> list[int]:
    """Poll every publisher twice through one pool; the answers' statuses."""
    statuses = []
    async with publishers(tmp_path, count, server) as clusters:
        pool = HttpPool(secrets=SecretResolver(), concurrency=25, idle_per_client=1)
        await pool.prepare(clusters)
        try:
            for _ in range(2):
                for cluster in clusters:
                    answer = await pool.get(cluster, "/x", budget_s=5, accept="text/plain")
                    statuses.append(answer.status)
        finally:
            await pool.aclose()
    return statuses


def test_on_uvloop_a_second_poll_reuses_each_publishers_connection(tmp_path: Path) -> None:
    server = Server()
    statuses = event_loop.run(poll_twice(tmp_path, 6, server))
    assert statuses == [200] * 12
    assert server.connections == 6


async def test_on_asyncio_publishers_share_the_pools_idle_connections(tmp_path: Path) -> None:
    """asyncio's TLS transport holds 256 KiB per connection: no idle one per publisher."""
    server = Server()
    statuses = await poll_twice(tmp_path, 6, server)
    assert statuses == [200] * 12
    assert server.connections == 12


def test_a_kept_connection_the_publisher_drops_is_retried_once(tmp_path: Path) -> None:
    server = Server(drop_second=True)
    statuses = event_loop.run(poll_twice(tmp_path, 3, server))
    assert statuses == [200] * 6
    assert server.connections == 6  # each second poll: the kept one dropped, then a new one
    assert server.requests == 6


def test_a_low_descriptor_limit_keeps_idle_connections_for_some(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    limits = {"soft": fd_budget.RESERVE + 25 + 2, "hard": fd_budget.RESERVE + 25 + 2}
    monkeypatch.setattr(fd_budget.resource, "getrlimit", lambda _: (limits["soft"], limits["hard"]))
    server = Server()
    statuses = event_loop.run(poll_twice(tmp_path, 5, server))
    assert statuses == [200] * 10
    assert server.connections == 2 + 2 * 3  # two kept, three reconnect every poll
    assert "2 of 5 publishers keep an idle connection" in caplog.text


class FakeLimits:
    def __init__(self, soft: int, hard: int, refuse: bool = False) -> None:
        self.soft, self.hard, self.refuse = soft, hard, refuse

    def getrlimit(self, _: int) -> tuple[int, int]:
        return self.soft, self.hard

    def setrlimit(self, _: int, value: tuple[int, int]) -> None:
        if self.refuse:
            raise ValueError("not allowed")
        self.soft = value[0]


NEEDED = 1000 + 200 + fd_budget.RESERVE  # 1,000 publishers, 200 polls in flight


@pytest.mark.parametrize(
    ("soft", "hard", "refuse", "slots", "raised_to"),
    [
        (512, 65536, False, 1000, NEEDED),
        (512, 1200, False, 1200 - 200 - fd_budget.RESERVE, 1200),
        (512, 65536, True, 512 - 200 - fd_budget.RESERVE, 512),
        (300, 300, False, 0, 300),
    ],
)
def test_the_budget_raises_the_soft_limit_up_to_the_hard_one(
    monkeypatch: pytest.MonkeyPatch, soft: int, hard: int, refuse: bool, slots: int, raised_to: int
) -> None:
    fake = FakeLimits(soft, hard, refuse)
    monkeypatch.setattr(fd_budget.resource, "getrlimit", fake.getrlimit)
    monkeypatch.setattr(fd_budget.resource, "setrlimit", fake.setrlimit)
    budget = fd_budget.idle_budget(1000, 200)
    assert budget.slots == slots
    assert fake.soft == raised_to
    assert (budget.shortfall is None) == (slots == 1000)
    if budget.shortfall:
        assert f"{slots} of 1000 publishers" in budget.shortfall
        assert f"raise the limit to {NEEDED}" in budget.shortfall


def test_at_most_max_idle_publishers_keep_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory, not descriptors, bounds a large fleet: no shortfall is reported."""
    fake = FakeLimits(1024, 1 << 20)
    monkeypatch.setattr(fd_budget.resource, "getrlimit", fake.getrlimit)
    monkeypatch.setattr(fd_budget.resource, "setrlimit", fake.setrlimit)
    budget = fd_budget.idle_budget(10_000, 200)
    assert budget == fd_budget.IdleBudget(fd_budget.MAX_IDLE)
    assert fake.soft == fd_budget.MAX_IDLE + 200 + fd_budget.RESERVE


def test_idle_connections_are_closed_once_they_pass_the_expiry(tmp_path: Path) -> None:
    """A publisher's idle connection does not wait for its next poll (minutes away) to
    be closed: a poll of any publisher after the expiry sweeps it away."""
    server = Server()

    async def main() -> tuple[int, int, int]:
        async with publishers(tmp_path, 4, server) as clusters:
            pool = HttpPool(secrets=SecretResolver(), concurrency=25, idle_expiry=0.3)
            await pool.prepare(clusters)
            try:
                for cluster in clusters[:3]:
                    await pool.get(cluster, "/x", budget_s=5, accept="text/plain")
                open_before = server.open
                await asyncio.sleep(0.5)
                await pool.get(clusters[3], "/x", budget_s=5, accept="text/plain")
                await asyncio.sleep(0.5)  # the sweep runs beside the polls
                await pool.get(clusters[3], "/x", budget_s=5, accept="text/plain")
                await asyncio.sleep(0.2)  # the server sees the closes
                open_after = server.open
            finally:
                await pool.aclose()
            return open_before, open_after, server.connections

    before, after, connections = event_loop.run(main())
    assert before == 3
    assert after == 1  # the last one polled
    assert connections == 4 + 1  # the fourth publisher's connection expired too
