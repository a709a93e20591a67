"""``licdash export``: snapshots from the store as JSON, JSON lines or CSV.

JSON and JSON lines carry ``licdash.snapshot/1`` records (the model's own JSON form):
the latest snapshot of every cluster, or with ``--since`` every recorded change in the
range followed by the newest poll. CSV has one row per cluster x entitlement with the
cluster's registration, authorization, severity and next hard deadline (rendered by
``collectors.export_render``, shared with the dashboard's export dialog); a file written
with ``-o`` starts with a UTF-8 byte order mark so spreadsheets pick the right encoding.
Files are written atomically. The store holds no credentials, so neither does an export.

``--acks`` exports the acknowledgements' audit trail instead (every acknowledge, snooze,
edit, removal, expiry, automatic clear and shift note, oldest first; ``--since``,
``--until`` and ``--cluster`` narrow it).
``--source`` (repeatable) exports several collectors' fleets merged: the ``source`` tag
names each cluster's collector, and a name two sources share is written as
``<source>/<name>``. A source that cannot be read fails the export (exit 1, the source
named): a file that silently lacks a region would be worse than none. With ``--acks``
it exports every source's audit trail, each event under its merged key and with a
``source`` column.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collectors.model import LicenseSnapshot
    from collectors.results import ClusterStatus
    from collectors.sources.base import Source
    from collectors.sources.merge import MergedFleet
    from collectors.store.records import ClusterHistory

    History = Callable[[str, datetime | None, datetime | None], ClusterHistory]

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class UsageError(Exception):
    """A bad argument: reported on one line, exit status 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        type=Path,
        metavar="DIR",
        help="store directory (default: $LICDASH_STORE or the platform data directory)",
    )
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="SRC",
        help="export from this source (repeatable): a collector's URL (collect --api-port), a "
        "store directory, a configured [[sources]] name, or NAME=URL_OR_DIR",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config whose [[sources]] give --source its tokens and CAs "
        "(default: $LICDASH_CONFIG or the platform config, when it exists)",
    )
    parser.add_argument(
        "--format",
        choices=["json", "jsonl", "csv"],
        default="json",
        help="json array or JSON lines of licdash.snapshot/1 records, or csv (default: json)",
    )
    parser.add_argument(
        "--acks",
        action="store_true",
        help="export the acknowledgements' audit trail (acknowledge, snooze, edit, remove, "
        "expire, clear, note) instead of snapshots; with --source, every source's, with a source "
        "column",
    )
    parser.add_argument(
        "--cluster",
        action="append",
        default=[],
        metavar="NAME",
        help="only this cluster (repeatable)",
    )
    parser.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="K=V",
        help="only clusters tagged K=V (repeatable; all must match)",
    )
    parser.add_argument(
        "--since",
        metavar="T",
        help="add every change since T (ISO 8601, UTC by default; or 12h, 7d ago)",
    )
    parser.add_argument("--until", metavar="T", help="history up to T (default: now)")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write FILE atomically (default: stdout)"
    )


def parse_time(text: str, *, now: datetime) -> datetime:
    """An ISO 8601 date or time (UTC unless it says otherwise), or ``<n><s|m|h|d|w>`` ago."""
    match = _RELATIVE.match(text.strip())
    if match:
        return now - timedelta(**{_UNITS[match[2]]: float(match[1])})
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"cannot read time {text!r}: use ISO 8601 (2026-11-28T08:00Z) or 12h, 7d"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _parse_tags(items: list[str]) -> dict[str, str]:
    tags = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--tag wants K=V, got {item!r}")
        tags[key] = value
    return tags


def _select(
    latest: Mapping[str, ClusterStatus], clusters: list[str], tags: dict[str, str]
) -> dict[str, ClusterStatus]:
    chosen = {
        name: st
        for name, st in latest.items()
        if (not clusters or name in clusters) and all(st.tags.get(k) == v for k, v in tags.items())
    }
    missing = [c for c in clusters if c not in latest]
    if missing:
        raise UsageError(f"no cluster named {', '.join(missing)} in the store")
    return chosen


def _snapshots(
    history: History, status: ClusterStatus, since: datetime | None, until: datetime | None
) -> list[LicenseSnapshot]:
    last = status.last_good
    in_range = last is not None and (until is None or last.collected_at <= until)
    if since is None:
        return [last] if last is not None and in_range else []
    snaps = list(history(status.cluster, since, until).changes)
    newer = last is not None and (not snaps or snaps[-1].collected_at < last.collected_at)
    if last is not None and in_range and newer and last.collected_at >= since:
        snaps.append(last)
    return snaps


def _write(args: argparse.Namespace, blob: bytes) -> None:
    from collectors.store.files import atomic_write_bytes

    if args.output is None:
        sys.stdout.buffer.write(blob)
        sys.stdout.flush()
    else:
        atomic_write_bytes(args.output.expanduser().absolute(), blob)


def _export_acks(
    args: argparse.Namespace,
    root: Path,
    now: datetime,
    since: datetime | None,
    until: datetime | None,
) -> int:
    """The audit trail of the store at ``root`` (it must exist; it may hold no events
    yet), or of every ``--source``."""
    from collectors.errors import StoreError
    from collectors.export_render import render_records
    from collectors.store.ack_files import EXPORT_FIELDS, AckStore

    fields: tuple[str, ...] = EXPORT_FIELDS
    if getattr(args, "source", None):
        records = _source_audit(args, now, since, until)
        fields += ("source",)
    else:
        if not root.expanduser().is_dir():
            raise StoreError(f"no store at {root}")
        acks = AckStore(root.expanduser())
        records = [e.public() for e in acks.events(since, until)]
        for problem in acks.problems:
            print(f"licdash export: warning: {problem}", file=sys.stderr)
    records = [
        r
        for r in records
        if not args.cluster or r["cluster"] in args.cluster or r["cluster"] is None
    ]
    blob = render_records(
        args.format, records, fields, bom=args.format == "csv" and args.output is not None
    )
    _write(args, blob)
    if args.output is not None:
        print(
            f"licdash export: wrote {len(records)} audit event{'' if len(records) == 1 else 's'}"
            f" to {args.output}",
            file=sys.stderr,
        )
    return 0


