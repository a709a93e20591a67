"""The writer's per-cycle logic: change-only history, coverage runs, failure episodes,
transitions. :class:`CycleWriter` applies one batch to the in-memory latest table and
collects the documents to write; the store then writes them durably."""

from __future__ import annotations

import hashlib
import operator
import re
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from pydantic_core import to_json, to_jsonable_python

from collectors.model import LicenseSnapshot
from collectors.results import ErrorInfo, PollUpdate
from collectors.store.backends import Doc
from collectors.store.day_files import DayWriter, end_line, journal_key
from collectors.store.records import (
    SHARD_DAYS,
    day_start,
    events_key,
    failures_key,
    history_key,
    parse_ts,
    ts,
    week_start,
)

DERIVED = ("collected_at", "severity", "reasons", "deadlines")
PENDING_RUNS = 8
CONTENT_FIELDS = tuple(
    name for name in LicenseSnapshot.model_fields if name not in DERIVED
)  # the model's content_dict() keys, as attribute names


_content_of = operator.attrgetter(*CONTENT_FIELDS)


def same_content(a: LicenseSnapshot, b: LicenseSnapshot) -> bool:
    """``a.content_digest() == b.content_digest()``, without serialising either (two
    tuples built in C; their comparison skips the fields both share by identity)."""
    return bool(_content_of(a) == _content_of(b))


def derived_json(snap: LicenseSnapshot) -> dict[str, Any]:
    """The time-derived part of ``snap.to_json_dict()``, built by hand (cheap; an
    enum's ``_value_`` is its ``value`` without the descriptor, a fifth of the cost at
    40,000 deadlines a cycle)."""
    return {
        "collected_at": ts(snap.collected_at),
        "severity": snap.severity._value_,
        "reasons": list(snap.reasons),
        "deadlines": [
            {"kind": d.kind._value_, "at": ts(d.at), "days_left": d.days_left, "hard": d.hard}
            for d in snap.deadlines
        ],
    }


ADDED_DEFAULTS: Final[dict[str, Any]] = {
    field.alias or name: to_jsonable_python(field.get_default(call_default_factory=True))
    for name, field in LicenseSnapshot.model_fields.items()
    if not field.is_required() and name not in DERIVED
}
"""What a snapshot stored before a field was added reads as (``product``: ``cucm``)."""


def content_json(snap_json: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snap_json.items() if k not in DERIVED}


def stored_content(stored: dict[str, Any]) -> dict[str, Any]:
    """:func:`content_json` of a snapshot read from disk, fields added since it was
    written taking their defaults (so an older store's snapshot is not a change)."""
    return content_json({**ADDED_DEFAULTS, **stored})


def new_record(cluster: str) -> dict[str, Any]:
    return {
        "cluster": cluster,
        "product": "cucm",
        "tags": {},
        "last_good": None,
        "last_seen": None,
        "last_attempt": None,
        "last_duration_s": None,
        "consecutive_failures": 0,
        "last_error": None,
        "stale": False,
        "transport": None,
        "axl_version": None,
        "_run": None,  # open coverage run [start, end]
        "_runs": [],  # closed runs not yet moved to the week shards
        "_cad": None,  # seconds between the last two attempts
        "_fail": None,  # open failure episode
        "_reach": None,  # "reachable" | "unreachable"
    }


_RECORD_KEYS: Final = new_record("").keys()


def complete_record(cluster: str, rec: dict[str, Any]) -> dict[str, Any]:
    """``rec`` with every field a writer's record has: itself when it has them all (a
    record this version wrote; one membership test per field, in C), else over the
    defaults (one an older version wrote). Rebuilding every record cost 50-80 ms of a
    10,000-cluster writer's start-up."""
    return rec if rec.keys() >= _RECORD_KEYS else {**new_record(cluster), **rec}


