"""Every record read from disk is checked before anything trusts it.

JSON that parses can still be damage: a timestamp ``"X026-..."``, a count ``"4x"``, a
list where an object belongs (a disk error, a hand edit, a half-restored backup). A
record that fails here is reported (its file and cluster named) and set aside by its
caller: rebuilt from the history where that has it, or dropped with a warning. One bad
record never turns the whole fleet unknown, and never crashes a writer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypedDict

from collectors.model import Deadline, LicenseSnapshot, Severity, Timestamp
from collectors.results import ClusterStatus
from collectors.store.records import parse_ts
from collectors.store.writer import complete_record

PUBLIC: Final = tuple(ClusterStatus.model_fields)
DAMAGE: Final = (KeyError, TypeError, ValueError, AttributeError, OverflowError, ValidationError)
"""What reading a damaged record raises (ValidationError is a ValueError; named anyway)."""
T = TypeVar("T")


def reason(exc: BaseException) -> str:
    """A one-line cause: the first failing field of a validation error, else the error."""
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_url=False, include_input=False)
        if errors:
            first = errors[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "record"
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            return f"{where}: {first.get('msg', 'invalid')}{more}"
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}" if exc.args else "missing field"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def status_of(rec: dict[str, Any]) -> ClusterStatus:
    """The public part of a latest-table record, validated."""
    return ClusterStatus.model_validate({k: rec[k] for k in PUBLIC if k in rec})


_DERIVED_FIELDS = ("collected_at", "severity", "reasons", "deadlines")


class _Derived(TypedDict, total=False):
    """The time-derived fields of a snapshot, validated as :class:`LicenseSnapshot`
    validates them (a patch moves only these; the rest stays the held model's)."""

    collected_at: Timestamp
    severity: Severity
    reasons: tuple[str, ...]
    deadlines: tuple[Deadline, ...]


_DERIVED: Final = TypeAdapter(_Derived)


def checked_patch(rec: Any, held: ClusterStatus) -> tuple[dict[str, Any], ClusterStatus]:
    """A record whose snapshot content is the one ``held`` has (a journal patch, merged):
    checked like :func:`checked_record`, but the snapshot is validated from the held
    content's values (models already) and the record's time-derived fields, which is a
    fraction of validating it from JSON. Raises what validation raises."""
    if held.last_good is None or not isinstance(rec, dict):
        raise TypeError("no snapshot to patch")
    good = rec.get("last_good")
    if not isinstance(good, dict):
        raise TypeError("last_good is not an object")
    derived = _DERIVED.validate_python({k: good[k] for k in _DERIVED_FIELDS if k in good})
    snapshot = held.last_good.model_copy(update=derived)  # validated, field by field
    full, status = checked_record({**rec, "last_good": snapshot})
    full["last_good"] = good
    return full, status


def _ts_or_none(value: Any) -> None:
    if value is not None:
        parse_ts(value)


def check_record(rec: Any) -> dict[str, Any]:
    """A latest-table record made whole (missing internal fields filled), or raises."""
    return checked_record(rec)[0]


def checked_record(rec: Any) -> tuple[dict[str, Any], ClusterStatus]:
    """A latest-table record made whole and the status it holds (validated once), or
    raises."""
    if not isinstance(rec, dict):
        raise TypeError(f"a record is a {type(rec).__name__}, not an object")
    cluster = rec.get("cluster")
    if not isinstance(cluster, str) or not cluster:
        raise ValueError("the record has no cluster name")
    full = complete_record(cluster, rec)
    status = status_of(full)
    run = full["_run"]
    if run is not None:
        start, end = run
        parse_ts(start), parse_ts(end)
    for start, end in full["_runs"]:
        parse_ts(start), parse_ts(end)
    if full["_cad"] is not None:
        float(full["_cad"])
    fail = full["_fail"]
    if fail is not None:
        for key in ("key", "id", "kind", "message"):
            if not isinstance(fail[key], str):
                raise TypeError(f"_fail.{key} is not text")
        int(fail["n"])
        parse_ts(fail["last"])
    if full["_reach"] not in (None, "reachable", "unreachable"):
        raise ValueError(f"_reach is {full['_reach']!r}")
    return full, status


def check_records(
    records: dict[str, Any],
) -> tuple[dict[str, dict[str, Any]], dict[str, ClusterStatus], list[Bad]]:
    """``(records by cluster, statuses by cluster, damaged records)`` of a table read
    as ``name -> record`` (see :mod:`collectors.store.latest_table`)."""
    good: dict[str, dict[str, Any]] = {}
    statuses: dict[str, ClusterStatus] = {}
    bad: list[Bad] = []
    for key, rec in records.items():
        try:
            full, status = checked_record(rec)
            if key != full["cluster"] and not key.startswith("\x00"):
                raise ValueError(f"it is filed under {key!r}")
        except DAMAGE as exc:
            name = rec.get("cluster") if isinstance(rec, dict) else None
            known = name if isinstance(name, str) and name else None
            if known is None and not key.startswith("\x00"):
                known = key
            label = f"the record of cluster {known!r}" if known else key.lstrip("\x00")
            bad.append((known, label, reason(exc)))
            continue
        good[full["cluster"]] = full
        statuses[full["cluster"]] = status
    return good, statuses, bad


Bad = tuple[str | None, str, str]
"""``(cluster name if known, what, cause)`` of one damaged record."""


def check_latest(doc: Any) -> tuple[dict[str, dict[str, Any]], list[Bad], int]:
    """``(records by cluster, damaged records, generation)``."""
    if not isinstance(doc, dict):
        return {}, [(None, "the file", "top level is not an object")], 0
    bad: list[Bad] = []
    try:
        generation = int(doc.get("meta", {}).get("1", {}).get("generation", 0))
    except DAMAGE as exc:
        bad.append((None, "meta", reason(exc)))
        generation = 0
    clusters = doc.get("clusters", {})
    if not isinstance(clusters, dict):
        return {}, [*bad, (None, "clusters", "not an object")], generation
    good: dict[str, dict[str, Any]] = {}
    for doc_id, rec in clusters.items():
        try:
            full = check_record(rec)
        except DAMAGE as exc:
            name = rec.get("cluster") if isinstance(rec, dict) else None
            known = name if isinstance(name, str) and name else None
            label = f"the record of cluster {known!r}" if known else f"record {doc_id}"
            bad.append((known, label, reason(exc)))
            continue
        good[full["cluster"]] = full
    return good, bad, generation


def valid_snapshot(data: Any) -> LicenseSnapshot | None:
    try:
        return LicenseSnapshot.model_validate(data)
    except DAMAGE:
        return None


def items(
    table: Any, convert: Callable[[str, Any], T], damaged: Callable[[str, str], None]
) -> list[T]:
    """``convert`` over a TinyDB-style table; each record that fails is reported, skipped."""
    if not isinstance(table, dict):
        damaged("table", "not an object")
        return []
    out: list[T] = []
    for doc_id, value in table.items():
        try:
            out.append(convert(doc_id, value))
        except DAMAGE as exc:
            damaged(f"record {doc_id}", reason(exc))
    return out
