"""Fixtures of the adversarial suite; the harness itself is in harness.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from collectors import secret_scrub
from collectors.mock.tls import CertAuthority
from tests.adversarial.harness import GOOD_SECRET, NAMES, Harness
from tests.adversarial.hostile_http import (
    HostileFleet,
    deflate_bomb,
    gzip_bomb,
    gzip_gzip_bomb,
)


@pytest.fixture(scope="session")
def adversarial_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[CertAuthority, Path]:
    for build in (gzip_bomb, gzip_gzip_bomb, deflate_bomb):  # built once, not mid-poll
        build()
    ca = CertAuthority(tmp_path_factory.mktemp("adv-pki"), "adversarial CA")
    return ca, ca.issue("hostile-publisher", ["127.0.0.1", "localhost"])


@pytest.fixture
async def harness(
    tmp_path: Path,
    adversarial_ca: tuple[CertAuthority, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Harness]:
    monkeypatch.setenv("ADV_GOOD_PW", GOOD_SECRET)
    ca, cert = adversarial_ca
    async with HostileFleet(cert, list(NAMES)) as fleet:
        yield Harness(tmp_path, fleet, ca)
    secret_scrub.clear()
