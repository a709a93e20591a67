"""Collection is off while a long-running command starts (what it made is then frozen)
and while a block builds a table (what it made then goes untraced to the oldest generation)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from collectors import gc_pause
from collectors.gc_pause import gc_paused, start_up_without_gc


@pytest.fixture
def gc_restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    enabled = gc.isenabled()
    monkeypatch.setattr(gc_pause, "_freezing", False)  # a fresh process's
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:  # pragma: no cover - pytest runs with collection on
        gc.disable()


@pytest.mark.usefixtures("gc_restored")
def test_no_collection_during_start_up_then_it_is_frozen_and_collection_resumes() -> None:
    gc.enable()
    gc.unfreeze()
    with start_up_without_gc():
        assert not gc.isenabled()
        made = [{"cluster": i} for i in range(100)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made)


@pytest.mark.usefixtures("gc_restored")
def test_a_failed_start_up_resumes_collection_as_it_was() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), start_up_without_gc():
        raise RuntimeError("bad config")
    assert gc.isenabled()
    gc.disable()
    with start_up_without_gc():
        pass
    assert not gc.isenabled()  # it was off before: left off


@pytest.mark.usefixtures("gc_restored")
def test_a_paused_block_leaves_what_it_made_in_the_oldest_generation_untraced() -> None:
    gc.enable()
    gc.unfreeze()
    gc.collect()
    collections = [s["collections"] for s in gc.get_stats()]
    with gc_paused():
        made = [[i] for i in range(20_000)]
    assert gc.get_count()[0] < 50  # no young backlog for the next allocation to trace
    where = [{id(o) for o in gc.get_objects(generation=g)} for g in range(3)]
    assert [id(made) in ids for ids in where] == [False, False, True]
    assert [id(made[-1]) in ids for ids in where] == [False, False, True]
    assert [s["collections"] for s in gc.get_stats()] == collections
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("gc_restored")
def test_a_paused_block_keeps_what_start_up_froze_frozen() -> None:
    gc.enable()
    gc.unfreeze()
    with start_up_without_gc():
        kept = [{"config": i} for i in range(100)]
    frozen = gc.get_freeze_count()
    with gc_paused():
        made = [[i] for i in range(100)]
    assert gc.get_freeze_count() == frozen >= len(kept)
    assert id(made) not in {id(o) for o in gc.get_objects(generation=2)}
