"""``licdash config check``: validate a config file and test each connection.

One poll per cluster, all concurrently, one line each: ``ok`` with what answered, or the
error kind, its message and a hint. Exit 0 when everything is fine, 1 when a connection
failed, 2 when the config itself is bad. ``licdash config path`` prints which file would
be read.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collectors.config import LicdashConfig
    from collectors.results import PollUpdate

EXIT_OK = 0
EXIT_CONNECT = 1
EXIT_CONFIG = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="config_action", metavar="ACTION")
    check = sub.add_parser("check", help="validate the config and test each connection")
    check.add_argument("--config", metavar="FILE", default=None, help="default: $LICDASH_CONFIG")
    check.add_argument(
        "--no-connect", action="store_true", help="only validate the file; poll nothing"
    )
    check.add_argument(
        "--accept-new-host-keys",
        action="store_true",
        help="SSH clusters: record the key of a host not yet in known_hosts (a changed key "
        "is still refused); later polls then check against it",
    )
    path = sub.add_parser("path", help="print the config file licdash would read")
    path.add_argument("--config", metavar="FILE", default=None)
    parser.set_defaults(
        config_action="check", config=None, no_connect=False, accept_new_host_keys=False
    )


def run(args: argparse.Namespace) -> int:
    import logging

    from collectors.config import load_config, resolve_config_path
    from collectors.errors import ConfigError
    from collectors.logs import config_secrets, setup_logging

    if args.config_action == "path":
        print(resolve_config_path(args.config))
        return EXIT_OK
    redactor = setup_logging(level=logging.WARNING)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    redactor.add(config_secrets(config))
    print(f"{config.source}: valid, {len(config.clusters)} clusters")
    if args.no_connect or not config.clusters:
        return EXIT_OK
    import asyncio

    updates = asyncio.run(_poll_all(config, accept_new_host_keys=args.accept_new_host_keys))
    width = max(len(u.result.cluster) for u in updates)
    failed = 0
    for update in updates:
        print(describe(update, width))
        failed += 0 if update.result.ok else 1
    print(f"{len(updates) - failed} of {len(updates)} clusters answered")
    return EXIT_CONNECT if failed else EXIT_OK


def describe(update: PollUpdate, width: int = 0) -> str:
    """One line for one cluster's test poll."""
    r = update.result
    name = r.cluster.ljust(width)
    if r.snapshot is not None:
        version = f" {r.axl_version}" if r.axl_version else ""
        return (
            f"ok    {name}  {r.transport}{version}, {r.duration_s:.2f} s, "
            f"registration {r.snapshot.registration.status.value}, "
            f"severity {r.snapshot.severity.value}"
        )
    assert r.error is not None
    from collectors.text_safety import neutralise

    hint = f" -- {r.error.hint}" if r.error.hint else ""
    return neutralise(f"FAIL  {name}  {r.error.kind}: {r.error.message}{hint}")


async def _poll_all(
    config: LicdashConfig, *, accept_new_host_keys: bool = False
) -> list[PollUpdate]:
    from collectors.engine import PollEngine

    async with PollEngine(config, accept_new_host_keys=accept_new_host_keys) as engine:
        return await engine.poll_once()


if __name__ == "__main__":  # python -m, without the full ``licdash`` router
    _parser = argparse.ArgumentParser(prog="licdash config")
    add_arguments(_parser)
    sys.exit(run(_parser.parse_args()))
