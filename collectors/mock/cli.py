"""``licdash mock``: run a simulated fleet of CUCM publishers (and, with ``--products``,
Unity Connection publishers and Expressway nodes) until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clusters", type=int, default=24, help="publishers (default 24)")
    parser.add_argument("--seed", type=int, default=0, help="seed for every random choice")
    parser.add_argument(
        "--scenario-mix",
        default="demo",
        help='one scenario, "demo", "all", or weights like "healthy=5,evaluation=2,slow=1"',
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="simulated seconds per real second"
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every answer")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--base-port", type=int, default=0, help="first port (consecutive); 0 = ephemeral"
    )
    parser.add_argument("--workdir", type=Path, help="where the CA bundle and certificates go")
    parser.add_argument("--write-config", type=Path, metavar="FILE", help="write a licdash config")
    parser.add_argument(
        "--ssh", action="store_true", help="also serve each publisher's VOS shell over SSH"
    )
    parser.add_argument(
        "--cli-share",
        type=float,
        default=None,
        metavar="F",
        help="with --ssh: share of publishers running CUCM 12.0, polled over SSH (default 0.25)",
    )
    parser.add_argument(
        "--products",
        default="cucm",
        metavar="LIST",
        help='products sharing the fleet: "cucm,unity,expressway" (equal shares) or weights '
        'like "cucm=0.6,unity=0.2,expressway=0.2"; Expressway nodes come in clusters of one '
        "or two peers (default: cucm)",
    )
    parser.add_argument(
        "--manifest", type=Path, metavar="FILE", help="write JSON once every publisher listens"
    )


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


async def _serve(args: argparse.Namespace) -> int:
    from collectors.mock.fleet import MockFleet
    from collectors.mock.products import parse_products

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started = time.perf_counter()
    fleet = MockFleet(
        clusters=args.clusters,
        seed=args.seed,
        scenario_mix=args.scenario_mix,
        speed=args.speed,
        latency_ms=args.latency_ms,
        host=args.host,
        base_port=args.base_port,
        workdir=args.workdir,
        ssh=args.ssh,
        cli_share=(0.25 if args.ssh else 0.0) if args.cli_share is None else args.cli_share,
        products=parse_products(args.products),
    )
    async with fleet:
        took = time.perf_counter() - started
        if args.write_config:
            _write(args.write_config, fleet.config_toml())
        if args.manifest:
            _write(args.manifest, fleet.manifest_json())
        ports = [p.port for p in fleet.publishers]
        mix = Counter(p.scenario for p in fleet.publishers)
        print(
            f"licdash mock: {len(ports)} publishers on {args.host} "
            f"ports {min(ports, default=0)}-{max(ports, default=0)}, listening in {took:.2f} s; "
            f"speed x{args.speed:g}; CA bundle {fleet.publishers[0].ca_bundle if ports else '-'}",
            file=sys.stderr,
        )
        print("scenarios: " + ", ".join(f"{k}={v}" for k, v in sorted(mix.items())),
              file=sys.stderr)  # fmt: skip
        kinds = Counter(p.product for p in fleet.publishers)
        if set(kinds) != {"cucm"}:
            groups = len({p.group for p in fleet.publishers if p.group})
            print("products: " + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items()))
                  + (f" (Expressway: {groups} clusters)" if groups else ""),
                  file=sys.stderr)  # fmt: skip
        if fleet.known_hosts is not None:
            cli = sum(p.axl_version == "12.0" for p in fleet.publishers)
            print(f"ssh: every publisher; {cli} run CUCM 12.0 (CLI only); "
                  f"known_hosts {fleet.known_hosts}", file=sys.stderr)  # fmt: skip
        await stop.wait()
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_serve(args))
    except ValueError as exc:
        print(f"licdash mock: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"licdash mock: {exc}", file=sys.stderr)
        return 1
