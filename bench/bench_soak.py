"""Soak: does a long-running live collector stay flat in memory, descriptors and tasks?

Starts ``licdash mock`` with 200 publishers and a mix of faults (slow, hanging,
flapping, refused, bad TLS, bad credentials, malformed, truncated and SOAP-fault answers)
in a separate process, then drives the dashboard's live source
(:class:`dashboard.sources.live.LiveSource`, through its public API only, with a stand-in
for the UI that just counts the messages it is sent) polling every publisher every 2
seconds into a store on disk. Each minute it samples this process's RSS, its open file
descriptors, its threads and its live asyncio tasks; at the end it prints the slopes
after the first two minutes (warm-up) and the lost writes: store errors the source
reported, and clusters whose newest result shown never reached the store. RSS is also
read every 10 seconds: the heap grows and is handed back in a sawtooth (see
``collectors/malloc_trim.py``), which nine minute-samples alias into a false slope, so
the RSS slope and its spread are taken over all of those.

    .venv/bin/python bench/bench_soak.py               # 10 minutes
    .venv/bin/python bench/bench_soak.py --minutes 3
    .venv/bin/python bench/bench_soak.py --quick       # 2 minutes, 50 publishers
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collectors.commands.collect_cmd import with_interval  # noqa: E402
from collectors.config import load_config  # noqa: E402
from tests.support.proc import rss_mb  # noqa: E402

MIX = (
    "healthy=20,evaluation=2,renewal_failing=1,registration_expiring=1,out_of_compliance=1,"
    "slow=2,hang=2,flapping=2,auth_failure=1,malformed=1,truncated=1,soap_fault=1,"
    "untrusted_tls=1,refused=1"
)
MOCK = (
    "import argparse, sys\n"
    "from collectors.mock import cli\n"
    "p = argparse.ArgumentParser()\n"
    "cli.add_arguments(p)\n"
    "sys.exit(cli.run(p.parse_args(sys.argv[1:])))\n"
)


@dataclass(frozen=True)
class Sample:
    minute: float
    rss_mb: float
    fds: int
    threads: int
    tasks: int
    updates: int


RSS_EVERY_S = 10.0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def live_tasks() -> int:
    """Every asyncio task alive in the process (whatever loop owns it)."""
    return sum(1 for o in gc.get_objects() if isinstance(o, asyncio.Task) and not o.done())


class CountingApp:
    """Stands in for the Textual app: the source only ever calls ``post_message``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.updates = 0
        self.errors: list[Any] = []
        self.last_fleet: Any = None

    def post_message(self, message: Any) -> bool:
        from dashboard.messages import FleetUpdated, SourceError

        with self.lock:
            if isinstance(message, FleetUpdated):
                self.updates += 1
                self.last_fleet = message.fleet
            elif isinstance(message, SourceError):
                self.errors.append(message.error)
        return True


def start_mock(workdir: Path, clusters: int) -> tuple[subprocess.Popen[bytes], Path]:
    manifest, config = workdir / "manifest.json", workdir / "fleet.toml"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            MOCK,
            "--clusters",
            str(clusters),
            "--scenario-mix",
            MIX,
            "--workdir",
            str(workdir / "pki"),
            "--manifest",
            str(manifest),
            "--write-config",
            str(config),
            "--seed",
            "7",
        ],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while not manifest.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("the mock fleet did not start")
        time.sleep(0.2)
    return proc, config


def slope_per_10_min(samples: list[Sample], attr: str, warmup: float) -> float:
    points = [(s.minute, float(getattr(s, attr))) for s in samples if s.minute >= warmup]
    if len(points) < 2:
        return float("nan")
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    if var == 0:
        return 0.0
    return 10 * sum((x - mx) * (y - my) for x, y in points) / var


