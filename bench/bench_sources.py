"""Following regional collectors: 3 sources x 3,000 clusters (``--quick``: 3 x 500).

Three stores, each served by an in-process ``licdash.api/1`` server on loopback, are
followed by :class:`~collectors.sources.remote.RemoteSource` and merged by
:class:`~collectors.sources.merge.FleetMerger`, as ``licdash dash --source`` does. Prints:

- the first look: seconds and bytes (decoded body) per source, whole table;
- an unchanged poll: body bytes (a 304 has none) and response-header bytes, per source;
- a cycle that changed 1 % of one region: the follower's fetch and merge in the worker
  thread (ms, bytes), and the UI thread's CPU for that refresh: the FleetUpdated message,
  the fleet table's re-sort and the next frame (budget: <= 16 ms);
- the same UI refresh as ``dash --store`` on one store of the same statuses gets it
  (every status a new value after a cycle): the baseline, so the merged view's own
  share of the UI thread shows;
- ratios: delta bytes against the whole table, worker merge against a merge from scratch.

Run: ``.venv/bin/python bench/bench_sources.py [--quick]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project root, for tests.support

from bench_dashboard import SIZE, FrameProbe, make_status  # noqa: E402

from collectors.sources.merge import FleetMerger  # noqa: E402
from collectors.sources.remote import RemoteSource  # noqa: E402
from collectors.store import SnapshotStore  # noqa: E402
from dashboard.app import LicdashApp  # noqa: E402
from dashboard.messages import FleetUpdated  # noqa: E402
from dashboard.screens.fleet import FleetScreen  # noqa: E402
from dashboard.sources import StaticSource  # noqa: E402
from dashboard.state import FleetState  # noqa: E402
from tests.support.api import ApiServers  # noqa: E402
from tests.support.factory import NOW  # noqa: E402
from tests.support.store import update_for, write_store  # noqa: E402

REGIONS = ("emea", "amer", "apac")


class CountingTransport(httpx.HTTPTransport):
    """Counts the response-header bytes of every answer (the body is counted by the
    source itself, decoded)."""

    def __init__(self) -> None:
        super().__init__()
        self.header_bytes = 0
        self.answers = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.answers += 1
        self.header_bytes += sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 17
        return response


def build_stores(folder: Path, n: int) -> dict[str, Path]:
    stores = {}
    for offset, region in enumerate(REGIONS):
        statuses = [
            make_status(i, 0).model_copy(update={"cluster": f"{region}-{i:05d}"})
            for i in range(offset * n, offset * n + n)
        ]
        stores[region] = write_store(folder / region, statuses)
    return stores


def change_one_percent(store: Path, n: int, cycle: int) -> None:
    """One collector cycle in which 1 % of ``store``'s clusters changed."""
    with SnapshotStore.open(store) as writer:
        latest = writer.latest()
        names = sorted(latest)[cycle % 7 :: 100][: max(n // 100, 1)]
        at = NOW + timedelta(minutes=cycle + 1)
        updates = []
        for name in names:
            old = latest[name]
            snap = old.last_good
            if snap is None:
                continue
            fresh = snap.model_copy(update={"collected_at": at})
            updates.append(update_for(old.model_copy(update={"last_good": fresh, "last_seen": at})))
        writer.write_batch(updates)


def now() -> datetime:
    return datetime.now(UTC)


async def ui_refresh_cpu(fleets: list[tuple[FleetState, frozenset[str]]]) -> list[float]:
    """Main-thread CPU from posting each fleet until the frame that shows it."""
    app = LicdashApp(StaticSource(fleets[0][0].statuses), clock=lambda: NOW)
    probe = FrameProbe(app)
    cpu = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        table = screen.table
        app.post_message(FleetUpdated(fleets[0][0]))
        await probe.frame_where(lambda: table._statuses is fleets[0][0].statuses)
        for fleet, changed in fleets[1:]:
            await pilot.pause()
            armed = probe.expect(lambda f=fleet: table._statuses is f.statuses)
            c0 = time.thread_time()
            app.post_message(FleetUpdated(fleet, changed))
            await probe.wait(armed)
            cpu.append(time.thread_time() - c0)
        await pilot.press("q")
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="3 x 500 clusters")
    parser.add_argument("--cycles", type=int, default=8, help="1 %% cycles to measure")
    args = parser.parse_args()
    n = 500 if args.quick else 3000
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-sources-") as tmp:
        t0 = time.perf_counter()
        stores = build_stores(Path(tmp), n)
        print(f"stores: {len(REGIONS)} x {n} clusters written in {time.perf_counter() - t0:.1f} s")
        servers = ApiServers()
        try:
            served = {r: servers.start(stores[r]) for r in REGIONS}
            transports = {r: CountingTransport() for r in REGIONS}
            sources = {r: RemoteSource(r, served[r].url, transport=transports[r]) for r in REGIONS}
            first_s, first_bytes = [], []
            states = {}
            for r in REGIONS:
                t0 = time.perf_counter()
                states[r] = sources[r].fetch(now())
                first_s.append(time.perf_counter() - t0)
                first_bytes.append(sources[r].bytes_read)
                assert states[r].error is None and states[r].statuses
            merger = FleetMerger()
            t0 = time.thread_time()
            merged = merger.merge([states[r] for r in REGIONS])
            results["merge_full_ms"] = (time.thread_time() - t0) * 1000
            total = len(merged.statuses)

            body0 = {r: sources[r].bytes_read for r in REGIONS}
            head0 = {r: transports[r].header_bytes for r in REGIONS}
            for r in REGIONS:
                again = sources[r].fetch(now())
                assert not again.changed
            unchanged_body = [sources[r].bytes_read - body0[r] for r in REGIONS]
            unchanged_head = [transports[r].header_bytes - head0[r] for r in REGIONS]

            fleets = [(FleetState(statuses=merged.statuses, policy=merged.policy), frozenset())]
            fetch_ms, merge_ms, delta_bytes = [], [], []
            for cycle in range(args.cycles):
                change_one_percent(stores["emea"], n, cycle)
                time.sleep(0.3)  # the API looks at its store at most every 0.25 s
                before = sources["emea"].bytes_read
                t0 = time.thread_time()
                states["emea"] = sources["emea"].fetch(now())
                t1 = time.thread_time()
                merged = merger.merge([states[r] for r in REGIONS])
                t2 = time.thread_time()
                assert states["emea"].changed and merged.changed
                fetch_ms.append((t1 - t0) * 1000)
                merge_ms.append((t2 - t1) * 1000)
                delta_bytes.append(sources["emea"].bytes_read - before)
                fleet = FleetState(statuses=merged.statuses, policy=merged.policy)
                fleets.append((fleet, merged.changed or frozenset()))
            for source in sources.values():
                source.close()
        finally:
            servers.close()
    cpu = asyncio.run(ui_refresh_cpu(fleets))
    # The baseline: the same statuses as one store's plain table, no source tags, no
    # merged policy (what `dash --store` on one 3n-cluster store pays).
    plain = [
        (
            FleetState(
                statuses={k: v.model_copy(update={"tags": {}}) for k, v in f.statuses.items()}
            ),
            c,
        )
        for f, c in fleets
    ]
    base = asyncio.run(ui_refresh_cpu(plain))

    print(f"\n{len(REGIONS)} sources x {n} clusters ({total} in the store) over loopback")
    print(f"first look, per source:        {statistics.median(first_s) * 1000:8.1f} ms, "
          f"{statistics.median(first_bytes) / 1e6:6.2f} MB body")  # fmt: skip
    print(f"unchanged poll, per source:    {statistics.median(unchanged_body):8.0f} B body, "
          f"{statistics.median(unchanged_head):6.0f} B headers (304)")  # fmt: skip
    print(f"1 % cycle, follower fetch:     {statistics.median(fetch_ms):8.1f} ms CPU, "
          f"{statistics.median(delta_bytes) / 1e3:6.1f} kB body")  # fmt: skip
    print(f"1 % cycle, merge (worker):     {statistics.median(merge_ms):8.1f} ms CPU "
          f"(from scratch: {results['merge_full_ms']:.1f} ms)")  # fmt: skip
    p95 = sorted(cpu)[int(0.95 * (len(cpu) - 1))] * 1000
    print(f"1 % cycle, UI thread refresh:  {statistics.median(cpu) * 1000:8.1f} ms CPU median, "
          f"{p95:.1f} ms p95 (budget 16 ms)")  # fmt: skip
    print(f"same refresh, one store viewer:{statistics.median(base) * 1000:8.1f} ms CPU median "
          "(dash --store: every status new)")  # fmt: skip
    print("\nratios (machine-independent):")
    print(f"  delta bytes / whole table:      {statistics.median(delta_bytes) / statistics.median(first_bytes):.4f}")  # noqa: E501  # fmt: skip
    print(f"  merge after 1 % / from scratch: {statistics.median(merge_ms) / results['merge_full_ms']:.3f}")  # noqa: E501  # fmt: skip
    print(f"  UI refresh merged / one store:  {statistics.median(cpu) / statistics.median(base):.2f}")  # noqa: E501  # fmt: skip


if __name__ == "__main__":
    main()
