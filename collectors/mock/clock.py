"""The simulated clock: sim time = start + elapsed * speed."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class SimClock:
    """Simulated time running ``speed`` times faster than the real clock.

    ``elapsed`` (monotonic seconds) is injectable so tests can move time by hand.
    The simulation starts at the real wall-clock time the clock was created.
    """

    def __init__(
        self,
        speed: float = 1.0,
        *,
        start: datetime | None = None,
        elapsed: Callable[[], float] | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.speed = speed
        self.start = (start or datetime.now(UTC)).astimezone(UTC)
        self._monotonic = elapsed or time.monotonic
        self._origin = self._monotonic()

    def elapsed(self) -> float:
        """Real seconds since the clock started."""
        return self._monotonic() - self._origin

    def now(self) -> datetime:
        """The current simulated time (aware, UTC)."""
        return self.sim_at(self.elapsed())

    def sim_at(self, elapsed: float) -> datetime:
        """The simulated time ``elapsed`` real seconds after the start."""
        return self.start + timedelta(seconds=elapsed * self.speed)

    def real_now(self) -> datetime:
        """The real time as this clock sees it (start + elapsed), aware UTC."""
        return self.start + timedelta(seconds=self.elapsed())

    def to_real(self, at: datetime, *, elapsed: float | None = None) -> datetime:
        """Where a simulated instant is shown on the real clock.

        An event at simulated time ``t`` is rendered at ``real_now + (t - sim_now)``, so a
        collector on the real clock sees deadlines approach ``speed`` times faster.
        """
        e = self.elapsed() if elapsed is None else elapsed
        return at - timedelta(seconds=e * (self.speed - 1.0))
