"""The store's read queries: one cluster's history, fleet transitions, failure episodes
and entitlement series. :class:`~collectors.store.snapshot_store.SnapshotStore` exposes
them as methods, handing them a :class:`StoreView`: they know the files and the latest
records, not the store object."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic_core import to_json

from collectors.model import LicenseSnapshot, to_utc_second
from collectors.store import day_files, validate
from collectors.store.backends import Backend, Doc
from collectors.store.records import (
    SHARD_DAYS,
    ClusterHistory,
    FailureEvent,
    Transition,
    day_start,
    events_key,
    failure_event,
    failures_key,
    history_key,
    merge_runs,
    parse_day,
    parse_ts,
)


@dataclass(frozen=True, slots=True)
class StoreView:
    """What the queries read from a store."""

    backend: Backend
    read: Callable[[str], Doc | None]
    """A file's document; None when it is missing or damaged (damage is reported)."""
    records: Callable[[], Mapping[str, Mapping[str, Any]]]
    """Each cluster's latest record, by name, as of the last written cycle."""
    damaged: Callable[[str, str, str], None] = lambda key, what, cause: None
    """Reports one damaged record: ``(file key, which record, cause)``; it is skipped."""


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _weeks(backend: Backend) -> list[date]:
    return sorted(w for n in backend.children("history") if (w := parse_day(n)))


def history(
    store: StoreView, cluster: str, since: datetime | None = None, until: datetime | None = None
) -> ClusterHistory:
    """One cluster's changes, poll coverage and failures in [since, until]."""
    since = to_utc_second(since) if since else None
    until = to_utc_second(until) if until else _utcnow()
    weeks = [w for w in _weeks(store.backend) if day_start(w) <= until]
    changes: list[LicenseSnapshot] = []
    runs: list[tuple[datetime, datetime]] = []
    before: LicenseSnapshot | None = None
    for week in reversed(weeks):
        in_range = since is None or day_start(week) + timedelta(days=SHARD_DAYS) > since
        if not in_range and before is not None:
            break
        doc = store.read(history_key(cluster, week))
        if doc is None:
            continue
        key = history_key(cluster, week)

        def damaged(what: str, cause: str, key: str = key) -> None:
            store.damaged(key, what, f"{cause}; skipped")

        snaps = validate.items(
            doc.get("changes"),
            lambda _id, r: LicenseSnapshot.model_validate(r["snap"]),
            damaged,
        )
        for snap in sorted(snaps, key=lambda s: s.collected_at, reverse=True):
            if since is not None and snap.collected_at < since:
                before = before or snap
            elif snap.collected_at <= until:
                changes.append(snap)
        if in_range:
            runs.extend(
                validate.items(
                    doc.get("runs"),
                    lambda _id, r: (parse_ts(r["start"]), parse_ts(r["end"])),
                    damaged,
                )
            )
    rec = store.records().get(cluster)
    if rec is not None:
        pending = [*rec.get("_runs", []), *([rec["_run"]] if rec["_run"] else [])]
        runs.extend((parse_ts(start), parse_ts(end)) for start, end in pending)
    episodes = [f for f in failures(store, cluster, since) if f.at <= until]
    return ClusterHistory(
        cluster=cluster,
        since=since,
        until=until,
        changes=tuple(sorted(changes, key=lambda s: s.collected_at)),
        before=before,
        seen=tuple(merge_runs(runs, since, until)),
        failures=tuple(episodes),
    )


def transitions(
    store: StoreView, since: datetime, until: datetime | None = None
) -> list[Transition]:
    """Every watched state change across the fleet in [since, until], oldest first."""
    since = to_utc_second(since)
    until = to_utc_second(until) if until else _utcnow()
    out = []
    for name in store.backend.children("events"):
        day = parse_day(name)
        if day is None or not since.date() <= day <= until.date():
            continue
        key = events_key(day)
        table = day_files.read(store.backend, key).table

        def damaged(what: str, cause: str, key: str = key) -> None:
            store.damaged(key, what, f"{cause}; skipped")

        for t in validate.items(table, _transition, damaged):
            if since <= t.at <= until:
                out.append(t)
    out.sort(key=lambda t: (t.at, t.cluster, t.field, t.subject or ""))
    return out