def record_copy(rec: dict[str, Any]) -> dict[str, Any]:
    """A copy of a latest record that the writer's in-place updates leave alone (it
    mutates ``_run``, ``_runs`` and ``_fail`` in place and replaces the rest)."""
    out = dict(rec)
    if isinstance(run := rec.get("_run"), list):
        out["_run"] = list(run)
    if isinstance(runs := rec.get("_runs"), list):
        out["_runs"] = list(runs)
    if isinstance(fail := rec.get("_fail"), dict):
        out["_fail"] = dict(fail)
    return out


class CycleWriter:
    """Applies updates to ``state`` (cluster -> latest record) and gathers dirty docs."""

    def __init__(
        self,
        state: dict[str, dict[str, Any]],
        prev: dict[str, LicenseSnapshot],
        content: dict[str, dict[str, Any]],
        read: Any,
        max_gap: timedelta,
        days: DayWriter,
    ) -> None:
        self.state = state
        self.prev = prev
        self.content = content
        self._read = read  # key -> Doc | None (problems already reported)
        self.max_gap = max_gap
        self.days = days
        """Where transitions and failure episodes go (appended to the day files)."""
        self.dirty: dict[str, Doc] = {}
        self.touched: set[str] = set()
        """Clusters whose latest record this batch changed."""
        self.whole: set[str] = set()
        """... of which those whose ``last_good`` content changed (or which are new)."""
        self.before: dict[str, dict[str, Any]] = {}
        """The touched records as they were before this batch (for journal deltas)."""

    # ----- documents ----------------------------------------------------------------

    def doc(self, key: str, tables: tuple[str, ...]) -> Doc:
        doc = self.dirty.get(key)
        if doc is None:
            doc = self._read(key) or {}
            self.dirty[key] = doc
        for table in tables:
            doc.setdefault(table, {})
        return doc

    @staticmethod
    def insert(table: dict[str, Any], value: dict[str, Any]) -> str:
        n = len(table) + 1  # ids are dense: the store never deletes single documents
        while str(n) in table:
            n += 1
        doc_id = str(n)
        table[doc_id] = value
        return doc_id

    def _transition(
        self,
        at: datetime,
        cluster: str,
        field: str,
        old: str | None,
        new: str | None,
        subject: str | None = None,
    ) -> None:
        self.days.add(
            events_key(at.date()),
            {
                "at": ts(at),
                "cluster": cluster,
                "field": field,
                "old": old,
                "new": new,
                "subject": subject,
            },
        )

    # ----- one update ---------------------------------------------------------------

    def apply(self, update: PollUpdate) -> None:
        result, status = update.result, update.status
        cluster = result.cluster
        rec = self.state.get(cluster)
        if rec is None:
            rec = self.state[cluster] = new_record(cluster)
            self.whole.add(cluster)
        elif cluster not in self.touched:
            self.before[cluster] = record_copy(rec)
        self.touched.add(cluster)
        at = result.started_at  # already UTC, whole seconds (a Timestamp field)
        threshold = self.max_gap
        if rec["last_attempt"] is not None:
            interval = (at - parse_ts(rec["last_attempt"])).total_seconds()
            if rec["_cad"]:
                threshold = max(threshold, timedelta(seconds=3 * rec["_cad"]))
            if interval > 0:
                rec["_cad"] = interval
        if result.snapshot is not None:
            self._success(rec, result.snapshot, at, threshold)
            rec["last_seen"] = max(rec["last_seen"] or "", ts(at))  # never backwards
            rec["consecutive_failures"] = 0
            rec["last_error"] = status.last_error.model_dump() if status.last_error else None
        else:
            error = result.error or ErrorInfo(
                kind="internal", message="poll returned neither snapshot nor error"
            )
            self._failure(rec, error, at)
            rec["consecutive_failures"] += 1
            rec["last_error"] = error.model_dump()
        rec["tags"] = dict(status.tags) or rec["tags"]
        rec["product"] = status.product
        rec["stale"] = status.stale
        rec["last_attempt"] = max(rec["last_attempt"] or "", ts(at))
        rec["last_duration_s"] = result.duration_s
        rec["transport"] = result.transport or status.transport or rec["transport"]
        rec["axl_version"] = result.axl_version or status.axl_version or rec["axl_version"]

    def _success(
        self, rec: dict[str, Any], snap: LicenseSnapshot, at: datetime, threshold: timedelta
    ) -> None:
        cluster = rec["cluster"]
        prev = self.prev.get(cluster)
        stored = rec["last_good"]
        if prev is None and stored is not None:
            # First poll of this cluster since the store was opened: compare with the
            # stored JSON rather than validating it into a model (a tenth of a
            # millisecond per cluster for every `collect --once`); only a change needs
            # the old snapshot as a model, for the transitions.
            snap_json = snap.to_json_dict()
            content = content_json(snap_json)
            same = content == stored_content(stored)
            self.content[cluster] = content
            if same:
                changed = stored.get("severity") != snap_json["severity"]
            else:
                self.whole.add(cluster)
                changed = True
            if changed:
                prev = LicenseSnapshot.model_validate(stored)
        elif prev is not None and same_content(prev, snap):
            snap_json = {**self.content[cluster], **derived_json(snap)}
            changed = prev.severity != snap.severity
        else:
            snap_json = snap.to_json_dict()
            self.content[cluster] = content_json(snap_json)
            self.whole.add(cluster)
            changed = True
        if changed:
            self._record_change(cluster, snap, snap_json)
            self._flush_runs(rec)  # its shard is being written anyway
            if prev is not None:
                self._diff(cluster, prev, snap)
        self.prev[cluster] = snap
        rec["last_good"] = snap_json
        # coverage
        run = rec["_run"]
        if run is not None and rec["_reach"] == "reachable" and at - parse_ts(run[1]) <= threshold:
            run[1] = max(run[1], ts(at))
        else:
            if run is not None:
                self._close_run(rec, run)
            rec["_run"] = [ts(at), ts(at)]
        if rec["_fail"] is not None:
            self._close_episode(cluster, rec["_fail"], at)
            rec["_fail"] = None
        if rec["_reach"] == "unreachable":
            self._transition(at, cluster, "reachability", "unreachable", "reachable")
        rec["_reach"] = "reachable"

    def _record_change(self, cluster: str, snap: LicenseSnapshot, snap_json: Doc) -> None:
        doc = self.doc(history_key(cluster, week_start(snap.collected_at)), ("changes", "runs"))
        changes = doc["changes"]
        if changes:  # a crash between the shard and latest.json writes: don't repeat it
            last = changes[max(changes, key=int)]["snap"]
            if stored_content(last) == content_json(snap_json) and (
                last["severity"] == snap_json["severity"]
            ):
                return
        self.insert(changes, {"snap": snap_json})

    def _diff(self, cluster: str, old: LicenseSnapshot, new: LicenseSnapshot) -> None:
        at = new.collected_at
        if old.registration.status != new.registration.status:
            self._transition(
                at, cluster, "registration", old.registration.status, new.registration.status
            )
        if old.authorization.status != new.authorization.status:
            self._transition(
                at, cluster, "authorization", old.authorization.status, new.authorization.status
            )
        if old.severity != new.severity:
            self._transition(at, cluster, "severity", old.severity, new.severity)
        before = {e.tag: e.status.value for e in old.entitlements}
        after = {e.tag: e.status.value for e in new.entitlements}
        for tag in sorted(before.keys() | after.keys()):
            if before.get(tag) != after.get(tag):
                self._transition(
                    at, cluster, "entitlement", before.get(tag), after.get(tag), subject=tag
                )

    def _close_run(self, rec: dict[str, Any], run: list[str]) -> None:
        """Park a finished coverage run in the latest record (rewritten every cycle
        anyway); they move to the week shards with the cluster's next change, or when
        ``PENDING_RUNS`` have gathered, so a flapping cluster costs no shard writes."""
        pending = rec.setdefault("_runs", [])
        pending.append(run)
        if len(pending) >= PENDING_RUNS:
            self._flush_runs(rec)

    def _flush_runs(self, rec: dict[str, Any]) -> None:
        """Write parked runs to the week shards, split at week boundaries."""
        for run in rec.get("_runs", []):
            start, end = parse_ts(run[0]), parse_ts(run[1])
            while True:
                week = week_start(start)
                boundary = day_start(week) + timedelta(days=SHARD_DAYS)
                doc = self.doc(history_key(rec["cluster"], week), ("changes", "runs"))
                self.insert(doc["runs"], {"start": ts(start), "end": ts(min(end, boundary))})
                if end <= boundary:
                    break
                start = boundary
        rec["_runs"] = []

    def _failure(self, rec: dict[str, Any], error: ErrorInfo, at: datetime) -> None:
        cluster = rec["cluster"]
        if rec["_run"] is not None:
            self._close_run(rec, rec["_run"])
            rec["_run"] = None
        fail = rec["_fail"]
        if fail is not None and (fail["kind"], fail["message"]) == (error.kind, error.message):
            fail["n"] += 1
            fail["last"] = ts(at)
        else:
            if fail is not None:
                self._close_episode(cluster, fail, at)
            key = failures_key(at.date())
            doc_id = self.days.new_id(key)
            self.days.add(
                key,
                {
                    "id": doc_id,
                    "cluster": cluster,
                    "at": ts(at),
                    "last_at": ts(at),
                    "attempts": 1,
                    "kind": error.kind,
                    "message": error.message,
                    "field": error.field,
                    "hint": error.hint,
                    "ended_at": None,
                },
            )
            rec["_fail"] = {
                "key": key,
                "id": doc_id,
                "kind": error.kind,
                "message": error.message,
                "n": 1,
                "last": ts(at),
            }
        if rec["_reach"] == "reachable":
            self._transition(at, cluster, "reachability", "reachable", "unreachable", error.kind)
        rec["_reach"] = "unreachable"

    def _close_episode(self, cluster: str, fail: dict[str, Any], at: datetime) -> None:
        key = journal_key(fail["key"])
        self.days.add(key, end_line(fail["id"], cluster, fail["last"], fail["n"], ts(at)))


