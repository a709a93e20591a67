"""What ``ack``, ``unack``, ``acks`` and ``handover`` share: the ``--store``/``--config``
options of ``status``, who is acting, and the fleet they judge (standard library only at
module level, like every sub-command module).

The fleet is the store's latest table (read-only: the collector's writer lock is never
taken), with ``--config`` the config's clusters and policy, else the policy the
collector recorded. Acknowledgements are written beside the store under their own short
lock, so these commands work while a collector runs.

With ``--source`` (repeatable; or a config that lists ``[[sources]]`` and no clusters,
as ``status`` reads it) the fleet is the sources merged by the one merge rule, cluster
names are the merged keys (``emea/cucm1`` for a name two sources share) and each change
is written to the source that owns the cluster: beside a store source's store, or
through a collector's API with its token
(:class:`~collectors.sources.ack_route.AckRouter`).

Exit status: 0 done; 1 the store or a source cannot be read or written (missing,
unwritable, the acknowledgements lock stayed taken, unreachable, the token or the write
refused); 2 a usage problem (an unknown cluster, an empty reason, an end in the past,
nothing to acknowledge).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collectors.config import LicdashConfig
    from collectors.liveness import CollectorState
    from collectors.policy import FreshnessPolicy
    from collectors.results import ClusterStatus
    from collectors.sources.ack_route import AckLedger, AckRouter
    from collectors.sources.base import Source
    from collectors.sources.merge import MergedFleet

EXIT_OK = 0
EXIT_STORE = 1
EXIT_USAGE = 2


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """``--store``, ``--source`` and ``--config``, as ``licdash status`` takes them."""
    parser.add_argument(
        "--store",
        metavar="DIR",
        help="store directory whose acknowledgements to use",
    )
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="SRC",
        help="merge this source (repeatable): a collector's URL (collect --api-port), a "
        "store directory, a configured [[sources]] name, or NAME=URL_OR_DIR; each change "
        "goes to the source that owns the cluster (a collector's API needs its token, "
        "from the config's [[sources]]) (default: the config's [[sources]] when it lists "
        "no clusters)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file: the cluster list and thresholds (else the store's clusters and "
        "the policy the collector recorded)",
    )


def add_by_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--by",
        metavar="NAME",
        help="who is acting, as the audit trail records it (default: your login name)",
    )


@dataclass
class Fleet:
    """The fleet as the acknowledgement commands judge it: one store, or merged sources."""

    statuses: Mapping[str, ClusterStatus]
    policy: FreshnessPolicy
    acks: AckLedger
    """Where acknowledgements are read and written: the store's ``AckStore``, or the
    merged sources' ``AckRouter``."""
    collector: CollectorState | None = None
    secrets: set[str] = field(default_factory=set)
    """The config's secrets: masked in anything a person types."""
    store_dir: Path | None = None
    merged: MergedFleet | None = None
    """The merged sources (None: one store)."""
    sources: list[Source] = field(default_factory=list)

    @property
    def router(self) -> AckRouter | None:
        from collectors.sources.ack_route import AckRouter

        return self.acks if isinstance(self.acks, AckRouter) else None

    def where(self, cluster: str) -> str:
        """`` in source emea (URL)`` for a merged fleet's cluster; empty for a store."""
        router = self.router
        return f" in {router.target(cluster)}" if router is not None else ""

    def close(self) -> None:
        for source in self.sources:
            source.close()


def load_fleet(args: argparse.Namespace, now: datetime) -> Fleet:
    """Raises ``LicdashError`` (a ``StoreError`` for a missing or unreadable store, a
    ``ConfigError`` for sources that cannot be worked out)."""
    from collectors.commands.status_sources import sources_only
    from collectors.errors import LicdashError, StoreError
    from collectors.fleet_summary import with_roster
    from collectors.paths import default_store_dir
    from collectors.policy import DEFAULT_POLICY, FreshnessPolicy
    from collectors.store import SnapshotStore
    from collectors.store.ack_files import AckStore

    config = None
    if getattr(args, "config", None):
        from collectors.config import load_config

        config = load_config(args.config)
    values = list(getattr(args, "source", None) or [])
    if values or sources_only(config, args):
        if args.store:
            raise LicdashError("--source goes without --store (pass the store as --source DIR)")
        return _merged_fleet(args, values, config, now)
    store_dir = Path(args.store).expanduser() if args.store else default_store_dir()
    if not store_dir.is_dir():
        raise StoreError(f"{store_dir}: no store here (run `licdash collect`, or pass --store)")
    with SnapshotStore.open(store_dir, readonly=True) as store:
        statuses: Mapping[str, ClusterStatus] = store.latest()
        policy = store.policy() or DEFAULT_POLICY
        collector = store.collector_state(now)
    secrets: set[str] = set()
    if config is not None:
        from collectors.logs import config_secrets

        statuses = with_roster(statuses, config)
        policy = FreshnessPolicy.from_config(config)
        secrets = config_secrets(config)
    return Fleet(statuses, policy, AckStore(store_dir), collector, secrets, store_dir)


