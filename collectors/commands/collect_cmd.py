"""``licdash collect``: poll clusters headless and write every result to the store.

``--once`` polls each cluster one time, shows progress on a terminal (stderr) and ends
with ``polled N publishers: X ok, Y failed in T s``; failed publishers are data, so it
exits 0 whenever the cycle ran. Without ``--once`` it polls on schedule until SIGINT or
SIGTERM, then finishes the store write and exits 0.

Exit 2: the config is bad. Exit 1: the store cannot be opened (locked, unwritable).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collectors.config import LicdashConfig
    from collectors.daemon import Daemon

EXIT_OK = 0
EXIT_STORE = 1
EXIT_CONFIG = 2


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the interval must be more than 0 seconds")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", metavar="FILE", default=None, help="config file (default: $LICDASH_CONFIG)"
    )
    parser.add_argument(
        "--store", metavar="DIR", default=None, help="store directory (default: $LICDASH_STORE)"
    )
    parser.add_argument("--once", action="store_true", help="poll every cluster once and exit")
    parser.add_argument(
        "--interval",
        metavar="S",
        type=_positive,
        default=None,
        help="poll interval in seconds for every cluster (overrides the config)",
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="log every failed poll, not only the first"
    )


def with_interval(config: LicdashConfig, interval: float | None) -> LicdashConfig:
    """The config with one interval for every cluster (``--interval``)."""
    if interval is None:
        return config
    settings = config.settings.model_copy(update={"interval": interval})
    clusters = tuple(c.model_copy(update={"interval": None}) for c in config.clusters)
    return config.model_copy(update={"settings": settings, "clusters": clusters})


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from collectors import paths
    from collectors.config import load_config
    from collectors.errors import ConfigError, StoreError
    from collectors.logs import config_secrets, setup_logging

    redactor = setup_logging(level=logging.DEBUG if args.verbose else logging.INFO)
    try:
        config = with_interval(load_config(args.config), args.interval)
    except ConfigError as exc:
        print(f"licdash collect: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    redactor.add(config_secrets(config))
    store_dir = args.store or paths.default_store_dir()
    try:
        return asyncio.run(_main(config, str(store_dir), once=args.once))
    except StoreError as exc:
        print(f"licdash collect: store {store_dir}: {exc}", file=sys.stderr)
        return EXIT_STORE


async def _main(config: LicdashConfig, store_dir: str, *, once: bool) -> int:
    import asyncio
    import signal

    from collectors.daemon import Daemon
    from collectors.store import SnapshotStore

    store = await asyncio.to_thread(SnapshotStore.open, store_dir)
    try:
        daemon = Daemon(config, store)
        if once:
            return await _once(daemon)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, daemon.stop)
        try:
            await daemon.run()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        return EXIT_OK
    finally:
        await asyncio.to_thread(store.close)


async def _once(daemon: Daemon) -> int:
    tty = sys.stderr.isatty()

    def progress(done: int, total: int, failed: int) -> None:
        if tty:
            sys.stderr.write(f"\rpolling: {done}/{total} done, {failed} failed ")
            sys.stderr.flush()

    report = await daemon.run_once(progress)
    if tty:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()
    print(report.line(), flush=True)
    return EXIT_OK


if __name__ == "__main__":  # python -m, without the full ``licdash`` router
    _parser = argparse.ArgumentParser(prog="licdash collect")
    add_arguments(_parser)
    sys.exit(run(_parser.parse_args()))
