"""The JSON of ``licdash.api/1``: what the collector's API sends and how a follower reads it.

One codec for both ends, so the server and :class:`~collectors.sources.remote.RemoteSource`
cannot drift apart. Every string goes through :func:`clean` on the way out *and* on the
way in: registered secrets removed (:mod:`collectors.secret_scrub`) and control
characters made visible (:mod:`collectors.text_safety`). A follower treats a collector's
answer as hostile text like any publisher's: a decoding problem is a ``ValueError`` (or
pydantic's ``ValidationError``, a subclass) that the follower turns into the source's
failure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from pydantic import TypeAdapter

from collectors.acks import Ack, AckBook
from collectors.liveness import CollectorState, Heartbeat, State
from collectors.model import LicenseSnapshot, format_ts
from collectors.policy import DEFAULT_POLICY, FreshnessPolicy
from collectors.results import ClusterStatus
from collectors.secret_scrub import scrubber
from collectors.store.ack_records import AckEvent
from collectors.store.records import ClusterHistory, CoverageRun, FailureEvent, Transition
from collectors.text_safety import is_safe, neutralise

API: Final = "licdash.api/1"
"""The contract's name; a new major number means an incompatible change."""
PREFIX: Final = "/api/v1"

_FAILURE = TypeAdapter(FailureEvent)
_STATUS_FIELDS = frozenset(ClusterStatus.model_fields)
_TRANSITION = TypeAdapter(Transition)


def cleaner() -> Callable[[str], str]:
    """One string scrubbed of every secret known now and neutralised."""
    scrubbed = scrubber()

    def one(text: str) -> str:
        if not (text.isascii() and text.isprintable()) and not is_safe(text):
            text = neutralise(text)  # (printable ASCII holds nothing to neutralise)
        return scrubbed(text)

    return one


def clean(value: Any, one: Callable[[str], str] | None = None) -> Any:
    """``value`` with every string (keys too) scrubbed of secrets and neutralised."""
    one = one or cleaner()
    if isinstance(value, str):
        return one(value)
    if isinstance(value, dict):
        return {one(k): clean(v, one) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v, one) for v in value]
    return value


def dumps(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _plain(text: str, scrubbed: Callable[[str], str]) -> bool:
    """JSON text whose strings hold nothing to clean: no escape at all (so no control
    character inside), nothing :func:`neutralise` would touch, no known secret. Then
    cleaning string by string would change nothing, and is skipped."""
    return "\\" not in text and is_safe(text) and scrubbed(text) == text


def dumps_clean(doc: Any) -> bytes:
    """:func:`dumps` of :func:`clean` ``doc``, without the walk when nothing needs it."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    if not _plain(text, scrubber()):
        text = json.dumps(clean(doc), ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def loads(body: bytes, where: str) -> dict[str, Any]:
    """An answer's JSON object, cleaned, with its ``api`` checked."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where} sent something that is not JSON ({exc})") from None
    one = cleaner()
    hook = None if _plain(text, scrubber()) else _cleaning_hook(one)
    try:
        doc = json.loads(text, object_pairs_hook=hook)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where} sent something that is not JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{where} sent JSON that is not an object")
    api = doc.get("api")
    if api != API:
        said = str(api)[:40] if api is not None else "nothing"
        raise ValueError(f"{where} speaks {said}, not {API} (a different licdash version?)")
    return doc


def _cleaning_hook(
    one: Callable[[str], str],
) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def strings(items: list[Any]) -> list[Any]:
        return [one(v) if type(v) is str else strings(v) if type(v) is list else v for v in items]

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        # Each object as it is decoded (objects inside were cleaned already): no second
        # walk over a 3,000-cluster answer.
        return {
            one(k): one(v) if type(v) is str else strings(v) if type(v) is list else v
            for k, v in items
        }

    return pairs


def ts(value: datetime | None) -> str | None:
    return None if value is None else format_ts(value)


def parse_ts(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a time: {value!r}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"time without a zone: {value!r}")
    return parsed


# ----- the fleet --------------------------------------------------------------------


def entry(status: ClusterStatus, stale_after_s: float) -> bytes:
    """One cluster of the fleet table: its status plus the staleness threshold its
    collector judges it by (the recorded policy's input for this cluster)."""
    doc = status.model_dump(mode="json", by_alias=True)
    doc["stale_after_s"] = stale_after_s
    return dumps_clean(doc)


def read_entry(doc: Any) -> tuple[ClusterStatus, float | None]:
    if not isinstance(doc, dict):
        raise ValueError("a cluster entry is not an object")
    stale_after = doc.get("stale_after_s")
    # Fields a newer collector added are ignored (the contract grows by adding them).
    status = ClusterStatus.model_validate({k: v for k, v in doc.items() if k in _STATUS_FIELDS})
    if stale_after is not None and (
        not isinstance(stale_after, int | float) or not stale_after > 0
    ):
        raise ValueError(f"cluster {status.cluster}: stale_after_s {stale_after!r} is not > 0")
    return status, None if stale_after is None else float(stale_after)


def policy_doc(policy: FreshnessPolicy | None) -> dict[str, Any]:
    """The policy's fleet-wide part; each cluster's threshold travels on its entry."""
    used = policy or DEFAULT_POLICY
    return {
        "recorded": policy is not None,
        "stale_after_s": used.stale_after_s,
        "warning_days": used.warning_days,
        "critical_days": used.critical_days,
    }


