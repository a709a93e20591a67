"""Unity Connection and Expressway mock publishers against Cisco's documentation examples.

Each mock answer must have the documented shape (the same element and key paths as the
examples in ../shared/products/, with the documented value shapes) and speak only the
documented words, apart from the few the test names as the mock's own (UNCONFIRMED in
docs/products.md). Then the fault scenarios, over loopback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from collectors.mock.fleet import MockFleet, MockPublisherInfo
from collectors.mock.products import assign_products, parse_products
from collectors.mock.profiles import make_profiles
from collectors.mock.scenarios import LICENCE_SCENARIOS
from collectors.mock.testing import small_fleet, trusting
from collectors.mock.web_server import EXPRESSWAY_PLAIN, EXPRESSWAY_V1, UNITY_PATH

TS = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d"
UNITY_VALUES = {
    "SmartLicensing": r"Enabled",
    "Register/SmartAccount": r".*",
    "Register/VirtualAccount": r".*",
    "Register/LastRenewalAttempt": rf"(SUCCEEDED|FAILED) {TS}|Not Applicable",
    "Register/NextRenewalAttempt": rf"( ?{TS})?",
    "Register/LastRegistrationSuccessTime": rf"({TS})?",
    "Register/ProductUDI": r"pid=Cisco Unity Connection sn=[0-9a-f]+",
    "Register/ExportControlFunctionality": r"Allowed|Not Allowed",
    "Authorization/LastCommunicationAttempt": rf"(SUCCEEDED|FAILED) {TS}|Not Applicable",
    "Authorization/NextCommunicationAttempt": rf"( ?{TS})?",
    "Authorization/EvaluationPeriodRemaining": r"\d+:\d+:\d+",
    "LicenseUsage/EntitlementTag/Id": (
        r"regid\.20\d\d-\d\d\.com\.cisco\.CUC_[A-Za-z]+,(12\.0|14)_[0-9a-f-]{36}"
    ),
    "LicenseUsage/EntitlementTag/Count": r"\d+",
}
# Words from CUPI's examples and the Unity Connection 14 guide (docs/products.md 1.4).
UNITY_WORDS = {
    "Register/Status": {
        "Registered", "Reservation In Progress", "Unregistered", "Registration Expired",
        "Registered - Specific License Reservation",
        "Registered - Universal License Reservation (PLR)",
    },
    "Authorization/Status": {
        "Authorized", "Evaluation", "Evaluation Mode", "Evaluation Period Expired",
        "No Licenses in Use", "Out of Compliance", "Authorization Expired",
        "Authorized - Reserved", "Not Authorized - Reserved",
    },
    # "OutOfCompliance" is the mock's own: no Unity source spells an entitlement out of
    # compliance (UNCONFIRMED); it is the Smart Agent family's word.
    "LicenseUsage/EntitlementTag/Status": {"Init", "InCompliance", "Evals", "Eval",
                                          "OutOfCompliance"},
}  # fmt: skip
GMT = r"[A-Z][a-z]+, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT"
EXPRESSWAY_WORDS = {
    # Expressway's UI words (docs/products.md 2.4), also in the API's capitals; the
    # reservation words are the mock's own (UNCONFIRMED for Expressway).
    "Registration/RegistrationStatus": {
        "Registered", "Unregistered", "Unregistered : Registration Expired",
        "Unregistered : Registration Pending", "Unregistered : Registration Failed",
        "Registered - Specific License Reservation",
    },
    "Authorization/LicenseAuthorizationStatus": {
        "Authorized", "Authorization Expired", "Out-of-compliance", "OUT OF COMPLIANCE",
        "No Licenses in Use", "Evaluation Mode", "Evaluation Expired", "Not Applicable",
        "Authorized - Reserved",
    },
}  # fmt: skip


def paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON value (list items share their list's path)."""
    if isinstance(value, list):
        return set().union(*(paths(v, prefix) for v in value)) if value else {prefix}
    if isinstance(value, dict):
        found: set[str] = set()
        for key, item in value.items():
            found |= paths(item, f"{prefix}/{key}" if prefix else key)
        return found
    return {prefix}


