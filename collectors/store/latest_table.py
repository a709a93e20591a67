"""The latest table on disk: a base file and a journal of the cycles written since.

``latest.json`` (the base) holds every cluster's record as of one generation;
``latest.journal`` holds one JSON line per cycle written after it: the generation and
the records that cycle touched. A cycle therefore costs what it changed, not the size of
the fleet. When the journal has grown past the base (and ``MIN_CHECKPOINT`` bytes) the
writer checkpoints: it writes a new base, then moves the journal to
``latest.journal.prev`` and starts an empty one. Appending costs O(records touched);
each checkpoint costs O(fleet), at most once per base-size of appends.

Each journal starts with a header line naming it (a random id) and the generation of
the base it follows; the base names its journal in its ``meta``. A journal whose id the
base does not name is left over from a checkpoint a kill interrupted, and is ignored.

The journal is the commit point of a cycle. A line counts only once its newline is on
disk (a kill mid-append leaves a tail without one, which readers ignore and the next
writer cuts off); lines carry consecutive generations, and a line at or below the
base's generation is already in the base. A record whose snapshot content did not change
is journalled as a delta (``"_lg": "delta"``, store version 3): its name and the fields
the cycle changed, of ``last_good`` only the time-derived ones that moved; a reader
merges it over the record it already has. A version-2 journal's patches
(``"_lg": "derived"``: every field, of ``last_good`` the time-derived ones) still read.

Readers never lock. A reader that has followed the journal asks for what changed since
its :class:`Cursor` and reads only the new lines, across one checkpoint too (through
``latest.journal.prev``); a reader further behind, or one whose files were replaced
underneath it, reads the whole table again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic_core import from_json, to_json

from collectors.store.backends import Backend
from collectors.store.writer import DERIVED, encode_latest, sealed

ReadDoc = Callable[[str], dict[str, Any] | None]

BASE_KEY: Final = "latest.json"
JOURNAL_KEY: Final = "latest.journal"
PREV_KEY: Final = "latest.journal.prev"
MIN_CHECKPOINT: Final = 1 << 20
"""A journal shorter than this is never checkpointed (small fleets)."""
PATCH: Final = "derived"
"""A patch record (version 2): every field, of ``last_good`` only the time-derived ones."""
DELTA: Final = "delta"
"""A delta record (version 3): only the fields that changed, ``last_good``'s as a patch."""
_RETRIES: Final = 5


@dataclass(frozen=True, slots=True)
class Cursor:
    """How far a reader has read: which journal, to which byte, at which generation."""

    journal: str | None
    offset: int
    generation: int


@dataclass(slots=True)
class TableRead:
    """What a read found: the records it (re)read and where the reader now is."""

    cursor: Cursor
    full: bool
    """True: ``records`` is the whole table (a first read, or the reader fell behind)."""
    records: dict[str, Any] = field(default_factory=dict)
    """Merged raw records, by cluster: all of them when ``full``, else those changed.
    A value that is not an object is damage, for validation to report."""
    damage: list[tuple[str, str]] = field(default_factory=list)
    """``(file, what)``: a journal line that could not be applied, nor any after it."""
    tidy: bool = True
    """False: the journal needs replacing (damaged, torn tail, or not the base's)."""
    journal_bytes: int = 0
    """Bytes of the journal up to its last complete line."""
    header_bytes: int = 0
    """Bytes of the journal's header line."""
    journalled: set[str] = field(default_factory=set)
    """The clusters whose record the journal wrote whole (to name the file of damage)."""
    patched: set[str] = field(default_factory=set)
    """... and those whose record the journal patched."""
    sealed: set[str] = field(default_factory=set)
    """Clusters whose record is a sealed base's, untouched since (asked with ``trust``)."""


class _Retry(Exception):
    """A writer replaced a file while it was being read: read again."""


