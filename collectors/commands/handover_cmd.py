"""``licdash handover``: the shift handover as Markdown (for a ticket or a chat) or JSON.

Open problems (unacknowledged first, then acknowledged with owner and reason), what
changed during the shift (new problems, recoveries, polls that started failing,
acknowledgements made and ended), hard deadlines in the next shift and the shift notes.
``--note`` records a note in the audit trail first.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from collectors.commands.ack_common import (
    EXIT_OK,
    add_by_argument,
    add_source_arguments,
    fail,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        metavar="WHEN",
        default="8h",
        help="start of the shift: a duration back from now (8h, 12h) or a time "
        "(2026-03-01T06:00Z); the next shift is taken to be as long",
    )
    parser.add_argument(
        "--format", choices=("markdown", "json"), default="markdown", help="markdown or json"
    )
    parser.add_argument(
        "--note", metavar="TEXT", help="record this shift note (audit trail) before reporting"
    )
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write FILE atomically (default: stdout)"
    )
    add_by_argument(parser)
    add_source_arguments(parser)


def _since(text: str, now: datetime) -> datetime:
    from collectors.acks import parse_when
    from collectors.errors import AckError

    try:
        return parse_when(text, now, future=False)
    except ValueError as exc:
        raise AckError(f"--since: {exc}") from None


def run(args: argparse.Namespace) -> int:
    from collectors.acks import MAX_NOTE, user_text
    from collectors.commands.ack_common import actor, load_fleet
    from collectors.errors import LicdashError
    from collectors.fleet_summary import summarise
    from collectors.handover import build, context_of, markdown, to_json
    from collectors.store import SnapshotStore
    from collectors.store.files import atomic_write_bytes

    now = datetime.now(UTC).replace(microsecond=0)
    try:
        since = _since(args.since, now)
        fleet = load_fleet(args, now)
        if args.note is not None:
            text = user_text(args.note, limit=MAX_NOTE, secrets=fleet.secrets)
            fleet.acks.note(text, by=actor(args), statuses=fleet.statuses, policy=fleet.policy)
        with SnapshotStore.open(fleet.store_dir, readonly=True) as store:
            transitions = store.transitions(since, now)
            failures = store.failures(since=since)
        book = fleet.acks.book()
        rows = summarise(fleet.statuses, now, fleet.policy, book)
        report = build(
            rows,
            transitions=transitions,
            failures=failures,
            events=fleet.acks.events(since, now),
            policy=fleet.policy,
            now=now,
            since=since,
            context=context_of(fleet.collector, fleet.policy, now),
        )
        if args.format == "json":
            text = json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"
        else:
            text = markdown(report)
        if args.output is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            atomic_write_bytes(args.output.expanduser().absolute(), text.encode())
            print(f"licdash handover: wrote {args.output}", file=sys.stderr)
    except (LicdashError, OSError) as exc:
        return fail("handover", exc)
    return EXIT_OK
