"""``licdash dash``: the dashboard on your clusters, or read-only on a store.

- ``--config F`` (or the default config): polls the clusters live and writes the store
  (default: the platform data directory, or ``--store DIR``).
- ``--store DIR`` with no ``--config``: a read-only viewer of a store that a separate
  ``licdash collect`` writes, so one collector can feed many screens. It acknowledges
  (``a``/``A``/``u``) only with ``--allow-ack``; a dashboard that polls always may.
- ``--source SRC`` (repeatable), or a config whose ``[[sources]]`` replace its
  clusters: several collectors (their data APIs, ``collect --api-port``) and stores
  merged into one read-only fleet. With ``--allow-ack`` it acknowledges too, each change
  written to the source that owns the cluster (a collector's API takes it only with its
  token).

Only the standard library is imported at module level (the CLI router loads every
sub-command module to build its help).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dashboard.sources.base import DataSource


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, help="config file (default: $LICDASH_CONFIG or the platform config)"
    )
    parser.add_argument(
        "--store", type=Path, help="store directory; alone, opens a read-only viewer on it"
    )
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="SRC",
        help="merge this source into one read-only fleet (repeatable): a collector's URL "
        "(collect --api-port), a store directory, a configured [[sources]] name, or "
        "NAME=URL_OR_DIR; tokens and CAs come from the config's [[sources]]",
    )
    parser.add_argument(
        "--theme", help="colour theme: dark, light, high-contrast, colour-blind, monochrome"
    )
    parser.add_argument(
        "--allow-ack",
        action="store_true",
        help="let a read-only viewer (--store alone) or a merged view (--source) "
        "acknowledge, snooze and add shift notes; a merged view writes each to the source "
        "that owns the cluster, where that source takes them (a dashboard that polls "
        "always may)",
    )
    parser.add_argument(
        "--by",
        metavar="NAME",
        help="who acknowledges, as the audit trail records it (default: your login name)",
    )
    parser.add_argument(
        "--stale-after",
        metavar="DURATION",
        type=_duration,
        default=None,
        help="age of the last good poll that counts as stale for every cluster, e.g. 900, "
        "15m, 2h (default: the config's stale_after x interval; a viewer: the policy the "
        "collector recorded in the store, else 15m, stated on screen)",
    )
    add_wall_arguments(parser)


def add_wall_arguments(parser: argparse.ArgumentParser) -> None:
    """``--wall`` and ``--page-seconds``: the same words for ``dash``, ``demo`` and ``serve``."""
    parser.add_argument(
        "--wall",
        action="store_true",
        help="NOC wall mode: big counts, the fleet overview and the problems, paged, "
        "with no cursor and no pop-up notices",
    )
    parser.add_argument(
        "--page-seconds",
        metavar="S",
        type=_page_seconds,
        default=15.0,
        help="how long the wall shows each page (default 15)",
    )


def _page_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 2 <= value <= 3600:
        raise argparse.ArgumentTypeError("a page lasts between 2 and 3600 seconds")
    return value


def _duration(text: str) -> Any:
    from collectors.dates import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def fail(message: str, hint: str | None = None) -> int:
    """Print a one-line error (and a hint) for the command line; exit status 2."""
    print(f"licdash: {message}", file=sys.stderr)
    if hint:
        print(f"  hint: {hint}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from collectors import paths
    from collectors.config import load_config
    from collectors.errors import ConfigError, LicdashError, StoreLockedError
    from dashboard.sources import LiveSource, StoreViewer

    if args.source:
        return _merged(args, args.source, None)
    if args.config is None and args.store is not None:
        store_dir = args.store.expanduser()
        if not store_dir.is_dir():
            return fail(
                f"no store at {store_dir}",
                "start `licdash collect --store DIR` first, or pass --config to poll yourself",
            )
        return open_dashboard(
            StoreViewer(store_dir),
            theme=args.theme,
            stale=args.stale_after,
            allow_ack=bool(getattr(args, "allow_ack", False)),
            by=getattr(args, "by", None),
            wall=wall_options(args),
        )
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        return fail(str(exc), exc.hint)
    if config.sources and not config.clusters:
        return _merged(args, [], config)
    store_dir = (args.store or paths.default_store_dir()).expanduser()
    source = LiveSource(config, store_dir)
    try:
        source.open_store()
    except StoreLockedError as exc:
        return fail(str(exc), f"to watch that store read-only: licdash dash --store {store_dir}")
    except LicdashError as exc:
        return fail(str(exc), exc.hint)
    return open_dashboard(
        source,
        theme=args.theme,
        stale=args.stale_after,
        by=getattr(args, "by", None),
        wall=wall_options(args),
    )


def wall_options(args: argparse.Namespace) -> dict[str, Any]:
    return {"wall": bool(getattr(args, "wall", False)), "page_seconds": args.page_seconds}


def _merged(args: argparse.Namespace, values: list[str], config: Any) -> int:
    """The merged view of ``values`` (or every configured source)."""
    from collectors.errors import ConfigError
    from collectors.sources.spec import configured_sources, resolve
    from dashboard.sources import MergedViewer

    if args.store is not None:
        return fail("--store and --source do not go together", "pass the store as --source DIR")
    try:
        configured = config.sources if config is not None else configured_sources(args.config)
        specs = resolve(values, configured)
    except ConfigError as exc:
        return fail(str(exc), exc.hint)
    except ValueError as exc:
        return fail(str(exc), "see licdash dash --help")
    return open_dashboard(
        MergedViewer([spec.open() for spec in specs]),
        theme=args.theme,
        stale=args.stale_after,
        allow_ack=bool(getattr(args, "allow_ack", False)),
        by=getattr(args, "by", None),
        wall=wall_options(args),
    )


def open_dashboard(
    source: DataSource,
    *,
    theme: str | None,
    stale: Any = None,
    allow_ack: bool | None = None,
    by: str | None = None,
    wall: dict[str, Any] | None = None,
) -> int:
    """Run the app on ``source`` until it quits; always stop the source's threads.

    ``stale``: a user's ``--stale-after`` (a timedelta); None judges by the data's policy.
    ``allow_ack``: whether acknowledging is allowed; None: only when the source polls
    (a read-only viewer, as the browser view runs, never acknowledges by default).
    ``wall``: ``wall`` and ``page_seconds`` for the app (see :func:`wall_options`).
    In a browser (``licdash serve``) nothing is written on the server: no theme
    remembered.
    """
    from collectors import paths
    from dashboard.app import LicdashApp
    from dashboard.prefs import startup_theme

    # Log records must not reach the terminal under the UI (the UI shows errors itself).
    logging.getLogger("collectors").addHandler(logging.NullHandler())
    prefs_path = paths.state_file()
    served = os.environ.get("TEXTUAL_DRIVER", "").endswith(":WebDriver")
    app = LicdashApp(
        source,
        theme=startup_theme(theme, prefs_path, no_color=os.environ.get("NO_COLOR") is not None),
        stale_after=stale,
        prefs_path=None if served else prefs_path,
        user_themes_dir=paths.config_dir() / "themes",
        allow_ack=allow_ack,
        ack_by=by,
        **(wall or {}),
    )
    try:
        app.run()
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    return app.return_code or 0
