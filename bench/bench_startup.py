"""What start-up costs before the first poll, for a config of N clusters (no fleet needed).

Writes a config shaped like the mock fleet's (``licdash mock --write-config``: CUCM
publishers on 127.0.0.1, plain mock passwords, one private CA bundle, an IANA zone and
three tags each), then runs children and reports wall time and user+sys CPU (from
``os.wait4``) of each:

* ``import``: the interpreter and the modules ``licdash collect --once`` imports
  (its command, the config, the engine with its HTTP stack, the daemon, the store);
* ``config``: the command's module and ``load_config`` of the file;
* ``start-up``: what ``bench_collect.py`` reports as start-up: config loaded, store
  opened as ``licdash collect`` opens it, engine prepared (its TLS contexts loaded),
  then the latest table read (the collector reads it at its first write, in its
  writer thread while the polls go on), store closed; twice: into a new store, and
  into a store that already holds the fleet (what a restart of ``licdash collect``
  pays: the writer reads the latest table, 2.8 KB a cluster, and repairs what a kill
  could have left). Each shows when the child was ready to poll (the figure a user
  waits for, from the child's own clock and CPU count at that moment), when it had
  read the table, and when it had exited (the interpreter's teardown besides);
* ``collect --once`` itself is not measured here: see bench_collect.py.

The project's modules are byte-compiled first (as ``pip install`` leaves them). Each
child runs ``--repeat`` times (default 3); the lowest and the median are shown, since
the machine's other load only ever adds.

    .venv/bin/python bench/bench_startup.py --clusters 10000
    .venv/bin/python bench/bench_startup.py --clusters 10000 --existing-store-only
    .venv/bin/python bench/bench_startup.py --clusters 1000 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Europe/Berlin", "America/Chicago")
USERS = ("licdash-axl", "axl-monitor", "axlro")
CUSTOMERS = ("acme", "globex", "initech", "umbrella")
ENVIRONMENTS = ("prod", "staging", "lab")

# As ``licdash collect`` starts: imports and the config with collection off, then
# frozen (collectors.gc_pause.start_up_without_gc, once in collectors.cli; a checkout
# older than both: collection on).
PRELUDE = """
import contextlib, gc, sys
from collectors.cli import GC_THRESHOLD
try:
    from collectors.gc_pause import start_up_without_gc
except ImportError:
    try:
        from collectors.cli import start_up_without_gc
    except ImportError:
        start_up_without_gc = contextlib.nullcontext
gc.set_threshold(*GC_THRESHOLD)
"""

IMPORT = (
    PRELUDE
    + """
with start_up_without_gc():
    import collectors.cli, collectors.commands.collect_cmd, collectors.config
    import collectors.engine, collectors.daemon, collectors.store
"""
)

CONFIG = (
    PRELUDE
    + """
with start_up_without_gc():
    import collectors.commands.collect_cmd
    from collectors.config import load_config
    load_config(sys.argv[1])
"""
)

STARTUP = (
    PRELUDE
    + """
import asyncio
with start_up_without_gc():
    from collectors import event_loop
    import collectors.commands.collect_cmd
    from collectors.config import load_config
    from collectors.engine import PollEngine
    from collectors.store import SnapshotStore
    config = load_config(sys.argv[1])

async def main():
    import time
    try:  # as collect_cmd opens it: the latest table is read at the first write
        store = await asyncio.to_thread(SnapshotStore.open, sys.argv[2], defer_load=True)
    except TypeError:  # a checkout older than the deferred read: read now
        store = await asyncio.to_thread(SnapshotStore.open, sys.argv[2])
    async with PollEngine(config):
        print("ready", time.time(), time.process_time(), flush=True)  # the first poll
    await asyncio.to_thread(store.clusters)  # the read the first write would make
    print("loaded", time.time(), time.process_time(), flush=True)
    store.close()

event_loop.run(main())
"""
)


def write_config(path: Path, clusters: int, ca: Path) -> None:
    """A config like the mock fleet's, ``clusters`` CUCM publishers sharing one CA."""
    rng = random.Random(7)
    lines = ["[settings]", "interval = 300", "timeout = 30", "concurrency = 200"]
    for i in range(clusters):
        tags = (
            f'region = "r{rng.randrange(3)}", customer = "{rng.choice(CUSTOMERS)}", '
            f'environment = "{rng.choice(ENVIRONMENTS)}"'
        )
        lines += [
            "",
            "[[clusters]]",
            f'name = "site{i // 50}-cucm{i}"',
            f'publisher = "127.0.0.1:{20000 + i}"',
            'transport = "axl"',
            f'axl_version = "{rng.choice(("12.5", "14.0", "15.0"))}"',
            f'username = "{rng.choice(USERS)}"',
            f'password = "mock-{rng.getrandbits(48):012x}"',
            f'verify = "{ca}"',
            f'timezone = "{rng.choice(ZONES)}"',
            f"tags = {{ {tags} }}",
        ]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


