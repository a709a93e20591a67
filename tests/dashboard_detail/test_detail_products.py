"""Detail screens of Unity Connection and Expressway clusters: the product named, and
Expressway's missing per-licence counts said in words, never shown as 0."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from textual.app import App
from textual.widgets import TabbedContent

from collectors.results import ClusterStatus
from collectors.vocab import entitlement_name
from dashboard.screens.cluster import ClusterScreen
from dashboard.screens.entitlements import EntitlementsScreen
from tests.support.factory import NOW, entitlement, snapshot, status

SIZE = (120, 40)
ReadScreen = Callable[[App[Any]], str]
EXPRESSWAY = "emea-lon-expc1/peer1"
UNITY = "emea-lon-cuc1"
UNITY_TAG = "regid.2020-06.com.cisco.CUC_BasicMessaging,14_74b6bdc1-b3e1-45dc-9468-6412b12fdef2"


def with_products(statuses: dict[str, ClusterStatus]) -> dict[str, ClusterStatus]:
    at = NOW - timedelta(minutes=2)
    exp = snapshot(EXPRESSWAY, at, product="expressway", source="rest", entitlements=[])
    licence = entitlement(UNITY_TAG, 640, name=entitlement_name(UNITY_TAG))
    cuc = snapshot(UNITY, at, product="unity", source="cupi", entitlements=[licence])
    return {
        **statuses,
        EXPRESSWAY: status(EXPRESSWAY, exp, transport="rest", axl_version=None),
        UNITY: status(UNITY, cuc, transport="cupi", axl_version=None),
    }


async def test_an_expressway_cluster_says_it_has_no_counts(
    make_app: Any, statuses: dict[str, ClusterStatus], read_screen: ReadScreen
) -> None:
    app = make_app(lambda: ClusterScreen(EXPRESSWAY), statuses=with_products(statuses))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = read_screen(app)
        assert "Expressway via rest" in text
        assert "No per-licence counts for Expressway: its status reports none." in text
        app.screen.query_one(TabbedContent).active = "tab-history"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "No per-licence counts for Expressway." in read_screen(app)


async def test_a_unity_cluster_shows_its_licences_by_name(
    make_app: Any, statuses: dict[str, ClusterStatus], read_screen: ReadScreen
) -> None:
    app = make_app(lambda: ClusterScreen(UNITY), statuses=with_products(statuses))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = read_screen(app)
    assert "Unity Connection via cupi" in text
    assert "Basic Messaging" in text and "640" in text


async def test_the_entitlement_rollup_says_who_was_not_counted(
    make_app: Any, statuses: dict[str, ClusterStatus], read_screen: ReadScreen
) -> None:
    app = make_app(EntitlementsScreen, statuses=with_products(statuses))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = read_screen(app)
    assert "no per-licence counts for Expressway (1 not counted)" in text
    assert "Basic Messaging" in text
