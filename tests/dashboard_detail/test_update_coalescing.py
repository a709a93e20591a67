"""Queued fleet updates coalesce into the newest: a screen must not lose an earlier change."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from collectors.results import ClusterStatus
from dashboard.screens.cluster import ClusterScreen

SIZE = (120, 40)


async def test_cluster_screen_shows_its_change_when_a_later_update_names_another_cluster(
    make_app: Any, statuses: dict[str, ClusterStatus]
) -> None:
    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        lon = statuses["emea-lon-cucm1"]
        assert lon.last_good is not None
        reg = lon.last_good.registration.model_copy(update={"virtual_account": "Voice EU"})
        snap = lon.last_good.model_copy(update={"registration": reg})
        app.update_fleet({"emea-lon-cucm1": lon.model_copy(update={"last_good": snap})})
        # a second poll result arrives before the screen handled the first
        nyc = statuses["amer-nyc-cucm2"]
        app.update_fleet({"amer-nyc-cucm2": nyc.model_copy(update={"consecutive_failures": 1})})
        await pilot.pause()
        assert "Voice EU" in str(app.screen.query_one("#summary", Static).render())
