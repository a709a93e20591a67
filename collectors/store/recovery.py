"""Repairs a writer makes when it opens a store that a crash or a hand left imperfect.

* :func:`drop_uncommitted` removes what a cycle killed between its event files and
  ``latest.json`` left behind. ``latest.json`` is the commit point: a transition or a
  failure episode newer than its cluster's committed state there belongs to a cycle that
  never finished, and the writer will see (and record) the same change again.
* :func:`rebuild_records` recreates the latest table from the history when
  ``latest.json`` was damaged: each cluster's newest recorded change is its last good
  snapshot, and an episode that never ended says it is unreachable now.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from pydantic_core import from_json

from collectors.store import day_files
from collectors.store.backends import Backend, Doc
from collectors.store.records import failures_key, parse_day, parse_ts, ts
from collectors.store.validate import DAMAGE, valid_snapshot
from collectors.store.writer import new_record

Reader = Callable[[str], Doc | None]


def committed_horizon(rec: dict[str, Any]) -> datetime | None:
    """The newest moment ``latest.json`` holds for one cluster (its last attempt or
    last good snapshot, whichever is later)."""
    known = [parse_ts(s) for s in _stamps(rec) if s]
    return max(known) if known else None


def _stamps(rec: dict[str, Any]) -> tuple[Any, Any]:
    """The stamps of a record that say how far it is committed (text, or None)."""
    return rec.get("last_attempt"), (rec.get("last_good") or {}).get("collected_at")


def newest_horizon(state: dict[str, dict[str, Any]]) -> datetime | None:
    """The newest committed moment of the whole table (the latest of every cluster's
    :func:`committed_horizon`). A stamp in the contract's own spelling (every one a
    writer wrote: ``2026-11-23T09:15:00Z``, fixed width) sorts as its text does, so of
    those only the newest is parsed; any other spelling is parsed on its own. At 10,000
    clusters this is a writer's start-up: 20,000 parses cost 50-90 ms, this a few."""
    newest_text: str | None = None
    others: list[datetime] = []
    for rec in state.values():
        for stamp in _stamps(rec):
            if not stamp:
                continue
            if _CANONICAL.fullmatch(stamp):
                if newest_text is None or stamp > newest_text:
                    newest_text = stamp
            else:
                others.append(parse_ts(stamp))
    if newest_text is not None:
        others.append(parse_ts(newest_text))
    return max(others) if others else None


_CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def drop_uncommitted(backend: Backend, state: dict[str, dict[str, Any]]) -> list[tuple[str, bytes]]:
    """The event and failure day files rewritten without the lines of an unfinished
    cycle (those newer than their cluster's committed state; an episode's end is dated
    by ``ended_at``, so dropping it opens the episode again).

    Only days from the one before the newest committed poll are looked at: an unfinished
    cycle's polls are newer than the committed ones. A store without day files costs a
    directory listing; a cluster's horizon is worked out only when a line names it.
    """
    days = [
        (f"{folder}/{name}", day)
        for folder in day_files.TABLES
        for name in backend.children(folder)
        if (day := parse_day(name)) is not None
    ]
    if not days:
        return []
    newest = newest_horizon(state)
    since = (newest - timedelta(days=1)).date() if newest is not None else None
    horizons: dict[str, datetime | None] = {}

    def horizon_of(cluster: str) -> datetime | None:
        if cluster not in horizons:
            rec = state.get(cluster)
            horizons[cluster] = committed_horizon(rec) if rec is not None else None
        return horizons[cluster]

    def uncommitted(line: Any) -> bool:
        if not isinstance(line, dict):
            return False  # damage: validation reports it where it is read
        cluster = line.get("cluster", "")
        if not isinstance(cluster, str):
            return False  # damage, as above
        stamp: Any = line.get("at", line.get("ended_at"))
        horizon = horizon_of(cluster)
        try:
            return horizon is None or parse_ts(stamp) > horizon
        except (TypeError, ValueError):
            return False

    repaired: list[tuple[str, bytes]] = []
    for key, day in days:
        if since is not None and day < since:
            continue
        blob = backend.read_from(key, 0)
        if not blob:
            continue
        complete = blob[: day_files.complete_end(blob)]
        lines = complete.splitlines(keepends=True)
        kept = [raw for raw in lines if not uncommitted(_line(raw))]
        if len(kept) != len(lines):
            repaired.append((key, b"".join(kept)))
    return repaired


