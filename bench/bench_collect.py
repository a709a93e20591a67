"""How fast the collector polls a large fleet, and how much CPU it spends per poll.

Starts ``licdash mock`` (1,000 healthy publishers with 50 ms latency, HTTPS with a
private CA) in a separate process, then in this process:

1. one full cycle with :class:`collectors.engine.PollEngine` (cold: every TLS session
   new), then a second one (warm: session cookies and AXL versions known);
2. a baseline: the same polls made one after another by a simple script (a sync
   ``httpx.Client``, one POST per publisher, then the same parser), on a sample of
   publishers, extrapolated to the whole fleet.

Collector CPU is this process's CPU time (``time.process_time``) during the cycle; the
mock's CPU is in the other process and is not counted.

    .venv/bin/python bench/bench_collect.py            # 1,000 publishers
    .venv/bin/python bench/bench_collect.py --quick    # 200 publishers
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collectors.config import LicdashConfig, load_config  # noqa: E402
from collectors.engine import PollEngine  # noqa: E402

MOCK = (
    "import argparse, sys\n"
    "from collectors.mock import cli\n"
    "p = argparse.ArgumentParser()\n"
    "cli.add_arguments(p)\n"
    "sys.exit(cli.run(p.parse_args(sys.argv[1:])))\n"
)


def start_mock(
    workdir: Path, clusters: int, latency_ms: float
) -> tuple[subprocess.Popen[bytes], Path]:
    manifest = workdir / "manifest.json"
    config = workdir / "fleet.toml"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            MOCK,
            "--clusters",
            str(clusters),
            "--latency-ms",
            str(latency_ms),
            "--scenario-mix",
            "healthy",
            "--workdir",
            str(workdir / "pki"),
            "--manifest",
            str(manifest),
            "--write-config",
            str(config),
        ],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while not manifest.exists():
        if proc.poll() is not None:
            raise SystemExit(f"the mock fleet exited with status {proc.returncode}")
        if time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("the mock fleet did not start within 300 s")
        time.sleep(0.2)
    return proc, config


async def engine_cycles(config: LicdashConfig) -> list[tuple[float, float, int, int]]:
    """Two cycles: (wall s, collector CPU s, ok, failed) each."""
    out = []
    async with PollEngine(config) as engine:
        for _ in range(2):
            cpu0, t0 = time.process_time(), time.perf_counter()
            updates = await engine.poll_once()
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            ok = sum(1 for u in updates if u.result.ok)
            out.append((wall, cpu, ok, len(updates) - ok))
    return out


def baseline(config: LicdashConfig, sample: int) -> tuple[float, float, int]:
    """A simple sequential script: (wall s, CPU s, ok) for ``sample`` polls."""
    import ssl

    import httpx

    from collectors.parsing import parse_axl

    clusters = config.clusters[:sample]
    first = clusters[0]
    ctx = ssl.create_default_context(cafile=str(first.verify))
    body = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:ns="http://www.cisco.com/AXL/API/{v}"><soapenv:Header/><soapenv:Body>'
        "<ns:getSmartLicenseStatus/></soapenv:Body></soapenv:Envelope>"
    )
    ok = 0
    cpu0, t0 = time.process_time(), time.perf_counter()
    with httpx.Client(verify=ctx, timeout=15) as client:
        for c in clusters:
            assert c.password is not None
            version = c.axl_version if c.axl_version != "auto" else "14.0"
            resp = client.post(
                f"https://{c.host}:{c.port}/axl/",
                content=body.format(v=version),
                headers={
                    "Content-Type": "text/xml",
                    "SOAPAction": f'"CUCM:DB ver={version} getSmartLicenseStatus"',
                },
                auth=(c.username, c.password.get_secret_value()),
            )
            if resp.status_code == 200:
                parse_axl(resp.content, cluster=c.name, now=datetime.now(UTC))
                ok += 1
    return time.perf_counter() - t0, time.process_time() - cpu0, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 publishers instead of 1,000")
    parser.add_argument("--clusters", type=int, default=None)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--sample", type=int, default=50, help="baseline polls to time")
    args = parser.parse_args()
    clusters = args.clusters or (200 if args.quick else 1000)
    logging.basicConfig(level=logging.ERROR)

    with tempfile.TemporaryDirectory(prefix="licdash-bench-") as tmp:
        t0 = time.perf_counter()
        proc, config_path = start_mock(Path(tmp), clusters, args.latency_ms)
        print(f"mock fleet: {clusters} publishers, {args.latency_ms:g} ms latency, "
              f"listening after {time.perf_counter() - t0:.1f} s (separate process)")  # fmt: skip
        try:
            raw = load_config(config_path)
            settings = raw.settings.model_copy(
                update={"concurrency": args.concurrency, "timeout": 30}
            )
            config = raw.model_copy(update={"settings": settings})
            cycles = asyncio.run(engine_cycles(config))
            sample = min(args.sample, clusters)
            b_wall, b_cpu, b_ok = baseline(config, sample)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    results = {}
    for label, (wall, cpu, ok, failed) in zip(("cold", "warm"), cycles, strict=True):
        per_poll_ms = cpu / clusters * 1000
        print(f"{label} cycle: {clusters} polls ({ok} ok, {failed} failed) in {wall:.2f} s wall, "
              f"collector CPU {cpu:.2f} s = {per_poll_ms:.2f} ms per poll")  # fmt: skip
        results[label] = {"wall_s": wall, "cpu_s": cpu, "cpu_ms_per_poll": per_poll_ms, "ok": ok}
    per_wall, per_cpu = b_wall / sample, b_cpu / sample
    est_wall = per_wall * clusters
    print(f"baseline (sequential script): {sample} polls measured ({b_ok} ok) in {b_wall:.2f} s, "
          f"{per_cpu * 1000:.2f} ms CPU per poll; "
          f"extrapolated to {clusters}: {est_wall:.1f} s")  # fmt: skip
    cold_wall, cold_cpu = cycles[0][0], cycles[0][1]
    print(f"ratio: engine cycle is {est_wall / cold_wall:.1f}x faster in wall time than the "
          f"sequential baseline (extrapolated from {sample} polls); "
          f"CPU per poll engine/baseline = {cold_cpu / clusters / per_cpu:.2f}")  # fmt: skip
    target_cpu = results["cold"]["cpu_ms_per_poll"] <= 2.5
    target_wall = cold_wall <= 6.0
    print(f"targets: CPU per poll <= 2.5 ms: {'met' if target_cpu else 'MISSED'}; "
          f"cycle <= 6 s: {'met' if target_wall else 'MISSED'} (cold cycle)")  # fmt: skip
    print("json: " + json.dumps({"clusters": clusters, **results, "baseline_s_per_poll": per_wall}))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
