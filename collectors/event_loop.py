"""The event loop the headless commands run on: uvloop when it is there, asyncio otherwise.

``collect``, ``status`` (polling or over sources) and ``config --test`` spend most of
their CPU in the event loop and its TLS transport; uvloop's (libuv, and a TLS layer in
Cython) costs about a third less CPU per poll than asyncio's own
(bench/bench_collect.py). The Textual app keeps asyncio's loop: Textual is tested on it.

``LICDASH_EVENT_LOOP=asyncio`` picks asyncio's loop whatever is installed (to rule the
loop out when chasing a problem); without uvloop (a platform it does not support)
asyncio's loop is used too.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

T = TypeVar("T")

ENV = "LICDASH_EVENT_LOOP"
LoopName = Literal["uvloop", "asyncio"]


def loop_factory() -> tuple[LoopName, Callable[[], asyncio.AbstractEventLoop] | None]:
    """Which loop to run (its name, and a factory; None means asyncio's default)."""
    if os.environ.get(ENV, "").strip().lower() == "asyncio":
        return "asyncio", None
    try:
        import uvloop
    except ImportError:
        return "asyncio", None
    return "uvloop", uvloop.new_event_loop


def running_uvloop() -> bool:
    """Whether the running event loop is uvloop's (False outside a loop)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    return type(loop).__module__.partition(".")[0] == "uvloop"


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on the loop :func:`loop_factory` picks."""
    _, factory = loop_factory()
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)
