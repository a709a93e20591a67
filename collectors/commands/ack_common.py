"""What ``ack``, ``unack``, ``acks`` and ``handover`` share: the ``--store``/``--config``
options of ``status``, who is acting, and the fleet they judge (standard library only at
module level, like every sub-command module).

The fleet is the store's latest table (read-only: the collector's writer lock is never
taken), with ``--config`` the config's clusters and policy, else the policy the
collector recorded. Acknowledgements are written beside the store under their own short
lock, so these commands work while a collector runs.

Exit status: 0 done; 1 the store cannot be read or written (missing, unwritable, the
acknowledgements lock stayed taken); 2 a usage problem (an unknown cluster, an empty
reason, an end in the past, nothing to acknowledge).
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
    from collectors.liveness import CollectorState
    from collectors.policy import FreshnessPolicy
    from collectors.results import ClusterStatus
    from collectors.store.ack_files import AckStore

EXIT_OK = 0
EXIT_STORE = 1
EXIT_USAGE = 2


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """``--store`` and ``--config``, as ``licdash status`` takes them."""
    parser.add_argument(
        "--store",
        metavar="DIR",
        help="store directory whose acknowledgements to use",
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
    """The fleet as the acknowledgement commands judge it."""

    store_dir: Path
    statuses: Mapping[str, ClusterStatus]
    policy: FreshnessPolicy
    acks: AckStore
    collector: CollectorState | None = None
    secrets: set[str] = field(default_factory=set)
    """The config's secrets: masked in anything a person types."""


def load_fleet(args: argparse.Namespace, now: datetime) -> Fleet:
    """Raises ``LicdashError`` (a ``StoreError`` for a missing or unreadable store)."""
    from collectors.errors import StoreError
    from collectors.fleet_summary import with_roster
    from collectors.paths import default_store_dir
    from collectors.policy import DEFAULT_POLICY, FreshnessPolicy
    from collectors.store import SnapshotStore
    from collectors.store.ack_files import AckStore

    store_dir = Path(args.store).expanduser() if args.store else default_store_dir()
    if not store_dir.is_dir():
        raise StoreError(f"{store_dir}: no store here (run `licdash collect`, or pass --store)")
    with SnapshotStore.open(store_dir, readonly=True) as store:
        statuses: Mapping[str, ClusterStatus] = store.latest()
        policy = store.policy() or DEFAULT_POLICY
        collector = store.collector_state(now)
    secrets: set[str] = set()
    if getattr(args, "config", None):
        from collectors.config import load_config
        from collectors.logs import config_secrets

        config = load_config(args.config)
        statuses = with_roster(statuses, config)
        policy = FreshnessPolicy.from_config(config)
        secrets = config_secrets(config)
    return Fleet(store_dir, statuses, policy, AckStore(store_dir), collector, secrets)


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


def cluster_named(name: str, statuses: Mapping[str, ClusterStatus]) -> str:
    """``name`` if the fleet has it; else ``AckError`` with the nearest names."""
    from collectors.errors import AckError
    from collectors.text_safety import neutralise

    if name in statuses:
        return name
    near = difflib.get_close_matches(name, list(statuses), n=3)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise AckError(f"no cluster named {neutralise(name)!r} in the store or config{hint}")


def fail(prog: str, exc: BaseException) -> int:
    """Report ``exc`` on one line (and its hint); the exit status it calls for."""
    from collectors.errors import LicdashError, StoreError
    from collectors.text_safety import neutralise

    print(f"licdash {prog}: {neutralise(str(exc))}", file=sys.stderr)
    hint = getattr(exc, "hint", None)
    if isinstance(exc, LicdashError) and hint:
        print(f"  hint: {hint}", file=sys.stderr)
    return EXIT_STORE if isinstance(exc, StoreError | OSError) else EXIT_USAGE