def _line(raw: bytes) -> Any:
    try:
        return from_json(raw)
    except ValueError:
        return None


def _shard_clusters(backend: Backend, week: str) -> Iterable[tuple[str, str]]:
    for name in backend.children(f"history/{week}"):
        if name.endswith(".json.gz"):
            yield unquote(name.removesuffix(".json.gz")), f"history/{week}/{name}"


def rebuild_records(backend: Backend, read: Reader) -> dict[str, dict[str, Any]]:
    """A latest table rebuilt from the history shards and failure episodes.

    What the history cannot tell is left empty: tags, transport and poll duration come
    back with the cluster's next poll. Coverage runs parked in the lost file are gone.
    """
    state: dict[str, dict[str, Any]] = {}
    weeks = sorted((n for n in backend.children("history") if parse_day(n)), reverse=True)
    for week in weeks:
        for cluster, key in _shard_clusters(backend, week):
            rec = state.get(cluster)
            if rec is not None and rec["last_good"] is not None:
                continue
            doc = read(key)
            if doc is None:
                continue
            rec = rec or new_record(cluster)
            state[cluster] = rec
            runs = [parse_ts(r["end"]) for r in _good(doc.get("runs"), _run_end)]
            changes = [c["snap"] for c in _good(doc.get("changes"), _change)]
            if changes:
                rec["last_good"] = max(changes, key=lambda s: parse_ts(s["collected_at"]))
                rec["product"] = rec["last_good"].get("product", "cucm")
                runs.append(parse_ts(rec["last_good"]["collected_at"]))
            if runs and rec["last_seen"] is None:
                rec["last_seen"] = ts(max(runs))
    for rec in state.values():
        rec["last_attempt"] = rec["last_seen"]
        if rec["last_seen"] is not None:
            rec["_reach"] = "reachable"
    _restore_episodes(backend, state)
    return state


def _good(table: Any, check: Callable[[Any], object]) -> list[Any]:
    """The records of a table that pass ``check`` (damaged ones are left out)."""
    if not isinstance(table, dict):
        return []
    out = []
    for value in table.values():
        try:
            check(value)
        except DAMAGE:
            continue
        out.append(value)
    return out


def _run_end(run: Any) -> None:
    parse_ts(run["end"])


def _change(change: Any) -> None:
    if valid_snapshot(change["snap"]) is None:
        raise ValueError("not a snapshot")


def _episode(event: Any) -> None:
    for key in ("cluster", "kind", "message"):
        if not isinstance(event[key], str):
            raise TypeError(key)
    parse_ts(event["at"]), parse_ts(event["last_at"]), int(event["attempts"])
    if event.get("ended_at") is not None:
        parse_ts(event["ended_at"])


def _restore_episodes(backend: Backend, state: dict[str, dict[str, Any]]) -> None:
    """Each cluster whose newest failure episode never ended and started after its last
    good poll is unreachable again, with that episode open."""
    newest: dict[str, tuple[datetime, str, str, dict[str, Any]]] = {}
    for name in backend.children("failures"):
        day = parse_day(name)
        if day is None:
            continue
        key = failures_key(day)
        for doc_id, event in day_files.read(backend, key).table.items():
            try:
                _episode(event)
            except DAMAGE:
                continue
            at = parse_ts(event["at"])
            best = newest.get(event["cluster"])
            if best is None or at >= best[0]:
                newest[event["cluster"]] = (at, key, doc_id, event)
    for cluster, (at, key, doc_id, event) in newest.items():
        if event.get("ended_at") is not None:
            continue
        rec = state.get(cluster) or new_record(cluster)
        seen = rec["last_seen"]
        if seen is not None and parse_ts(seen) >= at:
            continue
        state[cluster] = rec
        rec["_fail"] = {
            "key": key,
            "id": doc_id,
            "kind": event["kind"],
            "message": event["message"],
            "n": int(event["attempts"]),
            "last": event["last_at"],
        }
        rec["_reach"] = "unreachable"
        rec["consecutive_failures"] = int(event["attempts"])
        rec["last_attempt"] = event["last_at"]
        rec["last_error"] = {
            "kind": event["kind"],
            "message": event["message"],
            "cluster": cluster,
            "field": event.get("field"),
            "hint": event.get("hint"),
        }
