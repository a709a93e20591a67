"""``licdash serve``: the dashboard in a browser, for a wall TV or a colleague without a
terminal, on textual-serve.

Every browser session runs its own read-only viewer (``licdash dash --store DIR``) of
one store, or a read-only merged view of several sources; nothing a browser does can
poll, pause or write (no session is ever started with ``--allow-ack``: a browser never
acknowledges). Where the data comes from:

- ``--store DIR``: a store that a separate ``licdash collect`` writes;
- ``--source SRC`` (repeatable), or a ``--config`` that lists ``[[sources]]`` and no
  clusters: regional collectors (their data APIs) and stores, merged as ``licdash dash
  --source`` merges them; the config's ``[[sources]]`` give each one's token and CA;
- ``--config F``: one collector in this process (the ``collect`` loop in a thread)
  writes the store (``--store``, else the default), whatever the number of tabs;
- neither: the built-in demo fleet, polled the same way into a temporary store.

It listens on 127.0.0.1 unless told otherwise; beyond loopback it needs TLS and a
token (:mod:`collectors.listener`) and says so when it starts.

Only the standard library is imported at module level.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--config",
        type=Path,
        help="poll the clusters of this config with one collector in this process "
        "(default: none: the demo fleet, unless --store is given)",
    )
    parser.add_argument(
        "--store",
        type=Path,
        help="store directory: alone, show a store `licdash collect` writes; with --config, "
        "where its collector writes",
    )
    source.add_argument(
        "--demo", action="store_true", help="show the built-in demo fleet (the default)"
    )
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="SRC",
        help="serve these sources merged into one read-only fleet (repeatable): a "
        "collector's URL (collect --api-port), a store directory, a configured [[sources]] "
        "name, or NAME=URL_OR_DIR; tokens and CAs come from --config's [[sources]]. "
        "Browser sessions never acknowledge",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=_port, default=8000, help="TCP port; 0 picks a free one (default 8000)"
    )
    parser.add_argument(
        "--tls-cert", metavar="FILE", type=Path, help="PEM certificate: serve over HTTPS"
    )
    parser.add_argument("--tls-key", metavar="FILE", type=Path, help="PEM key of --tls-cert")
    parser.add_argument(
        "--token-file",
        metavar="FILE",
        type=Path,
        help="a file holding the token browsers must present (/?token=...); required "
        "beyond loopback, with TLS",
    )
    parser.add_argument(
        "--theme", help="colour theme: dark, light, high-contrast, colour-blind, monochrome"
    )
    from dashboard.launch_dash import add_wall_arguments

    add_wall_arguments(parser)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port (0-65535): {text!r}")
    return int(text)


def session_command(
    store_dir: Path | None,
    args: argparse.Namespace,
    *,
    sources: list[str] | None = None,
    config: Path | None = None,
) -> str:
    """What each browser session runs: a read-only viewer of ``store_dir``, or a
    read-only merged view of ``sources`` (``config``: where their tokens are). Never
    ``--allow-ack``: a browser session never acknowledges."""
    argv = [sys.executable, "-m", "collectors.cli", "dash"]
    if store_dir is not None:
        argv += ["--store", str(store_dir)]
    if config is not None:
        argv += ["--config", str(config)]
    for value in sources or []:
        argv += ["--source", value]
    if args.wall:
        argv += ["--wall", "--page-seconds", f"{args.page_seconds:g}"]
    if args.theme:
        argv += ["--theme", args.theme]
    return shlex.join(argv)


def run(args: argparse.Namespace) -> int:
    from collectors.listener import ListenerError, check_listener
    from dashboard.launch_dash import fail

    try:
        security = check_listener(
            args.host,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
            token_file=args.token_file,
            what="the browser view",
        )
    except ListenerError as exc:
        return fail(str(exc), exc.hint)
    if args.source or _sources_config(args):
        return _serve_sources(args, security)
    if args.config is None and args.store is not None and not args.demo:
        store_dir = args.store.expanduser()
        if not store_dir.is_dir():
            return fail(
                f"no store at {store_dir}",
                "start `licdash collect --store DIR` first, or pass --config to poll here",
            )
        return _serve(store_dir, args, security)
    if args.config is not None:
        return _serve_config(args, security)
    return _serve_demo(args, security)


def _sources_config(args: argparse.Namespace) -> bool:
    """A ``--config`` that lists ``[[sources]]`` and no clusters: serve those sources
    (a bad file is left to the path that polls it, which names the problem)."""
    if args.config is None:
        return False
    from collectors.config import load_config
    from collectors.errors import ConfigError

    try:
        config = load_config(args.config)
    except ConfigError:
        return False
    return bool(config.sources) and not config.clusters


def _serve_sources(args: argparse.Namespace, security: Any) -> int:
    """Every session a read-only merged view of the sources (checked here, once)."""
    from collectors.errors import ConfigError
    from collectors.sources.spec import configured_sources, resolve
    from dashboard.launch_dash import fail

    if args.store is not None or args.demo:
        return fail("--source goes without --store and --demo", "pass a store as --source DIR")
    config = args.config.expanduser().absolute() if args.config is not None else None
    try:
        specs = resolve(args.source, configured_sources(str(config) if config else None))
    except ConfigError as exc:
        return fail(str(exc), exc.hint)
    except ValueError as exc:
        return fail(str(exc), "see licdash serve --help")
    if not specs:
        return fail("no sources: pass --source URL_OR_DIR or list [[sources]] in --config")
    missing = [s for s in specs if s.store is not None and not s.store.is_dir()]
    if missing:
        return fail(
            f"source {missing[0].name}: no store at {missing[0].store}",
            "start `licdash collect --store DIR` there first, or give its collector's URL",
        )
    names = ", ".join(f"{s.name} ({s.location})" for s in specs)
    print(f"licdash serve: every session merges {names}, read-only", file=sys.stderr)
    return _serve(None, args, security, sources=list(args.source), config=config)


def _serve(
    store_dir: Path | None,
    args: argparse.Namespace,
    security: Any,
    *,
    sources: list[str] | None = None,
    config: Path | None = None,
) -> int:
    from dashboard.web_server import LicdashServer

    title = f"licdash {'wall' if args.wall else 'dashboard'}"
    server = LicdashServer(
        session_command(store_dir, args, sources=sources, config=config),
        host=args.host,
        port=args.port,
        security=security,
        title=title,
    )
    try:
        server.run()
    except OSError as exc:
        from dashboard.launch_dash import fail

        return fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    return 0


def _serve_config(args: argparse.Namespace, security: Any) -> int:
    from collectors import paths
    from collectors.config import load_config
    from collectors.errors import ConfigError
    from dashboard.launch_dash import fail

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return fail(str(exc), exc.hint)
    store_dir = (args.store or paths.default_store_dir()).expanduser()
    return _with_collector(config, store_dir, args, security)


def _with_collector(config: Any, store_dir: Path, args: argparse.Namespace, security: Any) -> int:
    """One collector writes ``store_dir`` while the server runs; every session views it."""
    from collectors.daemon_thread import DaemonThread
    from collectors.errors import LicdashError, StoreLockedError
    from dashboard.launch_dash import fail

    collector = DaemonThread(config, store_dir)
    try:
        collector.start()
    except StoreLockedError as exc:
        return fail(str(exc), f"to show that store: licdash serve --store {store_dir}")
    except LicdashError as exc:
        return fail(str(exc), exc.hint)
    print(
        f"licdash serve: one collector polls {len(config.clusters)} clusters into {store_dir}",
        file=sys.stderr,
    )
    try:
        return _serve(store_dir, args, security)
    finally:
        collector.stop()


def _serve_demo(args: argparse.Namespace, security: Any) -> int:
    from collectors.config import parse_config
    from collectors.errors import LicdashError
    from collectors.mock import ThreadedFleet
    from dashboard.launch_dash import fail

    logging.getLogger("collectors.config").setLevel(logging.ERROR)
    print("licdash serve: starting the demo fleet…", file=sys.stderr)
    fleet = ThreadedFleet(
        clusters=24, seed=0, scenario_mix="demo", speed=1440.0, ssh=True, cli_share=0.25
    )
    store_dir = Path(tempfile.mkdtemp(prefix="licdash-serve-"))
    try:
        fleet.start()
        assert fleet.fleet is not None
        settings = {"interval": 10, "timeout": 5, "concurrency": 50}
        config = parse_config(fleet.fleet.config_toml(settings=settings))
        return _with_collector(config, store_dir, args, security)
    except LicdashError as exc:
        return fail(str(exc), exc.hint)
    finally:
        fleet.stop()
        shutil.rmtree(store_dir, ignore_errors=True)
