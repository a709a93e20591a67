"""A simulated fleet of CUCM publishers speaking AXL over HTTPS on loopback.

``MockFleet`` (async) and ``ThreadedFleet`` (its own loop in a daemon thread) run the
fleet; ``state.licence_state`` is the interface-neutral living licence state that the
AXL renderer (and a VOS CLI renderer) turn into text. Names are imported lazily so
``licdash --help`` (which loads ``collectors.mock.cli``) does not load aiohttp.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collectors.mock.fleet import MockFleet, MockPublisherInfo, ThreadedFleet
    from collectors.mock.scenarios import FAULT_SCENARIOS, LICENCE_SCENARIOS, SCENARIOS

_LAZY = {
    "MockFleet": "collectors.mock.fleet",
    "MockPublisherInfo": "collectors.mock.fleet",
    "ThreadedFleet": "collectors.mock.fleet",
    "FAULT_SCENARIOS": "collectors.mock.scenarios",
    "LICENCE_SCENARIOS": "collectors.mock.scenarios",
    "SCENARIOS": "collectors.mock.scenarios",
}

__all__ = [
    "FAULT_SCENARIOS",
    "LICENCE_SCENARIOS",
    "SCENARIOS",
    "MockFleet",
    "MockPublisherInfo",
    "ThreadedFleet",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
