"""Parsers: AXL XML, Smart Agent CLI text, Unity Connection's CUPI JSON or XML, or
Expressway's REST JSON in, a frozen ``LicenseSnapshot`` out.

Pure functions, no I/O. ``now`` becomes ``collected_at`` and is the reference time for
severity and ``days_left``; ``timezone`` is the cluster's IANA zone for reading dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from collectors.model import LicenseSnapshot
from collectors.parsing._common import MAX_RESPONSE_BYTES, check_size, head_bytes
from collectors.parsing.axl import parse_axl
from collectors.parsing.cli import parse_cli
from collectors.parsing.expressway import looks_like_expressway, parse_expressway
from collectors.parsing.unity import looks_like_unity, parse_unity
from collectors.severity import DEFAULT_THRESHOLDS, Thresholds

__all__ = [
    "MAX_RESPONSE_BYTES",
    "looks_like_xml",
    "parse_any",
    "parse_axl",
    "parse_cli",
    "parse_expressway",
    "parse_unity",
]

_XML_START = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*<[?!A-Za-z_]")
_PARSERS: dict[str, Callable[..., LicenseSnapshot]] = {
    "unity": parse_unity,
    "expressway": parse_expressway,
    "axl": parse_axl,
    "cli": parse_cli,
}
_JSON_START = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*[{\[]")


def looks_like_xml(data: str | bytes) -> bool:
    raw = head_bytes(data, 256)
    return raw.startswith((b"\xff\xfe", b"\xfe\xff")) or _XML_START.match(raw) is not None


def parse_any(
    data: str | bytes,
    *,
    cluster: str,
    publisher: str | None = None,
    now: datetime,
    timezone: str | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> LicenseSnapshot:
    """Parse whichever answer ``data`` is: Unity Connection's ``licensedetails`` (JSON or
    XML), Expressway's status JSON, AXL XML (text starting with ``<`` or a UTF-16 mark)
    or CLI text."""
    check_size(len(data), max_bytes, cluster)
    is_json = _JSON_START.match(head_bytes(data, 256)) is not None
    is_xml = looks_like_xml(data)
    if (is_json or is_xml) and looks_like_unity(data):
        kind = "unity"
    elif is_json and looks_like_expressway(data):
        kind = "expressway"
    else:
        kind = "axl" if is_xml else "cli"  # parse_cli decodes bytes itself
    return _PARSERS[kind](
        data,
        cluster=cluster,
        publisher=publisher,
        now=now,
        timezone=timezone,
        thresholds=thresholds,
        max_bytes=max_bytes,
    )
