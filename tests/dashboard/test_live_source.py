"""LiveSource and StoreViewer: data reaches the UI from other threads, and no thread survives."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from collectors.config import LicdashConfig, parse_config
from collectors.results import ClusterStatus, PollResult, PollUpdate
from dashboard.app import LicdashApp
from dashboard.screens.fleet import FleetScreen
from dashboard.sources import LiveSource, StoreViewer

SIZE = (120, 40)


def _config(names: list[str]) -> LicdashConfig:
    blocks = [
        f'[[clusters]]\nname = "{n}"\npublisher = "127.0.0.1:9"\nusername = "u"\n'
        f'password_env = "NOPE"\ntags = {{ region = "emea" }}\n'
        for n in names
    ]
    return parse_config("\n".join(blocks))


class FakeEngine:
    """Answers poll_now with a good result at once; records what the UI asked."""

    def __init__(self, config: LicdashConfig, clock: Callable[[], datetime], snap: Any) -> None:
        self.config, self.clock, self.snap = config, clock, snap
        self.asked: list[str | None] = []
        self.paused = False
        self.thread: threading.Thread | None = None
        self._queues: list[asyncio.Queue[PollUpdate | None]] = []
        self._stop = asyncio.Event()

    async def __aenter__(self) -> FakeEngine:
        self.thread = threading.current_thread()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for queue in self._queues:
            queue.put_nowait(None)
        self._queues.clear()

    last_cycle = None

    async def poll_once(self) -> None:
        self.poll_now()

    def reload(self, config: LicdashConfig) -> Any:
        raise NotImplementedError

    async def run(self) -> None:
        await self._stop.wait()

    def stop(self) -> None:
        self._stop.set()

    async def _iterate(self, queue: asyncio.Queue[PollUpdate | None]) -> AsyncIterator[PollUpdate]:
        while (item := await queue.get()) is not None:
            yield item

    def updates(self) -> AsyncIterator[PollUpdate]:
        queue: asyncio.Queue[PollUpdate | None] = asyncio.Queue()
        self._queues.append(queue)
        return self._iterate(queue)

    def poll_now(self, cluster: str | None = None) -> None:
        self.asked.append(cluster)
        for name in [cluster] if cluster else [c.name for c in self.config.clusters]:
            snap = self.snap(name)
            result = PollResult(
                cluster=name,
                started_at=self.clock(),
                duration_s=0.1,
                snapshot=snap,
                raw=f"<raw {name}/>",
            )
            status = ClusterStatus(
                cluster=name, tags={"region": "emea"}, last_good=snap, last_seen=self.clock()
            )
            for queue in self._queues:
                queue.put_nowait(PollUpdate(result=result, status=status))

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def statuses(self) -> Mapping[str, ClusterStatus]:
        return {}


async def _until(predicate: Callable[[], bool], pilot: Any, limit: float = 10.0) -> None:
    """Wait for ``predicate`` (bounded); a failure shows up as the assertion after it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not predicate() and loop.time() < deadline:
        await pilot.pause(0.05)