def child(
    code: str, *args: str
) -> tuple[float, float, float | None, float | None, tuple[float, float] | None]:
    """(wall s, user+sys CPU s, ready wall s, ready CPU s, (wall s, CPU s) when the table
    was read) of ``python -c code args``; it must exit 0. Ready: when the child printed
    ``ready <time> <CPU>`` (None if never); read: ``loaded <time> <CPU>``."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    with tempfile.TemporaryFile() as err:
        began, spawned = time.perf_counter(), time.time()
        proc = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
        )
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"child failed:\n{err.read().decode(errors='replace')}")
    marks = {}
    for line in out.decode().splitlines():
        what, _, rest = line.partition(" ")
        if what in ("ready", "loaded"):
            at, cpu = rest.split()
            marks[what] = (float(at) - spawned, float(cpu))
    ready = marks.get("ready", (None, None))
    return wall, usage.ru_utime + usage.ru_stime, ready[0], ready[1], marks.get("loaded")


def fill_store(path: Path, clusters: int) -> float:
    """A store that already holds the fleet, as collectors leave it: two cycles of
    registered clusters with six licence counts each (1 % of the second one failed, so
    the day files of events and failure episodes exist), closed cleanly. Seconds."""
    sys.path.insert(0, str(ROOT))  # tests.support: the one builder of test data
    from collectors.store import SnapshotStore
    from tests.support.factory import (
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

    rng = random.Random(11)
    kinds = (CUWL, ENHANCED_PLUS, ENHANCED, BASIC, ESSENTIAL, TELEPRESENCE)
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    names = [f"site{i // 50}-cucm{i}" for i in range(clusters)]
    snaps = {
        name: snapshot(
            name,
            at,
            detailed=True,
            counts={kind: rng.randint(0, 3000) for kind in kinds},
            udi=f"UUID:{rng.getrandbits(64):016x}",
        )
        for name in names
    }
    tags = {"region": "r1", "customer": "acme", "environment": "prod"}
    later = at + timedelta(minutes=5)
    t0 = time.perf_counter()
    with SnapshotStore.open(path) as store:
        store.write_batch([good(s, tags) for s in snaps.values()])
        store.write_batch(
            [
                bad(name, later, tags=tags)
                if i % 100 == 0
                else good(snaps[name].model_copy(update={"collected_at": later}), tags)
                for i, name in enumerate(names)
            ]
        )
    return time.perf_counter() - t0


def spread(pairs: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """``(wall, cpu)`` pairs as a list of walls and a list of CPU times."""
    return [w for w, _ in pairs], [c for _, c in pairs]


def spread_text(walls: list[float], cpus: list[float]) -> str:
    """What the runs took: lowest and median, wall and CPU (the machine's other load
    only ever adds, so the lowest is the figure to compare)."""
    return (
        f"wall min {min(walls):.3f} s median {statistics.median(walls):.3f} s; "
        f"CPU min {min(cpus):.3f} s median {statistics.median(cpus):.3f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--existing-store-only",
        action="store_true",
        help="time only the start-up into a store that already holds the fleet",
    )
    args = parser.parse_args()
    import trustme

    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "collectors"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start")
    results: dict[str, object] = {"clusters": args.clusters}
    with tempfile.TemporaryDirectory(prefix="licdash-startup-") as tmp:
        ca = Path(tmp) / "ca.pem"
        trustme.CA().cert_pem.write_to_path(str(ca))
        config = Path(tmp) / "fleet.toml"
        write_config(config, args.clusters, ca)
        size = config.stat().st_size
        print(f"config: {args.clusters} clusters, {size / 1e6:.1f} MB")
        existing = Path(tmp) / "existing"
        took = fill_store(existing, args.clusters)
        latest = (existing / "latest.json").stat().st_size
        print(f"existing store: {args.clusters} clusters written in {took:.1f} s, "
              f"latest.json {latest / 1e6:.1f} MB")  # fmt: skip
        timed: list[tuple[str, str, tuple[str, ...]]] = [
            ("import", IMPORT, ()),
            ("config", CONFIG, (str(config),)),
            ("start-up (new store)", STARTUP, (str(config), str(Path(tmp) / "store"))),
            ("start-up (existing store)", STARTUP, (str(config), str(existing))),
        ]
        if args.existing_store_only:
            timed = timed[-1:]
        for label, code, extra in timed:
            runs = [child(code, *extra) for _ in range(args.repeat)]
            walls, cpus = spread([(r[0], r[1]) for r in runs])
            print(f"{label}: {spread_text(walls, cpus)} ({args.repeat} runs, to the child's exit)")
            figures: dict[str, float] = {"wall_s": min(walls), "cpu_s": min(cpus)}
            ready = [(r[2], r[3]) for r in runs if r[2] is not None and r[3] is not None]
            if ready:
                r_walls, r_cpus = spread(ready)
                print(f"  ready to poll: {spread_text(r_walls, r_cpus)}")
                figures |= {"ready_wall_s": min(r_walls), "ready_cpu_s": min(r_cpus)}
            loaded = [r[4] for r in runs if r[4] is not None]
            if loaded:
                lw, lc = spread(loaded)
                print(
                    "  latest table read (the first write's, off the polls' path): "
                    + spread_text(lw, lc)
                )
                figures |= {"loaded_wall_s": min(lw), "loaded_cpu_s": min(lc)}
            results[label] = figures
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print("json: " + json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