def _lines(blob: bytes, start: int) -> Iterator[tuple[int, bytes]]:
    """``(offset after the line, line)`` for each complete line of ``blob``, which was
    read from offset ``start`` of its file."""
    pos = 0
    while True:
        end = blob.find(b"\n", pos)
        if end < 0:
            return
        yield start + end + 1, blob[pos:end]
        pos = end + 1


def _header(blob: bytes | None) -> tuple[str, int, int] | None:
    """``(journal id, generation of its base, offset after the header)``."""
    if not blob:
        return None
    end = blob.find(b"\n")
    if end < 0:
        return None
    try:
        head = from_json(blob[:end])
        return str(head["journal"]), int(head["base"]), end + 1
    except (ValueError, KeyError, TypeError):
        return None


def merge(records: dict[str, Any], name: str, rec: Any) -> Any:
    """A record from a journal line made whole: a patch or delta is merged over the
    record already known. One over an unknown or damaged record gives None."""
    kind = rec.get("_lg") if isinstance(rec, dict) else None
    if kind not in (PATCH, DELTA):
        return rec
    old = records.get(name)
    old_good = old.get("last_good") if isinstance(old, dict) else None
    derived = rec.get("last_good", {} if kind == DELTA else None)
    if not isinstance(old_good, dict) or not isinstance(derived, dict):
        return None
    assert isinstance(old, dict)
    fields = {k: v for k, v in rec.items() if k != "_lg"}
    out = {**old, **fields} if kind == DELTA else fields
    out["last_good"] = {**old_good, **derived}
    return out


def _apply(
    blob: bytes,
    start: int,
    generation: int,
    records: dict[str, Any],
    changed: dict[str, Any],
    key: str,
    patched: set[str],
) -> tuple[int, int, tuple[str, str] | None]:
    """Apply the complete lines of ``blob`` (read from ``start``) newer than
    ``generation``; returns (offset reached, generation reached, damage)."""
    offset = start
    for after, line in _lines(blob, start):
        try:
            entry = from_json(line)
            g = int(entry["g"])
            recs = entry["r"]
            if not isinstance(recs, dict):
                raise TypeError("its records are not an object")
        except (ValueError, KeyError, TypeError) as exc:
            return offset, generation, (key, f"the line at byte {offset} is damaged ({exc})")
        if g <= generation:
            offset = after
            continue
        if g != generation + 1:
            return offset, generation, (key, f"generation {g} follows {generation}")
        for name, rec in recs.items():
            whole = merge(records, name, rec)
            if whole is None:
                whole = {"_patch_without_record": True}  # validation reports it
            if whole is not rec:
                patched.add(name)
            else:
                patched.discard(name)
            records[name] = changed[name] = whole
        offset, generation = after, g
    return offset, generation, None


def base_meta(doc: Any) -> tuple[int, str | None]:
    """``(generation, journal id)`` a base document names (0/None when it names none)."""
    try:
        meta = doc["meta"]["1"]
        journal = meta.get("journal")
        return int(meta.get("generation", 0)), journal if isinstance(journal, str) else None
    except (KeyError, TypeError, ValueError, AttributeError):
        return 0, None


def base_records(doc: Any) -> dict[str, Any]:
    """The base's records by cluster name; one without a usable name is kept under a
    label for validation to report."""
    raw = doc.get("clusters") if isinstance(doc, dict) else None
    out: dict[str, Any] = {}
    if not isinstance(raw, dict):
        return out
    for doc_id, rec in raw.items():
        name = rec.get("cluster") if isinstance(rec, dict) else None
        out[name if isinstance(name, str) and name else f"\x00record {doc_id}"] = rec
    return out


