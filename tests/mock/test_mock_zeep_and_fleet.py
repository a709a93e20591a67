"""A standard SOAP client built from Cisco's WSDL, ThreadedFleet, manifest and config."""

from __future__ import annotations

import json
import random
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.auth import HTTPBasicAuth
from zeep import Client, Settings
from zeep.exceptions import Fault as ZeepFault
from zeep.transports import Transport

from collectors.config import load_config
from collectors.mock.clock import SimClock
from collectors.mock.fleet import MockFleet, MockPublisherInfo, ThreadedFleet
from collectors.mock.profiles import make_profiles
from collectors.mock.scenarios import LICENCE_SCENARIOS, SCENARIOS, choose_scenarios, parse_mix

BINDING = "{http://www.cisco.com/AXLAPIService/}AXLAPIBinding"


@pytest.fixture(scope="module")
def zeep_axl(shared_dir: Path) -> tuple[Any, requests.Session]:
    """A zeep client built from Cisco's AXL 15.0 WSDL (built once: about a second)."""
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
    client = Client(
        str(shared_dir / "axl-schema" / "15.0" / "AXLAPI.wsdl"),
        transport=Transport(session=session, timeout=10),
        # The mock, like real servers, omits the XSD's <return>: strict mode rejects it.
        settings=Settings(strict=False, xml_huge_tree=True),
    )
    return client, session


def _service(zeep_axl: tuple[Any, requests.Session], pub: MockPublisherInfo) -> Any:
    client, session = zeep_axl
    session.verify = pub.ca_bundle
    session.auth = HTTPBasicAuth(pub.username, pub.password)
    session.cookies.clear()
    return client.create_service(BINDING, pub.url)


def test_zeep_client_from_the_wsdl_calls_the_mock(
    zeep_axl: tuple[Any, requests.Session],
) -> None:
    with ThreadedFleet(scenarios=["healthy"], axl_versions=["15.0"]) as fleet:
        result = _service(zeep_axl, fleet.publishers[0]).getSmartLicenseStatus()
    details = result["LicenseDetails"]
    assert details["Registration"]["Status"] == "Registered"
    assert details["Authorization"]["Status"] == "Authorized"
    assert details["LicenseStatus"]["Entitlement"]


def test_zeep_15_client_gets_the_version_fault_from_an_older_publisher(
    zeep_axl: tuple[Any, requests.Session],
) -> None:
    with ThreadedFleet(scenarios=["healthy"], axl_versions=["12.5"]) as fleet:
        service = _service(zeep_axl, fleet.publishers[0])
        with pytest.raises(ZeepFault, match=r"Cannot find dispatch method for \{.*/15\.0\}"):
            service.getSmartLicenseStatus()


def test_threaded_fleet_stops_cleanly_and_frees_its_ports() -> None:
    fleet = ThreadedFleet(scenarios=["healthy", "refused"]).start()
    ports = [p.port for p in fleet.publishers]
    fleet.stop()
    for port in ports:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))  # would fail if the fleet still held it


def test_manifest_has_exactly_the_documented_keys() -> None:
    with ThreadedFleet(clusters=3, scenario_mix="healthy") as fleet:
        manifest = fleet.manifest()
    assert list(manifest) == ["publishers"]
    for entry in manifest["publishers"]:
        assert set(entry) == {
            "name", "product", "url", "axl_version", "username", "password", "ca_bundle",
            "scenario",
        }  # fmt: skip
        assert entry["product"] == "cucm"
        assert entry["url"].startswith("https://127.0.0.1:") and entry["url"].endswith("/axl/")


def test_config_toml_loads_as_a_licdash_config() -> None:
    with ThreadedFleet(clusters=4, seed=5) as fleet:
        text = fleet.config_toml()
        pubs = fleet.publishers
        path = Path(pubs[0].ca_bundle).parent / "licdash.toml"
        path.write_text(text)
        data = tomllib.loads(text)
        assert [c["publisher"] for c in data["clusters"]] == [f"127.0.0.1:{p.port}" for p in pubs]
        assert all(c["verify"] == pubs[0].ca_bundle for c in data["clusters"])
        config = load_config(path)
    assert [c.name for c in config.clusters] == [p.name for p in pubs]


def test_scenario_choice_is_deterministic_and_follows_the_mix() -> None:
    assert choose_scenarios(50, "healthy=5,slow=1", 3) == choose_scenarios(
        50, "healthy=5,slow=1", 3
    )
    assert set(choose_scenarios(200, "healthy=5,slow=1", 3)) == {"healthy", "slow"}
    assert choose_scenarios(4, "hang", 0) == ["hang"] * 4
    assert choose_scenarios(len(SCENARIOS), "all", 0) == list(SCENARIOS)
    assert set(LICENCE_SCENARIOS) <= set(choose_scenarios(24, "demo", 9))


@pytest.mark.parametrize("bad", ["", "healthy=x", "nosuch", "healthy=-1", "healthy=0"])
def test_bad_mixes_are_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_mix(bad)


def test_a_thousand_profiles_have_unique_names_and_varied_data() -> None:
    profiles = make_profiles(choose_scenarios(1000, "demo", 0), 0, SimClock().start)
    assert len({p.name for p in profiles}) == 1000
    assert {p.axl_version for p in profiles} == {"12.5", "14.0", "15.0"}
    assert len({p.timezone for p in profiles}) > 10
    assert any("HUCM_" in e.tag for p in profiles for e in p.plan.entitlements)
    assert len({p.plan.smart_account for p in profiles}) > 3


def test_explicit_ports_are_consecutive() -> None:
    # Below the ephemeral range, so other tests' client ports rarely collide; retry if so.
    rng = random.Random()
    for _ in range(10):
        base = rng.randrange(20000, 30000)
        try:
            fleet = ThreadedFleet(scenarios=["healthy", "refused", "healthy"], base_port=base)
            fleet.start()
        except OSError:
            continue
        try:
            assert [p.port for p in fleet.publishers] == [base, base + 1, base + 2]
        finally:
            fleet.stop()
        return
    pytest.fail("no free run of three ports found in 10 tries")


def test_cli_writes_the_manifest_once_listening_and_stops_on_sigterm(tmp_path: Path) -> None:
    manifest = tmp_path / "fleet.json"
    config = tmp_path / "fleet.toml"
    code = (
        "import argparse, sys\nfrom collectors.mock import cli\n"
        "p = argparse.ArgumentParser(); cli.add_arguments(p)\n"
        "sys.exit(cli.run(p.parse_args(sys.argv[1:])))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--clusters", "5", "--manifest", str(manifest),
         "--write-config", str(config), "--workdir", str(tmp_path / "ca")],
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not manifest.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        data = json.loads(manifest.read_text())
        assert len(data["publishers"]) == 5
        assert Path(data["publishers"][0]["ca_bundle"]).parent == tmp_path / "ca"
        assert config.exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    assert b"5 publishers" in err


def test_fleet_rejects_an_unknown_scenario() -> None:
    with pytest.raises(ValueError, match="nosuch"):
        MockFleet(scenarios=["healthy", "nosuch"])


def test_threaded_fleet_reports_a_failed_start_and_cleans_up() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        fleet = ThreadedFleet(scenarios=["healthy"], base_port=port)
        with pytest.raises(OSError, match=f"cannot bind 127.0.0.1:{port}"):
            fleet.start()
    assert fleet.fleet is None
