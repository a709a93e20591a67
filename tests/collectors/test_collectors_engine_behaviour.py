"""Scheduling, concurrency, backoff and per-cluster state, against the mock fleet."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from collectors.config import ClusterConfig
from collectors.engine import PollEngine
from collectors.mock.testing import small_fleet
from collectors.results import PollUpdate
from collectors.severity import Thresholds
from collectors.transports.base import Answer, Transport


@dataclass
class FakeTime:
    """A monotonic clock that only moves when the engine sleeps."""

    t: float = 0.0

    def __call__(self) -> float:
        return self.t

    async def sleep(self, delay: float) -> None:
        self.t += delay
        await asyncio.sleep(0)


class DomainClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def _collect(sub: Any, count: int) -> list[PollUpdate]:
    out: list[PollUpdate] = []
    async for update in sub:
        out.append(update)
        if len(out) == count:
            break
    return out


async def test_hanging_publisher_does_not_delay_the_others(fleet_cfg: Any) -> None:
    async with small_fleet(["hang", "healthy", "healthy", "healthy", "evaluation"]) as fleet:
        config = fleet_cfg(fleet, settings={"timeout": 2.0, "concurrency": 2})
        async with PollEngine(config) as engine:
            sub = engine.updates()
            await engine.poll_once()
            order = [u.result.cluster for u in await _collect(sub, 5)]
    hang = fleet.publishers[0].name
    assert order[-1] == hang  # every other publisher answered while it hung
    assert sorted(order[:-1]) == sorted(p.name for p in fleet.publishers[1:])


async def test_last_good_snapshot_survives_a_later_failure(
    fleet_cfg: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = DomainClock()
    async with small_fleet(["healthy"]) as fleet:
        config = fleet_cfg(fleet)
        name = fleet.publishers[0].name
        async with PollEngine(config, clock=clock) as engine:
            (good,) = await engine.poll_once()
            assert good.result.snapshot is not None
            clock.now += timedelta(minutes=5)
            # The password changes on our side: the next poll is refused.
            monkeypatch.setenv("LICDASH_TEST_PW_0", "wrong-password-for-test")
            changed = config.model_copy(
                update={
                    "clusters": (
                        config.clusters[0].model_copy(update={"tags": {"region": "moved"}}),
                    )
                }
            )
            changes = engine.reload(changed)
            assert changes.changed == (name,)
            (bad,) = await engine.poll_once()
            status = engine.statuses()[name]
    assert bad.result.error is not None and bad.result.error.kind == "auth"
    assert bad.result.snapshot is None
    for st in (bad.status, status):
        assert st.last_good == good.result.snapshot
        assert st.last_seen == good.result.started_at
        assert st.last_attempt == bad.result.started_at
        assert st.consecutive_failures == 1
        assert st.last_error == bad.result.error
        assert st.tags == {"region": "moved"}


async def test_stale_flag_follows_the_domain_clock(fleet_cfg: Any) -> None:
    clock = DomainClock()
    async with small_fleet(["healthy", "refused"]) as fleet:
        config = fleet_cfg(fleet, settings={"interval": 60, "stale_after": 3})
        ok_name, refused_name = (p.name for p in fleet.publishers)
        async with PollEngine(config, clock=clock) as engine:
            await engine.poll_once()
            start = clock.now
            clock.now = start + timedelta(seconds=179)
            assert not engine.statuses()[ok_name].stale
            clock.now = start + timedelta(seconds=181)
            assert engine.statuses()[ok_name].stale
            # Never answered: unknown, not stale.
            assert not engine.statuses()[refused_name].stale
            assert engine.statuses()[refused_name].last_good is None


async def test_backoff_timing_with_an_injected_clock(fleet_cfg: Any) -> None:
    fake = FakeTime()
    settings = {"interval": 60, "backoff_base": 30, "backoff_max": 100, "jitter": 0.1}
    async with small_fleet(["refused"]) as fleet:
        config = fleet_cfg(fleet, settings=settings)
        engine = PollEngine(config, monotonic=fake, sleep=fake.sleep, random=lambda: 0.5)
        async with engine:
            sub = engine.updates()
            times: list[float] = []
            runner = asyncio.create_task(engine.run())
            async for update in sub:
                assert update.result.error is not None
                times.append(fake.t)
                if len(times) == 5:
                    engine.stop()
                    break
            await runner
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # 30 s doubling, capped at 100 s, each shortened by jitter x random = 5 %.
    assert gaps == pytest.approx([28.5, 57.0, 95.0, 95.0])


async def test_success_arms_the_next_poll_one_jittered_interval_later(fleet_cfg: Any) -> None:
    fake = FakeTime(t=1000.0)
    async with small_fleet(["healthy"]) as fleet:
        config = fleet_cfg(fleet, settings={"interval": 300, "jitter": 0.1})
        name = fleet.publishers[0].name
        async with PollEngine(config, monotonic=fake, random=lambda: 0.75) as engine:
            assert engine.next_poll_in(name) is None
            await engine.poll_once()
            assert engine.next_poll_in(name) == pytest.approx(315.0)


async def test_each_subscriber_gets_every_update(fleet_cfg: Any) -> None:
    fleet = small_fleet(["healthy", "evaluation", "refused"])
    async with fleet, PollEngine(fleet_cfg(fleet)) as engine:
        first, second = engine.updates(), engine.updates()
        returned = await engine.poll_once()
        a = await _collect(first, 3)
        b = await _collect(second, 3)
    assert {id(u) for u in a} == {id(u) for u in b} == {id(u) for u in returned}


async def test_one_request_in_flight_per_publisher(fleet_cfg: Any) -> None:
    async with small_fleet(["slow"], slow_ms=300, axl_versions=["15.0"]) as fleet:
        server = fleet.servers[fleet.publishers[0].name]
        async with PollEngine(fleet_cfg(fleet)) as engine:
            (a,), (b,) = await asyncio.gather(engine.poll_once(), engine.poll_once())
    assert a is b
    assert server.requests == 1


class CountingTransport:
    """Wraps a real transport and records the most polls it saw at once."""

    name = "axl"

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.now = 0
        self.peak = 0

    async def poll(
        self,
        cluster: ClusterConfig,
        *,
        now: datetime,
        thresholds: Thresholds,
        budget_s: float | None = None,
    ) -> Answer:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            return await self.inner.poll(cluster, now=now, thresholds=thresholds, budget_s=budget_s)
        finally:
            self.now -= 1

    def forget(self, cluster: str) -> None:
        self.inner.forget(cluster)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_global_concurrency_is_bounded(fleet_cfg: Any) -> None:
    from collectors.secrets import SecretResolver
    from collectors.transports.axl import AxlTransport

    async with small_fleet(["slow"] * 6, slow_ms=150) as fleet:
        config = fleet_cfg(fleet, settings={"concurrency": 2})
        secrets = SecretResolver()
        counting = CountingTransport(AxlTransport(secrets=secrets))
        async with PollEngine(config, transports={"axl": counting}, secrets=secrets) as engine:
            updates = await engine.poll_once()
        await counting.aclose()
    assert all(u.result.ok for u in updates)
    assert counting.peak == 2


async def test_pause_holds_scheduled_polls_but_not_poll_now(fleet_cfg: Any) -> None:
    async with small_fleet(["healthy", "evaluation"]) as fleet:
        first, second = (p.name for p in fleet.publishers)
        async with PollEngine(fleet_cfg(fleet)) as engine:
            sub = engine.updates()
            engine.pause()
            assert engine.paused
            runner = asyncio.create_task(engine.run())
            engine.poll_now(second)
            (only,) = await _collect(sub, 1)
            assert only.result.cluster == second
            engine.resume()
            (then,) = await _collect(sub, 1)
            assert then.result.cluster == first
            engine.stop()
            await runner


async def test_cycle_stats_and_reload(fleet_cfg: Any) -> None:
    async with small_fleet(["healthy", "refused", "evaluation"]) as fleet:
        config = fleet_cfg(fleet)
        names = [p.name for p in fleet.publishers]
        async with PollEngine(config) as engine:
            assert engine.last_cycle is None
            await engine.poll_once()
            cycle = engine.last_cycle
            assert cycle is not None
            assert (cycle.polled, cycle.failed, cycle.ok) == (3, 1, 2)
            assert cycle.finished_at >= cycle.started_at
            smaller = config.model_copy(update={"clusters": config.clusters[:2]})
            changes = engine.reload(smaller)
            assert changes.removed == (names[2],)
            assert not changes.added and not changes.changed
            assert set(engine.statuses()) == set(names[:2])
            back = engine.reload(config)
            assert back.added == (names[2],)
            assert engine.statuses()[names[2]].last_attempt is None


async def test_subscriptions_end_when_the_engine_closes(fleet_cfg: Any) -> None:
    async with small_fleet(["healthy"]) as fleet:
        engine = PollEngine(fleet_cfg(fleet))
        async with engine:
            sub = engine.updates()
            engine.poll_now()
            (update,) = await _collect(sub, 1)
        rest = [u async for u in sub]  # ends instead of waiting forever
    assert update.result.ok and rest == []


def test_interval_override_applies_to_every_cluster() -> None:
    from collectors.commands.collect_cmd import with_interval
    from collectors.config import parse_config

    text = "".join(
        f'[[clusters]]\nname = "c{i}"\npublisher = "h{i}"\nusername = "u"\n'
        f'password_env = "P"\n{"interval = 900" if i else ""}\n'
        for i in range(2)
    )
    config = with_interval(parse_config(text), 42)
    assert [c.effective_interval(config.settings) for c in config.clusters] == [42, 42]


async def test_a_missing_password_is_a_secret_error_result(
    fleet_cfg: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with small_fleet(["healthy"]) as fleet:
        config = fleet_cfg(fleet)
        monkeypatch.delenv("LICDASH_TEST_PW_0")
        server = fleet.servers[fleet.publishers[0].name]
        async with PollEngine(config) as engine:
            (update,) = await engine.poll_once()
    assert update.result.error is not None
    assert update.result.error.kind == "secret"
    assert "LICDASH_TEST_PW_0" in update.result.error.message
    assert server.requests == 0  # nothing was sent without a password


async def test_stop_before_run_returns_at_once(fleet_cfg: Any) -> None:
    async with small_fleet(["healthy"]) as fleet, PollEngine(fleet_cfg(fleet)) as engine:
        sub = engine.updates()
        engine.stop()
        await engine.run()
        assert sub.pending() == 0


class GatedTransport:
    """Refuses every poll, but only once ``gate`` is set; ``started`` marks a poll begun."""

    name = "axl"

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.gate = asyncio.Event()
        self.seen: list[ClusterConfig] = []

    async def poll(
        self,
        cluster: ClusterConfig,
        *,
        now: datetime,
        thresholds: Thresholds,
        budget_s: float | None = None,
    ) -> Answer:
        from collectors.errors import RefusedError

        self.seen.append(cluster)
        self.started.set()
        await self.gate.wait()
        raise RefusedError("refused (test)", cluster=cluster.name)

    def forget(self, cluster: str) -> None:
        pass

    async def aclose(self) -> None:
        pass


async def test_a_cluster_reconfigured_mid_poll_is_polled_again_under_its_new_config(
    fleet_cfg: Any,
) -> None:
    """The in-flight result belongs to the old config; the cluster must not be orphaned."""
    fake = FakeTime(t=50.0)
    async with small_fleet(["healthy"]) as fleet:
        config = fleet_cfg(fleet)
        name = fleet.publishers[0].name
        gated = GatedTransport()
        engine = PollEngine(config, transports={"axl": gated}, monotonic=fake)
        async with engine:
            polling = asyncio.create_task(engine.poll_once())
            await gated.started.wait()
            retagged = config.clusters[0].model_copy(update={"tags": {"region": "moved"}})
            engine.reload(config.model_copy(update={"clusters": (retagged,)}))
            gated.gate.set()
            (stale,) = await polling
            assert engine.next_poll_in(name) == pytest.approx(0.0)  # due at once
            assert engine.statuses()[name].last_attempt is None  # old result not kept
            (fresh,) = await engine.poll_once()
    assert stale.result.error is not None
    assert fresh.status.consecutive_failures == 1
    assert gated.seen[-1].tags == {"region": "moved"}
    assert engine.last_cycle is not None  # the sweep could finish


async def test_statuses_before_any_poll_follow_the_config_and_its_reloads() -> None:
    """A cluster's first status is built when read (not at start-up): it still names the
    cluster's product and tags, as a reload left them."""
    from collectors.config import parse_config

    text = (
        '[[clusters]]\nname = "lon"\npublisher = "127.0.0.1:1"\nusername = "u"\n'
        'password_env = "PW"\ntags = { region = "emea" }\n'
        '[[clusters]]\nname = "exp"\nproduct = "expressway"\npublisher = "127.0.0.1:2"\n'
        'username = "u"\npassword_env = "PW"\n'
    )
    config = parse_config(text)
    engine = PollEngine(config)
    statuses = engine.statuses()
    assert (statuses["lon"].product, statuses["lon"].tags) == ("cucm", {"region": "emea"})
    assert (statuses["exp"].product, statuses["exp"].last_attempt) == ("expressway", None)
    moved = parse_config(text.replace('"emea"', '"amer"').replace('"exp"', '"exp2"'))
    engine.reload(moved)
    assert engine.statuses()["lon"].tags == {"region": "amer"}
    assert engine.statuses()["exp2"].tags == {}
    fresh = PollEngine(moved)
    fresh.reload(config)  # changed before anything read a status
    assert fresh.statuses()["lon"].tags == {"region": "emea"}
    await engine.aclose()
    await fresh.aclose()
