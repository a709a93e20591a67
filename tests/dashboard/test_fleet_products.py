"""The fleet table across products: the product column, ``product=`` in the filter, and
Expressway's missing counts shown as missing, never as 0."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from collectors.model import AuthorizationStatus, LicenseSnapshot, RegistrationStatus
from collectors.results import ClusterStatus
from dashboard.fleet_rows import COLUMN_KEYS, RowContext, row_cells, sort_key
from dashboard.widgets.filter_input import FleetFilter, no_match_text
from dashboard.widgets.fleet_table import FleetTable
from tests.dashboard.conftest import demo_statuses, snapshot
from tests.support.factory import NOW, status
from tests.support.factory import snapshot as build_snapshot

SIZE = (120, 40)


def unity_snapshot(cluster: str) -> LicenseSnapshot:
    return snapshot(cluster, product="unity", source="cupi", count=800)


def expressway_snapshot(cluster: str, **kwargs: Any) -> LicenseSnapshot:
    """No entitlements: Expressway's status reports none."""
    kwargs.setdefault("auth_expires_days", 60)
    return build_snapshot(
        cluster, NOW - timedelta(minutes=3), product="expressway", source="rest",
        entitlements=[], smart_licensing=None, **kwargs,
    )  # fmt: skip


def product_statuses() -> list[ClusterStatus]:
    """The demo fleet, then Unity Connection and Expressway beside it."""
    emea = {"region": "emea", "customer": "acme"}
    return [
        *demo_statuses()[:6],
        status("emea-lon-cuc1", unity_snapshot("emea-lon-cuc1"), tags=emea, transport="cupi"),
        status(
            "emea-lon-expc1/peer1",
            expressway_snapshot("emea-lon-expc1/peer1"),
            tags=emea,
            transport="rest",
        ),
        status(
            "emea-lon-expc1/peer2",
            expressway_snapshot(
                "emea-lon-expc1/peer2",
                registration=RegistrationStatus.REGISTRATION_EXPIRED,
                authorization=AuthorizationStatus.AUTHORIZATION_EXPIRED,
                reg_expires_days=-2,
                auth_expires_days=-20,
            ),
            tags=emea,
            transport="rest",
        ),
        status(
            "amer-nyc-cuc2",
            None,
            product="unity",
            error="unsupported",
            failures=2,
            tags={"region": "amer"},
        ),
    ]


def cells(s: ClusterStatus) -> dict[str, str]:
    return {
        key: text
        for key, (text, _role) in zip(COLUMN_KEYS, row_cells(s, RowContext(NOW)), strict=True)
    }


def test_rows_name_their_product_and_an_expressway_has_no_count() -> None:
    by_name = {s.cluster: s for s in product_statuses()}
    assert cells(by_name["emea-lon-cuc1"])["product"] == "Unity"
    assert cells(by_name["emea-lon-cuc1"])["in_use"] == str(
        by_name["emea-lon-cuc1"].last_good.licences_in_use  # type: ignore[union-attr]
    )
    peer = cells(by_name["emea-lon-expc1/peer1"])
    assert (peer["product"], peer["source"], peer["in_use"]) == ("Expwy", "REST", "—")
    assert cells(by_name["amer-nyc-cuc2"])["product"] == "Unity"  # never polled: config's
    assert cells(by_name["emea-lon-cucm1"])["product"] == "CUCM"


def test_sorting_by_count_puts_missing_counts_with_missing_data() -> None:
    rows = sorted(product_statuses(), key=sort_key("in_use", RowContext(NOW)))
    names = [s.cluster for s in rows]
    uncounted = {"emea-lon-expc1/peer1", "emea-lon-expc1/peer2", "amer-nyc-cuc2"}
    assert set(names[-len(uncounted) - 1 :]) >= uncounted  # after every real count
    by_product = sorted(product_statuses(), key=sort_key("product", RowContext(NOW)))
    assert [s.product for s in by_product][:6] == ["cucm"] * 6


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("product=unity", {"emea-lon-cuc1", "amer-nyc-cuc2"}),
        ("product=expressway", {"emea-lon-expc1/peer1", "emea-lon-expc1/peer2"}),
        ("product=expwy critical", {"emea-lon-expc1/peer2"}),
        ("!product=cucm region=emea", {"emea-lon-cuc1", "emea-lon-expc1/peer1",
                                       "emea-lon-expc1/peer2"}),
        ("unity", {"emea-lon-cuc1", "amer-nyc-cuc2"}),
    ],
)  # fmt: skip
def test_the_filter_finds_products(query: str, expected: set[str]) -> None:
    fleet_filter = FleetFilter.parse(query)
    found = {s.cluster for s in product_statuses() if fleet_filter.matches(s, False)}
    assert found == expected
    assert fleet_filter.unknown_tag_keys(product_statuses()) == []


def test_a_tag_named_product_wins_over_the_product() -> None:
    tagged = status("x", unity_snapshot("x"), tags={"product": "voicemail"})
    assert FleetFilter.parse("product=voicemail").matches(tagged, False)
    assert not FleetFilter.parse("product=unity").matches(tagged, False)


def test_an_unknown_product_word_lists_the_products() -> None:
    text = no_match_text(FleetFilter.parse("product=cuc"), product_statuses())
    assert "Products: cucm, unity, expressway." in text


def test_fleet_screen_with_every_product(snap_compare: Any, make_app: Callable[..., Any]) -> None:
    assert snap_compare(make_app(product_statuses()).app, terminal_size=SIZE)


async def test_typing_product_unity_in_the_filter(make_app: Callable[..., Any]) -> None:
    app = make_app(product_statuses()).app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"product=unity", "enter")
        await pilot.pause()
        table = app.screen.query_one(FleetTable)
        assert set(table.clusters) == {"emea-lon-cuc1", "amer-nyc-cuc2"}