def read_full(
    backend: Backend, read_doc: ReadDoc, *, trust: bool = False
) -> tuple[TableRead, dict[str, Any] | None]:
    """The whole table (the base, then every journal line after it) and the base doc.
    With ``trust``, a sealed base's records no journal line touched are named in
    :attr:`TableRead.sealed` (see :func:`collectors.store.writer.sealed`)."""
    for attempt in range(_RETRIES + 1):
        try:
            return _read_full(backend, read_doc, settle=attempt == _RETRIES, trust=trust)
        except _Retry:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _read_full(
    backend: Backend, read_doc: ReadDoc, *, settle: bool, trust: bool
) -> tuple[TableRead, dict[str, Any] | None]:
    token = backend.change_token(BASE_KEY)
    doc = read_doc(BASE_KEY)
    generation, journal = base_meta(doc)
    records = base_records(doc)
    trusted: set[str] = set()
    if trust and doc is not None:
        blob = backend.read_from(BASE_KEY, 0)
        if backend.change_token(BASE_KEY) != token:
            if not settle:
                raise _Retry
        elif blob is not None and sealed(blob):
            trusted = set(records)
    blob = backend.read_from(JOURNAL_KEY, 0)
    header = _header(blob)
    if header is None or header[0] != journal:
        if header is not None and header[1] > generation and not settle:
            raise _Retry  # checkpointed between reading the base and the journal
        cursor = Cursor(journal, 0, generation)
        return TableRead(cursor, True, records, tidy=False, sealed=trusted), doc
    changed: dict[str, Any] = {}
    patched: set[str] = set()
    assert blob is not None
    offset, generation, damage = _apply(
        blob[header[2] :], header[2], generation, records, changed, JOURNAL_KEY, patched
    )
    read = TableRead(
        Cursor(journal, offset, generation),
        True,
        records,
        damage=[damage] if damage else [],
        tidy=damage is None and offset == len(blob),
        journal_bytes=offset,
        header_bytes=header[2],
        journalled=set(changed) - patched,
        patched=patched,
        sealed=trusted - changed.keys(),
    )
    return read, doc


def read_since(
    backend: Backend, cursor: Cursor, records: dict[str, Any], read_doc: ReadDoc
) -> tuple[TableRead, dict[str, Any] | None]:
    """What changed since ``cursor``, applied to ``records`` (the reader's own table).

    Reads the new journal lines only, and after a checkpoint the rest of the previous
    journal; a reader further behind reads the whole table again (``full``)."""
    for _ in range(_RETRIES):
        try:
            return _read_since(backend, cursor, records), None
        except _Retry:
            continue
    return read_full(backend, read_doc)


def _read_since(backend: Backend, cursor: Cursor, records: dict[str, Any]) -> TableRead:
    header = _header(backend.read_from(JOURNAL_KEY, 0, limit=_HEAD))
    if header is None or cursor.journal is None:
        raise _Full
    changed: dict[str, Any] = {}
    patched: set[str] = set()
    offset, generation = cursor.offset, cursor.generation
    if header[0] != cursor.journal:
        previous = _header(backend.read_from(PREV_KEY, 0, limit=_HEAD))
        if previous is None or previous[0] != cursor.journal:
            raise _Full
        blob = backend.read_from(PREV_KEY, offset) or b""
        _, generation, damage = _apply(
            blob, offset, generation, records, changed, PREV_KEY, patched
        )
        if damage is not None or generation != header[1]:
            raise _Full
        offset = header[2]
    blob = backend.read_from(JOURNAL_KEY, offset) or b""
    after = _header(backend.read_from(JOURNAL_KEY, 0, limit=_HEAD))
    if after is None or after[0] != header[0]:
        raise _Retry
    offset, generation, damage = _apply(
        blob, offset, generation, records, changed, JOURNAL_KEY, patched
    )
    if damage is not None:
        raise _Full
    return TableRead(
        Cursor(header[0], offset, generation),
        False,
        changed,
        journal_bytes=offset,
        journalled=set(changed) - patched,
        patched=patched,
    )


class _Full(Exception):
    """The reader cannot follow from its cursor: it must read the whole table."""


