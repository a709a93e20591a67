"""Time and CPU per poll: the CLI transport (SSH) against AXL (HTTPS), warm and cold.

A mock fleet of healthy publishers, each with an AXL (HTTPS) and a VOS (SSH) endpoint,
runs in a child process, so the CPU figures split cleanly: the collector's CPU is this
process, the mock's is the child. Polls run one after another (no concurrency), so
the wall time per poll is a latency, not a throughput.

* warm: one transport kept across rounds (SSH session / HTTPS connection and cookie
  reused; the first round, which logs in, is not counted);
* cold: a new transport per round, so every poll opens its own connection (each
  publisher has its own port): TCP + SSH login + shell start-up + ``set cli pagination
  off``, or TCP + TLS handshake + Basic auth (AXL builds its SSL context once a round).

Run: ``.venv/bin/python bench/bench_cli.py`` (``--quick`` for a smaller run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from collectors.config import LicdashConfig, parse_config
from collectors.secrets import SecretResolver
from collectors.severity import Thresholds
from collectors.transports.axl import AxlTransport
from collectors.transports.base import Transport
from collectors.transports.cli import CliTransport

CLK_TCK = os.sysconf("SC_CLK_TCK")


# ----- the mock fleet, in a child process ------------------------------------------------


async def serve(count: int, manifest: Path) -> None:
    from collectors.mock.cli_render import command_renderer
    from collectors.mock.testing import small_fleet
    from collectors.mock.vos import VosEndpoint, generate_host_key

    key = generate_host_key()
    async with small_fleet(["healthy"] * count, seed=7) as fleet:
        ports = []
        endpoints = []
        for info in fleet.publishers:
            endpoint = VosEndpoint(
                host_key=key,
                render=command_renderer(fleet.servers[info.name]),
                username=info.username,
                password=info.password,
            )
            ports.append(await endpoint.start())
            endpoints.append(endpoint)
        tmp = manifest.with_suffix(".tmp")
        tmp.write_text(json.dumps({"config": fleet.config_toml(), "ssh_ports": ports}))
        tmp.replace(manifest)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
        for endpoint in endpoints:
            await endpoint.close()


def child_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


# ----- measuring -------------------------------------------------------------------------


def with_ssh(config_text: str, ports: list[int]) -> str:
    out: list[str] = []
    it = iter(ports)
    for line in config_text.splitlines():
        out.append(line)
        if line.startswith("publisher = "):
            out.append(f"ssh_port = {next(it)}")
    return "\n".join(out) + "\n"


MakeTransport = Callable[[], Transport]


async def rounds(
    config: LicdashConfig,
    make: MakeTransport,
    *,
    count: int,
    warm: bool,
    server_pid: int,
) -> tuple[float, float, float, int]:
    """(wall s, client CPU s, server CPU s, polls) over ``count`` rounds of the fleet."""
    now = datetime.now(UTC)
    thresholds = Thresholds()
    clusters = config.clusters
    transport = make()
    if warm:  # log in / connect once, uncounted
        for cluster in clusters:
            await transport.poll(cluster, now=now, thresholds=thresholds)
    wall0, cpu0, srv0 = time.perf_counter(), time.process_time(), child_cpu(server_pid)
    polls = 0
    for _ in range(count):
        if not warm:
            transport = make()
        for cluster in clusters:
            answer = await transport.poll(cluster, now=now, thresholds=thresholds)
            assert answer.snapshot is not None
            polls += 1
        if not warm:
            await transport.aclose()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    srv = child_cpu(server_pid) - srv0
    if warm:
        await transport.aclose()
    return wall, cpu, srv, polls


async def measure(config: LicdashConfig, known_hosts: Path, count: int, pid: int) -> None:
    secrets = SecretResolver()
    timeout = config.settings.timeout

    def cli() -> Transport:
        return CliTransport(
            secrets=secrets, timeout=timeout, known_hosts=known_hosts, accept_new_host_keys=True
        )

    def axl() -> Transport:
        return AxlTransport(secrets=secrets, timeout=timeout)

    results: dict[str, tuple[float, float, float]] = {}
    print(f"{'transport':<10}{'mode':<6}{'polls':>6}{'ms/poll':>10}{'client CPU ms':>15}"
          f"{'mock CPU ms':>13}")  # fmt: skip
    for name, make in (("cli", cli), ("axl", axl)):
        for mode in ("warm", "cold"):
            wall, cpu, srv, polls = await rounds(
                config, make, count=count, warm=mode == "warm", server_pid=pid
            )
            per = (wall / polls * 1e3, cpu / polls * 1e3, srv / polls * 1e3)
            results[f"{name}-{mode}"] = per
            print(f"{name:<10}{mode:<6}{polls:>6}{per[0]:>10.2f}{per[1]:>15.2f}{per[2]:>13.2f}")
    print()

    def ratio(a: str, b: str, i: int) -> str:
        return f"{results[a][i] / results[b][i]:.1f}x" if results[b][i] else "n/a"

    print("ratios (time, client CPU):")
    for a, b in (("cli-warm", "axl-warm"), ("cli-cold", "axl-cold"), ("cli-cold", "cli-warm"),
                 ("axl-cold", "axl-warm")):  # fmt: skip
        print(f"  {a} / {b}: {ratio(a, b, 0)} time, {ratio(a, b, 1)} CPU")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 publishers x 3 rounds")
    parser.add_argument("--publishers", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    count = args.publishers or (5 if args.quick else 20)
    n_rounds = args.rounds or (3 if args.quick else 10)
    if args.serve is not None:
        asyncio.run(serve(count, args.serve))
        return 0
    with tempfile.TemporaryDirectory(prefix="licdash-bench-cli-") as tmp:
        manifest = Path(tmp) / "fleet.json"
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(manifest), "--publishers", str(count)],
            stdin=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            while not manifest.exists():
                if child.poll() is not None or time.monotonic() > deadline:
                    print("the mock fleet did not start", file=sys.stderr)
                    return 1
                time.sleep(0.05)
            data = json.loads(manifest.read_text())
            config = parse_config(with_ssh(data["config"], data["ssh_ports"]))
            print(f"{count} healthy publishers (mock in pid {child.pid}), {n_rounds} rounds, "
                  "polls one after another")  # fmt: skip
            asyncio.run(measure(config, Path(tmp) / "known_hosts", n_rounds, child.pid))
        finally:
            if child.stdin is not None:
                child.stdin.close()
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    return 0


if __name__ == "__main__":
    logging_off = os.environ.get("LICDASH_BENCH_LOGS") is None
    if logging_off:
        import logging

        logging.disable(logging.WARNING)
    sys.exit(main())
