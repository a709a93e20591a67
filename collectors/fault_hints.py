"""What a NOC engineer should check for a SOAP fault, by what the fault text says.

AXL reports very different causes as the same SOAP Fault: a stopped licence service, a
missing role, a throttled or busy server. Only the fault text tells them apart, so the
hint follows the text; a text with no known cause keeps the generic AXL hint. Patterns
are matched case-insensitively against the faultstring (and the AXL message, when the
parser passes it), never against anything the user configured.
"""

from __future__ import annotations

import re
from typing import Final

_FAULT_HINTS: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern, re.IGNORECASE), hint)
    for pattern, hint in (
        (
            r"smart\s*licen[cs]e\s*manager.*not\s*running|"
            r"smart\s*licen[cs]e\s*manager.*(stopped|down|unavailable)",
            "The Cisco Smart License Manager service is stopped on the publisher: start it "
            "in Cisco Unified Serviceability (Tools > Control Center - Feature Services) "
            "or with `utils service start Cisco Smart License Manager`.",
        ),
        (
            r"smart\s*licensing\s*(is\s*)?(not\s*enabled|disabled)",
            "Smart Licensing is not enabled on this cluster; it may still use traditional "
            "(PLM) licensing, which licdash does not read.",
        ),
        (
            r"not\s*authori[sz]ed|access\s*(is\s*)?denied|permission|does\s*not\s*have.*role",
            "The application user lacks a role: give it Standard AXL API Access.",
        ),
        (
            r"throttl|too\s*many\s*(concurrent\s*)?requests|maximum.*(requests|concurren)|"
            r"request\s*rate",
            "AXL throttled the request (too many at once); licdash backs off. Lower the "
            "concurrency or raise the interval if it persists.",
        ),
        (
            r"database|informix|\bdb\b.*(unavailable|error|down)",
            "The publisher's database did not answer; check the Cisco DB service and the "
            "cluster's replication state.",
        ),
        (
            r"timed?\s*out|timeout",
            "The publisher gave up waiting on an internal service; it may be overloaded, "
            "retry later or check its services.",
        ),
    )
)


def fault_hint(*texts: str | None) -> str | None:
    """The hint for the first known cause in ``texts``, or None."""
    for text in texts:
        if not text:
            continue
        for pattern, hint in _FAULT_HINTS:
            if pattern.search(text):
                return hint
    return None
