"""What collector liveness costs: the writer's heartbeat and the viewer's check.

The collector records a heartbeat (``heartbeat.json``: one small atomic, fsynced file)
after every store batch and at least once a minute; every store viewer judges it (plus
the writer lock's PID) on each check. Prints, on a real on-disk store:

- one ``record_heartbeat`` and one ``write_batch`` of a quiet 1,000-cluster cycle
  (nothing changed: the common case), and their ratio;
- one viewer ``collector_state(now)``, and its share of the viewer's 2 s check interval.

Run: ``.venv/bin/python bench/bench_heartbeat.py [--quick]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project root, for tests.support

from collectors.liveness import make_heartbeat  # noqa: E402
from collectors.results import PollResult, PollUpdate  # noqa: E402
from collectors.store import SnapshotStore  # noqa: E402
from tests.support.factory import snapshot, status  # noqa: E402

VIEWER_INTERVAL_S = 2.0


def cycle(names: list[str], at: datetime) -> list[PollUpdate]:
    updates = []
    for name in names:
        snap = snapshot(name, at)
        result = PollResult(cluster=name, started_at=at, duration_s=0.2, snapshot=snap)
        updates.append(PollUpdate(result=result, status=status(name, snap, now=at)))
    return updates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200 clusters, fewer repetitions")
    args = parser.parse_args()
    clusters, reps = (200, 20) if args.quick else (1000, 50)
    names = [f"c{i:04d}" for i in range(clusters)]
    with tempfile.TemporaryDirectory(prefix="licdash-bench-hb-") as tmp:
        store = SnapshotStore.open(Path(tmp) / "store")
        start = datetime(2026, 3, 1, tzinfo=UTC)
        store.write_batch(cycle(names, start))
        batches, beats = [], []
        for i in range(1, reps + 1):
            updates = cycle(names, start + timedelta(minutes=5 * i))
            t0 = time.perf_counter()
            store.write_batch(updates)
            batches.append(time.perf_counter() - t0)
            beat = make_heartbeat(now=datetime.now(UTC), poll_interval_s=300, mode="daemon")
            t0 = time.perf_counter()
            store.record_heartbeat(beat)
            beats.append(time.perf_counter() - t0)
        viewer = SnapshotStore.open(Path(tmp) / "store", readonly=True)
        checks = []
        for _ in range(reps * 10):
            t0 = time.perf_counter()
            viewer.collector_state(datetime.now(UTC))
            checks.append(time.perf_counter() - t0)
        viewer.close()
        store.close()
    beat_ms = statistics.median(beats) * 1000
    batch_ms = statistics.median(batches) * 1000
    check_ms = statistics.median(checks) * 1000
    print(f"licdash heartbeat benchmark: {clusters} clusters, {reps} quiet cycles, on disk")
    print(f"  record_heartbeat                    {beat_ms:8.2f} ms (median)")
    print(f"  write_batch, quiet cycle            {batch_ms:8.2f} ms (median)")
    print(f"  viewer collector_state()            {check_ms:8.3f} ms (median)")
    print("ratios (machine-independent):")
    print(f"  heartbeat / quiet cycle write       {beat_ms / batch_ms:8.3f}")
    print(f"  viewer check / 2 s check interval   {check_ms / (VIEWER_INTERVAL_S * 1000):8.6f}")


if __name__ == "__main__":
    main()
