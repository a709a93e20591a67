"""When to poll a publisher next: a jittered interval after success, capped exponential
backoff with jitter after failures. Pure functions of their inputs; the random source is
injected so tests can pin it.
"""

from __future__ import annotations

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
