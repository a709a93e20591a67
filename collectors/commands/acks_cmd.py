"""``licdash acks``: the acknowledgements and snoozes in force, judged now.

Each is shown with its cluster's true severity and whether it still holds; one that
ended (expired, or cleared because the cluster got worse or recovered) says why, until
the collector records it in the audit trail (``licdash export --acks`` prints that).
With ``--source``: every source's, under the merged names, each with its source.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from collectors.commands.ack_common import EXIT_OK, add_source_arguments, fail


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="table or json"
    )
    parser.add_argument(
        "--cluster", action="append", default=[], metavar="NAME", help="only this cluster"
    )
    add_source_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from collectors.acks import scope_text
    from collectors.commands.ack_common import load_fleet
    from collectors.errors import LicdashError
    from collectors.model import format_ts
    from collectors.text_safety import neutralise

    now = datetime.now(UTC).replace(microsecond=0)
    try:
        fleet = load_fleet(args, now)
    except (LicdashError, OSError) as exc:
        return fail("acks", exc)
    try:
        book = fleet.acks.book()
    except (LicdashError, OSError) as exc:
        return fail("acks", exc)
    finally:
        fleet.close()  # (a merged fleet's book came with its one look)
    merged = fleet.merged
    rows: list[dict[str, Any]] = []
    for cluster, acks in sorted(book.by_cluster.items()):
        if args.cluster and cluster not in args.cluster:
            continue
        status = fleet.statuses.get(cluster)
        if status is not None:
            state = fleet.policy.acknowledgement(status, book, now)
        else:
            from collectors.acks import judge

            state = judge(cluster, None, acks, now)
        ended = {a.id: end for a, end in state.cleared}
        for ack in acks:
            end = ended.get(ack.id)
            rows.append(
                ack.public()
                | {
                    "cluster": cluster,
                    "severity": status.severity.value if status else None,
                    "holds": end is None,
                    "ended": end.text if end else None,
                    "cluster_acknowledged": state.acknowledged,
                }
                | ({"source": merged.owner(cluster).source} if merged is not None else {})
            )
    if args.format == "json":
        doc = {"generated_at": format_ts(now), "acknowledgements": rows}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not rows:
        print("nothing is acknowledged or snoozed")
        return EXIT_OK
    header: tuple[str, ...] = ("CLUSTER",) + (("SOURCE",) if merged is not None else ())
    header += ("KIND", "SCOPE", "SEVERITY", "BY", "AT", "UNTIL", "STATE", "REASON")
    table = [header]
    for row in rows:
        table.append(
            (
                row["cluster"],
                *((row["source"],) if merged is not None else ()),
                row["kind"],
                scope_text(row["scope"]),
                row["severity"] or "-",
                row["by"],
                row["at"],
                row["until"] or "until cleared",
                "holds" if row["holds"] else f"ended: {row['ended']}",
                row["reason"],
            )
        )
    cells = [tuple(neutralise(str(c)) for c in line) for line in table]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header) - 1)]
    for line in cells:
        padded = [text.ljust(w) for text, w in zip(line[:-1], widths, strict=True)]
        print("  ".join([*padded, line[-1]]).rstrip())
    sys.stdout.flush()
    return EXIT_OK