_HEAD: Final = 256


def follow(
    backend: Backend, cursor: Cursor | None, records: dict[str, Any], read_doc: ReadDoc
) -> tuple[TableRead, dict[str, Any] | None]:
    """A reader's next read: incremental from ``cursor`` when it can, else whole."""
    if cursor is not None:
        try:
            return read_since(backend, cursor, records, read_doc)
        except _Full:
            pass
    return read_full(backend, read_doc)


# ----- writing -----------------------------------------------------------------------


def journal_record(
    rec: dict[str, Any], *, whole: bool, before: dict[str, Any] | None = None
) -> dict[str, Any]:
    """How a touched record goes into the journal: whole, or as a delta over the record
    ``before`` the cycle (the fields that changed; of ``last_good`` only time-derived
    ones, its content being the same): at 10,000 clusters a cycle's line shrinks from
    about 10 MB to what the polls moved, and with it the append, the checkpoints and
    what every viewer reads."""
    good = rec.get("last_good")
    old_good = before.get("last_good") if before is not None else None
    if whole or before is None or not isinstance(good, dict) or not isinstance(old_good, dict):
        return rec
    out = {k: v for k, v in rec.items() if k != "last_good" and before.get(k, _MISSING) != v}
    moved = {k: good[k] for k in DERIVED if k in good and old_good.get(k, _MISSING) != good[k]}
    if moved:
        out["last_good"] = moved
    out["cluster"] = rec["cluster"]
    out["_lg"] = DELTA
    return out


_MISSING: Final = object()


class TableWriter:
    """Commits cycles to the journal and checkpoints the base (the one writer)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.journal: str | None = None
        self.journal_bytes = 0
        self.header_bytes = 0
        self.base_bytes = 0
        self.rebase = True
        """The next commit writes a whole base (the state was replaced or is unknown)."""

    def opened(self, read: TableRead) -> None:
        """Continue the journal a full read found, unless it must be replaced."""
        self.journal = read.cursor.journal
        self.journal_bytes = read.journal_bytes
        self.header_bytes = read.header_bytes
        self.base_bytes = self.backend.size(BASE_KEY) or 0
        self.rebase = not read.tidy or self.journal is None

    def commit(
        self, state: dict[str, dict[str, Any]], touched: dict[str, dict[str, Any]], generation: int
    ) -> None:
        """Make ``generation`` durable: append its records, then checkpoint if the
        journal has outgrown the base (the line stays in the previous journal, so a
        reader that had followed it carries on from there)."""
        if self.rebase:
            self.checkpoint(state, generation)
            return
        line = to_json({"g": generation, "r": touched}) + b"\n"
        try:
            self.backend.append(JOURNAL_KEY, line, at=self.journal_bytes)
        except BaseException:
            self.rebase = True  # whatever reached the file, the next commit replaces it
            raise
        self.journal_bytes += len(line)
        if self.journal_bytes > max(self.base_bytes, MIN_CHECKPOINT):
            self.checkpoint(state, generation)

    def fold(self, state: dict[str, dict[str, Any]], generation: int) -> None:
        """Checkpoint if the journal holds any cycle (a clean close)."""
        if not self.rebase and self.journal_bytes > self.header_bytes:
            self.checkpoint(state, generation)

    def checkpoint(self, state: dict[str, dict[str, Any]], generation: int) -> None:
        """A new base holding ``state`` at ``generation``, then a new empty journal."""
        self.rebase = True
        journal = secrets.token_hex(8)
        blob = encode_latest(state, generation, journal=journal)
        self.backend.write_many([(BASE_KEY, blob)])
        header = to_json({"journal": journal, "base": generation}) + b"\n"
        self.backend.rotate(JOURNAL_KEY, PREV_KEY, header)
        self.journal = journal
        self.base_bytes = len(blob)
        self.journal_bytes = self.header_bytes = len(header)
        self.rebase = False
