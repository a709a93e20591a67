"""Fixtures for the mock fleet tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree


@pytest.fixture(scope="session")
def axl_schema(shared_dir: Path) -> etree.XMLSchema:
    """The unmodified AXL 15.0 XSD (about 2 s to load, so once per session)."""
    return etree.XMLSchema(etree.parse(str(shared_dir / "axl-schema" / "15.0" / "AXLSoap.xsd")))
