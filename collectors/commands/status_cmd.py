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
from typing import TYPE_CHECKING, Any, Final, TextIO

if TYPE_CHECKING:
    from collectors.acks import AckBook
    from collectors.config import LicdashConfig
    from collectors.fleet_summary import Row
    from collectors.liveness import CollectorState
    from collectors.policy import Due, FleetCounts, FreshnessPolicy
    from collectors.results import ClusterStatus
    from collectors.severity import Thresholds
    from collectors.sources.merge import MergedFleet

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

_ASCII_GLYPHS: Final = {
    "ok": "+",
    "warning": "!",
    "critical": "X",
    "unknown": "?",
    "stale": "~",
    "ack": "A",
    "snooze": "Z",
}
_COLOURS: Final = {"ok": "32", "warning": "33", "critical": "1;31", "unknown": "35", "stale": "2"}
_DEADLINE_WORDS: Final = {
    "registration_expiry": "registration expires",
    "authorization_expiry": "authorization expires",
    "evaluation_end": "evaluation ends",
}
_EXPIRED_WORDS: Final = {
    "registration_expiry": "registration expired",
    "authorization_expiry": "authorization expired",
    "evaluation_end": "evaluation expired",
}


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


def _deadline_text(deadline: Due | None, now: datetime) -> str:
    from collectors.dates import human_span

    if deadline is None:
        return "-"
    word = _DEADLINE_WORDS.get(deadline.kind.value, deadline.kind.value)
    if deadline.expired:
        return _EXPIRED_WORDS.get(deadline.kind.value, f"{word} (passed)")
    left = deadline.at - now
    when = f"in {human_span(left)}" if left >= timedelta(0) else f"{human_span(left)} ago"
    return f"{word} {when}"


def _age_text(row: Row, now: datetime) -> str:
    from collectors.dates import human_span

    age = row.status.age(now)
    return "never" if age is None else f"{human_span(age)} ago"


def _glyphs() -> dict[str, str]:
    from collectors.acks import ACK_GLYPH, SNOOZE_GLYPH
    from collectors.model import STALE_GLYPH, Severity

    marks = {"stale": STALE_GLYPH, "ack": ACK_GLYPH, "snooze": SNOOZE_GLYPH}
    return {s.value: s.glyph for s in Severity} | marks


ACK_REASON_CHARS: Final = 40
"""How much of an acknowledgement's reason the table shows (JSON has all of it)."""


def ack_text(row: Row, glyphs: dict[str, str]) -> str:
    """The ACKNOWLEDGED cell: who, until when, why (cut), or what is not covered."""
    state = row.ack
    ack = state.primary if state is not None else None
    if state is None or ack is None:
        return "-"
    until = f" until {ack.until:%m-%d %H:%MZ}" if ack.until else ""
    reason = ack.reason
    if len(reason) > ACK_REASON_CHARS:
        reason = reason[: ACK_REASON_CHARS - 1] + "…"
    if not state.acknowledged:
        return f"partly, by {ack.by}: {len(state.uncovered)} problem(s) not covered"
    glyph = glyphs["snooze" if ack.kind == "snooze" else "ack"]
    return f"{glyph} {ack.by}{until}: {reason}"


def neutralise(text: str) -> str:
    from collectors.text_safety import neutralise as inert

    return inert(text)


def render_table(
    rows: Sequence[Row],
    now: datetime,
    *,
    colour: bool,
    ascii_only: bool,
    policy: FreshnessPolicy | None = None,
    collector: CollectorState | None = None,
    merged: MergedFleet | None = None,
) -> str:
    """The table, then what else a NOC must know, then the totals line (always last)."""
    glyphs = _ASCII_GLYPHS if ascii_only else _glyphs()
    from collectors.products import product_info

    by_source = merged is not None and len(merged.sources) > 1
    header: tuple[str, ...] = ("CLUSTER", "PRODUCT", "SEVERITY", "REGISTRATION")
    header += ("AUTHORIZATION",)
    header += ("NEXT DEADLINE", "LAST GOOD POLL", "LAST ERROR")
    if by_source:
        header += ("SOURCE",)
    acks = any(row.ack is not None and row.ack.holding for row in rows)
    if acks:
        header += ("ACKNOWLEDGED",)
    cells: list[tuple[str, ...]] = [header]
    keys: list[tuple[str, bool]] = []
    for row in rows:
        snap = row.status.last_good
        sev = row.severity.value
        age = _age_text(row, now) + (f" {glyphs['stale']} stale" if row.stale else "")
        error = row.status.last_error
        row_cells: tuple[str, ...] = (
            row.status.cluster,
            product_info(row.status.product).short,
            f"{glyphs[sev]} {sev}",
            snap.registration.status.value if snap else "-",
            snap.authorization.status.value if snap else "-",
            _deadline_text(row.deadline, now),
            age,
            error.kind if error and row.status.consecutive_failures else "-",
        )
        if by_source:
            row_cells += (row.status.tags.get("source", "-"),)
        if acks:
            row_cells += (ack_text(row, glyphs),)
        cells.append(row_cells)
        keys.append((sev, row.stale))
    cells = [tuple(neutralise(text) for text in line) for line in cells]  # one line each
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    out = []
    for index, line in enumerate(cells):
        padded = [text.ljust(width) for text, width in zip(line, widths, strict=True)]
        if colour and index > 0:
            sev, stale = keys[index - 1]
            if rows[index - 1].acknowledged:  # known and owned: quieter, severity kept
                padded = [p if i == 2 else _paint(p, "2") for i, p in enumerate(padded)]
            padded[2] = _paint(padded[2], _COLOURS[sev])
            if stale:
                padded[6] = _paint(padded[6], _COLOURS["stale"])
        elif colour:
            padded = [_paint(p, "1") for p in padded]
        out.append("  ".join(padded).rstrip())
    from collectors.fleet_summary import counts
    from collectors.policy import DEFAULT_POLICY

    policy = policy or DEFAULT_POLICY
    found = counts(rows, now, policy)
    out.append(_deadlines_line(found, policy))
    if collector is not None and collector.state.value != "up":
        said = collector.text()
        out.append(_paint(said, _COLOURS["critical"]) if colour and collector.down else said)
    if merged is not None:
        from collectors.commands.status_sources import table_lines

        for said in table_lines(merged.sources, now):
            bad = any(s.problem for s in merged.sources)
            out.append(_paint(neutralise(said), _COLOURS["critical"]) if colour and bad else said)
    if policy.origin in ("default", "override"):
        out.append(policy.describe())
    out.append(_totals_line(found))
    return "\n".join(out)


