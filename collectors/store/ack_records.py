"""What the acknowledgement files hold: the audit event, the records read back from a
document (each one validated; a bad one is logged and skipped), the day files of the
audit trail, the replay that rebuilds the acknowledgements in force from it, and which
ones have ended. :mod:`collectors.store.ack_files` does the locking and the writing."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from collectors.acks import Ack, AckBook, Clearing, expiry
from collectors.model import Timestamp, format_ts
from collectors.store import files

if TYPE_CHECKING:
    from collectors.policy import FreshnessPolicy
    from collectors.results import ClusterStatus

log = logging.getLogger("licdash.acks")

Action = Literal["acknowledge", "snooze", "edit", "remove", "expire", "clear", "note"]
ACTIONS: Final[tuple[Action, ...]] = (
    "acknowledge",
    "snooze",
    "edit",
    "remove",
    "expire",
    "clear",
    "note",
)


class AckEvent(BaseModel):
    """One line of the audit trail."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    seq: int
    at: Timestamp
    action: Action
    by: str
    cluster: str | None = None
    ack_id: str | None = None
    text: str = ""
    """The reason (acknowledge, snooze, edit, remove), why it ended (expire, clear), or
    the shift note."""
    ack: Ack | None = None
    """The record as made (acknowledge, snooze, edit) or as it was when it ended."""
    via: str | None = None
    """How a change arrived when not from this host: ``licdash.api/1 from 10.0.0.5``
    (the collector's API, and the client's address). None: a process on this host."""

    def public(self) -> dict[str, Any]:
        """The export form (``licdash export --acks``): flat, one JSON type per field."""
        ack = self.ack
        return {
            "seq": self.seq,
            "at": format_ts(self.at),
            "action": self.action,
            "cluster": self.cluster,
            "by": self.by,
            "text": self.text,
            "ack_id": self.ack_id,
            "kind": ack.kind if ack else None,
            "scope": ack.scope if ack else None,
            "until": format_ts(ack.until) if ack and ack.until else None,
            "severity": ack.severity.value if ack else None,
            "via": self.via,
        }


EXPORT_FIELDS: Final = tuple(
    AckEvent(seq=0, at=datetime(2000, 1, 1, tzinfo=UTC), action="note", by="").public()
)
"""The columns of an audit export, in order."""


def audit_days(folder: Path) -> list[tuple[date, Path]]:
    """The day files in ``folder``, oldest first."""
    out = []
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for path in folder.iterdir():
            if path.name.startswith(".") or not path.name.endswith(".json"):
                continue
            with contextlib.suppress(ValueError):
                out.append((date.fromisoformat(path.name.removesuffix(".json")), path))
    return sorted(out)


def write_days(
    folder: Path,
    older: Mapping[date, Sequence[AckEvent]],
    read: Callable[[Path], dict[int, AckEvent]],
    *,
    prefix: str,
) -> None:
    """Add ``older`` events to their day files (each replaced atomically, the folder and
    its parent fsynced once); ``read`` gives a day file's events so far."""
    files.ensure_dir(folder)
    for day, events in sorted(older.items()):
        path = folder / f"{day.isoformat()}.json"
        merged = read(path) | {e.seq: e for e in events}
        files.atomic_write_bytes(
            path, encode_doc({"events": merged}), sync_dir=False, prefix=prefix
        )
    files.fsync_dir(folder)
    files.fsync_dir(folder.parent)


def replay(events: Iterable[AckEvent]) -> dict[str, Ack]:
    """The acknowledgements in force after ``events`` (in sequence order), by id."""
    acks: dict[str, Ack] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.ack is None:
            continue
        if event.action in ("acknowledge", "snooze", "edit"):
            acks[event.ack.id] = event.ack
        elif event.action in ("remove", "expire", "clear"):
            acks.pop(event.ack.id, None)
    return acks


def encode_doc(doc: Mapping[str, Mapping[Any, Any]]) -> bytes:
    plain = {
        table: {
            str(key): value.model_dump(mode="json") if isinstance(value, BaseModel) else value
            for key, value in rows.items()
        }
        for table, rows in doc.items()
    }
    return files.encode_json(plain, gz=False)


def _table(doc: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = doc.get(name)
    return table if isinstance(table, dict) else {}


_M = TypeVar("_M", Ack, AckEvent)


def _valid(doc: Mapping[str, Any], table: str, model: type[_M], path: Path, what: str) -> list[_M]:
    """The rows of ``table`` that are valid ``model`` records; a bad one is logged, skipped."""
    out = []
    for key, row in _table(doc, table).items():
        try:
            out.append(model.model_validate(row))
        except ValidationError as exc:
            log.warning("%s: %s %s is invalid (%s); ignored", path, what, key, exc)
    return out


def acks_of(doc: Mapping[str, Any], path: Path) -> dict[str, Ack]:
    return {a.id: a for a in _valid(doc, "acks", Ack, path, "acknowledgement")}


def events_of(doc: Mapping[str, Any], path: Path) -> dict[int, AckEvent]:
    return {e.seq: e for e in _valid(doc, "events", AckEvent, path, "audit event")}


def endings(
    acks: Sequence[Ack],
    statuses: Mapping[str, ClusterStatus],
    policy: FreshnessPolicy,
    now: datetime,
) -> list[tuple[Ack, Clearing]]:
    """Every acknowledgement that no longer holds, with why (the policy's judgement).
    One of a cluster the fleet no longer has, or has not polled yet, ends only by its
    time."""
    out: list[tuple[Ack, Clearing]] = []
    by_cluster: dict[str, list[Ack]] = {}
    for ack in acks:
        by_cluster.setdefault(ack.cluster, []).append(ack)
    for cluster, group in by_cluster.items():
        status = statuses.get(cluster)
        if status is None:
            out.extend((a, end) for a in group if (end := expiry(a, now)) is not None)
        else:  # (a status nobody polled yet ends them by time only, too)
            out.extend(policy.acknowledgement(status, AckBook.of(group), now).cleared)
    return out