def _source_audit(
    args: argparse.Namespace, now: datetime, since: datetime | None, until: datetime | None
) -> list[dict[str, object]]:
    """Every source's audit events, oldest first, each under its merged key and naming
    its source; a source that cannot answer fails the export."""
    from collectors.errors import SourceError
    from collectors.sources.fleetwide import gather, keyed_event
    from collectors.sources.oneshot import open_sources

    def fail(exc: SourceError) -> None:
        raise exc

    sources = open_sources(args.source, args.config)
    try:
        merged = _read_merged(sources, now)
        found = gather(sources, lambda s: s.ack_events(since, until), on_error=fail)
    finally:
        for source in sources:
            source.close()
    found.sort(key=lambda pair: pair[1].at)
    return [
        keyed_event(e, None if e.cluster is None else merged.key_of(s.name, e.cluster)).public()
        | {"source": s.name}
        for s, e in found
    ]


def _read_merged(sources: list[Source], now: datetime) -> MergedFleet:
    """The sources' fleets merged; a source that cannot be read fails the export."""
    from collectors.errors import SourceError
    from collectors.sources.oneshot import read_once

    merged = read_once(sources, now)
    for health in merged.sources:
        if health.error is not None:
            raise SourceError(health.error.message, source=health.name)
    for collision in merged.collisions:
        print(f"licdash export: warning: {collision.text()}", file=sys.stderr)
    return merged


def _from_sources(
    args: argparse.Namespace,
    now: datetime,
    since: datetime | None,
    until: datetime | None,
    tags: dict[str, str],
) -> tuple[dict[str, ClusterStatus], list[tuple[ClusterStatus, LicenseSnapshot]]]:
    """The merged fleet's chosen clusters and their snapshots, each history read from
    the source that owns the cluster (a merged key's snapshots carry that key)."""
    from collectors.sources.oneshot import open_sources

    sources = open_sources(args.source, args.config)
    try:
        merged = _read_merged(sources, now)
        by_name: dict[str, Source] = {s.name: s for s in sources}

        def history(key: str, start: datetime | None, end: datetime | None) -> ClusterHistory:
            owner = merged.owner(key)
            return by_name[owner.source].history(owner.cluster, start, end)

        chosen = _select(merged.statuses, args.cluster, tags)
        rows = [
            (status, snap.model_copy(update={"cluster": key}) if snap.cluster != key else snap)
            for key, status in sorted(chosen.items())
            for snap in _snapshots(history, status, since, until)
        ]
        return chosen, rows
    finally:
        for source in sources:
            source.close()


def run(args: argparse.Namespace) -> int:
    from collectors.errors import ConfigError, SourceError, StoreError
    from collectors.export_render import never_polled_note, render
    from collectors.paths import default_store_dir
    from collectors.store import SnapshotStore

    now = datetime.now(UTC).replace(microsecond=0)
    root = args.store or default_store_dir()
    try:
        since = parse_time(args.since, now=now) if args.since else None
        until = parse_time(args.until, now=now) if args.until else None
        if since and until and since > until:
            raise UsageError("--since is after --until")
        tags = _parse_tags(args.tag)
        if getattr(args, "acks", False):
            return _export_acks(args, Path(root), now, since, until)
        if getattr(args, "source", None):
            chosen, rows = _from_sources(args, now, since, until, tags)
        else:
            with SnapshotStore.open(root, readonly=True) as store:
                chosen = _select(store.latest(), args.cluster, tags)
                rows = [
                    (status, snap)
                    for _, status in sorted(chosen.items())
                    for snap in _snapshots(store.history, status, since, until)
                ]
                for problem in store.problems:
                    print(f"licdash export: warning: {problem}", file=sys.stderr)
        never = [st for _, st in sorted(chosen.items()) if st.last_good is None]
        blob = render(
            args.format,
            rows,
            bom=args.format == "csv" and args.output is not None,
            never_polled=never,
        )
        _write(args, blob)
        if args.output is not None:
            print(
                f"licdash export: wrote {len(rows)} snapshot{'' if len(rows) == 1 else 's'} "
                f"of {len(chosen) - len(never)} "
                f"of {len(chosen)} clusters to {args.output}",
                file=sys.stderr,
            )
        note = never_polled_note([st.cluster for st in never], args.format)
        if note:
            print(f"licdash export: {note}", file=sys.stderr)
    except UsageError as exc:
        print(f"licdash export: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"licdash export: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"licdash export: {exc}", file=sys.stderr)
        return 1
    except SourceError as exc:
        from collectors.text_safety import neutralise

        print(f"licdash export: {neutralise(str(exc))}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"licdash export: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return 1
    except Exception as exc:  # damage nothing above caught: one line, never a traceback
        from collectors.text_safety import neutralise

        reason = neutralise(str(exc).splitlines()[0] if str(exc) else "")
        print(
            f"licdash export: cannot read the store {root}: {type(exc).__name__}: {reason}",
            file=sys.stderr,
        )
        return 1
    return 0
