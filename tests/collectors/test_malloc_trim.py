"""Freed heap goes back to the system: ``malloc_trim`` on glibc, at most once every 10 s,
called by the run-and-write loop after a written batch, and glibc's mapping and trim
thresholds fixed when that loop starts."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from collectors import malloc_trim
from collectors.daemon import Daemon
from collectors.mock.testing import small_fleet
from collectors.store import SnapshotStore
from tests.support.proc import rss_mb

GLIBC = platform.libc_ver()[0] == "glibc"


def test_a_trim_is_due_once_per_interval() -> None:
    if not malloc_trim.available():
        assert not malloc_trim.due(0.0)
        return
    malloc_trim.trim(now=1000.0)
    assert not malloc_trim.due(1000.0 + malloc_trim.EVERY_S - 1)
    assert malloc_trim.due(1000.0 + malloc_trim.EVERY_S)


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_freed_heap_below_the_top_goes_back_to_the_system() -> None:
    """What free() keeps: 4 KB blocks (malloc's heap, not mmap) freed while a later block
    still pins the top of the heap. Only a trim gives those pages back."""
    assert malloc_trim.available()
    blocks = [bytes(4000) + bytes([i % 256]) for i in range(12_000)]  # ~48 MB
    pin = bytes(4000) + b"pin"
    held = rss_mb()
    del blocks
    freed = rss_mb()
    assert malloc_trim.trim()
    trimmed = rss_mb()
    assert pin
    assert trimmed < freed - 20, (held, freed, trimmed)


MAPPED_AFTER_A_LARGE_FREE = """
import ctypes, re, sys, tempfile
from collectors import malloc_trim

libc = ctypes.CDLL("libc.so.6")
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.fclose.argtypes = [ctypes.c_void_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]

def mapped_blocks():
    with tempfile.NamedTemporaryFile(suffix=".xml") as out:
        fp = libc.fopen(out.name.encode(), b"w")
        libc.malloc_info(0, fp)
        libc.fclose(fp)
        xml = out.read().decode()
    return int(re.search(r'<total type="mmap" count="(\\d+)"', xml.rpartition("</heap>")[2])[1])

assert malloc_trim.fix_thresholds()
large = bytes([1]) * (4 << 20)  # mapped; freed, it would raise the threshold to 4 MB
del large
before = mapped_blocks()
block = bytes([2]) * 600_000
held = mapped_blocks()
del block
print(before, held, mapped_blocks())
"""


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_a_freed_large_block_does_not_move_later_ones_into_the_heap() -> None:
    """glibc raises its mapping threshold to the size of each mapped block freed; after
    that, blocks below that size grow the heap (the store's encoded files, the writer
    threads' heaps). With the thresholds fixed they stay mapped, and are unmapped (given
    back) when freed. In a fresh interpreter: no earlier free block can serve it."""
    out = subprocess.run(
        [sys.executable, "-c", MAPPED_AFTER_A_LARGE_FREE],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout
    before, held, after = (int(n) for n in out.split())
    assert held == before + 1, "a 600 KB block came from the heap"
    assert after == before


async def test_the_collector_loop_fixes_the_thresholds_and_trims_after_a_written_batch(
    fleet_cfg: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    fixed: list[bool] = []
    monkeypatch.setattr(malloc_trim, "fix_thresholds", lambda: fixed.append(True) or True)
    monkeypatch.setattr(malloc_trim, "due", lambda now=None: True)
    monkeypatch.setattr(malloc_trim, "trim", lambda now=None: calls.append(True) or True)
    async with small_fleet(["healthy", "evaluation"]) as fleet:
        store = SnapshotStore.open(backend="memory")
        report = await Daemon(fleet_cfg(fleet), store).run_once()
    assert report.ok == 2
    assert calls, "the loop never gave freed heap back"
    assert fixed, "the loop left glibc's thresholds sliding"
