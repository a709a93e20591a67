"""``licdash unack``: remove the acknowledgements and snoozes of a cluster."""

from __future__ import annotations

import argparse

from collectors.commands.ack_common import (
    EXIT_OK,
    add_by_argument,
    add_source_arguments,
    fail,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("clusters", nargs="+", metavar="CLUSTER", help="cluster name(s)")
    parser.add_argument(
        "--id",
        dest="ack_id",
        metavar="ID",
        help="remove only this acknowledgement (`licdash acks` shows ids; default: all of "
        "the cluster's)",
    )
    parser.add_argument(
        "--reason", "-m", default="", metavar="TEXT", help="why, for the audit trail"
    )
    add_by_argument(parser)
    add_source_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from collectors.acks import MAX_REASON, user_text
    from collectors.commands.ack_common import begin
    from collectors.errors import LicdashError
    from collectors.text_safety import neutralise

    try:
        fleet, by, _now = begin(args)
    except (LicdashError, OSError) as exc:
        return fail("unack", exc)
    try:
        reason = user_text(args.reason, limit=MAX_REASON, secrets=fleet.secrets)
        for cluster in args.clusters:  # a cluster gone from the fleet can still be cleaned
            events = fleet.acks.remove(
                cluster,
                by=by,
                reason=reason,
                ack_id=args.ack_id,
                statuses=fleet.statuses,
                policy=fleet.policy,
            )
            for event in events:
                ack = event.ack
                kind = "snooze" if ack is not None and ack.kind == "snooze" else "acknowledgement"
                owner = f" by {ack.by}" if ack is not None else ""
                print(
                    neutralise(
                        f"removed the {kind}{owner} of {cluster}{fleet.where(cluster)} "
                        f"[id {event.ack_id}]"
                    )
                )
    except (LicdashError, OSError) as exc:
        return fail("unack", exc)
    finally:
        fleet.close()
    return EXIT_OK
