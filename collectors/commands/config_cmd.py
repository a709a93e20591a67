"""``licdash config check``: validate a config file and test each connection.

One poll per cluster, all concurrently, one line each: ``ok`` with what answered, or the
error kind, its message and a hint. Exit 0 when everything is fine, 1 when a connection
(or, with ``--no-connect``, a password source) failed, 2 when the config itself is bad.
``licdash config path`` prints which file would be read; ``licdash config init`` writes
a commented example there (exit 1 if a file is already there).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
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
        "--no-connect",
        action="store_true",
        help="validate the file and resolve every password source; poll nothing",
    )
    check.add_argument(
        "--accept-new-host-keys",
        action="store_true",
        help="SSH clusters: record the key of a host not yet in known_hosts (a changed key "
        "is still refused); later polls then check against it",
    )
    path = sub.add_parser("path", help="print the config file licdash would read")
    path.add_argument("--config", metavar="FILE", default=None)
    init = sub.add_parser(
        "init",
        help="write a commented example config (never over an existing file)",
        description="Write a commented example config to --config (default: the file "
        "`licdash config path` prints). Refuses to overwrite: exit 1 if the file exists.",
    )
    init.add_argument("--config", metavar="FILE", default=None, help="where to write it")
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
    if args.config_action == "init":
        return _init(resolve_config_path(args.config))
    redactor = setup_logging(level=logging.WARNING)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print_config_error(exc)
        return EXIT_CONFIG
    redactor.add(config_secrets(config))
    sources = f", {len(config.sources)} sources" if config.sources else ""
    print(f"{config.source}: valid, {len(config.clusters)} clusters{sources}")
    if not config.clusters:
        return EXIT_OK
    if args.no_connect:
        return EXIT_CONNECT if check_secrets(config) else EXIT_OK
    from collectors import event_loop

    updates = event_loop.run(_poll_all(config, accept_new_host_keys=args.accept_new_host_keys))
    width = max(len(u.result.cluster) for u in updates)
    failed = 0
    for update in updates:
        print(describe(update, width))
        failed += 0 if update.result.ok else 1
    print(f"{len(updates) - failed} of {len(updates)} clusters answered")
    return EXIT_CONNECT if failed else EXIT_OK


def print_config_error(exc: Exception) -> None:
    """Every problem on its own line: ``file:line: [cluster] field: what is wrong``."""
    from collectors.config_problems import problems_of

    problems = problems_of(exc)
    for problem in problems or (exc,):
        print(f"config error: {problem}", file=sys.stderr)
    if problems and len(problems) > 1:
        print(f"{len(problems)} problems", file=sys.stderr)


def check_secrets(config: LicdashConfig) -> int:
    """Resolve every cluster's password source now (nothing is sent anywhere); print a
    line per cluster whose source gives nothing. Returns how many failed."""
    import asyncio

    from collectors.errors import LicdashError
    from collectors.secrets import SecretResolver

    needed = [c for c in config.clusters if c.password_source is not None]

    async def resolve_all() -> list[BaseException | str]:
        resolver = SecretResolver()
        return await asyncio.gather(*(resolver.get(c) for c in needed), return_exceptions=True)

    width = max((len(c.name) for c in needed), default=0)
    failed = 0
    for cluster, outcome in zip(needed, asyncio.run(resolve_all()), strict=True):
        if isinstance(outcome, BaseException):
            failed += 1
            kind = outcome.kind if isinstance(outcome, LicdashError) else "internal"
            hint = outcome.hint if isinstance(outcome, LicdashError) else ""
            text = outcome.message if isinstance(outcome, LicdashError) else str(outcome)
            print(f"FAIL  {cluster.name.ljust(width)}  {kind}: {text} -- {hint}".rstrip(" -"))
    resolved = len(needed) - failed
    keys = len(config.clusters) - len(needed)
    extra = f"; {keys} use an SSH key only" if keys else ""
    print(f"{resolved} of {len(needed)} password sources resolved{extra} (nothing was polled)")
    return failed


def _init(path: Path) -> int:
    from collectors.commands.config_init import write_example

    try:
        write_example(path)
    except FileExistsError:
        print(f"licdash config init: {path} exists; not overwriting it", file=sys.stderr)
        print("  hint: edit it, or pass --config NEW_FILE", file=sys.stderr)
        return EXIT_CONNECT
    except OSError as exc:
        print(f"licdash config init: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return EXIT_CONNECT
    print(f"wrote an example config to {path}; edit it, then `licdash config check`")
    return EXIT_OK


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
