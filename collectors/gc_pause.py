"""Python's cycle collector paused while the store builds or reads a table, while a
judging worker builds a fleet's first view, and while a long-running command starts.

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
        _promote()
        gc.enable()


def _promote() -> None:
    """Move what the block made to the oldest generation without tracing it.

    Without this, the first allocation after the block collects the young generation,
    which then holds everything the block made: at 10,000 clusters that one
    collection traced half a million objects, a quarter of ``latest()``
    (``bench/bench_store.py``). ``freeze`` and ``unfreeze`` each splice lists (no
    tracing): every tracked object lands in the oldest generation, where the next full
    collection, which runs as rarely as before, still frees any cycle among them. A
    process that freezes objects for good (:func:`freeze_for_good`) keeps them frozen:
    there the collection happens as before."""
    if not _freezing:
        gc.freeze()
        gc.unfreeze()


_freezing = False
"""Whether this process freezes objects for good (``gc.get_freeze_count`` would say,
but it counts them one by one)."""


def freeze_for_good() -> None:
    """Freeze every tracked object (``gc.freeze``): it is never traced again. From now
    on :func:`gc_paused` leaves the frozen objects alone."""
    global _freezing
    _freezing = True
    gc.freeze()


@contextmanager
def start_up_without_gc() -> Iterator[None]:
    """No collection while a long-running command starts: its imports and its config
    make objects that live as long as the process, so a collection then traces them for
    nothing (a twentieth of a 10,000-cluster collector's start-up instructions). They
    are frozen at the end (never traced again) and collection resumes as it was."""
    with gc_paused():
        try:
            yield
        finally:
            freeze_for_good()
