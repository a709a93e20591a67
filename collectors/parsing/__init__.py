"""Parsers: AXL XML, Smart Agent CLI text, Unity Connection's CUPI JSON or XML, or
Expressway's REST JSON in, a frozen ``LicenseSnapshot`` out.

Pure functions, no I/O. ``now`` becomes ``collected_at`` and is the reference time for
severity and ``days_left``; ``timezone`` is the cluster's IANA zone for reading dates.
"""

from __future__ import annotations

import re
from datetime import datetime

from collectors.model import LicenseSnapshot
from collectors.parsing._common import MAX_RESPONSE_BYTES, check_size
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
_JSON_START = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*[{\[]")


def looks_like_xml(data: str | bytes) -> bool:
    head = data[:256]
    raw = head.encode("utf-8", "replace") if isinstance(head, str) else head
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
    head = data[:256].encode("utf-8", "replace") if isinstance(data, str) else data[:256]
    is_json = _JSON_START.match(head) is not None
    if (is_json or looks_like_xml(data)) and looks_like_unity(data):
        parse = parse_unity
    elif is_json and looks_like_expressway(data):
        parse = parse_expressway
    else:
        parse = None
    if parse is not None:
        return parse(
            data,
            cluster=cluster,
            publisher=publisher,
            now=now,
            timezone=timezone,
            thresholds=thresholds,
            max_bytes=max_bytes,
        )
    if looks_like_xml(data):
        return parse_axl(
            data,
            cluster=cluster,
            publisher=publisher,
            now=now,
            timezone=timezone,
            thresholds=thresholds,
            max_bytes=max_bytes,
        )
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return parse_cli(
        text,
        cluster=cluster,
        publisher=publisher,
        now=now,
        timezone=timezone,
        thresholds=thresholds,
        max_bytes=max_bytes,
    )
