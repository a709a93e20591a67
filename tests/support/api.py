"""In-process ``licdash.api/1`` servers on loopback over real stores, their event loop in
a thread so that tests and benchmarks can stay synchronous."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from collectors.api.server import ApiServer


class Served:
    """A running :class:`ApiServer`; ``call`` runs a coroutine on its loop."""

    def __init__(self, server: ApiServer, loop: asyncio.AbstractEventLoop) -> None:
        self.server = server
        self.loop = loop

    @property
    def url(self) -> str:
        return self.server.url

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)


class ApiServers:
    """Starts servers on one loop thread; :meth:`close` stops them all."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="api-servers")
        self._thread.daemon = True
        self._thread.start()
        self.started: list[Served] = []

    def start(self, store: Path, **kwargs: Any) -> Served:
        kwargs.setdefault("host", "127.0.0.1")
        kwargs.setdefault("port", 0)
        served = Served(ApiServer(store, **kwargs), self.loop)
        served.call(served.server.start())
        self.started.append(served)
        return served

    def close(self) -> None:
        for served in self.started:
            served.call(served.server.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
