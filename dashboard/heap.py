"""Keeping Python's cyclic garbage collector off the fleet the dashboard holds.

A 10,000-cluster fleet is about a million tracked objects (statuses, snapshots, their
judgement). A full collection walks all of them: 0.5-0.8 s with the GIL held, the UI
frozen, every few updates. :func:`settle` is called after each large judgement (in the
worker thread that made it): it collects the young generations (the cycles of the
update just made) and freezes what is left (``gc.freeze``), so later collections walk
only what was made since. Frozen objects are still freed when the last reference goes
(statuses replaced by newer ones are); only a reference cycle that became garbage
after being frozen waits, so every :data:`THAW_S` the heap is thawed and the collector
sees everything once.
"""

from __future__ import annotations

import gc
import threading
import time
from typing import Final

from collectors.gc_pause import freeze_for_good

THAW_S: Final = 1800.0
"""How often frozen objects are handed back to the collector (one full collection)."""

_lock = threading.Lock()
_thawed_at = time.monotonic()


def settle() -> None:
    """Collect the young generations and freeze the rest (see the module docs)."""
    global _thawed_at
    with _lock:
        if time.monotonic() - _thawed_at >= THAW_S:
            gc.unfreeze()
            _thawed_at = time.monotonic()
            return
        gc.collect(1)
        freeze_for_good()
