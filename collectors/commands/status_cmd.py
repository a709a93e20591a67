"""``licdash status``: a one-shot fleet summary for shells, cron jobs and monitoring checks.

Reads the collector's store (read-only, never blocking a running collector) or, with
``--poll``, polls every configured publisher once. One line per cluster, worst first,
then a totals line; the exit code follows the monitoring-plugin convention.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from collectors.commands.status_render import (
    can_print_glyphs,
    neutralise,
    render_json,
    render_table,
    wants_colour,
)

if TYPE_CHECKING:
    from collectors.acks import AckBook
    from collectors.config import LicdashConfig
    from collectors.liveness import CollectorState
    from collectors.policy import FreshnessPolicy
    from collectors.results import ClusterStatus
    from collectors.severity import Thresholds
    from collectors.sources.merge import MergedFleet

EXIT_WITHOUT_TEARDOWN: Final = True
"""The check has printed its answer and opened the store read-only: the ``licdash``
executable leaves without freeing each status (:func:`collectors.cli.console`)."""

EPILOG = """\
exit codes (monitoring-plugin convention; the worst cluster decides):
  2  CRITICAL  any cluster is critical (even when others are unknown or stale)
  3  UNKNOWN   otherwise, any cluster is unknown (never polled, unknown status word)
               or stale, or there are no clusters, or the store/config cannot be read
  1  WARNING   otherwise, any cluster is a warning
  0  OK        every cluster is ok and fresh

A cluster is stale when its last good poll is older than stale_after x its interval.
With neither --source, --store nor --poll, a config (--config, else the default one)
that lists [[sources]] and no clusters checks those sources.

The thresholds come from --stale-after, else --config, else the policy the collector
recorded in the store, else a stated fallback of 15 min; a store that flags a cluster
stale counts too. A stale cluster keeps its last known severity: stale + critical
still exits 2. A collector that stopped writing the store (no heartbeat for two
intervals, or its process gone) is reported and exits 3 unless a cluster is critical.

--format json prints {"generated_at", "exit_code", "clusters": [...], "totals": {...},
"deadlines": {"hard"|"soft": {"overdue", "critical", "warning", "later"}},
"collector": {"state", "text", ...}, "policy": {...}};
each cluster is its licdash.snapshot/1 object plus "stale", "last_error", "tags",
"last_seen", "consecutive_failures", "acknowledged", "acknowledgements"; a never-polled
cluster has only those and "cluster" and "product", with "severity": "unknown".

--source (repeatable: a collector's URL, a store directory, a [[sources]] name, or
NAME=URL_OR_DIR) merges several collectors into one check; tokens and CAs come from
the config's [[sources]] tables. Totals are the sum; a name held by two sources is
listed as <source>/<name> (reported on stderr); an unreachable source is named on
stderr and exits 3 unless a cluster is critical. JSON adds "sources" (each with its
"state": up, down, unreachable, never, unknown, and "accepts_acks") and "collisions".
Each cluster's acknowledgements come from its own source, judged by the one policy.

--format nagios prints the monitoring-plugin answer: a first line
  LICDASH CRITICAL - 1 critical, 0 unknown, 0 warning, 3 ok; next: reg expiry lon in 4 d | perfdata
then the clusters that are not ok and fresh, worst first. With nothing to judge (no
store, unreadable store) every format says UNKNOWN on stdout and exits 3.
-w/-c judge every snapshot again, now, with those warning/critical days.

Acknowledged clusters (licdash ack, or a/A in the dashboard) keep their true severity
everywhere: the table marks them (ACKNOWLEDGED column), JSON gives each cluster an
"acknowledged" object {id, kind, by, at, reason, until, scope} (null when not) and its
"acknowledgements" in force, the totals count them ("acknowledged"), the Nagios line
says how many. With --exclude-acknowledged they leave the exit code, the Nagios counts
and its detail lines: the check then alerts only on what nobody owns yet.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file: cluster list, tags and stale thresholds (required with --poll)",
    )
    parser.add_argument(
        "--store",
        metavar="DIR",
        help="store directory to read (default: $LICDASH_STORE or the platform data dir)",
    )
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="SRC",
        help="merge this source into the check (repeatable): a collector's URL "
        "(collect --api-port), a store directory, a configured [[sources]] name, or "
        "NAME=URL_OR_DIR (default: the config's [[sources]] when it lists no clusters)",
    )
    parser.add_argument(
        "--poll",
        action="store_true",
        help="poll every configured publisher now instead of reading the store",
    )
    parser.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="K=V",
        help="only clusters whose tag K is V; repeat for AND, same K twice for OR",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json", "nagios"),
        default="table",
        help="table for people, json for scripts, nagios for a monitoring-plugin answer "
        "(one status line with performance data, then the worst clusters)",
    )
    parser.add_argument(
        "--exclude-acknowledged",
        action="store_true",
        help="leave acknowledged and snoozed clusters out of the exit code and the Nagios "
        "counts (they are still listed, marked)",
    )
    add_threshold_arguments(parser)
    parser.add_argument(
        "--stale-after",
        metavar="DURATION",
        type=parse_duration,
        default=None,
        help="age of the last good poll that counts as stale, e.g. 900, 15m, 2h "
        "(default: stale_after x interval from --config, else the collector's recorded "
        "policy, else 15m)",
    )