def encode_latest(
    state: dict[str, dict[str, Any]], generation: int, *, journal: str | None = None
) -> bytes:
    """``latest.json`` as bytes (``pydantic_core``'s encoder: the same JSON as compact
    ``json.dumps``, in a third of the time). ``meta`` comes first, so a reader learns
    the generation and the journal that follows this base from the file's head."""
    clusters = to_json({str(i): rec for i, (_, rec) in enumerate(sorted(state.items()), 1)})
    written = datetime.now(UTC).replace(microsecond=0)
    meta: dict[str, Any] = {"generation": generation, "written_at": ts(written)}
    if journal is not None:
        meta["journal"] = journal
    meta[SEAL] = seal(clusters)
    return b'{"meta":{"1":' + to_json(meta) + b'},"clusters":' + clusters + b"}"


SEAL = "clusters_digest"
_SEALED = re.compile(rb'"clusters_digest":"([0-9a-f]{32})"')


def seal(clusters: bytes) -> str:
    """The digest ``latest.json`` keeps of its ``clusters`` bytes."""
    return hashlib.blake2b(clusters, digest_size=16).hexdigest()


def sealed(blob: bytes) -> bool:
    """Whether ``latest.json``'s records are byte for byte what a writer encoded from
    values it had validated (its digest matches): a writer opening the store need not
    validate them again. Any edit or damage breaks the seal, and validation runs."""
    found = _SEALED.search(blob, 0, 1024)
    start = blob.find(b'},"clusters":', 0, 1024) if found else -1
    if found is None or start < 0 or not blob.endswith(b"}"):
        return False
    return seal(blob[start + 13 : -1]) == found.group(1).decode()