def _deadlines_line(found: FleetCounts, policy: FreshnessPolicy) -> str:
    from collectors.policy import Band

    hard, soft = found.deadlines.hard, found.deadlines.soft
    words = {
        Band.OVERDUE: "overdue",
        Band.CRITICAL: f"within {policy.critical_days:g} d",
        Band.WARNING: f"within {policy.warning_days:g} d",
        Band.LATER: "later",
    }
    parts = [f"{n} {words[band]}" for band, n in hard.items()]
    return (
        f"hard deadlines: {', '.join(parts)}; "
        f"soft: {sum(soft.values())} ({soft[Band.OVERDUE]} overdue)"
    )


def _paint(text: str, code: str) -> str:
    return f"\x1b[{code}m{text}\x1b[0m"


def _totals_line(found: FleetCounts) -> str:
    from collectors.model import Severity

    order = (Severity.CRITICAL, Severity.UNKNOWN, Severity.WARNING, Severity.OK)
    parts = [f"{found.severity[s]} {s.value}" for s in order]
    acked = f"; {found.acknowledged_total} acknowledged" if found.acknowledged_total else ""
    return (
        f"{found.clusters} clusters: {', '.join(parts)}; "
        f"{found.stale} stale, {found.failing} failing{acked}"
    )


def cluster_json(row: Row) -> dict[str, Any]:
    """The snapshot contract object plus ``stale``, ``last_error`` and poll facts."""
    from collectors.model import format_ts

    status = row.status
    data: dict[str, Any] = (
        status.last_good.to_json_dict()
        if status.last_good
        else {"cluster": status.cluster, "product": status.product, "severity": "unknown"}
    )
    data["tags"] = dict(status.tags)
    data["stale"] = row.stale
    data["last_seen"] = format_ts(status.last_seen) if status.last_seen else None
    data["consecutive_failures"] = status.consecutive_failures
    data["last_error"] = status.last_error.model_dump(mode="json") if status.last_error else None
    state = row.ack
    primary = state.primary if state is not None and state.acknowledged else None
    data["acknowledged"] = primary.public() if primary is not None else None
    data["acknowledgements"] = [a.public() for a in state.holding] if state else []
    return data


def collector_json(collector: CollectorState | None) -> dict[str, Any] | None:
    if collector is None:
        return None
    beat = collector.heartbeat
    return {
        "state": collector.state.value,
        "text": collector.text(),
        "age_s": collector.age.total_seconds() if collector.age is not None else None,
        "heartbeat": beat.model_dump(mode="json") if beat else None,
    }


def render_json(
    rows: Sequence[Row],
    now: datetime,
    *,
    policy: FreshnessPolicy | None = None,
    collector: CollectorState | None = None,
    exclude_acknowledged: bool = False,
    merged: MergedFleet | None = None,
) -> str:
    from collectors.commands.status_sources import json_part
    from collectors.fleet_summary import counts, exit_code, totals
    from collectors.model import format_ts
    from collectors.policy import DEFAULT_POLICY

    policy = policy or DEFAULT_POLICY
    doc = {
        "generated_at": format_ts(now),
        "exit_code": exit_code(
            rows,
            collector,
            merged.sources if merged else (),
            exclude_acknowledged=exclude_acknowledged,
        ),
        "exclude_acknowledged": exclude_acknowledged,
        "clusters": [cluster_json(r) for r in rows],
        "totals": totals(rows, now, policy),
        "deadlines": counts(rows, now, policy).deadlines.as_dict(),
        "collector": collector_json(collector),
        "policy": policy.to_doc() | {"origin": policy.origin, "text": policy.describe()},
    } | json_part(merged, now)
    return json.dumps(doc, indent=2, ensure_ascii=False)


def wants_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, never with ``NO_COLOR`` set or ``TERM=dumb``."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def can_print_glyphs(stream: TextIO) -> bool:
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "".join(_glyphs().values()).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


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
