"""RedrawThrottle: expensive redraws are spaced out and updates fold into one draw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dashboard.screens import detail_host
from dashboard.screens.detail_host import RedrawThrottle


class FakeOwner:
    def __init__(self) -> None:
        self.timers: list[tuple[float, Callable[[], object]]] = []

    def set_timer(self, delay: float, callback: Callable[[], object], **_: Any) -> object:
        self.timers.append((delay, callback))
        return object()


def test_an_expensive_draw_holds_the_next_back_and_updates_fold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [100.0]
    monkeypatch.setattr(detail_host.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(RedrawThrottle, "share", 0.25)
    draws: list[float] = []

    def draw() -> None:
        draws.append(clock[0])
        clock[0] += 1.0  # each draw costs a second

    owner = FakeOwner()
    throttle = RedrawThrottle(owner, draw)  # type: ignore[arg-type]
    throttle.request()
    assert draws == [100.0]  # the first draw is immediate
    throttle.request()
    throttle.request()
    assert draws == [100.0]
    assert [delay for delay, _ in owner.timers] == [3.0]  # 1 s draw at 25 %: wait 3 s
    clock[0] = 104.0
    owner.timers[0][1]()
    assert draws == [100.0, 104.0]  # two requests, one draw
    clock[0] = 200.0
    throttle.request()
    assert draws == [100.0, 104.0, 200.0]  # long after: immediate again