async def soak(
    config_path: Path, store_dir: Path, minutes: float, interval: float, trace: bool = False
) -> int:
    from dashboard.sources.live import LiveSource

    config = with_interval(load_config(config_path), interval)
    settings = config.settings.model_copy(update={"timeout": 3.0, "backoff_max": 30.0})
    config = config.model_copy(update={"settings": settings})
    app = CountingApp()
    source = LiveSource(config, store_dir, min_interval=0.25)
    source.open_store()
    t0 = time.monotonic()
    samples: list[Sample] = []

    def sample() -> None:
        gc.collect()
        s = Sample(
            minute=(time.monotonic() - t0) / 60,
            rss_mb=rss_mb(),
            fds=open_fds(),
            threads=threading.active_count(),
            tasks=live_tasks(),
            updates=app.updates,
        )
        samples.append(s)
        print(
            f"  t={s.minute:5.1f} min  RSS {s.rss_mb:7.1f} MB  fds {s.fds:4d}  "
            f"threads {s.threads:3d}  tasks {s.tasks:4d}  UI updates {s.updates}",
            flush=True,
        )

    await source.start(app)  # type: ignore[arg-type]  # the stand-in has post_message
    baseline = None
    fine: list[tuple[float, float]] = []  # (minute, RSS MB) every RSS_EVERY_S
    try:
        sample()
        end = t0 + minutes * 60
        while time.monotonic() < end:
            next_minute = min(end, t0 + 60 * (len(samples)))
            while time.monotonic() < next_minute - 0.5:
                await asyncio.sleep(min(RSS_EVERY_S, max(0.0, next_minute - time.monotonic())))
                fine.append(((time.monotonic() - t0) / 60, rss_mb()))
            sample()
            if trace and samples[-1].minute >= 2 and baseline is None:
                baseline = tracemalloc.take_snapshot()
        if trace and baseline is not None:
            grown = tracemalloc.take_snapshot().compare_to(baseline, "lineno")
            print("largest growth since minute 2 (tracemalloc):")
            for stat in grown[:12]:
                print(f"  {stat}")
    finally:
        await source.stop()
        source.close()

    lost = _lost_writes(app, store_dir)
    store_errors = [e for e in app.errors if e.kind.startswith("store")]
    print()
    warm = 2.0 if minutes > 2.5 else 0.5
    for attr, unit in (("rss_mb", "MB"), ("fds", "fds"), ("threads", "threads"), ("tasks", "")):
        slope = slope_per_10_min(samples, attr, warm)
        print(f"slope after {warm:g} min: {attr:8s} {slope:+8.2f} {unit} per 10 min")
    after = [(m, r) for m, r in fine if m >= warm]
    if len(after) >= 2:
        points = [Sample(m, r, 0, 0, 0, 0) for m, r in after]
        rss = sorted(r for _, r in after)
        print(
            f"RSS every {RSS_EVERY_S:g} s after {warm:g} min ({len(after)} readings):"
            f" slope {slope_per_10_min(points, 'rss_mb', warm):+.2f} MB per 10 min;"
            f" min {rss[0]:.1f}, median {rss[len(rss) // 2]:.1f}, max {rss[-1]:.1f} MB"
        )
    polled = app.last_fleet.statuses if app.last_fleet is not None else {}
    ok = sum(1 for s in polled.values() if s.last_good is not None and not s.unreachable)
    print(f"clusters: {len(polled)} ({ok} answering at the end); UI updates: {app.updates}")
    print(f"source errors: {len(app.errors)} ({len(store_errors)} from the store)")
    print(f"lost writes: {lost + len(store_errors)}")
    print(json.dumps({"samples": [s.__dict__ for s in samples], "lost_writes": lost}))
    return 0 if lost + len(store_errors) == 0 else 1


def _lost_writes(app: CountingApp, store_dir: Path) -> int:
    """Clusters whose newest attempt shown on the UI is not the newest in the store."""
    from collectors.store import SnapshotStore

    fleet = app.last_fleet
    if fleet is None:
        return 0
    with SnapshotStore.open(store_dir, readonly=True) as store:
        stored = store.latest()
    lost = 0
    for name, status in fleet.statuses.items():
        if status.last_attempt is None:
            continue
        on_disk = stored.get(name)
        if (
            on_disk is None
            or on_disk.last_attempt is None
            or on_disk.last_attempt < status.last_attempt
        ):
            lost += 1
    return lost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clusters", type=int, default=200)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--quick", action="store_true", help="2 minutes, 50 publishers")
    parser.add_argument(
        "--trace", action="store_true", help="print where memory grew after minute 2 (slow)"
    )
    args = parser.parse_args()
    import logging

    logging.getLogger().addHandler(logging.NullHandler())  # poll failures are expected here
    if args.quick:
        args.minutes, args.clusters = 2.0, 50
    with tempfile.TemporaryDirectory(prefix="licdash-soak-") as tmp:
        work = Path(tmp)
        proc, config = start_mock(work, args.clusters)
        try:
            print(
                f"soak: {args.clusters} publishers ({MIX}), interval {args.interval:g} s, "
                f"{args.minutes:g} min, LiveSource -> store",
                flush=True,
            )
            if args.trace:
                tracemalloc.start(5)
            return asyncio.run(
                soak(config, work / "store", args.minutes, args.interval, args.trace)
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
