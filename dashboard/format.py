"""Text formatting shared by every screen: severity glyphs, relative times, ages."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from collectors.dates import human_span
from collectors.model import STALE_GLYPH, Severity

SEVERITY_GLYPH: dict[Severity, str] = {s: s.glyph for s in Severity}
__all__ = ["SEVERITY_GLYPH", "STALE_GLYPH", "absolute", "human_span", "relative", "severity_label"]


def severity_label(severity: Severity) -> str:
    """Glyph and word, so severity never rests on colour alone: ``✖ critical``."""
    return f"{SEVERITY_GLYPH[severity]} {severity.value}"


def relative(at: datetime, now: datetime) -> str:
    """``in 12 d`` for the future, ``3 d ago`` for the past."""
    delta = at - now
    span = human_span(delta)
    return f"in {span}" if delta.total_seconds() >= 0 else f"{span} ago"


def days_left(at: datetime, now: datetime) -> float:
    return (at - now).total_seconds() / 86400


def zone(name: str | None) -> tzinfo:
    """An IANA zone by name, UTC when absent or unknown."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def absolute(at: datetime, tz: tzinfo | None = None) -> str:
    """``2025-03-02 11:10 EST (16:10 UTC)``; just UTC when no zone is given."""
    utc = at.astimezone(UTC)
    if tz is None or tz is UTC:
        return utc.strftime("%Y-%m-%d %H:%M UTC")
    local = at.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M %Z} ({utc:%H:%M} UTC)"


def sentence(text: str) -> str:
    """``text`` with a capital first letter (the rest untouched, unlike ``capitalize``)."""
    return text[:1].upper() + text[1:]
