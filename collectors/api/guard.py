"""How fast one client may ask the API: a token bucket per client address.

Where the API may listen and the bearer token are the one listener rule's
(:mod:`collectors.listener`, docs/api.md "Security").
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """A token bucket per client: ``burst`` requests at once, ``rate`` per second after.

    At most ``clients`` buckets are kept (the least recently seen is forgotten, which
    only ever gives a client a full bucket again)."""

    def __init__(
        self,
        rate: float = 10.0,
        burst: int = 60,
        *,
        clients: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clients = clients
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, client: str) -> float:
        """0 when ``client`` may go on; else the seconds until it may (``Retry-After``)."""
        now = self._clock()
        bucket = self._buckets.pop(client, None)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[client] = bucket
        while len(self._buckets) > self._clients:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate


def retry_after(seconds: float) -> str:
    """A ``Retry-After`` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