async def test_live_source_runs_engine_off_the_ui_thread(
    frozen_clock: Callable[[], datetime], make_snapshot: Callable[..., Any]
) -> None:
    engines: list[FakeEngine] = []

    def factory(config: LicdashConfig, clock: Callable[[], datetime]) -> FakeEngine:
        engines.append(FakeEngine(config, clock, make_snapshot))
        return engines[-1]

    names = ["emea-a", "emea-b", "emea-c"]
    before = set(threading.enumerate())
    source = LiveSource(
        _config(names), None, clock=frozen_clock, engine_factory=factory, min_interval=0.01
    )
    app = LicdashApp(source, clock=frozen_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.table if isinstance(app.screen, FleetScreen) else None
        assert table is not None and set(table.clusters) == set(names)  # known before any poll
        await _until(lambda: bool(engines) and engines[0].thread is not None, pilot)
        assert engines[0].thread is not threading.main_thread()
        await pilot.press("R")
        await _until(lambda: all(s.last_good for s in app.fleet.statuses.values()), pilot)
        assert all(s.last_good is not None for s in app.fleet.statuses.values())
        assert source.raw("emea-b") == "<raw emea-b/>"
        await pilot.press("j", "r")
        await _until(lambda: len(engines[0].asked) == 2, pilot)
        assert engines[0].asked == [None, table.selected_cluster]
        await pilot.press("p")
        await _until(lambda: engines[0].paused, pilot)
        assert engines[0].paused and app.fleet.paused
        await pilot.press("q")
    assert set(threading.enumerate()) <= before


async def test_live_source_polls_a_real_mock_fleet(tmp_path: Path) -> None:
    from collectors.mock import ThreadedFleet

    before = set(threading.enumerate())
    fleet = ThreadedFleet(scenarios=["healthy", "evaluation", "out_of_compliance", "auth_failure"])
    fleet.start()
    try:
        assert fleet.fleet is not None
        config = parse_config(fleet.fleet.config_toml(settings={"interval": 1, "timeout": 5}))
        source = LiveSource(config, tmp_path / "store", min_interval=0.05)
        source.open_store()
        app = LicdashApp(source)
        async with app.run_test(size=SIZE) as pilot:
            await _until(
                lambda: all(s.last_attempt for s in app.fleet.statuses.values()), pilot, 30
            )
            statuses = app.fleet.statuses
            assert len(statuses) == 4 and all(s.last_attempt for s in statuses.values())
            kinds = {s.last_error.kind for s in statuses.values() if s.last_error}
            assert "auth" in kinds
            assert sum(s.last_good is not None for s in statuses.values()) == 3
            await pilot.press("q")
    finally:
        fleet.stop()
    assert _ours(set(threading.enumerate()) - before) == set()
    # The source wrote the store; a viewer reads the same fleet back.
    viewer = StoreViewer(tmp_path / "store", interval=0.05)
    app = LicdashApp(viewer)
    async with app.run_test(size=SIZE) as pilot:
        await _until(lambda: len(app.fleet.statuses) == 4, pilot)
        assert len(app.fleet.statuses) == 4 and app.fleet.source == "store"
        statuses, name = app.fleet.statuses, next(iter(app.fleet.statuses))
        with pytest.raises(TypeError):  # the state a message carries cannot be changed
            statuses[name] = statuses[name]  # type: ignore[index]
        await pilot.press("r")
        await pilot.pause()
        assert any("read-only viewer" in n.message for n in app._notifications)
    assert _ours(set(threading.enumerate()) - before) == set()


def _ours(threads: set[threading.Thread]) -> set[threading.Thread]:
    """New threads that are still alive (a finished thread may linger in the set briefly)."""
    return {t for t in threads if t.is_alive()}


class _FlakyStore:
    """Refuses the first write; records every later one (and the collector's records)."""

    def __init__(self) -> None:
        self.refusals = 1
        self.written: list[str] = []
        self.beats: list[Any] = []
        self.policies: list[Any] = []

    def write_batch(self, updates: Any) -> None:
        if self.refusals:
            self.refusals -= 1
            from collectors.errors import StoreError

            raise StoreError("disk full (test)")
        self.written += [u.result.cluster for u in updates]

    def record_policy(self, policy: Any) -> None:
        self.policies.append(policy)

    def record_heartbeat(self, heartbeat: Any) -> None:
        self.beats.append(heartbeat)

    def close(self) -> None:
        pass


async def test_live_source_keeps_a_refused_batch_for_retry(
    frozen_clock: Callable[[], datetime], make_snapshot: Callable[..., Any]
) -> None:
    """The dashboard runs collect's own loop: a failed store write is retried, not dropped."""
    engines: list[FakeEngine] = []

    def factory(config: LicdashConfig, clock: Callable[[], datetime]) -> FakeEngine:
        engines.append(FakeEngine(config, clock, make_snapshot))
        return engines[-1]

    names = ["emea-a", "emea-b"]
    source = LiveSource(
        _config(names), None, clock=frozen_clock, engine_factory=factory, min_interval=0.01
    )
    store = _FlakyStore()
    source._writer_store = store  # what open_store would have opened
    app = LicdashApp(source, clock=frozen_clock)
    async with app.run_test(size=SIZE) as pilot:
        await _until(lambda: bool(engines) and bool(store.beats), pilot)
        await pilot.press("R")  # the first batch is refused
        await _until(lambda: store.refusals == 0, pilot)
        await pilot.press("R")  # the second write carries both batches
        await _until(lambda: len(store.written) == 4, pilot)
        assert sorted(store.written) == sorted(names * 2)
        assert store.policies and store.beats[-1].mode == "dashboard"
        await pilot.press("q")
    assert store.beats[-1].stopped


async def test_live_source_judges_each_cluster_by_its_own_interval(
    frozen_clock: Callable[[], datetime], make_snapshot: Callable[..., Any]
) -> None:
    """Not the global interval: a cluster polled hourly is fresh 40 minutes on."""
    config = parse_config(
        "[settings]\ninterval = 60\nstale_after = 3\nwarning_days = 45\n"
        '[[clusters]]\nname = "hourly"\npublisher = "127.0.0.1:9"\nusername = "u"\n'
        'password_env = "NOPE"\ninterval = 3600\n'
        '[[clusters]]\nname = "fast"\npublisher = "127.0.0.1:9"\nusername = "u"\n'
        'password_env = "NOPE"\n'
    )
    source = LiveSource(
        config,
        None,
        clock=frozen_clock,
        engine_factory=lambda c, clock: FakeEngine(c, clock, make_snapshot),
        min_interval=0.01,
    )
    policy = source.policy
    assert policy.stale_after("hourly").total_seconds() == 3 * 3600
    assert policy.stale_after("fast").total_seconds() == 3 * 60
    assert policy.warning_days == 45
    app = LicdashApp(source, clock=frozen_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.policy is policy  # the app judges by the source's policy (no override)
        await pilot.press("q")