def _merged_fleet(
    args: argparse.Namespace, values: list[str], config: LicdashConfig | None, now: datetime
) -> Fleet:
    """Every source given (or configured) looked at once and merged; an unreachable one
    is named on stderr (its clusters cannot be acknowledged now)."""
    from collectors.commands.status_sources import report
    from collectors.errors import SourceError
    from collectors.sources.ack_route import AckRouter
    from collectors.sources.merge import FleetMerger
    from collectors.sources.oneshot import fetch_all, open_sources
    from collectors.text_safety import neutralise

    sources = open_sources(values, getattr(args, "config", None), config)
    try:
        merged = FleetMerger().merge(fetch_all(sources, now))
    except BaseException:
        for source in sources:
            source.close()
        raise
    prog = f"licdash {getattr(args, 'command', None) or 'acks'}"
    report(merged, now, prog=prog, unreachable="error")

    def unanswered(exc: SourceError) -> None:
        print(f"{prog}: warning: {neutralise(exc.message)}", file=sys.stderr)

    router = AckRouter(
        sources,
        lambda: merged,
        note_to=getattr(args, "note_to", None),
        on_error=unanswered,
    )
    return Fleet(merged.statuses, merged.policy, router, merged=merged, sources=sources)


def begin(args: argparse.Namespace) -> tuple[Fleet, str, datetime]:
    """The fleet, who is acting, and now (to the second): what every changing command
    starts from."""
    from datetime import UTC

    now = datetime.now(UTC).replace(microsecond=0)
    return load_fleet(args, now), actor(args), now


def actor(args: argparse.Namespace) -> str:
    """``--by``, else the login name; text a person chose, made safe to store and show."""
    import getpass

    from collectors.acks import MAX_NAME, user_text

    name = getattr(args, "by", None)
    if not name:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):
            name = "unknown"
    return user_text(name, limit=MAX_NAME) or "unknown"


def cluster_named(name: str, fleet: Fleet) -> str:
    """``name`` if the fleet has it; else ``AckError`` with the nearest names (and the
    sources that could not be read, which may hold it)."""
    from collectors.errors import AckError
    from collectors.text_safety import neutralise

    statuses = fleet.statuses
    if name in statuses:
        return name
    near = difflib.get_close_matches(name, list(statuses), n=3)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    if fleet.merged is None:
        raise AckError(f"no cluster named {neutralise(name)!r} in the store or config{hint}")
    lost = [s for s in fleet.merged.sources if s.state == "unreachable"]
    if lost:  # it may be in one of them: that is the problem to report
        from collectors.errors import SourceError

        said = "; ".join(s.error.message if s.error else s.name for s in lost)
        raise SourceError(
            f"no cluster named {neutralise(name)!r} in the sources read; not read: {said}",
            source=lost[0].name,
        )
    raise AckError(f"no cluster named {neutralise(name)!r} in any source{hint}")


def fail(prog: str, exc: BaseException) -> int:
    """Report ``exc`` on one line (and its hint); the exit status it calls for."""
    from collectors.errors import LicdashError, SourceError, StoreError
    from collectors.text_safety import neutralise

    print(f"licdash {prog}: {neutralise(str(exc))}", file=sys.stderr)
    hint = getattr(exc, "hint", None)
    if isinstance(exc, LicdashError) and hint:
        print(f"  hint: {hint}", file=sys.stderr)
    lost = isinstance(exc, StoreError | SourceError | OSError)
    return EXIT_STORE if lost else EXIT_USAGE