def leaves(value: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from leaves(item, prefix)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{prefix}/{key}" if prefix else key)
    else:
        yield prefix, value


def xml_tree(data: bytes) -> Any:
    """An XML answer as nested dicts and lists, like the JSON one."""

    def walk(element: etree._Element) -> Any:
        if len(element) == 0:
            return element.text or ""
        out: dict[str, Any] = {}
        for child in element:
            out.setdefault(child.tag, []).append(walk(child))
        return {k: v[0] if len(v) == 1 and k != "EntitlementTag" else v for k, v in out.items()}

    root = etree.fromstring(data)
    return {root.tag: walk(root)}


@pytest.fixture(scope="module")
def unity_doc_paths(shared_dir: Path) -> tuple[set[str], set[str]]:
    folder = shared_dir / "products" / "unity"
    xml = paths(xml_tree((folder / "unity-licensedetails.doc.xml").read_bytes()))
    text = (folder / "unity-licensedetails.doc.json").read_text()
    # The two repairs docs/products.md lists; the example is invalid JSON as published.
    doc = json.loads(text.replace("}{", "},{").replace("af840Init", "af84"))
    return xml, paths(doc)


@pytest.fixture(scope="module")
def expressway_doc(shared_dir: Path) -> dict[str, Any]:
    folder = shared_dir / "products" / "expressway"
    data = json.loads((folder / "expressway-smartlicensing-licensing.doc.json").read_text())
    assert isinstance(data, dict)
    return data


async def get(
    pub: MockPublisherInfo, path: str, *, accept: str = "application/json", auth: bool = True
) -> httpx.Response:
    url = f"https://{pub.host}:{pub.port}{path}"
    async with httpx.AsyncClient(verify=trusting(pub), timeout=10) as client:
        creds = (pub.username, pub.password) if auth else ("admin", "wrong")
        return await client.get(url, headers={"Accept": accept}, auth=creds)


def licence_fleet(product: str, **kwargs: Any) -> MockFleet:
    """Every licence scenario twice (both variants of wording get their turn)."""
    scenarios = [*LICENCE_SCENARIOS, *LICENCE_SCENARIOS]
    versions = ["14.0" if product == "unity" else "X15.3"] * len(scenarios)
    return small_fleet(
        scenarios, product_list=[product] * len(scenarios), versions=versions, **kwargs
    )


async def test_unity_answers_have_the_documented_shape_and_words(
    unity_doc_paths: tuple[set[str], set[str]],
) -> None:
    doc_xml, doc_json = unity_doc_paths
    assert doc_xml == {"LicenseDetails/" + p for p in doc_json}  # the examples agree here
    variants = set()
    async with licence_fleet("unity", seed=3) as fleet:
        for pub in fleet.publishers:
            variants.add(fleet.servers[pub.name].profile.variant)
            answer = (await get(pub, UNITY_PATH)).json()
            xml = (await get(pub, UNITY_PATH, accept="application/xml")).content
            assert paths(answer) == doc_json, pub.scenario
            assert paths(xml_tree(xml)) == doc_xml, pub.scenario
            for path, value in leaves(answer):
                if path in UNITY_VALUES:
                    assert re.fullmatch(UNITY_VALUES[path], value), (pub.scenario, path, value)
                elif path in UNITY_WORDS:
                    assert value in UNITY_WORDS[path], (pub.scenario, path, value)
                else:
                    pytest.fail(f"{path} is neither a value shape nor a word list")
    assert variants == {0, 1}


async def test_a_one_licence_unity_answer_gives_an_object_in_json_and_evals_in_xml() -> None:
    fleet = small_fleet(["evaluation"], product_list=["unity"], versions=["14.0"])
    profile = fleet.profiles[0]  # frozen: replaced before the fleet starts
    licence = replace(profile.plan.entitlements[0], base=40)  # in use: its word shows
    plan = replace(profile.plan, entitlements=(licence,))
    fleet.profiles[0] = replace(profile, plan=plan)
    async with fleet:
        pub = fleet.publishers[0]
        answer = (await get(pub, UNITY_PATH)).json()
        xml = (await get(pub, UNITY_PATH, accept="application/xml")).content
    assert isinstance(answer["LicenseUsage"]["EntitlementTag"], dict)
    assert answer["LicenseUsage"]["EntitlementTag"]["Status"] == "Eval"
    assert b"<Status>Evals</Status>" in xml


async def test_expressway_answers_have_the_documented_shape_and_words(
    expressway_doc: dict[str, Any],
) -> None:
    documented = paths(expressway_doc)
    shapes = {p: v for p, v in leaves(expressway_doc) if "Attempt" in p or "Expires" in p}
    assert all(re.fullmatch(GMT, v) for v in shapes.values())
    async with licence_fleet("expressway", seed=4) as fleet:
        for pub in fleet.publishers:
            variant = fleet.servers[pub.name].profile.variant
            answer = (await get(pub, EXPRESSWAY_V1)).json()
            assert "LicenseUsage" not in json.dumps(answer)  # no per-licence counts
            if variant == 0:
                assert paths(answer) == documented, pub.scenario
            else:
                assert paths(answer) <= documented, pub.scenario
            for path, value in leaves(answer):
                if path in EXPRESSWAY_WORDS:
                    words = EXPRESSWAY_WORDS[path]
                    assert value in words | {w.upper() for w in words}, (path, value)
                elif path == "ExportControlledFunctionality":
                    assert value in ("True", "False")
                elif path in ("SmartAccount", "VirtualAccount"):
                    assert isinstance(value, str)
                else:
                    assert value == "" or re.fullmatch(GMT, value), (path, value)
                    if value and variant == 0:  # the example's month-name prefix
                        assert value.split(",")[0][:3] == value.split()[2], value


async def test_unity_12_0_has_no_smart_licensing_api_and_xml_is_the_default() -> None:
    async with small_fleet(
        ["healthy", "healthy"], product_list=["unity", "unity"], versions=["12.0", "12.5"]
    ) as fleet:
        old, new = fleet.publishers
        assert (await get(old, UNITY_PATH)).status_code == 404
        plain = await get(new, UNITY_PATH, accept="*/*")
        assert plain.status_code == 200 and plain.content.startswith(b"<LicenseDetails>")
        assert plain.headers["content-type"].startswith("application/xml")
        assert (await get(new, "/vmrest/smartlicense/register")).status_code == 404


async def test_expressway_x12_answers_on_the_path_without_v1_only() -> None:
    async with small_fleet(
        ["healthy", "healthy"], product_list=["expressway"] * 2, versions=["X12.7", "X14.2"]
    ) as fleet:
        old, new = fleet.publishers
        assert old.url.endswith(EXPRESSWAY_PLAIN) and new.url.endswith(EXPRESSWAY_V1)
        assert (await get(old, EXPRESSWAY_V1)).status_code == 404
        assert (await get(old, EXPRESSWAY_PLAIN)).status_code == 200
        assert (await get(new, EXPRESSWAY_V1)).status_code == 200
        assert (await get(new, EXPRESSWAY_PLAIN)).status_code == 200


@pytest.mark.parametrize("product", ["unity", "expressway"])
async def test_fault_scenarios_over_http(product: str) -> None:
    scenarios = ["auth_failure", "flapping", "malformed", "soap_fault", "truncated"]
    version = "14.0" if product == "unity" else "X15.3"
    path = UNITY_PATH if product == "unity" else EXPRESSWAY_V1
    async with small_fleet(
        [*scenarios, "healthy"],
        product_list=[product] * 6,
        versions=[version] * 6,
    ) as fleet:
        pubs = {p.scenario: p for p in fleet.publishers}
        assert (await get(pubs["healthy"], path, auth=False)).status_code == 401
        denied = await get(pubs["auth_failure"], path)
        assert denied.status_code == 401 and "Basic realm" in denied.headers["www-authenticate"]
        codes = [(await get(pubs["flapping"], path)).status_code for _ in range(2)]
        assert codes == [503, 200]
        broken = await get(pubs["malformed"], path)
        assert broken.status_code == 200
        with pytest.raises(ValueError):
            json.loads(broken.content)
        assert (await get(pubs["soap_fault"], path)).status_code == 500
        try:
            cut = await get(pubs["truncated"], path)
        except httpx.HTTPError:
            pass  # the promised length never came
        else:
            with pytest.raises(ValueError):
                json.loads(cut.content)


def test_product_shares_are_exact_and_placed_by_the_seed() -> None:
    names = assign_products(30, parse_products("cucm=0.6,unity=0.2,expressway=0.2"), seed=1)
    assert [names.count(p) for p in ("cucm", "unity", "expressway")] == [18, 6, 6]
    assert assign_products(30, parse_products("cucm,unity,expressway"), 1).count("unity") == 10
    assert names != assign_products(30, parse_products("cucm=3,unity=1,expressway=1"), 2)
    for bad in ("cucm,voicemail", "cucm=-1", "unity=x", ""):
        with pytest.raises(ValueError):
            parse_products(bad)


def test_a_cucm_only_fleet_is_drawn_exactly_as_before_products() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    scenarios = list(LICENCE_SCENARIOS)
    before = make_profiles(scenarios, 7, start)
    assert make_profiles(scenarios, 7, start, products=["cucm"] * len(scenarios)) == before
    mixed = make_profiles(scenarios, 7, start, products=["unity", *["cucm"] * 9])
    assert mixed[1:] == before[1:]
    # Same timers, so the same living state, whatever the product.
    assert mixed[0].plan.registration == before[0].plan.registration


def test_expressway_peers_share_a_cluster_and_its_credentials() -> None:
    fleet = MockFleet(clusters=40, seed=2, products={"expressway": 1})
    groups: dict[str, list[Any]] = {}
    for p in fleet.profiles:
        assert p.product == "expressway"
        if p.group is not None:
            groups.setdefault(p.group, []).append(p)
    assert any(len(peers) == 2 for peers in groups.values())
    assert any(p.group is None for p in fleet.profiles)  # single nodes keep a plain name
    for group, peers in groups.items():
        assert [p.name for p in peers] == [f"{group}/peer{i}" for i in range(1, len(peers) + 1)]
        first = peers[0]
        for peer in peers[1:]:
            assert (peer.username, peer.password, peer.tags, peer.timezone) == (
                first.username,
                first.password,
                first.tags,
                first.timezone,
            )
            assert peer.plan.smart_account == first.plan.smart_account
            assert peer.plan.registration != first.plan.registration  # each registers alone
