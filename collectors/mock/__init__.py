"""A simulated fleet of CUCM publishers speaking AXL over HTTPS on loopback.

``MockFleet`` (async) and ``ThreadedFleet`` (its own loop in a daemon thread) run the
fleet; ``state.licence_state`` is the interface-neutral living licence state that the
AXL renderer (and later a VOS CLI renderer) turn into text.
"""

from __future__ import annotations

from collectors.mock.fleet import MockFleet, MockPublisherInfo, ThreadedFleet
from collectors.mock.scenarios import FAULT_SCENARIOS, LICENCE_SCENARIOS, SCENARIOS

__all__ = [
    "FAULT_SCENARIOS",
    "LICENCE_SCENARIOS",
    "SCENARIOS",
    "MockFleet",
    "MockPublisherInfo",
    "ThreadedFleet",
]