def read_policy(doc: Any, per_cluster: Mapping[str, float]) -> FreshnessPolicy | None:
    """The collector's recorded policy (None: it recorded none)."""
    if not isinstance(doc, dict):
        raise ValueError("policy is not an object")
    if not doc.get("recorded"):
        return None
    return FreshnessPolicy.model_validate(
        {
            "stale_after_s": doc.get("stale_after_s"),
            "warning_days": doc.get("warning_days"),
            "critical_days": doc.get("critical_days"),
            "cluster_stale_after_s": dict(per_cluster),
            "origin": "store",
        }
    )


def collector_doc(state: CollectorState, now: datetime) -> dict[str, Any]:
    beat = state.heartbeat
    return {
        "state": state.state.value,
        "reason": state.reason,
        "age_s": state.age.total_seconds() if state.age is not None else None,
        "text": state.text(now),
        "heartbeat": beat.model_dump(mode="json") if beat else None,
    }


def read_collector(doc: Any) -> CollectorState:
    if not isinstance(doc, dict):
        raise ValueError("collector is not an object")
    beat = doc.get("heartbeat")
    age = doc.get("age_s")
    if age is not None and not isinstance(age, int | float):
        raise ValueError(f"collector age_s {age!r} is not a number")
    return CollectorState(
        State(str(doc.get("state"))),
        Heartbeat.model_validate(beat) if beat is not None else None,
        timedelta(seconds=age) if age is not None else None,
        str(doc.get("reason") or ""),
    )


# ----- history, transitions, failures -------------------------------------------------


def failure_doc(event: FailureEvent) -> dict[str, Any]:
    return {
        "cluster": event.cluster,
        "at": ts(event.at),
        "last_at": ts(event.last_at),
        "attempts": event.attempts,
        "kind": event.kind,
        "message": event.message,
        "field": event.field,
        "hint": event.hint,
        "ended_at": ts(event.ended_at),
    }


def read_failure(doc: Any) -> FailureEvent:
    return _FAILURE.validate_python(doc)


def transition_doc(item: Transition) -> dict[str, Any]:
    return {
        "at": ts(item.at),
        "cluster": item.cluster,
        "field": item.field,
        "old": item.old,
        "new": item.new,
        "subject": item.subject,
    }


def read_transition(doc: Any) -> Transition:
    return _TRANSITION.validate_python(doc)


def history_doc(
    history: ClusterHistory, changes: Sequence[LicenseSnapshot], next_at: str | None
) -> dict[str, Any]:
    """One page of a cluster's history: ``changes`` is the page, ``next`` where the
    following page starts (None: this was the last)."""
    return {
        "cluster": history.cluster,
        "since": ts(history.since),
        "until": ts(history.until),
        "changes": [snap.to_json_dict() for snap in changes],
        "before": history.before.to_json_dict() if history.before else None,
        "seen": [[ts(run.start), ts(run.end)] for run in history.seen],
        "failures": [failure_doc(f) for f in history.failures],
        "next": next_at,
    }


def read_history_page(doc: Any) -> tuple[ClusterHistory, str | None]:
    if not isinstance(doc, dict):
        raise ValueError("history is not an object")
    seen = []
    for run in doc.get("seen") or []:
        if not isinstance(run, list) or len(run) != 2:
            raise ValueError("a coverage run is not [start, end]")
        start, end = parse_ts(run[0]), parse_ts(run[1])
        if start is None or end is None:
            raise ValueError("a coverage run without both ends")
        seen.append(CoverageRun(start, end))
    until = parse_ts(doc.get("until"))
    if until is None:
        raise ValueError("history without until")
    before = doc.get("before")
    history = ClusterHistory(
        cluster=str(doc.get("cluster")),
        since=parse_ts(doc.get("since")),
        until=until,
        changes=tuple(LicenseSnapshot.model_validate(s) for s in doc.get("changes") or []),
        before=LicenseSnapshot.model_validate(before) if before is not None else None,
        seen=tuple(seen),
        failures=tuple(read_failure(f) for f in doc.get("failures") or []),
    )
    next_at = doc.get("next")
    return history, next_at if isinstance(next_at, str) else None


def series_doc(series: Mapping[str, Sequence[tuple[datetime, int]]]) -> dict[str, Any]:
    return {tag: [[ts(at), count] for at, count in points] for tag, points in series.items()}


def read_series(doc: Any) -> dict[str, list[tuple[datetime, int]]]:
    if not isinstance(doc, dict):
        raise ValueError("series is not an object")
    out: dict[str, list[tuple[datetime, int]]] = {}
    for tag, points in doc.items():
        line = []
        for point in points:
            at = parse_ts(point[0])
            if at is None or not isinstance(point[1], int):
                raise ValueError(f"series {tag}: a point is not [time, count]")
            line.append((at, point[1]))
        out[str(tag)] = line
    return out


# ----- acknowledgements ---------------------------------------------------------------

MAX_ACKS: Final = 50_000
"""Acknowledgements in force one answer may carry (a follower refuses more)."""


def acks_doc(book: AckBook) -> list[dict[str, Any]]:
    """Every acknowledgement in force, as stored (each face judges them at its own now)."""
    return [ack.model_dump(mode="json") for ack in book.all()]


def read_acks(doc: Any, token: object = None) -> AckBook:
    if not isinstance(doc, list):
        raise ValueError("acks is not a list")
    if len(doc) > MAX_ACKS:
        raise ValueError(f"{len(doc):,} acknowledgements is more than {MAX_ACKS:,}")
    return AckBook.of((Ack.model_validate(item) for item in doc), token)


def event_doc(event: AckEvent) -> dict[str, Any]:
    return event.model_dump(mode="json")


def read_event(doc: Any) -> AckEvent:
    return AckEvent.model_validate(doc)
