"""Freed heap goes back to the system: ``malloc_trim`` on glibc, at most once every 10 s,
called by the run-and-write loop after a written batch."""

from __future__ import annotations

import platform
from typing import Any

import pytest

from collectors import malloc_trim
from collectors.daemon import Daemon
from collectors.mock.testing import small_fleet
from collectors.store import SnapshotStore

GLIBC = platform.libc_ver()[0] == "glibc"


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


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


async def test_the_collector_loop_trims_after_a_written_batch(
    fleet_cfg: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(malloc_trim, "due", lambda now=None: True)
    monkeypatch.setattr(malloc_trim, "trim", lambda now=None: calls.append(True) or True)
    async with small_fleet(["healthy", "evaluation"]) as fleet:
        store = SnapshotStore.open(backend="memory")
        report = await Daemon(fleet_cfg(fleet), store).run_once()
    assert report.ok == 2
    assert calls, "the loop never gave freed heap back"
