"""Detail screens at fleet scale: Deadlines, Entitlements and a cluster drill-down.

    .venv/bin/python bench/bench_detail_screens.py            # 1,000 clusters
    .venv/bin/python bench/bench_detail_screens.py --quick    # 200 clusters

Runs the real ``LicdashApp`` headless over a ``StaticSource`` and times, on the UI
thread, what a NOC engineer waits for: the first full Deadlines table (about five
deadlines per cluster), a refresh in which every cluster changed, the same on the
Entitlements roll-up, and opening one cluster.
Figures: the typical refresh (one poll cycle later) against the 50 ms frame budget of
the issue, and the worst (a day later: every relative time changed). The deadline list
renders only the rows in view (Line API), so the frame after a refresh costs one
screenful, timed separately; ``RedrawThrottle`` still spaces out expensive redraws.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project root, for tests.support

from collectors.model import (  # noqa: E402
    Authorization,
    AuthorizationStatus,
    EntitlementStatus,
    Registration,
    RegistrationStatus,
    Severity,
)
from collectors.results import ClusterStatus  # noqa: E402
from dashboard.app import LicdashApp  # noqa: E402
from dashboard.screens.cluster import ClusterScreen  # noqa: E402
from dashboard.screens.deadlines import DeadlinesScreen  # noqa: E402
from dashboard.screens.detail_host import RedrawThrottle  # noqa: E402
from dashboard.screens.entitlements import EntitlementsScreen  # noqa: E402
from dashboard.sources.static import StaticSource  # noqa: E402
from dashboard.widgets.deadline_list import DeadlineList  # noqa: E402
from tests.support.factory import NAMES, NOW, entitlement, snapshot  # noqa: E402
from tests.support.factory import status as cluster_status  # noqa: E402

E = EntitlementStatus


def status(i: int, rng: random.Random, *, shift: int = 0) -> ClusterStatus:
    name = f"cluster-{i:04d}"
    at = NOW - timedelta(minutes=rng.randint(0, 10))

    def when(low: int, high: int) -> datetime:
        return NOW + timedelta(days=rng.randint(low, high), seconds=rng.randint(0, 86399))

    reg_exp, auth_exp = when(-5, 365), when(-5, 90)
    reg_next, auth_next = when(-2, 180), when(-2, 30)
    # About five deadlines a cluster: two renewals, two expiries, an evaluation for some.
    evaluation = rng.random() < 0.1
    eval_days = rng.randint(0, 90) if evaluation else None
    statuses = [E.IN_COMPLIANCE, E.INIT, E.OUT_OF_COMPLIANCE, E.EVALUATION]
    ents = tuple(
        entitlement(
            tag,
            rng.randint(0, 2000) + shift,
            rng.choices(statuses, weights=[80, 15, 3, 2])[0],
            raw="InCompliance",
        )
        for tag in rng.sample(sorted(NAMES), k=rng.randint(2, 5))
    )
    snap = snapshot(
        name,
        at,
        registration=Registration(
            status=RegistrationStatus.REGISTERED, next_renewal_attempt=reg_next, expires=reg_exp
        ),
        authorization=Authorization(
            status=AuthorizationStatus.EVALUATION if evaluation else AuthorizationStatus.AUTHORIZED,
            next_communication_attempt=auth_next,
            expires=auth_exp,
            evaluation_remaining_days=eval_days,
        ),
        entitlements=ents,
        severity=rng.choice(list(Severity)),
        publisher=None,
        smart_licensing=None,
    )
    return cluster_status(name, snap, tags={}, attempt_ago=NOW - at, axl_version=None)


def fleet(n: int, *, shift: int = 0) -> dict[str, ClusterStatus]:
    rng = random.Random(0)
    return {s.cluster: s for s in (status(i, rng, shift=shift) for i in range(n))}


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def render_screenful(table: DeadlineList) -> None:
    for y in range(table.size.height):
        table.render_line(y)


async def run(n: int, repeats: int) -> dict[str, list[float]]:
    clock = [NOW]
    source = StaticSource(fleet(n))
    app = LicdashApp(source, clock=lambda: clock[0])
    figures: dict[str, list[float]] = {}

    async def measure(label: str, fn: Callable[[], Awaitable[None] | None]) -> None:
        start = time.perf_counter()
        result = fn()
        if result is not None:
            await result
        figures.setdefault(label, []).append((time.perf_counter() - start) * 1000)

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(repeats):
            await measure("deadlines: first full table", lambda: app.switch_mode("deadlines"))
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, DeadlinesScreen)
            for k in range(2):
                clock[0] += timedelta(minutes=1)  # one poll cycle later
                app.fleet = app.fleet.with_statuses(fleet(n, shift=k + 1))
                figures.setdefault("deadlines: refresh, 1 min later", []).append(
                    timed(screen._refresh)
                )
            clock[0] += timedelta(days=1)  # every relative time changes
            app.fleet = app.fleet.with_statuses(fleet(n, shift=5))
            figures.setdefault("deadlines: refresh, 1 day later (worst)", []).append(
                timed(screen._refresh)
            )
            figures.setdefault("deadlines: render the visible rows after it", []).append(
                timed(partial(render_screenful, screen.query_one(DeadlineList)))
            )
            figures.setdefault("deadlines: refresh, nothing changed", []).append(
                timed(partial(screen._refresh, force=True))
            )
            await measure("entitlements: first roll-up", lambda: app.switch_mode("entitlements"))
            await pilot.pause()
            ent = app.screen
            assert isinstance(ent, EntitlementsScreen)
            app.fleet = app.fleet.with_statuses(fleet(n, shift=7))
            figures.setdefault("entitlements: refresh, every count changed", []).append(
                timed(ent._refresh)
            )
            await measure(
                "cluster: open drill-down", lambda: app.push_screen(ClusterScreen("cluster-0001"))
            )
            await pilot.pause()
            await app.workers.wait_for_complete()
            await app.pop_screen()
            await app.switch_mode("fleet")
            await pilot.pause()
            # fresh screens next round
            for mode in ("deadlines", "entitlements"):
                app.remove_mode(mode)
                app.add_mode(mode, LicdashApp.MODES[mode])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 clusters, fewer repeats")
    args = parser.parse_args()
    n, repeats = (200, 2) if args.quick else (1000, 3)
    figures = asyncio.run(run(n, repeats))
    print(f"detail screens, {n} clusters (~{5 * n} deadline rows), median of {repeats}:")
    for label, values in figures.items():
        print(f"  {label:<44} {statistics.median(values):8.1f} ms")
    typical = statistics.median(figures["deadlines: refresh, 1 min later"])
    worst = statistics.median(figures["deadlines: refresh, 1 day later (worst)"])
    first = statistics.median(figures["deadlines: first full table"])
    print(f"  typical refresh / first table                {typical / first:8.2f}")
    print(f"  typical refresh vs 50 ms frame budget        {typical / 50:8.2f}x")
    print(f"  worst refresh / typical                      {worst / typical:8.2f}")
    print(
        f"  redraws are held to {RedrawThrottle.share:.0%} of the UI thread: the worst one "
        f"at most every {worst / 1000 / RedrawThrottle.share:.1f} s"
    )


if __name__ == "__main__":
    main()
