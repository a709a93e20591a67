"""``licdash ack``: acknowledge (or snooze) a cluster's problem, for the whole fleet to see.

An acknowledgement clears itself when the cluster gets worse (a new problem, a higher
severity) or recovers; a snooze (``--snooze``) holds until its end whatever happens.
Both are shared at once with every dashboard, ``status``, metrics and the collector.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from collectors.commands.ack_common import (
    EXIT_OK,
    add_by_argument,
    add_source_arguments,
    fail,
)

if TYPE_CHECKING:
    from collectors.commands.ack_common import Fleet
    from collectors.results import ClusterStatus

EPILOG = """\
acknowledge vs snooze:
  ack       "known, owned": covers the problems the cluster has now; clears itself when
            it gets worse (severity rises, a new problem appears, polls start failing)
            or recovers. --until is optional (without: until it clears).
  --snooze  a silence for a maintenance window or a case with Cisco: holds until its
            end whatever the cluster does; may be set on a healthy cluster ahead of
            planned work. --until defaults to 4h.

--until takes a duration (30m, 4h, 2d) or a time (2026-03-01T18:00Z; UTC unless it
says otherwise); "cleared" means no end. --problem and --entitlement narrow the
acknowledgement to one reason or one entitlement (others stay loud).
Acknowledging what is already acknowledged edits it (the audit trail keeps both).

examples:
  licdash ack emea-lon-cucm1 --reason "INC0042: renewal with Cisco TAC" --until 2d
  licdash ack apac-syd-cucm3 --snooze --until 6h --reason "CHG1234 upgrade window"
  licdash ack amer-nyc-cucm2 --entitlement CUWL --reason "true-up ordered, PO 7781"
  licdash ack emea/lon-cucm1 --source emea --source amer --reason "INC0042"
                # merged sources: written to the source that owns the cluster
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("clusters", nargs="+", metavar="CLUSTER", help="cluster name(s)")
    parser.add_argument(
        "--reason", "-m", required=True, metavar="TEXT", help="why, and who owns it (required)"
    )
    parser.add_argument(
        "--until",
        metavar="WHEN",
        help="a duration (4h, 2d) or a time (2026-03-01T18:00Z); an acknowledgement without "
        "one lasts until the problem clears, a snooze defaults to 4h",
    )
    parser.add_argument(
        "--snooze", action="store_true", help="snooze: hold until the end whatever happens"
    )
    narrow = parser.add_mutually_exclusive_group()
    narrow.add_argument(
        "--problem",
        metavar="TEXT",
        help="only the problem (reason) that contains TEXT, e.g. 'Registration expired'",
    )
    narrow.add_argument(
        "--entitlement", metavar="NAME", help="only the problems of this entitlement, e.g. CUWL"
    )
    add_by_argument(parser)
    add_source_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from collectors.commands.ack_common import begin, cluster_named
    from collectors.errors import LicdashError

    try:
        fleet, by, now = begin(args)
    except (LicdashError, OSError) as exc:
        return fail("ack", exc)
    try:
        for name in args.clusters:
            cluster = cluster_named(name, fleet)
            _acknowledge(args, fleet, cluster, by, now)
    except (LicdashError, OSError) as exc:
        return fail("ack", exc)
    finally:
        fleet.close()
    return EXIT_OK


def _acknowledge(
    args: argparse.Namespace, fleet: Fleet, cluster: str, by: str, now: datetime
) -> None:
    from collectors.acks import (
        CLUSTER_SCOPE,
        MAX_REASON,
        entitlement_scope,
        parse_until,
        scope_text,
        user_text,
    )
    from collectors.errors import AckError
    from collectors.text_safety import neutralise

    status = fleet.statuses[cluster]
    try:
        until = parse_until(args.until, now)
    except ValueError as exc:
        raise AckError(f"--until: {exc}", cluster=cluster) from None
    scope = CLUSTER_SCOPE
    if args.problem:
        scope = _problem_scope(cluster, status, args.problem)
    elif args.entitlement:
        scope = entitlement_scope(args.entitlement)
    reason = user_text(args.reason, limit=MAX_REASON, secrets=fleet.secrets)
    event = fleet.acks.acknowledge(
        cluster,
        status,
        by=by,
        reason=reason,
        kind="snooze" if args.snooze else "ack",
        until=until,
        scope=scope,
        statuses=fleet.statuses,
        policy=fleet.policy,
    )
    ack = event.ack
    assert ack is not None
    verb = {"acknowledge": "acknowledged", "snooze": "snoozed", "edit": "edited"}[event.action]
    what = "" if scope == CLUSTER_SCOPE else f" ({scope_text(scope)})"
    print(
        neutralise(
            f"{verb} {cluster}{what} ({status.severity.value}){fleet.where(cluster)} as "
            f"{ack.by}, {ack.until_text()} [id {ack.id}]"
        )
    )
    if ack.kind == "ack":
        print("  it clears itself when the cluster gets worse or recovers", file=sys.stderr)


def _problem_scope(cluster: str, status: ClusterStatus, text: str) -> str:
    from collectors.acks import REASON_PREFIX, problem_of
    from collectors.errors import AckError
    from collectors.text_safety import neutralise

    keys = sorted(problem_of(status).keys)
    wanted = text.lower().strip()
    found = [k for k in keys if k.lower() == wanted] or [k for k in keys if wanted in k.lower()]
    if len(found) == 1:
        return REASON_PREFIX + found[0]
    listed = "; ".join(keys) or "none"
    which = "matches several problems" if found else "matches no problem"
    raise AckError(
        f"--problem {neutralise(text)!r} {which} (its problems: {neutralise(listed)})",
        cluster=cluster,
    )
