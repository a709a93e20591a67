"""Mock fleet benchmark: fleet start time and server CPU per AXL answer.

The fleet runs in a child process (``--serve``); this process fires bounded concurrent
``getSmartLicenseStatus`` requests at every publisher and asks the child for its own CPU
time (``getrusage``) before and after, so client work never counts as server work.

Round 1 opens a TLS connection and logs in to each publisher (handshake + Basic auth +
new session); later rounds reuse the keep-alive connections, as a poller does.

    .venv/bin/python bench/bench_mock.py            # 1,000 publishers, 50 ms latency
    .venv/bin/python bench/bench_mock.py --quick    # 100 publishers
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MIX = "healthy=8,evaluation=1,renewal_failing=1,registration_expiring=1,out_of_compliance=1"


def _cpu() -> float:
    """This process's CPU seconds (getrusage: microsecond resolution, all threads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def serve(clusters: int, latency_ms: float, workdir: str) -> None:
    """Child: run the fleet, answer "cpu" / "quit" on stdin with JSON lines."""
    from collectors.mock.fleet import MockFleet

    cpu0, t0 = _cpu(), time.perf_counter()
    fleet = MockFleet(clusters=clusters, scenario_mix=MIX, latency_ms=latency_ms, workdir=workdir)
    async with fleet:
        start = {"start_s": time.perf_counter() - t0, "start_cpu_s": _cpu() - cpu0}
        print(json.dumps(start | {"manifest": fleet.manifest()}), flush=True)
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line or line.strip() == "quit":
                break
            answered = sum(s.requests for s in fleet.servers.values())
            print(json.dumps({"cpu": _cpu(), "requests": answered}), flush=True)


async def _round(pubs: list[dict[str, Any]], clients: list[Any], per_client: int) -> int:
    import httpx

    from collectors.mock.testing import axl_headers, axl_request

    async def shard(client: httpx.AsyncClient, mine: list[dict[str, Any]]) -> int:
        sem = asyncio.Semaphore(per_client)

        async def one(p: dict[str, Any]) -> int:
            v = p["axl_version"]
            async with sem:
                r = await client.post(
                    p["url"],
                    content=axl_request(v),
                    headers=axl_headers(v),
                    auth=(p["username"], p["password"]),
                )
            return 1 if r.status_code == 200 else 0

        return sum(await asyncio.gather(*(one(p) for p in mine)))

    n = len(clients)
    results = await asyncio.gather(*(shard(c, pubs[i::n]) for i, c in enumerate(clients)))
    return sum(results)


async def drive(args: argparse.Namespace) -> None:
    import httpx

    tmp = tempfile.TemporaryDirectory(prefix="licdash-bench-mock-")
    workdir = Path(args.workdir or tmp.name)
    cmd = [sys.executable, __file__, "--serve", str(args.clusters),
           "--latency-ms", str(args.latency_ms), "--workdir", str(workdir)]  # fmt: skip
    t0 = time.perf_counter()
    child = subprocess.Popen(  # noqa: ASYNC220 - started once, before any request
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdin is not None and child.stdout is not None

    def ask() -> dict[str, Any]:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write("cpu\n")
        child.stdin.flush()
        return dict(json.loads(child.stdout.readline()))

    try:
        hello = json.loads(child.stdout.readline())
        ready_s = time.perf_counter() - t0
        pubs = hello["manifest"]["publishers"]
        ctx = ssl.create_default_context(cafile=pubs[0]["ca_bundle"])
        n_clients = 8
        per_client = args.concurrency // n_clients
        size = len(pubs) // n_clients + 1
        limits = httpx.Limits(
            max_connections=size, max_keepalive_connections=size, keepalive_expiry=300
        )
        clients = [
            httpx.AsyncClient(verify=ctx, timeout=60, limits=limits) for _ in range(n_clients)
        ]
        rows = []
        for rnd in range(1, args.rounds + 1):
            before = ask()
            w0 = time.perf_counter()
            ok = await _round(pubs, clients, per_client)
            wall = time.perf_counter() - w0
            after = ask()
            answers = after["requests"] - before["requests"]
            cpu = after["cpu"] - before["cpu"]
            rows.append((rnd, ok, answers, wall, cpu))
        for c in clients:
            await c.aclose()
    finally:
        if child.stdin is not None:
            child.stdin.write("quit\n")
            child.stdin.flush()
        child.wait(30)
        tmp.cleanup()

    print(
        f"mock fleet: {len(pubs)} publishers, latency {args.latency_ms:g} ms, "
        f"{args.concurrency} in flight over {n_clients} clients"
    )
    print(f"  fleet listening after      {hello['start_s']:.2f} s in-process "
          f"({hello['start_cpu_s']:.2f} s CPU); {ready_s:.2f} s from process spawn")  # fmt: skip
    print(f"  start per publisher        {1000 * hello['start_s'] / len(pubs):.2f} ms")
    for rnd, ok, answers, wall, cpu in rows:
        kind = "new TLS connection + login" if rnd == 1 else "keep-alive"
        print(f"  round {rnd} ({kind}): {ok}/{len(pubs)} ok, {wall:.2f} s wall, "
              f"server CPU {1000 * cpu / max(answers, 1):.3f} ms/answer")  # fmt: skip
    target = 2.0
    worst = max(1000 * r[4] / max(r[2], 1) for r in rows)
    print(f"  worst server CPU per answer / 2 ms target = {worst / target:.2f}")
    print(f"  start time / 10 s target = {hello['start_s'] / 10:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 publishers, 2 rounds")
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        asyncio.run(serve(args.serve, args.latency_ms, args.workdir))
        return
    if args.quick:
        args.clusters, args.rounds = 100, 2
    asyncio.run(drive(args))


if __name__ == "__main__":
    main()
