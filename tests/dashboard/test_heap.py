"""settle(): what is left after collecting the young generations is frozen, so later
collections do not walk it; after THAW_S the collector is given everything back."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from dashboard import heap


@pytest.fixture(autouse=True)
def _thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_settle_freezes_what_lives_and_collects_young_cycles() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    cycle = Node()
    dropped = Node()
    del dropped  # young cyclic garbage: collected, not frozen
    heap.settle()
    assert gc.get_freeze_count() > 0
    assert not any(type(o) is Node and o is not cycle for o in gc.get_objects())
    assert cycle.me is cycle


def test_settle_thaws_the_heap_every_thaw_s(monkeypatch: pytest.MonkeyPatch) -> None:
    heap.settle()
    assert gc.get_freeze_count() > 0
    monkeypatch.setattr(heap, "_thawed_at", heap._thawed_at - heap.THAW_S)
    heap.settle()
    assert gc.get_freeze_count() == 0
