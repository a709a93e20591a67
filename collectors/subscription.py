"""One consumer's ordered stream of :class:`~collectors.results.PollUpdate` values.

The engine puts every update into each subscription's own queue, so a slow consumer
never holds up another (its queue grows instead; consume promptly or ``aclose()``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Self

from collectors.results import PollUpdate


class Subscription:
    """One consumer's queue of updates; iterate it with ``async for``."""

    _END = object()

    def __init__(self, unsubscribe: Callable[[Subscription], None]) -> None:
        self._unsubscribe = unsubscribe
        self._queue: asyncio.Queue[object] = asyncio.Queue()

    def put(self, update: PollUpdate) -> None:
        self._queue.put_nowait(update)

    def end(self) -> None:
        self._queue.put_nowait(self._END)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> PollUpdate:
        item = await self._queue.get()
        if item is self._END:
            self._unsubscribe(self)
            raise StopAsyncIteration
        assert isinstance(item, PollUpdate)
        return item

    def pending(self) -> int:
        return self._queue.qsize()

    async def aclose(self) -> None:
        """Stop receiving updates."""
        self._unsubscribe(self)
