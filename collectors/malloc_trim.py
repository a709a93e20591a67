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

A trim alone left the soak creeping (about 3 MB per 10 minutes), in the heaps of the
threads that write the store (``malloc_info``: they grew, nearly all of it free). glibc
maps a block of at least ``M_MMAP_THRESHOLD`` (128 KiB at start) on its own and unmaps
it when freed; but freeing such a block raises that threshold to the block's size (up
to 32 MiB), and the one for giving back a heap's free top (``M_TRIM_THRESHOLD``) to
twice that. After that, blocks of that size grow a thread's heap instead. The store
rewrites files of hundreds of KB every batch, some growing all day (a day's events and
failures: 0.3 to 0.9 MB ten minutes into the soak), each copy a little larger than the
hole the last one left; ``malloc_trim`` gives back the free pages below a thread heap's
top, never that top itself (only the main heap's), nor a page that one small live block
holds. :func:`fix_thresholds`, called when the run-and-write loop starts, sets both
thresholds (``mallopt``), which also stops glibc moving them: blocks from
:data:`MMAP_THRESHOLD` up are mapped and unmapped, and a heap's free top beyond
:data:`TRIM_THRESHOLD` goes back at the next ``free``. It overrides the same settings
made in the environment (``MALLOC_MMAP_THRESHOLD_``, ``GLIBC_TUNABLES``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Final, cast

EVERY_S: Final = 10.0
"""The least time between two trims: a trim costs about a millisecond, and between two
of them the heap grows back by what that many seconds of polls leave free."""

MMAP_THRESHOLD: Final = 512 * 1024
"""Blocks from this size up get a mapping of their own. Above asyncio's 256 KiB TLS read
buffer (one per connection, hundreds a minute), which stays in the heap: mapping it
costs about 250 us (64 fresh pages zeroed) against 5 us reused from the heap."""
TRIM_THRESHOLD: Final = 128 * 1024
"""A heap's free top beyond this goes back to the system at the next ``free`` (glibc's
own starting value, kept from sliding)."""

_M_TRIM_THRESHOLD: Final = -1
_M_MMAP_THRESHOLD: Final = -3

_lock = threading.Lock()
_last = float("-inf")
_fixed = False


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def _function(libc: ctypes.CDLL | None, name: str, *args: type[Any]) -> Callable[..., int] | None:
    """glibc's ``name`` taking ``args`` and returning an int; None elsewhere."""
    if libc is None:
        return None
    try:
        fn = getattr(libc, name)
    except AttributeError:  # not glibc
        return None
    fn.argtypes = list(args)
    fn.restype = ctypes.c_int
    return cast(Callable[..., int], fn)


_LIBC = _libc()
_MALLOC_TRIM = _function(_LIBC, "malloc_trim", ctypes.c_size_t)
_MALLOPT = (
    _function(_LIBC, "mallopt", ctypes.c_int, ctypes.c_int) if _MALLOC_TRIM is not None else None
)


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


def fix_thresholds() -> bool:
    """Set glibc's mapping and trim thresholds, once per process (see the module's
    docstring); True when they are set (now or before)."""
    global _fixed
    if _MALLOPT is None:
        return False
    with _lock:
        if not _fixed:
            _fixed = bool(_MALLOPT(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
                _MALLOPT(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
            )
        return _fixed
