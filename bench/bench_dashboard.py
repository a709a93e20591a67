"""Dashboard speed with a large fleet, headless (``App.run_test``).

Prints, for N clusters (1,000; ``--quick``: 200):

- time to first full table: app start until a frame shows the table with every row
  (target <= 1.5 s);
- main-thread CPU for one refresh that changes every row: the update message, re-sort,
  and the next frame (target <= 50 ms);
- key-press-to-frame latency while a source thread pushes updates continuously, at the
  live source's coalesced rate (one every 0.25 s), each changing 1 % of the rows (a
  1,000-cluster fleet on 5-minute polls) and, as a worst case, every row (target <= 50
  ms, p95).

Machine-independent ratios: the refresh against rendering every row once (what a table
that rebuilds all rows would pay at least), and latency against the refresh cost.

Run: ``.venv/bin/python bench/bench_dashboard.py [--quick]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project root, for tests.support

from collectors.model import AuthorizationStatus, EntitlementStatus, RegistrationStatus  # noqa: E402
from collectors.policy import FreshnessPolicy  # noqa: E402
from collectors.results import ClusterStatus  # noqa: E402
from dashboard.app import LicdashApp  # noqa: E402
from dashboard.fleet_rows import COLUMNS, RowContext, fit, row_cells  # noqa: E402
from dashboard.messages import FleetUpdated  # noqa: E402
from dashboard.screens.fleet import FleetScreen  # noqa: E402
from dashboard.sources import StaticSource  # noqa: E402
from dashboard.state import FleetState  # noqa: E402
from tests.support.factory import CUWL, ENHANCED, NOW, entitlement, snapshot  # noqa: E402
from tests.support.factory import status as cluster_status  # noqa: E402

SIZE = (160, 50)
PUSH_INTERVAL_S = 0.25
"""The live source coalesces engine results to at most one UI update per 0.25 s."""
_AUTH = list(AuthorizationStatus)[:-1]
_REG = list(RegistrationStatus)[:-1]


def make_status(index: int, variant: int) -> ClusterStatus:
    """Cluster ``index`` in one of several shapes; ``variant`` changes its content."""
    name = f"{('emea', 'amer', 'apac')[index % 3]}-site{index:04d}-cucm1"
    reg = _REG[(index // 7) % len(_REG)] if index % 5 == 0 else RegistrationStatus.REGISTERED
    auth = _AUTH[(index // 3) % len(_AUTH)] if index % 4 == 0 else AuthorizationStatus.AUTHORIZED
    collected = NOW - timedelta(minutes=3 + variant) if index % 13 else NOW - timedelta(hours=2)
    snap = snapshot(
        name,
        collected,
        registration=reg,
        authorization=auth,
        reg_expires_days=3 + index % 300,
        auth_expires_days=10 + index % 80,
        entitlements=(
            entitlement(ENHANCED, 100 + index + variant),
            entitlement(CUWL, 20 + variant, EntitlementStatus.INIT),
        ),
    )
    failing = index % 11 == 0
    return cluster_status(
        name,
        None if index % 23 == 0 else snap,
        tags={"region": name[:4], "customer": f"cust{index % 17}"},
        attempt_ago=timedelta(seconds=variant),
        failures=2 if failing else 0,
        error="read_timeout" if failing else None,
    )


def make_fleets(n: int, variants: int) -> list[dict[str, ClusterStatus]]:
    fleets = []
    for variant in range(variants):
        statuses = [make_status(i, variant) for i in range(n)]
        fleets.append({s.cluster: s for s in statuses})
    return fleets


class _Waiter:
    def __init__(self, check: Callable[[], bool]) -> None:
        self.check = check
        self.event = asyncio.Event()
        self.at = 0.0


class FrameProbe:
    """Wraps ``App._display``: records when frames go out and wakes waiters."""

    def __init__(self, app: LicdashApp) -> None:
        self.app = app
        self.frames: list[float] = []
        self._waiters: list[_Waiter] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            now = time.perf_counter()
            self.frames.append(now)
            for waiter in list(self._waiters):
                if waiter.check():
                    waiter.at = now
                    waiter.event.set()
                    self._waiters.remove(waiter)

        app._display = display  # type: ignore[method-assign]

    def expect(self, check: Callable[[], bool]) -> _Waiter:
        """Arm a waiter *before* acting: the first frame after which ``check()`` holds."""
        waiter = _Waiter(check)
        self._waiters.append(waiter)
        return waiter

    async def wait(self, waiter: _Waiter, limit_s: float = 10.0) -> float:
        """The time of the frame that satisfied ``waiter`` (not of any later frame)."""
        try:
            await asyncio.wait_for(waiter.event.wait(), limit_s)
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        return waiter.at

    async def frame_where(self, check: Callable[[], bool]) -> float:
        return await self.wait(self.expect(check))


def render_all_rows(statuses: dict[str, ClusterStatus]) -> float:
    """Seconds to build every row's cells and padded text once (the floor of a full rebuild)."""
    ctx = RowContext(now=NOW, policy=FreshnessPolicy.uniform(timedelta(minutes=15)))
    start = time.perf_counter()
    for status in statuses.values():
        cells = row_cells(status, ctx)
        "".join(fit(text, c.width) for (text, _), c in zip(cells, COLUMNS, strict=True))
    return time.perf_counter() - start


def _shows(app: LicdashApp, table: Any, fleet: FleetState) -> Callable[[], bool]:
    return lambda: app.fleet is fleet and table._statuses is fleet.statuses


