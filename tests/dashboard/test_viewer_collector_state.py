"""The store viewer says what the collector is doing, from the store alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

from collectors.liveness import State
from dashboard.app import LicdashApp
from dashboard.sources import StoreViewer

SIZE = (140, 30)


async def test_a_store_nobody_wrote_says_so(tmp_path: Path) -> None:
    app = LicdashApp(StoreViewer(tmp_path, interval=0.05))
    async with app.run_test(size=SIZE) as pilot:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while app.fleet.collector is None and loop.time() < deadline:
            await pilot.pause(0.05)
        assert app.fleet.collector is not None and app.fleet.collector.state is State.NEVER
        await pilot.pause()
        summary = str(app.screen.query_one("SummaryBar").render())
        assert "no collector has written this store yet" in summary
        assert "no poll cycle finished yet" not in summary
        assert "no policy in the store: fallback, stale after 15 min" in summary
        await pilot.press("q")
