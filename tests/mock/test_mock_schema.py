"""Answers validate against Cisco's AXL 15.0 XSD, allowing only the missing ``<return>``.

Choice: validate against the *unmodified* schema after inserting an empty ``<return/>``
as the first child of the response element. A patched schema copy (``return``
minOccurs=0) would relax the type for every check; inserting the element allows exactly
the one documented difference and nothing else. Answers in the 12.5/14.0 namespaces are
moved to the 15.0 namespace first (the shared schema is 15.0; this operation's types are
the same in 12.5 and 14.0).
"""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from collectors.mock.scenarios import LICENCE_SCENARIOS
from collectors.mock.testing import post_axl, small_fleet

NS = "http://www.cisco.com/AXL/API/"


def response_element(body: bytes, version: str) -> etree._Element:
    root = etree.fromstring(body.replace(f"{NS}{version}".encode(), f"{NS}15.0".encode()))
    (resp,) = root.iter(f"{{{NS}15.0}}getSmartLicenseStatusResponse")
    return resp


def with_return(resp: etree._Element) -> etree._Element:
    fixed = copy.deepcopy(resp)
    fixed.insert(0, etree.Element("return"))
    return fixed


@pytest.mark.parametrize("version", ["12.5", "14.0", "15.0"])
async def test_every_licence_answer_validates_apart_from_return(
    axl_schema: etree.XMLSchema, version: str
) -> None:
    scenarios = [*LICENCE_SCENARIOS, "slow", "flapping"]
    async with small_fleet(scenarios, axl_versions=["15.0"] * len(scenarios), slow_ms=0) as fleet:
        for pub in fleet.publishers:
            resp = await post_axl(pub, version=version)
            if resp.status_code == 503:  # flapping: the next try answers
                resp = await post_axl(pub, version=version)
            element = response_element(resp.content, version)
            # Like real 12.5/14.0 servers: straight to LicenseDetails, no <return>.
            assert element[0].tag == "LicenseDetails", pub.scenario
            assert not axl_schema.validate(etree.ElementTree(element))
            assert axl_schema.validate(etree.ElementTree(with_return(element))), (
                pub.scenario,
                axl_schema.error_log,
            )


def test_the_schema_check_is_not_vacuous(axl_schema: etree.XMLSchema) -> None:
    bad = etree.fromstring(
        f'<ns:getSmartLicenseStatusResponse xmlns:ns="{NS}15.0"><return/>'
        "<LicenseDetails><SmartLicensing>ENABLED</SmartLicensing><Registration>"
        "<Bogus/></Registration><Authorization/><LicenseStatus/></LicenseDetails>"
        "</ns:getSmartLicenseStatusResponse>"
    )
    assert not axl_schema.validate(etree.ElementTree(bad))