def _leaves(table: Any, cluster: str | None) -> Callable[[], bool]:
    return lambda: table.selected_cluster != cluster


def _partial_updates(fleets: list[dict[str, ClusterStatus]], per_update: int) -> list[FleetState]:
    """A cycle of fleet states in which each differs from the last in ``per_update`` rows."""
    names = list(fleets[0])
    state = FleetState(statuses=fleets[0])
    out = []
    for k in range(40):
        picked = names[(k * per_update) % len(names) :][:per_update]
        source = fleets[1 + k % (len(fleets) - 1)]
        state = state.with_statuses({name: source[name] for name in picked}, at=NOW)
        out.append(state)
    return out


async def _key_latencies(
    app: LicdashApp,
    pilot: Any,
    probe: FrameProbe,
    table: Any,
    updates: list[FleetState],
    presses: int,
) -> list[float]:
    """Press j ``presses`` times while a thread posts ``updates`` every 0.25 s."""
    stop = threading.Event()

    def pusher() -> None:
        k = 0
        while not stop.wait(PUSH_INTERVAL_S):
            k += 1
            app.post_message(FleetUpdated(updates[k % len(updates)]))

    thread = threading.Thread(target=pusher, name="bench-pusher")
    thread.start()
    latencies = []
    try:
        await pilot.press("g")
        for _ in range(presses):
            # Updates re-sort the rows but keep the cursor on its cluster, so the first
            # frame showing another cluster selected is the frame of this key press.
            armed = probe.expect(_leaves(table, table.selected_cluster))
            t0 = time.perf_counter()
            await pilot.press("j")
            latencies.append(await probe.wait(armed) - t0)
            await pilot.pause(0.02)
    finally:
        stop.set()
        thread.join()
    return sorted(latencies)


async def run(n: int, refreshes: int, presses: int) -> dict[str, Any]:
    fleets = make_fleets(n, max(refreshes, 2) + 1)
    source = StaticSource(fleets[0])
    app = LicdashApp(source, clock=lambda: NOW)
    probe = FrameProbe(app)
    results: dict[str, Any] = {}

    def table_rows() -> int:
        screen = app.screen
        return screen.table.row_count if isinstance(screen, FleetScreen) else 0

    start = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        shown = await probe.frame_where(lambda: table_rows() == n)
        results["first_table_s"] = shown - start
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        table = screen.table

        # One refresh that changes every row: message, re-sort, visible strips, frame.
        cpu, wall = [], []
        for i in range(1, refreshes + 1):
            fleet = FleetState(statuses=fleets[i], updated_at=NOW)
            await pilot.pause()
            armed = probe.expect(_shows(app, table, fleet))
            c0, w0 = time.thread_time(), time.perf_counter()
            app.post_message(FleetUpdated(fleet))
            done = await probe.wait(armed)
            cpu.append(time.thread_time() - c0)
            wall.append(done - w0)
        results["refresh_cpu_ms"] = statistics.median(cpu) * 1000
        results["refresh_wall_ms"] = statistics.median(wall) * 1000
        results["render_all_rows_ms"] = render_all_rows(fleets[1]) * 1000

        # Key-press-to-frame while a source thread pushes an update every 0.25 s: first
        # each update changes every row (worst case), then 1 % of the rows (a 1,000-cluster
        # fleet polled every 5 minutes changes about one cluster per update).
        partial = _partial_updates(fleets, max(n // 100, 1))
        for label, updates in (
            ("all", [FleetState(statuses=f) for f in fleets]),
            ("some", partial),
        ):
            latencies = await _key_latencies(app, pilot, probe, table, updates, presses)
            results[f"key_{label}_p50_ms"] = statistics.median(latencies) * 1000
            results[f"key_{label}_p95_ms"] = latencies[int(0.95 * (len(latencies) - 1))] * 1000
        await pilot.press("q")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="200 clusters, fewer repetitions")
    parser.add_argument("--clusters", type=int, help="fleet size (default 1000; --quick 200)")
    args = parser.parse_args()
    n = args.clusters or (200 if args.quick else 1000)
    refreshes, presses = (5, 15) if args.quick else (15, 40)
    r = asyncio.run(run(n, refreshes, presses))

    def verdict(value: float, target: float) -> str:
        return f"target <= {target:g}: {'ok' if value <= target else 'OVER'}"

    print(f"licdash dashboard benchmark: {n} clusters, headless {SIZE[0]}x{SIZE[1]}")
    first_ms = r["first_table_s"] * 1000
    print(f"  time to first full table         {first_ms:8.1f} ms  ({verdict(first_ms, 1500)})")
    cpu = r["refresh_cpu_ms"]
    print(f"  refresh changing every row, CPU  {cpu:8.1f} ms  ({verdict(cpu, 50)})")
    print(f"  refresh changing every row, wall {r['refresh_wall_ms']:8.1f} ms")
    for label, what in (("some", "1 % of rows per update"), ("all", "every row per update")):
        p50, p95 = r[f"key_{label}_p50_ms"], r[f"key_{label}_p95_ms"]
        print(f"  key press to frame while polling, {what}:")
        print(f"                                   {p50:8.1f} ms p50, {p95:.1f} ms p95")
        print(f"                                   ({verdict(p95, 50)}, p95)")
    print("ratios (machine-independent):")
    print(f"  full-change refresh / rendering every row once  {cpu / r['render_all_rows_ms']:6.2f}")
    print(f"  refresh CPU per changed row                          {cpu * 1000 / n:6.1f} µs")


if __name__ == "__main__":
    main()
