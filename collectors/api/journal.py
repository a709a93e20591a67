"""The change log behind the API's change token: what changed since a follower last asked.

The store's own change token only says *that* a cycle was written. The journal turns the
successive latest tables it is shown into a sequence: each :meth:`Journal.refresh` that
finds a difference (a cluster's status, a cluster gone, the recorded policy, the
collector's state) takes the next sequence number, and every cluster remembers the
number of its last change; the acknowledgements in force (the file beside the store,
watched by its ``stat``) take a number of their own when they change and travel whole
(they are few). A token is ``<epoch>.<seq>``; the epoch is new in every
process, so a follower holding a token from before a restart gets the whole table.

A follower's question "anything since T?" is answered by :meth:`Journal.page`: nothing
(the caller sends 304), or the clusters changed since T (all of them for an unknown or
foreign token), name-ordered in pages of at most ``limit``, with the names removed since
T on the first page. Each cluster's JSON is encoded once per change and reused.
"""

from __future__ import annotations

import secrets
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from collectors.acks import AckBook
from collectors.api import wire
from collectors.liveness import CollectorState
from collectors.policy import DEFAULT_POLICY, FreshnessPolicy
from collectors.results import ClusterStatus


@dataclass(frozen=True, slots=True)
class _Entry:
    seq: int
    status: ClusterStatus
    body: bytes


class Journal:
    """One store's latest table as a sequence of changes; not thread-safe (the API
    server calls it from its one reader thread)."""

    def __init__(self, epoch: str | None = None) -> None:
        self.epoch = epoch or secrets.token_hex(4)
        self.seq = 0
        self._entries: dict[str, _Entry] = {}
        self._names: list[str] = []
        self._removed: dict[str, int] = {}
        self._policy: FreshnessPolicy | None = None
        self._policy_seq = 0
        self._collector: tuple[str, str] | None = None
        self._collector_doc: dict[str, Any] = {}
        self._acks: AckBook | None = None
        self._acks_doc: list[dict[str, Any]] = []
        self._acks_seq = 0
        self.acks_accepted = False
        """Whether the collector takes acknowledgements through the API (it has a token)."""

    @property
    def token(self) -> str:
        return f"{self.epoch}.{self.seq}"

    def refresh(
        self,
        statuses: Mapping[str, ClusterStatus],
        policy: FreshnessPolicy | None,
        collector: CollectorState,
        now: datetime,
        acks: AckBook | None = None,
    ) -> bool:
        """Take in the store's state now; True when it took a new sequence number.
        ``acks``: the acknowledgements in force (a new book only when the file changed)."""
        seq = self.seq + 1
        changed = False
        if acks is not None and acks is not self._acks:
            doc = wire.acks_doc(acks)
            if self._acks is None or doc != self._acks_doc:
                self._acks_doc, self._acks_seq = doc, seq
                changed = True
            self._acks = acks
        if policy != self._policy:
            self._policy, self._policy_seq = policy, seq
            self._entries = {}  # every cluster's threshold may have moved: re-encode all
            changed = True
        judge = policy or DEFAULT_POLICY
        entries = self._entries
        added = False
        for name, status in statuses.items():
            old = entries.get(name)
            if old is not None and (old.status is status or old.status == status):
                continue
            added = added or old is None
            entries[name] = _Entry(seq, status, wire.entry(status, _seconds(judge, name)))
            self._removed.pop(name, None)
            changed = True
        gone = [name for name in entries if name not in statuses]
        for name in gone:
            del entries[name]
            self._removed[name] = seq
            changed = True
        if added or gone:
            self._names = sorted(entries)
        said = (collector.state.value, collector.reason)
        if said != self._collector:
            self._collector = said
            changed = True
        self._collector_doc = wire.collector_doc(collector, now)
        if changed:
            self.seq = seq
        return changed

    def _since(self, token: str | None) -> int | None:
        """The sequence number of a token of this journal (None: start from scratch)."""
        if not token:
            return None
        epoch, _, number = token.partition(".")
        if epoch != self.epoch or not number.isdigit():
            return None
        seq = int(number)
        return seq if seq <= self.seq else None

    def unchanged(self, token: str | None) -> bool:
        return token is not None and self._since(token) == self.seq

    def page(self, token: str | None, *, after: str | None, limit: int, now: datetime) -> bytes:
        """The answer to "what changed since ``token``", from the name after ``after``."""
        since = self._since(token)
        full = since is None
        base = 0 if since is None else since
        entries = self._entries
        picked: list[bytes] = []
        next_name: str | None = None
        last = after
        start = 0 if after is None else bisect_right(self._names, after)
        for name in self._names[start:]:
            item = entries[name]
            if item.seq <= base:
                continue
            if len(picked) == limit:
                next_name = last
                break
            picked.append(item.body)
            last = name
        removed = (
            sorted(n for n, s in self._removed.items() if s > base)
            if not full and after is None
            else []
        )
        head: dict[str, Any] = {
            "api": wire.API,
            "generated_at": wire.ts(now),
            "token": self.token,
            "since": None if full else token,
            "full": full,
            "clusters_total": len(entries),
            "removed": removed,
            "next": next_name,
            "collector": self._collector_doc,
            "acks_accepted": self.acks_accepted,
        }
        if full or self._policy_seq > base:
            head["policy"] = wire.policy_doc(self._policy)
        if after is None and (full or self._acks_seq > base):
            head["acks"] = self._acks_doc
        prefix = wire.dumps(wire.clean(head))[:-1]
        return prefix + b',"clusters":[' + b",".join(picked) + b"]}"


def _seconds(policy: FreshnessPolicy, name: str) -> float:
    return policy.stale_after(name).total_seconds()
