"""The day files of transitions and failure episodes: append-only JSON lines.

``events/<day>.jsonl`` holds one transition per line. ``failures/<day>.jsonl`` holds one
line when an episode starts (it has ``at``; its ``id`` is unique in the file) and one
line when it ends (``id``, ``cluster``, ``last_at``, ``attempts``, ``ended_at``; no
``at``), which a reader folds into the first. While an episode goes on, its count and
last attempt live in the cluster's latest record (``_fail``), not here.

A cycle therefore appends what it found, and a writer holds none of a day in memory:
until store version 4 each day was one TinyDB document, kept in memory all day and
rewritten whole by every cycle, so the writer's memory and each write grew with the
day's events (the soak's RSS slope). As in ``latest.journal``, a line counts once its
newline is on disk; a torn tail is ignored by readers and cut off by the next append.

Readers get the day as the TinyDB-style table the store's validation walks
(``{id: record}``); a line that is not a JSON object stays in it under ``line N``, for
validation to report and skip.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic_core import from_json, to_json

from collectors.store.backends import Backend

LEGACY_SUFFIX: Final = ".json"
"""Store version 3's day documents (``{"transitions": {...}}``, ``{"failures": {...}}``)."""
TABLES: Final = {"events": "transitions", "failures": "failures"}
"""Each day folder and the table name its records had in a version-3 document."""
ENDING: Final = ("cluster", "last_at", "attempts", "ended_at")
"""What an episode's end line carries besides its ``id``."""


def journal_key(key: str) -> str:
    """The day file ``key`` names, a version-3 name (kept in a latest record's ``_fail``
    written before the migration) mapped to its journal."""
    if key.endswith(LEGACY_SUFFIX):
        return key + "l"
    return key


@dataclass(slots=True)
class Day:
    """One day file as read: its records by id, and what a writer needs to go on."""

    table: dict[str, Any] = field(default_factory=dict)
    end: int = 0
    """Bytes up to the last complete line (where the next append goes)."""
    next_id: int = 1
    """The first id no episode of the file has."""


def complete_end(blob: bytes) -> int:
    """Bytes of ``blob`` up to its last complete line: a line counts once its newline
    is on disk (a kill mid-append leaves a torn tail, which readers leave out)."""
    return blob.rfind(b"\n") + 1


def may_name(raw: bytes, needle: bytes) -> bool:
    """Whether JSON text ``raw`` may hold the JSON string ``needle``: it spells it, or
    holds an escape that could spell it otherwise (``\\u``, ``\\/``)."""
    return needle in raw or _escapes(raw)


def _escapes(raw: bytes) -> bool:
    # One byte searched first (memchr): licdash's own encoder writes neither escape.
    return b"\\" in raw and (b"\\u" in raw or b"\\/" in raw)


def _lines(blob: bytes, needle: bytes | None) -> Iterator[tuple[int, bytes]]:
    """``(line number, line)`` of each complete line of ``blob``; with ``needle``, only
    of those that may hold it: found by searching the whole text for it (in C), not by
    testing every line, unless the text holds an escape that could spell it otherwise."""
    if needle is None or _escapes(blob):
        for n, raw in enumerate(blob.splitlines(), 1):
            if needle is None or may_name(raw, needle):
                yield n, raw
        return
    n, counted, at = 1, 0, blob.find(needle)
    while at >= 0:
        start = blob.rfind(b"\n", 0, at) + 1
        end = blob.find(b"\n", at)
        if end < 0:  # (the caller passes complete lines)
            end = len(blob)
        n += blob.count(b"\n", counted, start)
        counted = start
        yield n, blob[start:end]
        at = blob.find(needle, end)


def fold(blob: bytes | None, folder: str, needle: bytes | None = None) -> Day:
    """The records of a day file's complete lines (episode ends merged into their
    starts); a torn last line is left out. With ``needle`` (a cluster's name as a JSON
    string), only the lines that may name that cluster are parsed: a day holds the
    whole fleet's lines, one cluster's history wants a few."""
    day = Day()
    if not blob:
        return day
    day.end = complete_end(blob)
    episodes = folder == "failures"
    for n, raw in _lines(blob[: day.end], needle):
        try:
            line = from_json(raw)
        except ValueError:
            line = raw.decode("utf-8", "replace")[:80]  # reported as damage
        if not episodes:
            day.table[str(n)] = line
            continue
        doc_id = line.get("id") if isinstance(line, dict) else None
        if not isinstance(doc_id, str):
            day.table[f"line {n}"] = line
            continue
        if "at" in line:
            day.table[doc_id if doc_id not in day.table else f"line {n}"] = line
            if doc_id.isdigit():
                day.next_id = max(day.next_id, int(doc_id) + 1)
        elif isinstance(start := day.table.get(doc_id), dict):
            day.table[doc_id] = {**start, **{k: line.get(k) for k in ENDING[1:]}}
        # else: the end of an episode whose start was damaged (reported there) or
        # dropped with an unfinished cycle
    return day


