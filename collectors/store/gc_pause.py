"""Python's cycle collector paused while the store builds or reads a table.

Reading 10,000 statuses builds some 300,000 objects, none of them garbage and none in a
cycle; each generation-0 collection on the way traces the young ones again and the
older generations grow with the heap, so collection cost two fifths of the validation
(``bench/bench_store.py``: 84 -> 44 us CPU per record). Reference counting still frees
everything as usual; the collector runs again as soon as the block ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector for the block (a no-op where it is already off)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
