"""Collection is off while a long-running command starts, and what it made is frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from collectors.gc_pause import start_up_without_gc


@pytest.fixture
def gc_restored() -> Iterator[None]:
    enabled = gc.isenabled()
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
