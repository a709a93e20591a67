"""A key press holds background judging back for a frame: the worker sleeps (the GIL
free) until then, and judges as before."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import pytest

from collectors.policy import DEFAULT_POLICY
from dashboard.fleet_model import PAUSE_EVERY, FleetModel, Order
from dashboard.input_gate import InputGate
from dashboard.state import FleetState
from tests.dashboard.conftest import demo_statuses
from tests.support.factory import NOW
from tests.support.fleets import large_fleet


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_wait_sleeps_until_a_frame_after_the_key_and_not_otherwise() -> None:
    clock = Clock()
    gate = InputGate(0.016, clock=lambda: clock.now, sleep=clock.sleep)
    gate.wait()
    assert clock.slept == [] and not gate.held
    gate.hold()
    clock.now += 0.006  # the worker reaches its next step 6 ms after the key
    assert gate.held
    gate.wait()
    assert clock.slept == [pytest.approx(0.010)]
    assert not gate.held
    gate.wait()
    assert len(clock.slept) == 1


def test_a_judgement_pauses_between_steps_and_judges_the_same() -> None:
    fleet = FleetState(statuses=MappingProxyType(large_fleet(5 * PAUSE_EVERY + 5)))
    pauses: list[int] = []
    paused = FleetModel().update(
        fleet, DEFAULT_POLICY, NOW, Order(), pause=lambda: pauses.append(1)
    )
    plain = FleetModel().update(fleet, DEFAULT_POLICY, NOW, Order())
    assert len(pauses) == 5 + 1  # every PAUSE_EVERY clusters, and before sorting them all
    assert paused.rows == plain.rows and paused.counts == plain.counts


async def test_a_key_press_holds_the_gate(make_app: Callable[..., Any]) -> None:
    h = make_app(demo_statuses())
    async with h.app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        held: list[bool] = []
        gate = h.app.input_gate
        hold = gate.hold
        gate.hold = lambda: (held.append(True), hold())[-1]  # type: ignore[method-assign]
        await pilot.press("j")
        assert held == [True]  # once: the key bubbling back to the app is not a new one
