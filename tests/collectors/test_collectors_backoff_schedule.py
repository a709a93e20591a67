"""The schedule and backoff arithmetic, with the random source pinned."""

from __future__ import annotations

import pytest

from collectors.backoff import Schedule


def test_success_delay_is_the_interval_spread_by_jitter() -> None:
    s = Schedule(interval=300, jitter=0.1)
    assert s.after_success(lambda: 0.0) == pytest.approx(270)
    assert s.after_success(lambda: 0.5) == pytest.approx(300)
    assert s.after_success(lambda: 0.999999) == pytest.approx(330, abs=1e-3)


def test_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    s = Schedule(interval=60, backoff_base=10, backoff_max=200, jitter=0.2)
    assert [s.backoff_ceiling(n) for n in range(1, 7)] == [10, 20, 40, 80, 160, 200]
    assert s.backoff_ceiling(10_000) == 200  # no overflow


def test_jitter_only_shortens_the_backoff() -> None:
    s = Schedule(interval=60, backoff_base=10, backoff_max=200, jitter=0.2)
    assert s.after_failure(3, lambda: 0.0) == pytest.approx(40)
    assert s.after_failure(3, lambda: 0.999999) == pytest.approx(32, abs=1e-3)
    assert s.after_failure(50, lambda: 0.0) == pytest.approx(200)


def test_base_never_exceeds_and_cap_never_undercuts_the_interval() -> None:
    fast = Schedule(interval=5, backoff_base=30, backoff_max=3600, jitter=0)
    assert fast.backoff_ceiling(1) == 5
    slow = Schedule(interval=900, backoff_base=30, backoff_max=300, jitter=0)
    assert slow.backoff_ceiling(20) == 900


def test_next_delay_picks_success_or_failure() -> None:
    s = Schedule(interval=100, backoff_base=10, jitter=0)
    assert s.next_delay(0) == 100
    assert s.next_delay(2) == 20
    with pytest.raises(ValueError):
        s.backoff_ceiling(0)


def test_due_queue_rearm_disarm_and_order() -> None:
    from collectors.backoff import DueQueue

    q = DueQueue()
    assert q.arm("a", 10.0)
    assert q.arm("b", 5.0)  # the earliest now
    assert not q.arm("c", 7.0)
    q.arm("a", 1.0)  # re-armed earlier: the old entry is superseded
    q.disarm("c")
    assert q.pop_due(0.5) == ([], 0.5)
    assert q.pop_due(6.0) == (["a", "b"], None)
    assert "a" not in q and q.get("b") is None
