"""The snapshot store: months of polls on disk at a cost that follows *changes*.

Layout of a store directory (mode 0700, every file 0600)::

    store.json                      schema version (see ``schema.py`` for migrations)
    writer.lock                     flock held by the single writer; holds its PID
    latest.json                     the latest table's base: one record per cluster
    latest.journal                  the cycles written since the base, one JSON line each
    latest.journal.prev             the journal before the last checkpoint (for readers)
    history/<monday>/<cluster>.json.gz   one cluster x one ISO week, gzip'd TinyDB:
                                    ``changes`` (full snapshots) and ``runs`` (coverage)
    events/<day>.jsonl              transitions of one UTC day, one JSON line each
    failures/<day>.jsonl            failure episodes that started that UTC day: a line
                                    when one starts, a line when it ends (appended only:
                                    see ``day_files.py``)
    acks.json, acks.lock,           acknowledgements and their audit trail, written by any
    acks-audit/<day>.json           process under their own short lock (never the
                                    writer's): see ``ack_files.py``

Every other file is a TinyDB database (``{table: {doc_id: document}}``); open any of them
with ``TinyDB(path, storage=AtomicJSONStorage)`` to look inside. The store reads and writes
whole tables through that storage rather than TinyDB's per-document API.

Rules:

* **Crash safety.** Every file is written to a temporary file beside it, fsynced,
  ``os.replace``'d over the old one and its directory fsynced. ``write_batch`` writes the
  history and event files first and the latest table last, so it never points at data
  that is not on disk. The latest table's journal line is the commit point (see
  ``latest_table.py``: a line counts once its newline is on disk): a writer that opens
  after a kill between the two drops the transitions and failure episodes newer than
  each cluster's committed state (the next poll records them again), and the history's
  duplicate check skips a change already written. The journals (``latest.journal``, the
  day files) are appended to instead, each append fsynced; a line counts once its
  newline is on disk. A writer deletes leftover ``.tmp-*`` files when it opens.
* **Cost follows the work.** A cycle appends the records it touched to the journal
  (O(touched)); ``latest.json`` is rewritten only at a checkpoint (the journal outgrew
  it) and on a clean close. A reader follows the journal and validates only what the
  new lines touched (``latest_changes()``).
* **One writer.** The writer holds an exclusive ``flock`` on ``writer.lock``; a second one
  gets :class:`~collectors.errors.StoreLockedError` naming the directory and PID.
  Readers (``readonly=True``) take no lock; ``change_token()`` (two ``stat`` calls) tells
  a viewer when to call ``latest_changes()`` again.
* **Change-only history.** A successful poll whose content (``content_dict()``) and
  severity equal the cluster's previous poll adds no record: it only moves
  ``last_seen`` and the open coverage run in ``latest.json``. Anything else adds exactly
  one full snapshot to the cluster's week shard. Severity counts as a change because it
  moves with time (a deadline coming within 30 days) while the content stays the same.
  ``latest()`` holds the newest snapshot (current ``days_left`` and reasons).
* **Coverage.** A run of successful polls stays open (in ``latest.json``) while polls
  arrive within ``max(max_gap, 3 x the last poll interval)``; a failure or a longer
  silence closes it into the week shards (split at week boundaries).
* **Failures** are stored as episodes: consecutive failures with the same kind and
  message are one event (first and last attempt, attempt count, when it ended), so a
  cluster down for a week costs one record, not 2,000.
* **Transitions** (registration, authorization, severity, entitlement status,
  reachability) are computed at write time against the previous poll and stored per day,
  so ``transitions(since)`` reads only the days asked for. A cluster's first poll
  yields no transition (there is nothing to change from).
* **Retention.** ``compact(now)`` deletes whole week shards and event days that ended
  more than ``retention_days`` before ``now``, except a cluster's newest change when it
  has none since (its state in force, see ``retention.py``); the writer runs it when the
  UTC day of the polls it writes changes.
* **Damage.** A file that cannot be parsed raises/logs
  :class:`~collectors.errors.StoreCorruptError` naming its path, is appended to
  ``store.problems`` and (by a writer) renamed to ``<name>.corrupt-<UTC time>``; queries
  go on without it. A damaged or missing ``latest.json`` is rebuilt from the history
  (each cluster's newest change, and an episode that never ended); tags and coverage
  runs not yet moved to the shards come back with the next poll.
* **Backends.** ``backend="memory"`` keeps the same documents as JSON text in a dict
  (tests, demo); all the logic above is shared.
"""

from collectors.store.files import AtomicJSONStorage
from collectors.store.latest_view import LatestChanges
from collectors.store.records import ClusterHistory, CoverageRun, FailureEvent, Transition
from collectors.store.snapshot_store import SnapshotStore

__all__ = [
    "AtomicJSONStorage",
    "ClusterHistory",
    "CoverageRun",
    "FailureEvent",
    "LatestChanges",
    "SnapshotStore",
    "Transition",
]
