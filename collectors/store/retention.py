"""Retention: which files ``compact`` deletes, and the one record per cluster it keeps.

Whole week shards and event days that ended before the cutoff go, except the state in
force: a cluster whose licensing has not changed since before the cutoff has its newest
change only in an expired shard. Deleting it would leave the cluster with no history at
all (no ``before`` for a range, no entitlement series, nothing to rebuild ``latest.json``
from), so that shard is kept, cut down to that one change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from collectors.store.backends import Backend, Doc
from collectors.store.records import SHARD_DAYS, day_start, parse_day, parse_ts

Reader = Callable[[str], Doc | None]


def expired_days(backend: Backend, cutoff: datetime) -> list[str]:
    """Event and failure day files that ended before ``cutoff``."""
    out = []
    for folder in ("events", "failures"):
        for name in backend.children(folder):
            day = parse_day(name)
            if day is not None and day_start(day) + timedelta(days=1) <= cutoff:
                out.append(f"{folder}/{name}")
    return out


def plan_history(
    backend: Backend, read: Reader, cutoff: datetime
) -> tuple[list[str], list[tuple[str, Doc]]]:
    """(keys to delete, shards to keep rewritten as their newest change) for the history.

    A week folder with nothing to keep is deleted whole; otherwise file by file.
    """
    weeks = sorted(w for n in backend.children("history") if (w := parse_day(n)))
    expired = [w for w in weeks if day_start(w) + timedelta(days=SHARD_DAYS) <= cutoff]
    if not expired:
        return [], []
    live = weeks[len(expired) :]
    names: dict[date, list[str]] = {w: backend.children(f"history/{w}") for w in weeks}

    def newest_change(name: str, among: list[date]) -> tuple[str, Doc] | None:
        for week in reversed(among):
            if name not in names[week]:
                continue
            key = f"history/{week}/{name}"
            doc = read(key)
            if doc and doc.get("changes"):
                return key, doc
        return None

    keep: dict[str, Doc] = {}
    rewrite: list[tuple[str, Doc]] = []
    for name in sorted({n for w in expired for n in names[w]}):
        if newest_change(name, live) is not None:
            continue
        found = newest_change(name, expired)
        if found is None:
            continue
        key, doc = found
        changes = doc["changes"]
        newest = max(changes.values(), key=lambda c: parse_ts(c["snap"]["collected_at"]))
        keep[key] = {"changes": {"1": newest}, "runs": {}}
        if doc != keep[key]:
            rewrite.append((key, keep[key]))
    delete: list[str] = []
    for week in expired:
        kept = [k for k in keep if k.startswith(f"history/{week}/")]
        if not kept:
            delete.append(f"history/{week}")
            continue
        delete.extend(
            f"history/{week}/{n}" for n in names[week] if f"history/{week}/{n}" not in keep
        )
    return delete, rewrite
