"""``licdash`` / ``licdash demo``: the dashboard on a built-in simulated fleet.

Starts the embedded mock fleet (every licence scenario and a few faults, on an
accelerated clock so deadlines visibly move; CUCM publishers beside Unity Connection
publishers and Expressway nodes), polls it through the real collectors
into a store (a temporary directory unless ``--store``), and opens the dashboard.

Only the standard library is imported at module level.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from pathlib import Path

DEMO_PRODUCTS = "cucm=0.6,unity=0.2,expressway=0.2"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--clusters", type=int, default=24, help="simulated publishers (default 24)"
    )
    parser.add_argument("--seed", type=int, default=0, help="scenario and data seed (default 0)")
    parser.add_argument(
        "--speed",
        type=float,
        default=1440.0,
        help="simulated seconds per real second (default 1440: a day a minute)",
    )
    parser.add_argument(
        "--interval",
        type=int,
        default=10,
        help="seconds between polls of one publisher (default 10)",
    )
    parser.add_argument(
        "--theme", help="colour theme: dark, light, high-contrast, colour-blind, monochrome"
    )
    parser.add_argument(
        "--store", type=Path, help="keep the demo's store here (default: a temporary directory)"
    )
    from dashboard.launch_dash import add_wall_arguments

    add_wall_arguments(parser)
    parser.add_argument(
        "--products",
        default=DEMO_PRODUCTS,
        metavar="LIST",
        help=f'products sharing the demo fleet, as for `licdash mock` (default "{DEMO_PRODUCTS}")',
    )


def run(args: argparse.Namespace) -> int:
    from collectors.config import parse_config
    from collectors.errors import LicdashError, StoreLockedError
    from collectors.mock import ThreadedFleet
    from collectors.mock.products import parse_products
    from dashboard.launch_dash import fail, open_dashboard, wall_options
    from dashboard.sources import LiveSource

    if args.clusters < 1:
        return fail("--clusters must be at least 1")
    try:
        products = parse_products(args.products)
    except ValueError as exc:
        return fail(str(exc))
    # The demo's config carries the mock's plain-text passwords on purpose.
    logging.getLogger("collectors.config").setLevel(logging.ERROR)
    print(f"licdash: starting {args.clusters} simulated publishers…", file=sys.stderr)
    # A quarter of the demo's CUCM publishers run CUCM 12.0 and are polled over SSH, as
    # real mixed fleets are; Unity Connection and Expressway sit beside them.
    fleet = ThreadedFleet(
        clusters=args.clusters,
        seed=args.seed,
        scenario_mix="demo",
        speed=args.speed,
        ssh=True,
        cli_share=0.25,
        products=products,
    )
    temp_store: Path | None = None
    try:
        fleet.start()
        assert fleet.fleet is not None
        settings = {"interval": args.interval, "timeout": 5, "concurrency": 50}
        config = parse_config(fleet.fleet.config_toml(settings=settings))
        if args.store is None:
            temp_store = Path(tempfile.mkdtemp(prefix="licdash-demo-"))
        store_dir = args.store.expanduser() if args.store else temp_store
        source = LiveSource(config, store_dir, kind="demo")
        try:
            source.open_store()
        except StoreLockedError as exc:
            return fail(str(exc), "pass another --store, or omit it for a temporary one")
        except LicdashError as exc:
            return fail(str(exc), exc.hint)
        return open_dashboard(source, theme=args.theme, wall=wall_options(args))
    except LicdashError as exc:
        return fail(str(exc), exc.hint)
    finally:
        fleet.stop()
        if temp_store is not None:
            shutil.rmtree(temp_store, ignore_errors=True)
