"""Snapshot store benchmark: 90 days x 1,000 clusters at 5-minute polls, against naive TinyDB.

    .venv/bin/python bench/bench_store.py                    # 1,000 clusters x 90 days
    .venv/bin/python bench/bench_store.py --clusters 10000   # the NOC scale (half an hour)
    .venv/bin/python bench/bench_store.py --quick            # 100 clusters x 14 days

The history is built through ``SnapshotStore.write_batch`` itself, but only with the polls
that matter: every change of content, every failed poll and the recovery after it. The
polls in between would only move ``last_seen``; the coverage threshold is raised while
building so their absence does not break coverage runs. The files on disk are therefore
what 26 million polls would have left. fsync is skipped while building (it changes no
byte); the timed figures afterwards run with fsync on.

Besides the store's own calls it times what a user runs against the built store: a
viewer following one cycle (``latest_changes()``: the journal lines of that cycle,
not the whole table) and the whole ``licdash status --store`` process (wall, and
user+sys CPU of the child from ``os.wait4``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tinydb import TinyDB

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project root, for tests.support

from collectors.model import AuthorizationStatus, LicenseSnapshot, Severity  # noqa: E402
from collectors.results import PollUpdate  # noqa: E402
from collectors.store import SnapshotStore  # noqa: E402
from tests.support.factory import (  # noqa: E402
    BASIC,
    CUWL,
    ENHANCED,
    ENHANCED_PLUS,
    ESSENTIAL,
    TELEPRESENCE,
    bad,
    good,
    snapshot,
)

POLL = timedelta(minutes=5)
TAGS = [CUWL, ENHANCED_PLUS, ENHANCED, BASIC, ESSENTIAL, TELEPRESENCE]
STATES = [  # (authorization, severity): what "a state change" toggles between
    (AuthorizationStatus.AUTHORIZED, Severity.OK),
    (AuthorizationStatus.OUT_OF_COMPLIANCE, Severity.CRITICAL),
    (AuthorizationStatus.AUTHORIZED, Severity.WARNING),
]


def base_snapshot(cluster: str, at: datetime, rng: random.Random) -> LicenseSnapshot:
    """A registered cluster as a real one reports it, with six licence counts."""
    return snapshot(
        cluster,
        at,
        detailed=True,
        reg_expires_days=rng.randint(120, 360),
        auth_expires_days=rng.randint(40, 90),
        counts={tag: rng.randint(0, 3000) for tag in TAGS},
        udi=f"UUID:{rng.getrandbits(64):016x}",
    )


def grid(t: datetime) -> datetime:
    return t - timedelta(seconds=t.timestamp() % POLL.total_seconds())


class Fleet:
    """Each cluster's current snapshot and how it changes."""

    def __init__(self, clusters: int, start: datetime, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.names = [f"c{n:04d}-{('emea', 'amer', 'apac')[n % 3]}-cucm" for n in range(clusters)]
        self.tags = {
            c: {"region": c.split("-")[1], "customer": f"cust{i % 40}"}
            for i, c in enumerate(self.names)
        }
        self.snaps = {c: base_snapshot(c, start, self.rng) for c in self.names}

    def at(self, cluster: str, t: datetime) -> LicenseSnapshot:
        return self.snaps[cluster].model_copy(update={"collected_at": t})

    def change_count(self, cluster: str, t: datetime) -> LicenseSnapshot:
        snap = self.snaps[cluster]
        i = self.rng.randrange(len(snap.entitlements))
        ents = list(snap.entitlements)
        ents[i] = ents[i].model_copy(
            update={"count": max(0, ents[i].count + self.rng.randint(-5, 5) or 1)}
        )
        self.snaps[cluster] = snap.model_copy(
            update={"entitlements": tuple(ents), "collected_at": t}
        )
        return self.snaps[cluster]

    def change_state(self, cluster: str, t: datetime) -> LicenseSnapshot:
        auth, sev = self.rng.choice(STATES)
        snap = self.snaps[cluster]
        self.snaps[cluster] = snap.model_copy(
            update={
                "authorization": snap.authorization.model_copy(
                    update={"status": auth, "raw": auth.value}
                ),
                "severity": sev,
                "collected_at": t,
            }
        )
        return self.snaps[cluster]


def build(
    root: Path, clusters: int, days: int, end: datetime, *, write: bool = True
) -> tuple[Fleet, int, float]:
    """Write ``days`` of history ending at ``end``; returns the fleet, polls represented, s.
    Without ``write`` the same changes are only made to the fleet (the seed makes them
    the same): its state is then the built store's, for ``--reuse``."""
    start = end - timedelta(days=days)
    fleet = Fleet(clusters, start)
    rng = fleet.rng
    span = (end - start).total_seconds()
    events: list[tuple[datetime, int, str, str]] = []  # (time, order, cluster, kind)
    for c in fleet.names:
        events.append((start, 0, c, "first"))
        for _ in range(3 * days):  # counts change ~3 times a day
            events.append(
                (
                    grid(start + timedelta(seconds=rng.uniform(POLL.total_seconds(), span))),
                    1,
                    c,
                    "count",
                )
            )
        for _ in range(max(1, round(3 * days / 30))):  # states a few times a month
            events.append(
                (
                    grid(start + timedelta(seconds=rng.uniform(POLL.total_seconds(), span))),
                    1,
                    c,
                    "state",
                )
            )
        for _ in range(max(1, days // 14)):  # an outage every two weeks, 15 min to 2 h
            t0 = grid(start + timedelta(seconds=rng.uniform(POLL.total_seconds(), span - 7200)))
            n = rng.randint(3, 24)
            events.extend((t0 + POLL * k, 2, c, "fail") for k in range(n))
            events.append((t0 + POLL * n, 3, c, "recover"))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    fsync, fdatasync = os.fsync, os.fdatasync
    os.fsync = os.fdatasync = lambda fd: None  # bulk build only: same bytes, no waits
    began = time.perf_counter()
    try:
        with contextlib.ExitStack() as stack:
            store = (
                stack.enter_context(SnapshotStore.open(root, max_gap=timedelta(days=days + 1)))
                if write
                else None
            )
            window: list[PollUpdate] = []
            window_end = start + timedelta(hours=84)
            for t, _, c, kind in events:
                if t >= window_end:
                    if store is not None:
                        store.write_batch(window)
                    window, window_end = [], window_end + timedelta(hours=84)
                if kind == "count":
                    window.append(good(fleet.change_count(c, t), fleet.tags[c]))
                elif kind == "state":
                    window.append(good(fleet.change_state(c, t), fleet.tags[c]))
                elif kind == "fail":
                    window.append(bad(c, t, tags=fleet.tags[c]))
                else:
                    window.append(good(fleet.at(c, t), fleet.tags[c]))
            if store is not None:
                store.write_batch(window)
                store.write_batch([good(fleet.at(c, end), fleet.tags[c]) for c in fleet.names])
    finally:
        os.fsync, os.fdatasync = fsync, fdatasync
    polls = clusters * int(span // POLL.total_seconds())
    return fleet, polls, time.perf_counter() - began


def du(root: Path) -> tuple[int, int]:
    """(bytes allocated on disk, apparent bytes)."""
    blocks = size = 0
    for p in root.rglob("*"):
        if p.is_file():
            st = p.stat()
            blocks += st.st_blocks * 512
            size += st.st_size
    return blocks, size


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def naive_tinydb(tmp: Path, fleet: Fleet, sizes: list[int]) -> list[tuple[int, float, float, int]]:
    """Stock TinyDB, one insert per poll: (documents, ms per insert, ms per query, bytes)."""
    out = []
    docs = [fleet.at(c, datetime.now(UTC)).to_json_dict() for c in fleet.names]
    for n in sizes:
        path = tmp / f"naive-{n}.json"
        with TinyDB(path) as db:
            db.insert_multiple(docs[i % len(docs)] for i in range(n))
            insert_ms = median_ms(lambda: db.insert(docs[0]), 5)
            query_ms = median_ms(lambda: db.all(), 3)
        out.append((n, insert_ms, query_ms, path.stat().st_size))
    return out


BUILT = "bench-built.json"
"""What a build wrote beside the store (size, days, end): what ``--reuse`` needs."""

TARGETS = {  # issue 14, for 10,000 clusters x 90 days
    "size_per_cluster_kb": 100.0,  # <= 1 GB
    "cycle_ms": 300.0,
    "latest_ms": 500.0,
    "history_ms": 50.0,
    "status_s": 1.0,
}


def one_cycle(fleet: Fleet, t: datetime, k: int) -> list[PollUpdate]:
    """A real cycle: every cluster polled, ~10 count changes and a few failures."""
    clusters = len(fleet.names)
    updates = []
    for i, c in enumerate(fleet.names):
        if i % 97 == k:
            updates.append(bad(c, t, tags=fleet.tags[c]))
        elif fleet.rng.random() < 10 / clusters:
            updates.append(good(fleet.change_count(c, t), fleet.tags[c]))
        else:
            updates.append(good(fleet.at(c, t), fleet.tags[c]))
    return updates


def status_process(root: Path, *options: str) -> tuple[float, float, int]:
    """``licdash status --store root`` as a user runs it: (wall s, user+sys CPU s, exit)."""
    cmd = [sys.executable, "-m", "collectors.cli", "status", "--store", str(root), *options]
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, proc.returncode


STATUS_IMPORTS = (
    "import collectors.cli, collectors.commands.status_cmd, collectors.commands.status_render,"
    " collectors.fleet_summary, collectors.store, collectors.acks"
)


def status_floor(root: Path) -> dict[str, float]:
    """What ``licdash status`` pays for each of its parts, measured alone: the
    interpreter with the modules it imports (a child, wall), then in this process
    (CPU, cyclic collection paused as status runs): parsing ``latest.json``, validating
    every record into a status, judging them, printing the table. Their sum is what
    reading every record costs with this design, whatever else status does."""
    from pydantic_core import from_json

    from collectors.commands.status_render import render_table
    from collectors.fleet_summary import summarise
    from collectors.gc_pause import gc_paused
    from collectors.policy import DEFAULT_POLICY
    from collectors.store.validate import check_records

    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", STATUS_IMPORTS], cwd=ROOT, check=True)
    imports = (time.perf_counter() - began) * 1000
    raw = (root / "latest.json").read_bytes()

    def cpu_ms(fn: Callable[[], object]) -> tuple[float, object]:
        times, value = [], None
        for _ in range(3):
            with gc_paused():
                began = time.process_time()
                value = fn()
                times.append((time.process_time() - began) * 1000)
        return statistics.median(times), value

    parse, doc = cpu_ms(lambda: from_json(raw))
    records = {rec["cluster"]: rec for rec in doc["clusters"].values()}  # type: ignore[index]
    validate, checked = cpu_ms(lambda: check_records(records))
    statuses = checked[1]  # type: ignore[index]
    now = datetime.now(UTC)
    judge, rows = cpu_ms(lambda: summarise(statuses, now, DEFAULT_POLICY))
    table, _ = cpu_ms(
        lambda: render_table(rows, now, colour=False, ascii_only=False)  # type: ignore[arg-type]
    )
    return {
        "imports": imports,
        "parse": parse,
        "validate": validate,
        "judge": judge,
        "table": table,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="100 clusters x 14 days")
    ap.add_argument("--clusters", type=int, default=None, help="default 1,000")
    ap.add_argument("--days", type=int, default=None, help="default 90")
    ap.add_argument("--dir", type=Path, help="keep the built store here")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive TinyDB comparison")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="time the store a run with --dir built (a copy of it: the timed cycles write)",
    )
    args = ap.parse_args()
    clusters, days = (100, 14) if args.quick else (1000, 90)
    clusters, days = args.clusters or clusters, args.days or days
    tmp = Path(tempfile.mkdtemp(prefix="bench-store-"))
    root = args.dir or tmp / "store"
    end = grid(datetime.now(UTC).replace(microsecond=0))
    try:
        if args.reuse:
            if args.dir is None or not (args.dir / BUILT).exists():
                raise SystemExit("--reuse needs --dir naming a store this bench built")
            built = json.loads((args.dir / BUILT).read_text())
            clusters, days = built["clusters"], built["days"]
            end = datetime.fromisoformat(built["end"])
            root = tmp / "store"
            shutil.copytree(args.dir, root)
            fleet, polls, _ = build(root, clusters, days, end, write=False)
            build_s = float(built["build_s"])
            after = POLL * 6  # the building run's five timed cycles are in the store too
        else:
            fleet, polls, build_s = build(root, clusters, days, end)
            after = timedelta(0)
            record = {"clusters": clusters, "days": days, "end": end.isoformat()}
            (root / BUILT).write_text(json.dumps(record | {"build_s": build_s}))
        blocks, apparent = du(root)
        print(
            f"store: {clusters} clusters x {days} days at 5-min polls = {polls:,} polls"
            f" (built in {build_s:.0f} s{', reused' if args.reuse else ''})"
        )
        per_cluster_kb = blocks / clusters / 1000
        print(
            f"  size on disk           {blocks / 1e6:8.1f} MB (apparent {apparent / 1e6:.1f} MB)"
            f" = {per_cluster_kb:.0f} KB per cluster"
            f" (target <= {TARGETS['size_per_cluster_kb']:.0f} KB: 1 GB at 10,000 x 90 days)"
        )

        store = SnapshotStore.open(root)
        reader = SnapshotStore.open(root, readonly=True)
        reader.latest_changes()  # a viewer that has read the table once
        cycle_ms: list[float] = []
        cycle_cpu: list[float] = []
        follow_ms: list[float] = []
        followed = 0
        for k in range(1, 6):  # five real cycles
            updates = one_cycle(fleet, end + after + POLL * k, k)
            began, cpu = time.perf_counter(), time.process_time()
            store.write_batch(updates)
            cycle_ms.append((time.perf_counter() - began) * 1000)
            cycle_cpu.append((time.process_time() - cpu) * 1000)
            began = time.perf_counter()
            changes = reader.latest_changes()
            follow_ms.append((time.perf_counter() - began) * 1000)
            followed += 0 if changes.full else len(changes.statuses)
        began = time.perf_counter()
        store.close()  # folds the journal into latest.json (a checkpoint)
        fold_ms = (time.perf_counter() - began) * 1000
        reader.close()
        cycle = statistics.median(cycle_ms)
        print(
            f"  append one cycle       {cycle:8.1f} ms for {clusters} results, fsynced"
            f" (CPU {statistics.median(cycle_cpu):.0f} ms; slowest of 5 {max(cycle_ms):.0f} ms;"
            f" target <= {TARGETS['cycle_ms']:.0f} ms)"
        )
        print(
            f"  checkpoint on close    {fold_ms:8.1f} ms (the journal folded into latest.json;"
            " at most once per base-size of cycles)"
        )
        print(
            f"  viewer follows a cycle {statistics.median(follow_ms):8.1f} ms"
            f" ({followed / 5:.0f} changed statuses read per cycle of {clusters})"
        )

        def open_latest() -> None:
            with SnapshotStore.open(root, readonly=True) as fresh:
                assert len(fresh.latest()) == clusters

        latest_ms = median_ms(open_latest, 5)
        print(
            f"  open + latest for all  {latest_ms:8.1f} ms"
            f" (target <= {TARGETS['latest_ms']:.0f} ms)"
        )
        reader = SnapshotStore.open(root, readonly=True)
        since = end - timedelta(days=days)
        sample = fleet.names[len(fleet.names) // 2]
        hist = reader.history(sample, since)
        hist_ms = median_ms(lambda: reader.history(sample, since), 5)
        print(
            f"  one cluster {days}-day history {hist_ms:6.1f} ms ({len(hist.changes)} changes,"
            f" {len(hist.seen)} runs, {len(hist.failures)} failures;"
            f" target <= {TARGETS['history_ms']:.0f} ms)"
        )

        def open_history() -> None:
            with SnapshotStore.open(root, readonly=True) as fresh:
                fresh.history(sample, since)

        print(f"    the same, opening a new reader first {median_ms(open_history, 5):8.1f} ms")
        series_ms = median_ms(lambda: reader.entitlement_series(sample, since), 3)
        print(f"  entitlement series     {series_ms:8.1f} ms")
        handover = reader.transitions(end - timedelta(hours=12), end + after + POLL * 6)
        trans_ms = median_ms(lambda: reader.transitions(end - timedelta(hours=12)), 3)
        print(f"  transitions, last 12 h {trans_ms:8.1f} ms ({len(handover)} transitions)")
        runs = [status_process(root) for _ in range(3)]
        wall, cpu, code = sorted(runs)[1]
        print(
            f"  licdash status process {wall * 1000:8.1f} ms wall, {cpu * 1000:.0f} ms CPU"
            f" (user+sys, median of 3; exit {code}; target <= {TARGETS['status_s']:g} s wall)"
        )
        runs = [status_process(root, "--format", "nagios") for _ in range(3)]
        nagios_wall, nagios_cpu, nagios_code = sorted(runs)[1]
        print(
            f"    the monitoring check (--format nagios) {nagios_wall * 1000:.1f} ms wall,"
            f" {nagios_cpu * 1000:.0f} ms CPU (median of 3; exit {nagios_code})"
        )
        floor = status_floor(root)
        print(
            "  status, its parts alone: interpreter + imports"
            f" {floor['imports']:.0f} ms wall (a child importing what status imports),"
            f" parse latest.json {floor['parse']:.0f}, validate every record"
            f" {floor['validate']:.0f}, judge {floor['judge']:.0f}, table {floor['table']:.0f} ms"
            f" CPU (medians of 3 in this process); sum {sum(floor.values()):.0f} ms"
        )
        print(
            f"ratios: latest for all {latest_ms / clusters * 1000:.1f} us per cluster;"
            f" status {cpu / clusters * 1e6:.0f} us CPU per cluster;"
            f" a followed cycle reads {followed / 5 / clusters:.0%} of the table"
        )
        if args.no_naive:
            return
        sizes = [250, 500, 1000] if args.quick else [500, 1000, 2000]
        naive = naive_tinydb(tmp, fleet, sizes)
        print("naive TinyDB (stock JSONStorage, one document per poll):")
        for n, ins, qry, size in naive:
            print(
                f"  {n:6d} docs: insert {ins:7.1f} ms, read all {qry:7.1f} ms, {size / 1e6:6.1f} MB"
            )
        n_big, ins_big, qry_big, size_big = naive[-1]
        scale = polls / n_big
        naive_size = size_big * scale
        naive_cycle = ins_big * scale * clusters  # each insert rewrites the whole file
        naive_latest = qry_big * scale
        print(f"  extrapolated to {polls:,} polls (linear in file size):")
        print(f"    size {naive_size / 1e9:9.1f} GB   -> {naive_size / blocks:10,.0f} x the store")
        print(f"    one cycle {naive_cycle / 3.6e6:6.1f} h    -> {naive_cycle / cycle:10,.0f} x")
        print(
            f"    read latest {naive_latest / 1000:6.0f} s -> {naive_latest / latest_ms:10,.0f} x"
        )
        print("absolute times depend on the machine and its load; compare the ratios")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