def add_threshold_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-w",
        "--warning",
        metavar="DAYS",
        type=_days,
        default=None,
        help="judge again with this many days before a hard deadline as warning "
        "(default: the severity the collector stored, judged with warning_days)",
    )
    parser.add_argument(
        "-c",
        "--critical",
        metavar="DAYS",
        type=_days,
        default=None,
        help="judge again with this many days before a hard deadline as critical "
        "(default: as stored, judged with critical_days)",
    )


def _days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days such as 30 or 7")
    return value


def thresholds_for(args: argparse.Namespace, base: Thresholds) -> Thresholds:
    """``-w``/``-c`` over ``base`` (the warning/critical days of the policy in force)."""
    from collectors.severity import Thresholds

    warning = getattr(args, "warning", None)
    critical = getattr(args, "critical", None)
    try:
        return Thresholds(
            base.warning_days if warning is None else warning,
            base.critical_days if critical is None else critical,
        )
    except ValueError:
        raise ValueError(
            f"-c {critical if critical is not None else base.critical_days:g} must not exceed "
            f"-w {warning if warning is not None else base.warning_days:g}"
        ) from None


def parse_duration(text: str) -> timedelta:
    from collectors.dates import parse_duration as parse

    try:
        return parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# ----- output -----------------------------------------------------------------------


# ----- gathering statuses -----------------------------------------------------------


def read_acks(directory: Path) -> AckBook:
    """The acknowledgements beside the store in ``directory`` (none when it has none);
    read without any lock, never written."""
    from collectors.store.ack_files import AckStore

    acks = AckStore(directory)
    book = acks.book()
    for problem in acks.problems:
        print(f"licdash: warning: {neutralise(str(problem))}", file=sys.stderr)
    return book


def _read_store(
    directory: Path, now: datetime
) -> tuple[dict[str, ClusterStatus], FreshnessPolicy | None, CollectorState]:
    """The latest table, the collector's recorded policy and its liveness at ``now``."""
    from collectors.errors import StoreError
    from collectors.store import SnapshotStore

    if not directory.is_dir():
        raise StoreError(f"{directory}: no store here (run `licdash collect`, or pass --store)")
    store = SnapshotStore.open(directory, readonly=True)
    try:
        latest = dict(store.latest())
        for problem in store.problems:  # e.g. a damaged latest.json, rebuilt from history
            print(f"licdash status: warning: {neutralise(str(problem))}", file=sys.stderr)
        return latest, store.policy(), store.collector_state(now)
    finally:
        store.close()


def _poll(config: LicdashConfig) -> dict[str, ClusterStatus]:
    from collectors import event_loop
    from collectors.engine import PollEngine

    async def once() -> dict[str, ClusterStatus]:
        engine = PollEngine(config)
        async with engine:
            await engine.poll_once()
            return dict(engine.statuses())

    return event_loop.run(once())


def run(args: argparse.Namespace) -> int:
    """The check; any failure to find out is UNKNOWN (3), never Python's own exit 1,
    which a monitoring system would read as WARNING."""
    import gc

    # A check lives for a second and builds one validated model per record (ten of
    # thousands at a NOC's scale), none of them garbage: tracing them for cycles cost a
    # quarter of its CPU. What it allocates goes when it exits.
    gc.disable()
    try:
        return _run(args)
    except Exception as exc:  # the convention needs a 3, whatever broke
        from collectors.logs import SecretRedactor  # anything shaped like a secret: ***

        text = SecretRedactor().redact(f"{type(exc).__name__}: {exc}")
        print(f"licdash status: UNKNOWN: {text}", file=sys.stderr)
        _emit_unknown(args, text, None)
        return 3


def on_usage_error(argv: Sequence[str]) -> int:
    """After argparse refused the command line (it said why on stderr): UNKNOWN (3), and
    on stdout in the format asked for, so a monitoring system shows why."""
    fmt = "table"
    for index, word in enumerate(argv):
        if word.startswith("--format="):
            fmt = word.partition("=")[2]
        elif word == "--format" and index + 1 < len(argv):
            fmt = argv[index + 1]
    args = argparse.Namespace(format=fmt if fmt in ("json", "nagios") else "table")
    _emit_unknown(args, "usage error in the check's command line", "see licdash status --help")
    return 3


def _emit_unknown(args: argparse.Namespace, reason: str, hint: str | None) -> None:
    """Nothing to judge: say UNKNOWN on stdout too (a check's output is what the
    monitoring system shows), in the chosen format."""
    fmt = getattr(args, "format", "table")
    if fmt == "nagios":
        from collectors.commands.nagios import render_unknown

        text = render_unknown(reason, hint)
    elif fmt == "json":
        from collectors.model import format_ts

        doc = {
            "generated_at": format_ts(datetime.now(UTC)),
            "exit_code": 3,
            "error": {"message": reason, "hint": hint},
            "clusters": [],
        }
        text = json.dumps(doc, indent=2, ensure_ascii=False)
    else:
        text = f"UNKNOWN: {reason}"
    _emit(text, sys.stdout)