def _transition(_id: str, t: Any) -> Transition:
    for name in ("cluster", "field"):
        if not isinstance(t[name], str):
            raise TypeError(f"{name} is not text")
    return Transition(
        at=parse_ts(t["at"]),
        cluster=t["cluster"],
        field=t["field"],
        old=t["old"],
        new=t["new"],
        subject=t.get("subject"),
    )


def _pair(doc_id: str, e: Any) -> tuple[str, Any]:
    if not isinstance(e, dict):
        raise TypeError("not an object")
    return doc_id, e


def failures(
    store: StoreView, cluster: str | None = None, since: datetime | None = None
) -> list[FailureEvent]:
    """Failure episodes that started at or after ``since``, plus any still going on."""
    since = to_utc_second(since) if since else None
    records = store.records()
    if cluster is not None:  # one record, not a walk over the fleet's
        own = records.get(cluster)
        records = {cluster: own} if own is not None else {}
    ongoing = {
        (day_files.journal_key(r["_fail"]["key"]), r["_fail"]["id"]): r["_fail"]
        for r in records.values()
        if r["_fail"] is not None and cluster in (None, r["cluster"])
    }
    keys = {
        failures_key(day)
        for n in store.backend.children("failures")
        if (day := parse_day(n)) and (since is None or day >= since.date())
    }
    ongoing_keys = {key for key, _ in ongoing}
    keys.update(ongoing_keys)
    out = []
    needle = None if cluster is None else to_json(cluster)
    for key in sorted(keys):
        blob, folder, legacy = day_files.read_raw(store.backend, key)
        if needle is not None and key not in ongoing_keys and _lacks(blob, needle):
            continue
        table = day_files.parse(blob, folder, legacy, needle).table

        def damaged(what: str, cause: str, key: str = key) -> None:
            store.damaged(key, what, f"{cause}; skipped")

        def event(doc_id: str, e: Any, key: str = key) -> FailureEvent:
            return failure_event(e, ongoing.get((key, doc_id)))

        for doc_id, e in validate.items(table, _pair, damaged):
            if (
                cluster is not None
                and isinstance(name := e.get("cluster"), str)
                and (name != cluster)
            ):
                continue  # another cluster's episode: not worth a model (a day holds all)
            try:
                found = event(doc_id, e)
            except validate.DAMAGE as exc:
                damaged(f"record {doc_id}", validate.reason(exc))
                continue
            if cluster not in (None, found.cluster):
                continue
            if (key, doc_id) not in ongoing and since is not None and found.at < since:
                continue
            out.append(found)
    out.sort(key=lambda f: (f.at, f.cluster))
    return out


def _lacks(blob: bytes | None, needle: bytes) -> bool:
    """Whether a day file's bytes provably hold no episode of the cluster whose name is
    the JSON string ``needle`` (see :func:`day_files.may_name`). A day holds the whole
    fleet's episodes, a cluster's a few days a quarter: one cluster's 90-day history
    parsed every day's file (16 MB at 10,000 clusters) where a byte search of each will
    do. Anything unsure is read and validated as before."""
    return blob is None or not day_files.may_name(blob, needle)


def entitlement_series(
    store: StoreView, cluster: str, since: datetime | None = None, until: datetime | None = None
) -> dict[str, list[tuple[datetime, int]]]:
    """Per entitlement tag, (time, count) at each change of its count; a point at
    ``since`` carries the count in force then; a tag no longer reported drops to 0."""
    hist = history(store, cluster, since, until)
    series: dict[str, list[tuple[datetime, int]]] = {}
    steps: list[tuple[datetime, LicenseSnapshot]] = [(s.collected_at, s) for s in hist.changes]
    if hist.before is not None and hist.since is not None:
        steps.insert(0, (hist.since, hist.before))
    for at, snap in steps:
        counts = {e.tag: e.count for e in snap.entitlements}
        for tag in series.keys() - counts.keys():
            counts[tag] = 0
        for tag, count in counts.items():
            points = series.setdefault(tag, [])
            if not points or points[-1][1] != count:
                points.append((at, count))
    return series
