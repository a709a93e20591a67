"""When to poll a publisher next: a jittered interval after success, capped exponential
backoff with jitter after failures. Pure functions of their inputs; the random source is
injected so tests can pin it.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass

RandomFn = Callable[[], float]
"""Returns a float in [0, 1), like :func:`random.random`."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """Polling rhythm for one publisher."""

    interval: float
    """Seconds between polls while the publisher answers."""
    jitter: float = 0.1
    """Each delay is spread by up to ± this fraction, so a fleet does not poll in step."""
    backoff_base: float = 30.0
    """Delay after the first failure (never more than ``interval``)."""
    backoff_max: float = 3600.0
    """Longest delay after repeated failures (never less than ``interval``)."""

    def after_success(self, rand: RandomFn = random.random) -> float:
        """Seconds until the next poll after a good one: ``interval`` ± jitter."""
        return self.interval * (1.0 + self.jitter * (2.0 * rand() - 1.0))

    def backoff_ceiling(self, failures: int) -> float:
        """The un-jittered delay after ``failures`` consecutive failures (``failures`` ≥ 1).

        ``base x 2^(failures-1)``, where ``base`` is at most one interval, capped at
        ``max(backoff_max, interval)``: a failing publisher is retried sooner than the
        normal interval at first, then ever more rarely.
        """
        if failures < 1:
            raise ValueError("failures must be at least 1")
        base = min(self.backoff_base, self.interval)
        cap = max(self.backoff_max, self.interval)
        exponent = min(failures - 1, 62)  # 2**62 x base overflows nothing and exceeds any cap
        return min(cap, base * 2.0**exponent)

    def after_failure(self, failures: int, rand: RandomFn = random.random) -> float:
        """Seconds until a retry: the ceiling minus up to ``jitter`` of it, never above the cap.

        Jitter only shortens the delay, so the cap holds and retries of publishers that
        failed together (a shared network outage) do not come back in step.
        """
        ceiling = self.backoff_ceiling(failures)
        return ceiling * (1.0 - self.jitter * rand())

    def next_delay(self, failures: int, rand: RandomFn = random.random) -> float:
        """The delay after a poll that left ``failures`` consecutive failures (0 = it worked)."""
        return self.after_success(rand) if failures == 0 else self.after_failure(failures, rand)


class DueQueue:
    """Which publisher is due next: one armed time per name, earliest first.

    Re-arming a name replaces its time; :meth:`disarm` forgets it. Superseded heap
    entries are dropped lazily, so every operation is O(log n).
    """

    def __init__(self) -> None:
        self._due: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []

    def __contains__(self, name: object) -> bool:
        return name in self._due

    def get(self, name: str) -> float | None:
        return self._due.get(name)

    def arm(self, name: str, due: float) -> bool:
        """Set ``name`` due at ``due``; True when it is now the earliest."""
        self._due[name] = due
        heapq.heappush(self._heap, (due, name))
        return self._heap[0] == (due, name)

    def disarm(self, name: str) -> None:
        self._due.pop(name, None)

    def pop_due(self, now: float) -> tuple[list[str], float | None]:
        """Names due at ``now`` (disarmed), and seconds until the next one (or None)."""
        ready: list[str] = []
        while self._heap:
            due, name = self._heap[0]
            if self._due.get(name) != due:
                heapq.heappop(self._heap)  # superseded or disarmed
                continue
            if due > now:
                return ready, due - now
            heapq.heappop(self._heap)
            del self._due[name]
            ready.append(name)
        return ready, None
