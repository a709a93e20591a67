"""Giving freed heap back to the system in a long-running process.

A collector (or the live dashboard's) polls for weeks; each poll's answers, TLS state
and parsed trees are freed, but glibc's allocator keeps freed pages inside its heaps
(one per thread that allocated) unless they sit at the very top. Measured with
``bench/bench_soak.py`` (200 publishers every 2 s): the process's resident size crept
by about 5 MB per 10 minutes while Python's own allocations (tracemalloc) stayed flat,
and ``malloc_trim(0)`` brought it back each time to the same floor. So the run-and-write
loop calls :func:`trim` after a written batch, at most once per :data:`EVERY_S`
(:func:`due`); it costs about a millisecond, in a worker thread. Elsewhere than glibc
(musl, macOS, Windows) there is nothing to call and :func:`trim` does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
import time
from collections.abc import Callable
from typing import Final

EVERY_S: Final = 10.0
"""The least time between two trims: a trim costs about a millisecond, and between two
of them the heap grows back by what that many seconds of polls leave free."""

_lock = threading.Lock()
_last = float("-inf")


def _load() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        fn = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn


_MALLOC_TRIM = _load()


def available() -> bool:
    return _MALLOC_TRIM is not None


def due(now: float | None = None) -> bool:
    """Whether :data:`EVERY_S` has passed since the last trim (and there is one to do)."""
    if _MALLOC_TRIM is None:
        return False
    now = time.monotonic() if now is None else now
    return now - _last >= EVERY_S


def trim(now: float | None = None) -> bool:
    """Hand the heaps' free pages back to the system; True when memory was released."""
    global _last
    if _MALLOC_TRIM is None:
        return False
    with _lock:
        _last = time.monotonic() if now is None else now
        return bool(_MALLOC_TRIM(0))
