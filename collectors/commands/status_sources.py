"""``licdash status --source``: one look at several collectors, merged, for a check.

The merge is :mod:`collectors.sources.merge`'s (the dashboard's too). A source that
cannot be read is named on stderr and makes the check UNKNOWN (3) unless a cluster is
critical, like a collector that stopped writing; a one-shot check has no last answer to
show for it. Cluster names found in more than one source are reported on stderr and
listed as ``<source>/<name>``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collectors.config import LicdashConfig
    from collectors.sources.base import SourceHealth
    from collectors.sources.merge import MergedFleet


def gather(
    values: Sequence[str], config_path: str | None, config: LicdashConfig | None, now: datetime
) -> MergedFleet:
    """Every source given (or configured), read once, merged (see
    :func:`collectors.sources.oneshot.open_sources` for the errors)."""
    from collectors.sources.oneshot import open_sources, read_once

    sources = open_sources(values, config_path, config)
    try:
        return read_once(sources, now)
    finally:
        for source in sources:
            source.close()


def report(
    merged: MergedFleet,
    now: datetime,
    *,
    prog: str,
    out: TextIO = sys.stderr,
    unreachable: str = "UNKNOWN",
) -> None:
    """What a person must know beyond the table: unreachable (said as ``unreachable``,
    a check's UNKNOWN) and stopped sources, colliding names, differing policies."""
    from collectors.text_safety import neutralise

    for health in merged.sources:
        if health.state == "unreachable":
            print(f"{prog}: {unreachable}: {neutralise(health.text(now))}", file=out)
            if health.error is not None and health.error.hint:
                print(f"  hint: {health.error.hint}", file=out)
        elif health.problem:
            print(f"{prog}: warning: {neutralise(health.text(now))}", file=out)
    for collision in merged.collisions:
        print(f"{prog}: warning: {neutralise(collision.text())}", file=out)
    for note in merged.notes:
        print(f"{prog}: warning: {neutralise(note)}", file=out)


def table_lines(sources: Sequence[SourceHealth], now: datetime) -> list[str]:
    """One line per source that is not fine, or one saying they all are."""
    bad = [s.text(now) for s in sources if s.state != "up"]
    if bad:
        return bad
    names = ", ".join(f"{s.name} ({s.clusters})" for s in sources)
    return [f"sources up: {names}"] if sources else []


def json_part(merged: MergedFleet | None, now: datetime) -> dict[str, Any]:
    if merged is None:
        return {}
    return {
        "sources": [s.as_json(now) for s in merged.sources],
        "collisions": [
            {"cluster": c.cluster, "sources": list(c.sources)} for c in merged.collisions
        ],
    }


def sources_only(config: LicdashConfig | None, args: argparse.Namespace) -> bool:
    """A config that lists sources and no clusters means "check those sources": the one
    given, or (with neither --store nor --poll) the default config when it exists."""
    if getattr(args, "poll", False) or args.store:
        return False
    if config is None:
        from collectors.config import load_config, resolve_config_path

        path = resolve_config_path(None)
        if not path.is_file():
            return False
        config = load_config(path)
    return bool(config.sources) and not config.clusters
