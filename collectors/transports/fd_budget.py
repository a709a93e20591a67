"""How many publishers may keep an idle connection open, within the descriptor limit.

An idle keep-alive connection per publisher lets the next poll skip the TCP and TLS
handshakes (most of a poll's CPU), but each one holds a file descriptor. The soft limit
(``ulimit -n``) is raised towards the hard one when the fleet needs it; what is left
after the polls in flight and a reserve (the store, logs, listeners, the CLI transport)
is how many publishers keep one. The others reconnect on every poll, as before.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass

RESERVE = 256
"""Descriptors kept for everything but the polls: store files, logs, listeners, ssh."""
MAX_IDLE = 2048
"""At most this many publishers keep one at a time, whatever the limit: an idle TLS
connection holds about 30 KB on uvloop (a 10,000-publisher ``collect --once`` peaked
300 MB higher keeping one each), and a fleet polled within the idle expiry of its last
poll (seconds, where the usual interval is minutes) is a small one."""


@dataclass(frozen=True, slots=True)
class IdleBudget:
    """``slots`` publishers may keep an idle connection; ``shortfall`` says why not all."""

    slots: int
    shortfall: str | None = None


def idle_budget(publishers: int, in_flight: int) -> IdleBudget:
    """The idle-connection slots for ``publishers`` with ``in_flight`` polls at once
    (at most :data:`MAX_IDLE`), raising the soft descriptor limit up to the hard one if
    that makes room; ``shortfall`` says when the descriptors are what runs short."""
    publishers = min(publishers, MAX_IDLE)
    needed = publishers + in_flight + RESERVE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        if target > soft:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
                soft = target
            except (ValueError, OSError):
                pass
    if soft == resource.RLIM_INFINITY:
        return IdleBudget(publishers)
    slots = max(0, min(publishers, soft - in_flight - RESERVE))
    if slots >= publishers:
        return IdleBudget(publishers)
    return IdleBudget(
        slots,
        f"the descriptor limit (ulimit -n) is {soft}: {slots} of {publishers} publishers "
        f"keep an idle connection between polls, the others reconnect every poll "
        f"(raise the limit to {needed} for all of them)",
    )
