"""What acknowledgements cost: the faces' judgement at fleet scale, and one write.

Prints, for a fleet of 10,000 clusters (``--quick``: 2,000) with none and with 200
acknowledged:

- the policy's fleet count (the summary bar, ``status``, metrics) and the fleet table's
  worst-first sort, without and with the acknowledgements, and the ratio;
- what the collector adds to every batch when nothing ended: ``AckStore.settle`` (one
  ``stat`` of ``acks.json`` and the judgement of the acknowledged clusters);
- one ``licdash ack`` write (lock, read, change, atomic replace with fsync) with 200
  acknowledgements in force and a day of audit events, median and worst of 50;
- one acknowledgement through a collector's API (``licdash ack --source URL``: a
  follower's POST on loopback, the collector's checks and the same write), median and
  worst of 50 (the write rate limit raised for the run), and what the follower then
  reads: the delta carrying the acknowledgements against a 304.

Run: ``.venv/bin/python bench/bench_acks.py [--quick]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project root, for tests.support

from collectors.acks import EMPTY_BOOK, Ack, AckBook, problem_of  # noqa: E402
from collectors.model import RegistrationStatus  # noqa: E402
from collectors.policy import DEFAULT_POLICY  # noqa: E402
from collectors.results import ClusterStatus  # noqa: E402
from collectors.store.ack_files import AckStore  # noqa: E402
from dashboard.fleet_rows import FactsCache, RowContext, sort_key  # noqa: E402
from tests.support.factory import NOW, snapshot, status  # noqa: E402
from tests.support.store import write_store  # noqa: E402

API_CLUSTERS = 1000
TOKEN = "bench-acks-token-0123456789"

ACKED = 200


def fleet(size: int) -> dict[str, ClusterStatus]:
    expired = snapshot("x", registration=RegistrationStatus.REGISTRATION_EXPIRED)
    healthy = snapshot("x")
    out = {}
    for index in range(size):
        name = f"c{index:05d}"
        snap = (expired if index % 5 == 0 else healthy).model_copy(update={"cluster": name})
        out[name] = status(name, snap)
    return out


def book(statuses: dict[str, ClusterStatus]) -> AckBook:
    troubled = [s for s in statuses.values() if problem_of(s).any][:ACKED]
    return AckBook.of(
        Ack(
            id=f"a{index}",
            cluster=s.cluster,
            by="noc",
            at=NOW,
            reason="known",
            severity=s.severity,
            problems=tuple(sorted(problem_of(s).keys)),
        )
        for index, s in enumerate(troubled)
    )


def best_ms(
    without: Callable[[], object], with_: Callable[[], object], reps: int
) -> tuple[float, float]:
    """The best of ``reps`` runs of each, interleaved (a busy machine slows both alike)."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(reps):
        for fn, out in ((without, times[0]), (with_, times[1])):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return min(times[0]) * 1000, min(times[1]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 clusters, fewer repetitions")
    args = parser.parse_args()
    size, reps = (2000, 5) if args.quick else (10_000, 10)
    statuses = fleet(size)
    acks = book(statuses)
    values = list(statuses.values())
    print(f"fleet: {size} clusters, {len(acks)} acknowledged")

    plain, judged = best_ms(
        lambda: DEFAULT_POLICY.count(values, NOW),
        lambda: DEFAULT_POLICY.count(values, NOW, acks=acks),
        reps,
    )
    print(f"policy.count: {plain:.1f} ms without, {judged:.1f} ms with ({judged / plain:.2f}x)")

    def sort(book: AckBook) -> None:
        ctx = RowContext(now=NOW, policy=DEFAULT_POLICY, acks=book)
        sorted(values, key=sort_key("severity", ctx, FactsCache()))

    plain, judged = best_ms(lambda: sort(EMPTY_BOOK), lambda: sort(acks), reps)
    print(
        f"fleet table sort (worst first, facts cold): {plain:.1f} ms without, "
        f"{judged:.1f} ms with ({judged / plain:.2f}x)"
    )

    with tempfile.TemporaryDirectory(prefix="licdash-bench-acks-") as tmp:
        root = Path(tmp)
        store = AckStore(root)
        for ack in acks.all():
            store.acknowledge(ack.cluster, statuses[ack.cluster], by="noc", reason="known")
        _, settle = best_ms(lambda: None, lambda: store.settle(statuses, DEFAULT_POLICY, NOW), reps)
        print(f"collector per batch, nothing ended: settle {settle:.2f} ms")
        spare = [s for s in values if problem_of(s).any and s.cluster not in acks.by_cluster]
        writes = []
        for s in spare[:50]:
            start = time.perf_counter()
            store.acknowledge(s.cluster, s, by="noc", reason="bench")
            writes.append(time.perf_counter() - start)
        size_kb = (root / "acks.json").stat().st_size / 1024
        print(
            f"one acknowledgement write ({len(acks)}+ in force, acks.json {size_kb:.0f} KB): "
            f"median {statistics.median(writes) * 1000:.1f} ms, "
            f"worst {max(writes) * 1000:.1f} ms (fsync included)"
        )
        through_api(root, statuses)


def through_api(root: Path, statuses: dict[str, ClusterStatus]) -> None:
    from datetime import UTC, datetime

    from collectors.api.guard import RateLimiter
    from collectors.sources.remote import RemoteSource
    from tests.support.api import ApiServers

    names = sorted(statuses)[:API_CLUSTERS]
    store_dir = write_store(root / "api-store", [statuses[n] for n in names])
    token_file = root / "api.token"
    token_file.write_text(TOKEN)
    servers = ApiServers()
    try:
        served = servers.start(
            store_dir, token=TOKEN, write_limiter=RateLimiter(rate=1e6, burst=1_000_000)
        )
        source = RemoteSource("emea", served.url, token_file=token_file)
        try:
            source.fetch(datetime.now(UTC))
            troubled = [n for n in names if problem_of(statuses[n]).any][:50]
            writes = []
            for name in troubled:
                start = time.perf_counter()
                source.acknowledge(name, by="noc", reason="bench")
                writes.append(time.perf_counter() - start)
            before = source.bytes_read
            state = source.fetch(datetime.now(UTC))
            delta = source.bytes_read - before
            before = source.bytes_read
            source.fetch(datetime.now(UTC))
            unchanged = source.bytes_read - before
        finally:
            source.close()
    finally:
        servers.close()
    print(
        f"one acknowledgement through the API ({API_CLUSTERS} clusters, up to 50 in force, "
        "loopback, token): "
        f"median {statistics.median(writes) * 1000:.1f} ms, worst {max(writes) * 1000:.1f} ms"
    )
    print(
        f"the follower's next look: {delta / 1024:.1f} KB carrying {len(state.acks)} "
        f"acknowledgements ({len(state.changed or ())} statuses); then {unchanged} body "
        "bytes (a 304)"
    )


if __name__ == "__main__":
    main()
