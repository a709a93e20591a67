"""``licdash collect``: poll clusters headless and write every result to the store.

``--once`` polls each cluster one time, shows progress on a terminal (stderr) and ends
with ``polled N publishers: X ok, Y failed in T s``. It exits 0 when every poll
succeeded and every result was written, 3 when a poll failed (the failures are written
too) and 4 when results were lost because a store write failed (that wins over 3), so a
cron job or a systemd timer notices. Without ``--once`` it runs as a service:

* SIGINT/SIGTERM: stop scheduling, write every result already produced, exit 0;
* SIGHUP: re-read ``--config``; log what changed, or what is wrong while the old
  config stays in force;
* ``--metrics-port P`` serves Prometheus metrics on ``--metrics-host`` (127.0.0.1
  unless told otherwise) from a thread;
* ``--api-port P`` serves the data API ``licdash.api/1`` (docs/api.md) on
  ``--api-host`` (127.0.0.1 unless told otherwise) for ``--source`` followers; beyond
  loopback it needs ``--api-token-file`` and ``--api-tls-cert``/``--api-tls-key``, and
  the collector refuses to start without them (exit 2). It is read-only, except that
  with a token it takes acknowledgements from whoever holds the token;
* ``--log-format json`` logs one JSON object per line on stderr.

Exit 2: the config is bad, the API is refused as asked, or the metrics or API port
cannot be bound. Exit 1: the store cannot
be opened (another collector holds it, or it is unwritable).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl
    from pathlib import Path

    from collectors.api.server import ApiServer
    from collectors.config import LicdashConfig
    from collectors.daemon import Daemon
    from collectors.metrics import MetricsServer

    Loader = Callable[[], LicdashConfig]

log = logging.getLogger("collectors.collect")

EXIT_OK = 0
EXIT_STORE = 1
EXIT_CONFIG = 2
EXIT_POLL_FAILED = 3
"""``--once``: at least one poll failed (every result, failures included, was written)."""
EXIT_LOST = 4
"""``--once``: results were lost because a store write failed; wins over 3."""
EXIT_CRASH = 70
"""An unexpected error (sysexits' EX_SOFTWARE). Not 1: Python's own exit status for an
uncaught exception is 1, which the systemd unit treats as "needs a person" and would
not restart."""


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
    parser.add_argument(
        "--metrics-port",
        metavar="P",
        type=_port,
        default=None,
        help="serve Prometheus metrics on this port (9464 is customary; 0 picks a free one)",
    )
    parser.add_argument(
        "--metrics-host",
        metavar="ADDR",
        default="127.0.0.1",
        help="address for --metrics-port (default 127.0.0.1; 0.0.0.0 exposes it: firewall it)",
    )
    parser.add_argument(
        "--api-port",
        metavar="P",
        type=_port,
        default=None,
        help="serve the read-only data API (licdash.api/1) for `--source` followers on this "
        "port (9465 is customary; 0 picks a free one)",
    )
    parser.add_argument(
        "--api-host",
        metavar="ADDR",
        default="127.0.0.1",
        help="address for --api-port (default 127.0.0.1); any other address needs "
        "--api-token-file and --api-tls-cert/--api-tls-key",
    )
    parser.add_argument(
        "--api-token-file",
        metavar="FILE",
        type=_path,
        default=None,
        help="file holding the bearer token every API request must carry (16+ characters); "
        "with it the API also takes acknowledgements (without it, none)",
    )
    parser.add_argument(
        "--api-tls-cert", metavar="FILE", type=_path, default=None, help="TLS certificate (PEM)"
    )
    parser.add_argument(
        "--api-tls-key", metavar="FILE", type=_path, default=None, help="TLS private key (PEM)"
    )
    parser.add_argument(
        "--log-format",
        choices=("human", "json"),
        default="human",
        help="stderr logs as human-readable lines (default) or one JSON object per line",
    )


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port (0-65535): {text!r}")
    return int(text)


def _path(text: str) -> Path:
    from pathlib import Path

    return Path(text).expanduser()


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

    level = logging.DEBUG if args.verbose else logging.INFO
    redactor = setup_logging(args.log_format, level=level)
    try:
        api = _api_settings(args)
    except ValueError as exc:
        print(f"licdash collect: {exc}", file=sys.stderr)
        return EXIT_CONFIG

    def load() -> LicdashConfig:
        config = with_interval(load_config(args.config), args.interval)
        redactor.add(config_secrets(config))
        return config

    try:
        config = load()
    except ConfigError as exc:
        print(f"licdash collect: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if config.sources and not config.clusters:
        print(
            f"licdash collect: {config.source} lists [[sources]] and no clusters: a collector "
            "polls clusters; sources are for dash, status and export --source",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    store_dir = args.store or paths.default_store_dir()
    try:
        return asyncio.run(_main(config, str(store_dir), args=args, load=load, api=api))
    except StoreError as exc:
        print(f"licdash collect: {exc}\n  {exc.hint}", file=sys.stderr)
        return EXIT_STORE
    except Exception:
        log.exception("the collector stopped on an unexpected error")
        return EXIT_CRASH


async def _main(
    config: LicdashConfig,
    store_dir: str,
    *,
    args: argparse.Namespace,
    load: Loader,
    api: ApiSettings | None = None,
) -> int:
    import asyncio
    import signal

    from collectors.daemon import Daemon
    from collectors.store import SnapshotStore

    store = await asyncio.to_thread(SnapshotStore.open, store_dir)
    try:
        daemon = Daemon(config, store)
        if args.once:
            return await _once(daemon)
        try:
            server = _start_metrics(daemon, args)
        except OSError as exc:
            where = f"{args.metrics_host}:{args.metrics_port}"
            reason = exc.strerror or str(exc)
            print(f"licdash collect: cannot serve metrics on {where}: {reason}", file=sys.stderr)
            return EXIT_CONFIG
        try:
            api_server = await _start_api(api, store_dir)
        except OSError as exc:
            if server is not None:
                server.close()
            where = f"{args.api_host}:{args.api_port}"
            reason = exc.strerror or str(exc)
            print(f"licdash collect: cannot serve the API on {where}: {reason}", file=sys.stderr)
            return EXIT_CONFIG
        loop = asyncio.get_running_loop()
        handlers = {
            signal.SIGINT: daemon.stop,
            signal.SIGTERM: daemon.stop,
            signal.SIGHUP: lambda: _reload(daemon, load),
        }
        for sig, handler in handlers.items():
            loop.add_signal_handler(sig, handler)
        log.info(
            "collecting %d clusters into %s (pid %d)",
            len(config.clusters),
            store_dir,
            os.getpid(),
        )
        try:
            await daemon.run()
        finally:
            for sig in handlers:
                loop.remove_signal_handler(sig)
            if server is not None:
                server.close()
            if api_server is not None:
                await api_server.close()
        log.info("stopped: %d results written, %d lost", daemon.written, daemon.dropped)
        return EXIT_OK
    finally:
        await asyncio.to_thread(store.close)


def _reload(daemon: Daemon, load: Loader) -> None:
    log.info("SIGHUP: reloading the config")
    daemon.reload_from(load)


def _start_metrics(daemon: Daemon, args: argparse.Namespace) -> MetricsServer | None:
    """The metrics endpoint (None when not asked for); OSError when it cannot listen."""
    if args.metrics_port is None:
        return None
    import asyncio

    from collectors.metrics import MetricsServer, fleet_registry, in_loop

    engine = daemon.engine
    # Scrapes run in the server's thread; the engine's state lives in this loop.
    statuses = in_loop(asyncio.get_running_loop(), engine.statuses)
    registry = fleet_registry(
        statuses,
        policy=lambda: daemon.policy,
        cycle=lambda: engine.last_cycle,
        collector=daemon.collector_state,
        lost_results=lambda: daemon.dropped,
        acks=daemon.acks.book if daemon.acks is not None else None,
    )
    server = MetricsServer(registry, host=args.metrics_host, port=args.metrics_port)
    log.info("metrics on %s", server.url)
    return server


class ApiSettings:
    """``--api-*`` checked before anything starts: where, the token, the TLS context."""

    def __init__(self, host: str, port: int, token: str | None, tls: ssl.SSLContext | None) -> None:
        self.host, self.port, self.token, self.tls = host, port, token, tls


def _api_settings(args: argparse.Namespace) -> ApiSettings | None:
    """The API as asked (None: not asked for); ValueError, said plainly, when it may not
    run so: beyond loopback without a token and TLS, or with an unusable file."""
    if getattr(args, "api_port", None) is None:
        return None
    import ssl

    from collectors.api.guard import check_bind, load_token, readable_by_others
    from collectors.api.server import tls_context
    from collectors.secret_scrub import register

    cert, key = args.api_tls_cert, args.api_tls_key
    check_bind(args.api_host, token_file=args.api_token_file, tls_cert=cert, tls_key=key)
    token = None
    if args.api_token_file is not None:
        token = load_token(args.api_token_file)
        register("<api token>", token)  # never in an answer or a log line
        if readable_by_others(args.api_token_file):
            log.warning(
                "%s is readable by other users; run: chmod 600 %s",
                args.api_token_file,
                args.api_token_file,
            )
    tls = None
    if cert is not None and key is not None:
        try:
            tls = tls_context(cert, key)
        except (OSError, ssl.SSLError) as exc:
            reason = f"cannot use the TLS certificate {cert} and key {key}: {exc}"
            raise ValueError(reason) from None
    return ApiSettings(args.api_host, args.api_port, token, tls)


async def _start_api(api: ApiSettings | None, store_dir: str) -> ApiServer | None:
    if api is None:
        return None
    from pathlib import Path

    from collectors.api.server import ApiServer

    server = ApiServer(Path(store_dir), host=api.host, port=api.port, token=api.token, tls=api.tls)
    await server.start()
    log.info(
        "data API (licdash.api/1) on %s, %s",
        server.url,
        "bearer token required" if api.token else "no token (loopback only)",
    )
    return server


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
    if report.lost:
        print(
            f"licdash collect: {report.lost} results were not written to the store;"
            " see the log above for the cause",
            file=sys.stderr,
        )
        return EXIT_LOST
    return EXIT_POLL_FAILED if report.failed else EXIT_OK


if __name__ == "__main__":  # python -m, without the full ``licdash`` router
    _parser = argparse.ArgumentParser(prog="licdash collect")
    add_arguments(_parser)
    sys.exit(run(_parser.parse_args()))
