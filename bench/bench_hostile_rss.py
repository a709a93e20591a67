"""Peak RSS of ``licdash collect --once`` against every hostile answer, from ``/usr/bin/time -v``.

For each behaviour of the adversarial suite's hostile publisher
(``tests/adversarial/hostile_http.py``: compression bombs of one, two and three layers,
brotli, 50 MB bodies, XML bombs, slowloris, mid-body closes, ...), every publisher of a
three-cluster fleet on 127.0.0.1 serves that answer, and a fresh ``licdash collect
--once`` process polls them under GNU time. The figure printed is the one a user pays:
the kernel's maximum resident set size of the whole process, all threads, and its wall
time and exit code. The limit is issue 12's 150 MB.

    .venv/bin/python bench/bench_hostile_rss.py
    .venv/bin/python bench/bench_hostile_rss.py --quick      # the bombs and big bodies only
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collectors.mock.tls import CertAuthority  # noqa: E402
from tests.adversarial.harness import GOOD_SECRET, NAMES, Harness  # noqa: E402
from tests.adversarial.hostile_http import (  # noqa: E402
    BEHAVIOURS,
    HostileFleet,
    deflate_bomb,
    gzip_bomb,
    gzip_gzip_bomb,
)

LIMIT_MB = 150
QUICK = (
    "gzip_layer",
    "gzip_gzip",
    "deflate",
    "three_layers",
    "big_body",
    "billion_laughs",
)
TIME = "/usr/bin/time"


def _collect(config: Path, store: Path) -> tuple[int, float, float]:
    """(exit code, peak RSS in MB, wall seconds) of one ``collect --once`` under GNU time."""
    env = {**os.environ, "ADV_GOOD_PW": GOOD_SECRET}
    proc = subprocess.run(
        [
            TIME,
            "-v",
            sys.executable,
            "-m",
            "collectors.cli",
            "collect",
            "--config",
            str(config),
            "--store",
            str(store),
            "--once",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    wall = re.search(
        r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", proc.stderr
    )
    exit_code = re.search(r"Exit status: (\d+)", proc.stderr)
    if rss is None or wall is None or exit_code is None:
        raise RuntimeError(f"no GNU time report:\n{proc.stderr[-2000:]}")
    hours, minutes, seconds = wall.groups()
    elapsed = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return int(exit_code.group(1)), int(rss.group(1)) / 1024, elapsed


async def _run(behaviours: list[str]) -> int:
    for build in (gzip_bomb, gzip_gzip_bomb, deflate_bomb):
        build()
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="licdash-hostile-rss-") as tmp_name:
        tmp = Path(tmp_name)
        ca = CertAuthority(tmp / "pki", "bench CA")
        cert = ca.issue("hostile-publisher", ["127.0.0.1", "localhost"])
        print(f"{'behaviour':<22} {'exit':>4} {'peak RSS':>10} {'wall':>7}")
        async with HostileFleet(cert, list(NAMES)) as fleet:
            for behaviour in behaviours:
                case = tmp / behaviour
                case.mkdir()
                for pub in fleet.publishers.values():
                    pub.behaviour = behaviour
                harness = Harness(case, fleet, ca)
                code, peak, wall = await asyncio.to_thread(
                    _collect, harness.config_file(), case / "store"
                )
                worst = max(worst, peak)
                print(f"{behaviour:<22} {code:>4} {peak:>7.1f} MB {wall:>6.2f}s", flush=True)
    verdict = "within" if worst <= LIMIT_MB else "OVER"
    print(
        f"worst peak RSS: {worst:.1f} MB ({verdict} the {LIMIT_MB} MB limit) over "
        f"{len(behaviours)} hostile answers"
    )
    return 0 if worst <= LIMIT_MB else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the bombs and big bodies only")
    args = parser.parse_args()
    if shutil.which(TIME) is None and not Path(TIME).exists():
        print(f"{TIME} (GNU time) is needed: apt-get install time", file=sys.stderr)
        return 2
    behaviours = list(QUICK) if args.quick else sorted(BEHAVIOURS)
    # The hostile server's own complaints (a client hanging up on a 50 MB body) are noise.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    return asyncio.run(_run(behaviours))


if __name__ == "__main__":
    sys.exit(main())
