"""``licdash handover``: the shift handover as Markdown (for a ticket or a chat) or JSON.

Open problems (unacknowledged first, then acknowledged with owner and reason), what
changed during the shift (new problems, recoveries, polls that started failing,
acknowledgements made and ended), hard deadlines in the next shift and the shift notes.
``--note`` records a note in the audit trail first.

With ``--source`` (repeatable) the report covers the merged sources: every source's
transitions, failure episodes and acknowledgement events under the merge's names
(:mod:`collectors.sources.fleetwide`), a source that cannot be read named in the report
and on stderr; ``--note`` goes to ``--note-to NAME``'s audit trail (needed when more
than one source takes notes).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collectors.commands.ack_common import (
    EXIT_OK,
    add_by_argument,
    add_source_arguments,
    fail,
)

if TYPE_CHECKING:
    from collectors.commands.ack_common import Fleet


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
        "--note-to",
        metavar="NAME",
        help="with --source: the source whose audit trail takes the --note (default: the "
        "one source that takes acknowledgements)",
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
    from collectors.store.files import atomic_write_bytes

    now = datetime.now(UTC).replace(microsecond=0)
    try:
        since = _since(args.since, now)
        fleet = load_fleet(args, now)
    except (LicdashError, OSError) as exc:
        return fail("handover", exc)
    try:
        if args.note is not None:
            text = user_text(args.note, limit=MAX_NOTE, secrets=fleet.secrets)
            note = fleet.acks.note(
                text, by=actor(args), statuses=fleet.statuses, policy=fleet.policy
            )
            now = max(now, note.at)  # (recorded by its store's clock: in this report)
        transitions, failures, context = _history(fleet, since, now)
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
            context=[*context, *context_of(fleet.collector, fleet.policy, now)],
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
    finally:
        fleet.close()
    return EXIT_OK


def _history(
    fleet: Fleet, since: datetime, now: datetime
) -> tuple[list[Any], list[Any], list[str]]:
    """The shift's transitions and failure episodes, and what qualifies the report (a
    source that could not be read, or one that answered only part)."""
    merged = fleet.merged
    if merged is None:
        from collectors.store import SnapshotStore

        assert fleet.store_dir is not None
        with SnapshotStore.open(fleet.store_dir, readonly=True) as store:
            return store.transitions(since, now), store.failures(since=since), []
    from collectors.errors import SourceError
    from collectors.sources import fleetwide
    from collectors.text_safety import neutralise

    context = [h.text(now) for h in merged.sources if h.problem]
    unanswered: list[str] = []

    def lost(exc: SourceError) -> None:
        said = f"not in this report: {exc.message}"
        if said not in unanswered and not any(exc.message in c for c in context):
            unanswered.append(said)
            print(f"licdash handover: warning: {neutralise(exc.message)}", file=sys.stderr)

    transitions = fleetwide.transitions(fleet.sources, merged, since, now, on_error=lost)
    failures = fleetwide.failures(fleet.sources, merged, since, on_error=lost)
    return transitions, failures, context + unanswered
