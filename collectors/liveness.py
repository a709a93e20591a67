"""Is a collector writing this store? The heartbeat a writer records and the one rule
that judges it (the dashboard banner, ``status``, metrics and the viewer all ask here).

A writer records a :class:`Heartbeat` (``heartbeat.json`` in the store) after every
written batch and at least every ``interval_s`` seconds while idle. The collector is
*down* when the heartbeat is older than two intervals, or when a long-running writer
(``mode`` ``daemon``/``dashboard``) stopped or its process is gone (the writer lock is
free while a writer was expected).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from collectors.dates import human_span
from collectors.model import Timestamp

Mode = Literal["daemon", "once", "dashboard"]

MISSED_BEATS: Final = 2
"""Heartbeats a writer may miss before it counts as down."""
MAX_BEAT_S: Final = 60.0
"""A long-running writer beats at least this often, whatever its poll interval."""


class Heartbeat(BaseModel):
    """What a writer says about itself; replaced on every beat."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    at: Timestamp
    """When this beat was written."""
    last_cycle_end: Timestamp | None = None
    pid: int
    host: str
    interval_s: float = Field(gt=0)
    """The writer promises its next beat within this."""
    mode: Mode = "daemon"
    stopped: bool = False
    """A clean stop: this writer will not write again."""


def beat_interval(poll_interval_s: float, mode: Mode) -> float:
    """How often a writer beats: a ``--once`` run promises the next run one poll interval
    later; a running collector beats at least every minute."""
    return poll_interval_s if mode == "once" else min(poll_interval_s, MAX_BEAT_S)


def make_heartbeat(
    *,
    now: datetime,
    poll_interval_s: float,
    mode: Mode,
    last_cycle_end: datetime | None = None,
    stopped: bool = False,
) -> Heartbeat:
    return Heartbeat(
        at=now,
        last_cycle_end=last_cycle_end,
        pid=os.getpid(),
        host=socket.gethostname(),
        interval_s=beat_interval(poll_interval_s, mode),
        mode=mode,
        stopped=stopped,
    )


class State(StrEnum):
    UP = "up"
    DOWN = "down"
    NEVER = "never"
    """Nobody has written this store yet."""
    UNKNOWN = "unknown"
    """Data but no heartbeat: written by an older licdash (or by hand)."""


@dataclass(frozen=True, slots=True)
class CollectorState:
    state: State
    heartbeat: Heartbeat | None = None
    age: timedelta | None = None
    reason: str = ""

    @property
    def down(self) -> bool:
        return self.state is State.DOWN

    def text(self, now: datetime | None = None) -> str:
        """One line for a banner, ``status`` or a log (the age as of ``now`` if given)."""
        hb = self.heartbeat
        if self.state is State.NEVER:
            return "no collector has written this store yet"
        if self.state is State.UNKNOWN:
            return "this store has no collector heartbeat (written by an older licdash?)"
        assert hb is not None and self.age is not None
        age = max(timedelta(0), now - hb.at) if now is not None else self.age
        since = f"{hb.at.astimezone(UTC):%H:%M} UTC, {human_span(age)}"
        if self.state is State.DOWN:
            return f"collector not writing since {since} ({self.reason})"
        return f"collector writing (pid {hb.pid} on {hb.host}, last {human_span(age)} ago)"


def judge(
    heartbeat: Heartbeat | None,
    now: datetime,
    *,
    has_data: bool,
    writer_alive: bool | None = None,
) -> CollectorState:
    """The collector's state at ``now``.

    ``writer_alive``: whether the heartbeat's process still holds the writer lock (None
    when that cannot be told, e.g. the writer runs on another host).
    """
    if heartbeat is None:
        return CollectorState(State.UNKNOWN if has_data else State.NEVER)
    age = max(timedelta(0), now - heartbeat.at)
    limit = timedelta(seconds=MISSED_BEATS * heartbeat.interval_s)
    if heartbeat.stopped:
        return CollectorState(State.DOWN, heartbeat, age, "stopped")
    if heartbeat.mode != "once" and writer_alive is False:
        return CollectorState(State.DOWN, heartbeat, age, "writer process gone")
    if age > limit:
        return CollectorState(State.DOWN, heartbeat, age, f"{MISSED_BEATS} heartbeats missed")
    return CollectorState(State.UP, heartbeat, age)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def writer_alive(heartbeat: Heartbeat | None, lock_pid: int | None) -> bool | None:
    """Whether the writer that beat last still holds the store's writer lock: the lock
    file names the holder's PID (empty once released); only this host's PIDs can be
    checked."""
    if heartbeat is None or heartbeat.host != socket.gethostname():
        return None
    if lock_pid is None or lock_pid != heartbeat.pid:
        return False
    return pid_alive(lock_pid)