def read(backend: Backend, key: str) -> Day:
    """The day file ``key`` (a missing one is an empty day)."""
    return parse(*read_raw(backend, key))


def read_raw(backend: Backend, key: str) -> tuple[bytes | None, str, bool]:
    """``(bytes, folder, legacy)`` of the day ``key``: a reader of a version-3 store
    that its writer has not migrated yet gets the day's document (``legacy``)."""
    key = journal_key(key)
    folder = key.split("/", 1)[0]
    blob = backend.read_from(key, 0)
    if blob is None and (legacy := backend.read_from(key.removesuffix("l"), 0)) is not None:
        return legacy, folder, True
    return blob, folder, False


def parse(
    blob: bytes | None, folder: str, legacy: bool = False, needle: bytes | None = None
) -> Day:
    """A day as :func:`read_raw` read it (``needle``: see :func:`fold`)."""
    if not legacy:
        return fold(blob, folder, needle)
    table = legacy_table(blob or b"", folder)
    return Day(table={"file": "not a JSON object"} if table is None else table)


def legacy_table(blob: bytes, folder: str) -> dict[str, Any] | None:
    """The records of a version-3 day document; None if it is not one (a table that
    is not an object is one damaged record, for validation to report)."""
    try:
        table = from_json(blob).get(TABLES[folder], {})
    except (ValueError, AttributeError):
        return None
    return table if isinstance(table, dict) else {"table": table}


def legacy_lines(blob: bytes, folder: str) -> bytes | None:
    """A version-3 day document as a day file, its records in id order (an episode's
    first line carries its whole state); None if it is not a day document."""
    table = legacy_table(blob, folder)
    if table is None:
        return None
    ordered = sorted(table.items(), key=lambda kv: (len(kv[0]), kv[0]))  # "9" before "10"
    if folder == "failures":
        return encode({**v, "id": k} if isinstance(v, dict) else v for k, v in ordered)
    return encode(v for _, v in ordered)


def encode(lines: Iterable[Any]) -> bytes:
    return b"".join(to_json(line) + b"\n" for line in lines)


def end_line(
    episode_id: str, cluster: str, last_at: str, attempts: int, ended_at: str
) -> dict[str, Any]:
    return {
        "id": episode_id,
        "cluster": cluster,
        "last_at": last_at,
        "attempts": attempts,
        "ended_at": ended_at,
    }


class DayWriter:
    """Appends a cycle's lines to the day files, knowing each file's end and next
    episode id from the first time it touches it (one read per file per process)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._days: dict[str, tuple[int, int]] = {}
        """Per day file this writer appended to: (end, next episode id)."""
        self.pending: dict[str, list[dict[str, Any]]] = {}

    def _known(self, key: str) -> tuple[int, int]:
        known = self._days.get(key)
        if known is None:
            day = read(self.backend, key)
            known = self._days[key] = (day.end, day.next_id)
        return known

    def new_id(self, key: str) -> str:
        end, next_id = self._known(key)
        self._days[key] = (end, next_id + 1)
        return str(next_id)

    def add(self, key: str, line: dict[str, Any]) -> None:
        self.pending.setdefault(key, []).append(line)

    def take(self) -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes, int]]]:
        """The pending lines as (new files to create, appends ``(key, data, at)``);
        pending is emptied. An end line for a day file that is gone (compacted, set
        aside) is dropped."""
        create: list[tuple[str, bytes]] = []
        appends: list[tuple[str, bytes, int]] = []
        for key, lines in sorted(self.pending.items()):
            end, next_id = self._known(key)
            exists = end > 0 or self.backend.size(key) is not None
            if not exists and all("at" not in line for line in lines):
                continue
            data = encode(lines)
            if exists:
                appends.append((key, data, end))
            else:
                create.append((key, data))
            self._days[key] = (end + len(data), next_id)
        self.pending = {}
        return create, appends

    def append(self, appends: Sequence[tuple[str, bytes, int]]) -> None:
        for key, data, at in appends:
            self.backend.append(key, data, at=at)

    def forget(self) -> None:
        """Read every file again before the next append (a failed write, a compaction,
        a repair: what this writer knew may no longer be what is on disk)."""
        self._days.clear()
        self.pending = {}
