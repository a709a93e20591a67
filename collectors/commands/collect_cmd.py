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
  ``--api-host`` (127.0.0.1 unless told otherwise) for ``--source`` followers. It is
  read-only, except that with a token it takes acknowledgements from whoever holds it;
* either listener beyond loopback needs ``--token-file`` and ``--tls-cert``/``--tls-key``
  (the one rule of :mod:`collectors.listener`), and the collector refuses to start
  without them (exit 2);
* ``--log-format json`` logs one JSON object per line on stderr.

Exit 2: the config is bad, a listener is refused as asked, or the metrics or API port
cannot be bound. Exit 1: the store cannot
be opened (another collector holds it, or it is unwritable).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pathlib import Path

    from collectors.api.server import ApiServer
    from collectors.config import LicdashConfig
    from collectors.daemon import Daemon
    from collectors.listener import ListenerSecurity
    from collectors.metrics_server import MetricsServer

    Loader = Callable[[], LicdashConfig]

log = logging.getLogger("collectors.collect")

EXIT_WITHOUT_TEARDOWN: Final = True
"""When :func:`run` returns, the store is closed (its lock released, every write
fsynced), the listeners stopped and the last line printed: the ``licdash`` executable
leaves without freeing the config, the engine's state and the latest table object by
object (:func:`collectors.cli.console`), 0.3-0.4 s of a 10,000-cluster ``--once``."""

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
        help="address for --metrics-port (default 127.0.0.1); any other address needs "
        "--token-file and --tls-cert/--tls-key (Prometheus: authorization and tls_config)",
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
        "--token-file and --tls-cert/--tls-key",
    )
    parser.add_argument(
        "--token-file",
        "--api-token-file",
        dest="token_file",
        metavar="FILE",
        type=_path,
        default=None,
        help="file (mode 600) holding the bearer token every request to the API and the "
        "metrics must carry (16+ characters); with it the API also takes acknowledgements "
        "(without it, none)",
    )
    parser.add_argument(
        "--tls-cert",
        "--api-tls-cert",
        dest="tls_cert",
        metavar="FILE",
        type=_path,
        default=None,
        help="TLS certificate (PEM) for the API and the metrics",
    )
    parser.add_argument(
        "--tls-key",
        "--api-tls-key",
        dest="tls_key",
        metavar="FILE",
        type=_path,
        default=None,
        help="TLS private key (PEM) for --tls-cert",
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
    import logging

    from collectors import event_loop
    from collectors.config import load_config
    from collectors.errors import ConfigError, StoreError
    from collectors.gc_pause import start_up_without_gc
    from collectors.logs import config_secrets, setup_logging

    def load() -> LicdashConfig:
        config = with_interval(load_config(args.config), args.interval)
        redactor.add(config_secrets(config))
        return config

    # The modules and the config live as long as the process: never trace them.
    with start_up_without_gc():
        level = logging.DEBUG if args.verbose else logging.INFO
        redactor = setup_logging(args.log_format, level=level)
        try:
            listeners = _listeners(args)
        except ValueError as exc:
            print(f"licdash collect: {exc}", file=sys.stderr)
            hint = getattr(exc, "hint", None)
            if hint:
                print(f"  hint: {hint}", file=sys.stderr)
            return EXIT_CONFIG
        try:
            config = load()
        except ConfigError as exc:
            print(f"licdash collect: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        if config.sources and not config.clusters:
            print(
                f"licdash collect: {config.source} lists [[sources]] and no clusters: a "
                "collector polls clusters; sources are for dash, status and export --source",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        if args.store is not None:
            store_dir = args.store
        else:
            from collectors import paths  # platformdirs: only for the default location

            store_dir = paths.default_store_dir()
        # What _main runs on, imported here so that its modules are frozen too.
        from collectors.daemon import Daemon  # noqa: F401
        from collectors.store import SnapshotStore  # noqa: F401
    try:
        main = _main(config, str(store_dir), args=args, load=load, listeners=listeners)
        return event_loop.run(main)
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
    listeners: Listeners | None = None,
) -> int:
    import asyncio
    import signal

    from collectors.daemon import Daemon
    from collectors.store import SnapshotStore

    # The latest table is read when the first batch is written (in the writer's thread,
    # while the polls go on), not before the first poll: a third of a second at 10,000.
    store = await asyncio.to_thread(SnapshotStore.open, store_dir, defer_load=True)
    try:
        daemon = Daemon(config, store)
        if args.once:
            return await _once(daemon)
        try:
            server = _start_metrics(daemon, args, listeners)
        except OSError as exc:
            where = f"{args.metrics_host}:{args.metrics_port}"
            reason = exc.strerror or str(exc)
            print(f"licdash collect: cannot serve metrics on {where}: {reason}", file=sys.stderr)
            return EXIT_CONFIG
        try:
            api_server = await _start_api(listeners, store_dir)
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


def _start_metrics(
    daemon: Daemon, args: argparse.Namespace, listeners: Listeners | None
) -> MetricsServer | None:
    """The metrics endpoint (None when not asked for); OSError when it cannot listen."""
    if args.metrics_port is None:
        return None
    import asyncio

    from collectors.metrics import fleet_registry, in_loop
    from collectors.metrics_server import MetricsServer

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
    security = listeners.security if listeners is not None else None
    server = MetricsServer(
        registry, host=args.metrics_host, port=args.metrics_port, security=security
    )
    log.info("metrics on %s", server.url)
    if security is not None and (warning := security.warning(*server.address)):
        log.warning("%s", warning)
    return server


class Listeners:
    """Where the metrics and the API listen, checked by the one listener rule before
    anything starts (:func:`collectors.listener.check_listener`): one TLS context and
    one token serve both."""

    def __init__(self, api: tuple[str, int] | None, security: ListenerSecurity) -> None:
        self.api = api
        self.security = security


def _listeners(args: argparse.Namespace) -> Listeners:
    """ListenerError (a ValueError, said plainly) when a listener may not run as asked:
    beyond loopback without a token and TLS, or with an unusable file."""
    from collectors.listener import check_listener, is_loopback
    from collectors.secret_scrub import register

    wanted = []
    if getattr(args, "metrics_port", None) is not None:
        wanted.append(("the metrics", args.metrics_host, "--metrics-host"))
    if getattr(args, "api_port", None) is not None:
        wanted.append(("the data API", args.api_host, "--api-host"))
    wanted.sort(key=lambda listener: is_loopback(listener[1]))  # refusals first
    files = {"tls_cert": args.tls_cert, "tls_key": args.tls_key, "token_file": args.token_file}
    # The refusal beyond loopback comes before any file is read; with no listener asked
    # for, given files are still checked (a typo in a unit file shows at once).
    for what, host, option in wanted or [("the listener", "127.0.0.1", "--api-host")]:
        security = check_listener(host, **files, what=what, host_option=option)
    if security.token is not None:
        register("<listener token>", security.token)  # never in an answer or a log line
    api = (args.api_host, args.api_port) if args.api_port is not None else None
    return Listeners(api, security)


async def _start_api(listeners: Listeners | None, store_dir: str) -> ApiServer | None:
    if listeners is None or listeners.api is None:
        return None
    from pathlib import Path

    from collectors.api.server import ApiServer

    security = listeners.security
    host, port = listeners.api
    server = ApiServer(
        Path(store_dir), host=host, port=port, token=security.token, tls=security.ssl_context
    )
    await server.start()
    log.info(
        "data API (licdash.api/1) on %s, %s",
        server.url,
        "bearer token required" if security.token else "no token (loopback only)",
    )
    if warning := security.warning(*server.address):
        log.warning("%s", warning)
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
