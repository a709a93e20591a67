"""Key presses before background judging: a worker steps aside for a frame after a key.

Python runs one thread at a time (the GIL). While a worker judges a large fleet (or
collects the garbage it made, which holds the GIL throughout), the UI thread handling a
key gets at most every other switch interval, so a frame of a few ms of work takes twice
that or more. The app calls :meth:`InputGate.hold` on each key press; background work
calls :meth:`InputGate.wait` between steps, which sleeps (the GIL released) until
:data:`HOLD_S` after the last key. A held-down key (30 a second) slows judging by about
half, never stops it.

(A window, not "until the key's frame is drawn": Textual has no public signal for a
drawn frame, and ``call_after_refresh`` from the app can run before the focused widget
has even handled the key.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

HOLD_S: Final = 0.016
"""How long after a key background work waits: one frame at Textual's 60 per second
(the key's handling and frame take a few ms of it)."""


class InputGate:
    """Held for :data:`HOLD_S` from each key press; waited on by worker threads."""

    def __init__(
        self,
        hold_s: float = HOLD_S,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._hold_s = hold_s
        self._clock = clock
        self._sleep = sleep
        self._until = -float("inf")

    @property
    def held(self) -> bool:
        return self._clock() < self._until

    def hold(self) -> None:
        """A key was pressed (UI thread)."""
        self._until = self._clock() + self._hold_s

    def wait(self) -> None:
        """Sleep while a key holds the gate; return at once when none does."""
        left = self._until - self._clock()
        if left > 0:
            self._sleep(left)
