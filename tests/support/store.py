"""A real on-disk store holding given cluster statuses, as a collector would leave it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from collectors.results import ClusterStatus, PollResult, PollUpdate
from collectors.store import SnapshotStore


def update_for(status: ClusterStatus) -> PollUpdate:
    """The poll that led to ``status``: good if it has no failures, else failed."""
    good = status.consecutive_failures == 0 and status.last_good is not None
    result = PollResult(
        cluster=status.cluster,
        started_at=status.last_attempt or datetime.now(UTC),
        duration_s=status.last_duration_s or 0.1,
        snapshot=status.last_good if good else None,
        error=None if good else status.last_error,
        transport="axl",
    )
    return PollUpdate(result=result, status=status)


def write_store(directory: Path, statuses: Iterable[ClusterStatus]) -> Path:
    """A store holding ``statuses``: a good cycle first, then the failed polls (the store
    keeps its own per-cluster record, so a failure needs a good poll before it)."""
    statuses = list(statuses)
    good = [
        s.model_copy(update={"consecutive_failures": 0, "last_error": None})
        for s in statuses
        if s.last_good is not None
    ]
    good = [g.model_copy(update={"last_attempt": g.last_seen}) for g in good]
    failed = [s for s in statuses if s.consecutive_failures]
    store = SnapshotStore.open(directory)
    try:
        for batch in (good, failed):
            store.write_batch([update_for(s) for s in batch])
    finally:
        store.close()
    return directory
