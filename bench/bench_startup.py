"""What start-up costs before the first poll, for a config of N clusters (no fleet needed).

Writes a config shaped like the mock fleet's (``licdash mock --write-config``: CUCM
publishers on 127.0.0.1, plain mock passwords, one private CA bundle, an IANA zone and
three tags each), then runs children and reports wall time and user+sys CPU (from
``os.wait4``) of each:

* ``import``: the interpreter and the modules ``licdash collect --once`` imports
  (its command, the config, the engine with its HTTP stack, the daemon, the store);
* ``config``: the command's module and ``load_config`` of the file;
* ``start-up``: what ``bench_collect.py`` reports as start-up: config loaded, store
  opened, engine prepared (its TLS contexts loaded), store closed;
* ``collect --once`` itself is not measured here: see bench_collect.py.

The project's modules are byte-compiled first (as ``pip install`` leaves them). Each
child runs ``--repeat`` times (default 3); the lowest and the median are shown, since
the machine's other load only ever adds.

    .venv/bin/python bench/bench_startup.py --clusters 10000
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
    store = await asyncio.to_thread(SnapshotStore.open, sys.argv[2])
    async with PollEngine(config):
        pass
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


def child(code: str, *args: str) -> tuple[float, float]:
    """(wall s, user+sys CPU s) of ``python -c code args``; it must exit 0."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child failed:\n{err.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
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
        store = Path(tmp) / "store"
        for label, code, extra in (
            ("import", IMPORT, ()),
            ("config", CONFIG, (str(config),)),
            ("start-up", STARTUP, (str(config), str(store))),
        ):
            runs = [child(code, *extra) for _ in range(args.repeat)]
            walls = [w for w, _ in runs]
            cpus = [c for _, c in runs]
            print(f"{label}: wall min {min(walls):.3f} s median {statistics.median(walls):.3f} s; "
                  f"CPU min {min(cpus):.3f} s median {statistics.median(cpus):.3f} s "
                  f"({args.repeat} runs)")  # fmt: skip
            results[label] = {"wall_s": min(walls), "cpu_s": min(cpus)}
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print("json: " + json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