def _run(args: argparse.Namespace) -> int:
    import logging

    from collectors.errors import LicdashError
    from collectors.fleet_summary import (
        UNKNOWN,
        exit_code,
        parse_tag_filters,
        summarise,
        tags_match,
        with_roster,
    )
    from collectors.logs import setup_logging
    from collectors.policy import DEFAULT_POLICY, FreshnessPolicy

    redactor = setup_logging(level=logging.WARNING)

    try:
        wanted = parse_tag_filters(args.tag)
    except ValueError as exc:
        print(f"licdash status: {exc}", file=sys.stderr)
        _emit_unknown(args, str(exc), None)
        return UNKNOWN
    now = datetime.now(UTC)
    recorded: FreshnessPolicy | None = None
    collector: CollectorState | None = None
    from collectors.acks import EMPTY_BOOK
    from collectors.paths import default_store_dir

    store_dir = Path(args.store).expanduser() if args.store else default_store_dir()
    book = EMPTY_BOOK
    merged: MergedFleet | None = None
    try:
        config = None
        if args.config or args.poll:
            from collectors.config import load_config

            config = load_config(args.config)
            from collectors.logs import config_secrets

            redactor.add(config_secrets(config))
        from collectors.commands.status_sources import sources_only

        wanted_sources = list(getattr(args, "source", None) or [])
        if wanted_sources or sources_only(config, args):
            if args.poll or args.store:
                raise LicdashError("--source reads collectors: it goes without --poll and --store")
            from collectors.commands.status_sources import gather, report

            merged = gather(wanted_sources, args.config, config, now)
            report(merged, now, prog="licdash status")
            statuses, recorded = dict(merged.statuses), merged.policy
        elif args.poll:
            assert config is not None
            statuses = _poll(config)
        else:
            statuses, recorded, collector = _read_store(store_dir, now)
        if merged is not None:
            book = merged.acks  # every source's, under the merged keys
        elif store_dir.is_dir():
            book = read_acks(store_dir)
    except LicdashError as exc:
        print(f"licdash status: UNKNOWN: {exc}", file=sys.stderr)
        print(f"  hint: {exc.hint}", file=sys.stderr)
        _emit_unknown(args, str(exc), exc.hint)
        return UNKNOWN

    policy = recorded or DEFAULT_POLICY
    if config is not None and merged is None:
        statuses = with_roster(statuses, config)
        policy = FreshnessPolicy.from_config(config)
    if args.stale_after is not None:
        policy = policy.overridden(args.stale_after)
    statuses = {n: s for n, s in statuses.items() if tags_match(s.tags, wanted)}
    try:
        thresholds = thresholds_for(args, policy.thresholds)
    except ValueError as exc:
        print(f"licdash status: {exc}", file=sys.stderr)
        _emit_unknown(args, str(exc), None)
        return UNKNOWN
    if getattr(args, "warning", None) is not None or getattr(args, "critical", None) is not None:
        from collectors.commands.nagios import reassess

        statuses = {n: reassess(s, now, thresholds) for n, s in statuses.items()}
    rows = summarise(statuses, now, policy, book)
    exclude = bool(getattr(args, "exclude_acknowledged", False))
    sources = merged.sources if merged is not None else ()
    code = exit_code(rows, collector, sources, exclude_acknowledged=exclude)
    out = sys.stdout
    if args.format == "nagios":
        from collectors.commands.nagios import render as render_nagios
        from collectors.fleet_summary import totals

        down = collector.text(now) if collector is not None and collector.down else None
        if any(s.problem for s in sources):
            down = "; ".join(s.text(now) for s in sources if s.problem)
        acked = [r for r in rows if r.acknowledged]
        counted = [r for r in rows if not r.acknowledged] if exclude else rows
        found = totals(counted, now, policy) | {"acknowledged": len(acked)}
        text = render_nagios(
            counted,
            now,
            thresholds,
            code,
            found,
            collector_text=down,
            acknowledged=acked,
            excluded=exclude,
        )
    elif args.format == "json":
        text = render_json(
            rows,
            now,
            policy=policy,
            collector=collector,
            exclude_acknowledged=exclude,
            merged=merged,
        )
    else:
        text = render_table(
            rows,
            now,
            colour=wants_colour(out),
            ascii_only=not can_print_glyphs(out),
            policy=policy,
            collector=collector,
            merged=merged,
        )
    _emit(text, out)
    return code


def _emit(text: str, out: TextIO) -> None:
    """Print ``text``; a reader that stops early (``| head -1``) is not an error, and
    must not turn the check's exit code into Python's 1 (which reads as WARNING)."""
    try:
        print(text, file=out, flush=True)
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit: point it elsewhere.
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, out.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
        finally:
            os.close(devnull)


if __name__ == "__main__":  # python -m, without the full ``licdash`` router
    _parser = argparse.ArgumentParser(prog="licdash status")
    add_arguments(_parser)
    sys.exit(run(_parser.parse_args()))
