"""The fleet overview's speed with a large fleet, headless (``App.run_test``, 160x45).

Prints, for N clusters (default 10,000; ``--quick``: 1,000):

- first full draw: from starting the wall (``dash --wall``) to the frame that shows
  every cluster as a tile (target <= 1 s); and key ``0`` on a running dashboard to the
  same, the first time (that includes building the screen and its style sheet);
- a refresh that changes every cluster, and one that changes 1 %: CPU of the UI thread
  (the update message, swapping in the judgement, the lines in view, the frame; target
  <= 16 ms) and CPU of the judging worker thread, apart;
- key press to frame (cursor to the next tile) while a source thread pushes an update
  every 0.25 s changing 1 % of the clusters (target <= 16 ms, p95).

Machine-independent ratios: UI-thread CPU per visible line, worker CPU per changed
cluster, and the 1 % refresh against the full one (the work follows what changed).

Run: ``.venv/bin/python bench/bench_overview.py [--clusters N] [--quick]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project root, for tests.support

from bench_dashboard import FrameProbe  # noqa: E402

from collectors.results import ClusterStatus  # noqa: E402
from dashboard.app import LicdashApp  # noqa: E402
from dashboard.messages import FleetUpdated  # noqa: E402
from dashboard.overview_model import OverviewModel  # noqa: E402
from dashboard.screens.overview import OverviewScreen  # noqa: E402
from dashboard.sources import StaticSource  # noqa: E402
from dashboard.state import FleetState  # noqa: E402
from dashboard.widgets.fleet_overview import FleetOverview  # noqa: E402
from tests.support.factory import NOW  # noqa: E402
from tests.support.fleets import large_fleet  # noqa: E402

SIZE = (160, 45)
PUSH_INTERVAL_S = 0.25


class WorkerClock:
    """Thread CPU spent inside :meth:`OverviewModel.judge`, per call (any thread)."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        original = OverviewModel.judge
        clock = self

        def judge(model: OverviewModel, *args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return original(model, *args, **kwargs)
            finally:
                clock.calls.append(time.thread_time() - start)

        OverviewModel.judge = judge  # type: ignore[method-assign]


def chained(
    fleets: list[dict[str, ClusterStatus]], count: int, share: int
) -> list[dict[str, ClusterStatus]]:
    """``count`` fleet states from ``fleets[0]``, each differing from the one before in
    1/``share`` of the clusters (as a live source's updates do)."""
    names = list(fleets[0])
    step = max(len(names) // share, 1)
    state = dict(fleets[0])
    out = []
    for k in range(count):
        picked = names[(k * step) % len(names) :][:step]
        source = fleets[1 + k % (len(fleets) - 1)]
        state = {**state, **{n: source[n] for n in picked}}
        out.append(state)
    return out


async def first_wall_draw(fleet: Mapping[str, ClusterStatus], n: int) -> float:
    """Seconds from starting ``licdash dash --wall`` to the frame with every tile."""
    app = LicdashApp(StaticSource(fleet), clock=lambda: NOW, wall=True)
    probe = FrameProbe(app)

    def drawn() -> bool:
        overviews = app.screen.query(FleetOverview)
        layout = overviews.first().judgement if overviews else None
        return layout is not None and layout.clusters == n

    t0 = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        shown = await probe.frame_where(drawn)
        await pilot.press("q")
    return shown - t0


async def run(n: int, refreshes: int, presses: int) -> dict[str, Any]:
    fleets = [large_fleet(n, variant=v) for v in range(3)]
    results: dict[str, Any] = {"wall_first_s": await first_wall_draw(fleets[0], n)}
    source = StaticSource(fleets[0])
    app = LicdashApp(source, clock=lambda: NOW)
    probe = FrameProbe(app)
    worker = WorkerClock()

    def overview() -> FleetOverview | None:
        screen = app.screen
        return screen.query_one(FleetOverview) if isinstance(screen, OverviewScreen) else None

    def shows(statuses: Mapping[str, ClusterStatus]) -> Any:
        def check() -> bool:
            o = overview()
            return (
                o is not None
                and not o.judging
                and o.statuses is statuses
                and o.judgement is not None
                and o.judgement.clusters == n
            )

        return check

    async with app.run_test(size=SIZE) as pilot:
        # The app opens on the fleet table: let it settle before switching.
        await probe.frame_where(lambda: len(app.fleet.statuses) == n)
        await pilot.pause(1.0)
        armed = probe.expect(shows(app.fleet.statuses))
        t0 = time.perf_counter()
        await pilot.press("0")
        results["first_draw_s"] = await probe.wait(armed, 60) - t0
        o = overview()
        assert o is not None
        geometry = o.geometry
        assert geometry is not None
        results["density"] = geometry.density.value
        results["visible_lines"] = o.size.height
        results["fits"] = o.body_lines <= o.body_height()

        async def refresh(statuses: Mapping[str, ClusterStatus]) -> tuple[float, float, float]:
            await pilot.pause()
            worker.calls.clear()
            fleet = FleetState(statuses=statuses, updated_at=NOW)
            armed = probe.expect(shows(fleet.statuses))
            c0, w0 = time.thread_time(), time.perf_counter()
            app.post_message(FleetUpdated(fleet))
            done = await probe.wait(armed, 60)
            return time.thread_time() - c0, sum(worker.calls), done - w0

        some = chained(fleets, refreshes + 1, 100)
        for label, make in (
            ("all", lambda i: fleets[1 + i % 2]),  # each differs from the last everywhere
            ("some", lambda i: some[i + 1]),  # each differs from the last in 1 %
        ):
            if label == "some":
                await refresh(some[0])
            ui, work, wall = [], [], []
            for i in range(refreshes):
                u, w, t = await refresh(make(i))
                ui.append(u)
                work.append(w)
                wall.append(t)
            results[f"{label}_ui_ms"] = statistics.median(ui) * 1000
            results[f"{label}_worker_ms"] = statistics.median(work) * 1000
            results[f"{label}_wall_ms"] = statistics.median(wall) * 1000

        # Key press to frame while a source pushes 1 % changes every 0.25 s.
        updates = chained(fleets, 40, 100)
        stop = threading.Event()

        def pusher() -> None:
            k = 0
            while not stop.wait(PUSH_INTERVAL_S):
                k += 1
                app.post_message(FleetUpdated(FleetState(statuses=updates[k % len(updates)])))

        thread = threading.Thread(target=pusher, name="bench-pusher")
        thread.start()
        latencies = []
        try:
            for i in range(presses):
                before = o.cursor_cluster
                armed = probe.expect(lambda b=before: o.cursor_cluster != b)
                t0 = time.perf_counter()
                await pilot.press("right" if i % 40 < 20 else "left")
                latencies.append(await probe.wait(armed) - t0)
                await pilot.pause(0.02)
        finally:
            stop.set()
            thread.join()
        latencies.sort()
        results["key_p50_ms"] = statistics.median(latencies) * 1000
        results["key_p95_ms"] = latencies[int(0.95 * (len(latencies) - 1))] * 1000
        await pilot.press("q")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1,000 clusters, fewer repetitions")
    parser.add_argument("--clusters", type=int, help="fleet size (default 10000; --quick 1000)")
    args = parser.parse_args()
    n = args.clusters or (1000 if args.quick else 10000)
    refreshes, presses = (3, 15) if args.quick else (7, 60)
    r = asyncio.run(run(n, refreshes, presses))

    def verdict(value: float, target: float) -> str:
        return f"target <= {target:g}: {'ok' if value <= target else 'OVER'}"

    print(f"licdash overview benchmark: {n} clusters, headless {SIZE[0]}x{SIZE[1]}")
    print(f"  tiles: {r['density']}, whole fleet on one screen: {'yes' if r['fits'] else 'no'}")
    first = r["wall_first_s"] * 1000
    print(f"  first full draw (wall: start to tiles)  {first:8.1f} ms  ({verdict(first, 1000)})")
    key0 = r["first_draw_s"] * 1000
    print(f"  key 0 to every tile, first time         {key0:8.1f} ms  (builds the screen)")
    for label, what in (("all", "every cluster"), ("some", "1 % of clusters")):
        ui, work = r[f"{label}_ui_ms"], r[f"{label}_worker_ms"]
        print(f"  refresh changing {what + ',':17} UI CPU {ui:8.1f} ms  ({verdict(ui, 16)})")
        print(f"  {'':34}worker {work:8.1f} ms CPU, {r[f'{label}_wall_ms']:.1f} ms to the frame")
    p50, p95 = r["key_p50_ms"], r["key_p95_ms"]
    print(f"  key press to frame while polling (1 %)  {p50:8.1f} ms p50, {p95:.1f} ms p95")
    print(f"  {'':40}({verdict(p95, 16)}, p95)")
    print("ratios (machine-independent):")
    lines = r["visible_lines"]
    print(f"  UI CPU per visible line, full refresh      {r['all_ui_ms'] * 1000 / lines:8.1f} µs")
    print(f"  worker CPU per changed cluster, full       {r['all_worker_ms'] * 1000 / n:8.1f} µs")
    some = max(n // 100, 1)
    print(
        f"  worker CPU per changed cluster, 1 %        {r['some_worker_ms'] * 1000 / some:8.1f} µs"
    )
    ratio = r["some_worker_ms"] / r["all_worker_ms"]
    print(f"  1 % refresh / full refresh, worker CPU     {ratio:8.2f}")


if __name__ == "__main__":
    main()
