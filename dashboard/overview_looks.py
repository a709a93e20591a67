"""What a tile says about one cluster: its tone (colour class), its mark, its glyph,
and the short name it can show. Pure; shared by the overview's judgement, its widget and
the wall."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Final

from collectors.model import Severity
from collectors.policy import FleetCounts
from collectors.results import ClusterStatus

STALE_TILE: Final = "◷"
"""The stale mark of a tile, a clock: one cell wide (the table's ⌛ takes two cells)."""
UNREACHABLE_TILE: Final = "↯"


class Tone(IntEnum):
    """A tile's colour class, worst first. Stale data and a failing poll show as unknown
    unless critical: what we cannot see now is loud (``status`` too exits UNKNOWN on
    stale data)."""

    CRITICAL = 0
    UNKNOWN = 1
    WARNING = 2
    OK = 3


class Look(IntEnum):
    """A tile's colour class and mark, in worst-first order. A failing poll or stale data
    shows in the unknown tone unless critical: what we cannot see now is loud."""

    CRITICAL_STALE = 0
    CRITICAL_UNREACHABLE = 1
    CRITICAL = 2
    STALE = 3
    UNKNOWN_UNREACHABLE = 4
    WARNING_UNREACHABLE = 5
    OK_UNREACHABLE = 6
    UNKNOWN = 7
    WARNING = 8
    OK = 9

    @property
    def tone(self) -> Tone:
        return TONE_OF[self]

    @property
    def glyph(self) -> str:
        return _GLYPH[self]

    @property
    def problem(self) -> bool:
        """Something to act on: anything but a reachable, fresh, ok cluster."""
        return self is not Look.OK


TONE_OF: Final = {
    Look.CRITICAL_STALE: Tone.CRITICAL,
    Look.CRITICAL_UNREACHABLE: Tone.CRITICAL,
    Look.CRITICAL: Tone.CRITICAL,
    Look.STALE: Tone.UNKNOWN,
    Look.UNKNOWN_UNREACHABLE: Tone.UNKNOWN,
    Look.WARNING_UNREACHABLE: Tone.UNKNOWN,
    Look.OK_UNREACHABLE: Tone.UNKNOWN,
    Look.UNKNOWN: Tone.UNKNOWN,
    Look.WARNING: Tone.WARNING,
    Look.OK: Tone.OK,
}
_GLYPH: Final = {
    Look.CRITICAL_STALE: STALE_TILE,
    Look.CRITICAL_UNREACHABLE: UNREACHABLE_TILE,
    Look.CRITICAL: Severity.CRITICAL.glyph,
    Look.STALE: STALE_TILE,
    Look.UNKNOWN_UNREACHABLE: UNREACHABLE_TILE,
    Look.WARNING_UNREACHABLE: UNREACHABLE_TILE,
    Look.OK_UNREACHABLE: UNREACHABLE_TILE,
    Look.UNKNOWN: Severity.UNKNOWN.glyph,
    Look.WARNING: Severity.WARNING.glyph,
    Look.OK: Severity.OK.glyph,
}
_UNREACHABLE_LOOK: Final = {
    Severity.UNKNOWN: Look.UNKNOWN_UNREACHABLE,
    Severity.WARNING: Look.WARNING_UNREACHABLE,
    Severity.OK: Look.OK_UNREACHABLE,
}
_PLAIN_LOOK: Final = {
    Severity.UNKNOWN: Look.UNKNOWN,
    Severity.WARNING: Look.WARNING,
    Severity.OK: Look.OK,
}


def look_of(status: ClusterStatus, stale: bool) -> Look:
    """The tile of ``status``; ``stale`` is the policy's judgement at the time."""
    severity = status.severity
    if severity is Severity.CRITICAL:
        if stale:
            return Look.CRITICAL_STALE
        return Look.CRITICAL_UNREACHABLE if status.unreachable else Look.CRITICAL
    if stale:
        return Look.STALE
    return (_UNREACHABLE_LOOK if status.unreachable else _PLAIN_LOOK)[severity]


def short_names(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` without the prefix and suffix they all share, cut at a ``-``, ``.``,
    ``_`` or ``/``: ``emea-lon-cucm1``, ``emea-par-cucm1`` -> ``lon``, ``par``."""
    if len(names) < 2:
        return tuple(names)
    first, last = min(names), max(names)
    common = 0
    while common < min(len(first), len(last)) and first[common] == last[common]:
        common += 1
    prefix = max((first.rfind(sep, 0, common) + 1 for sep in "-._/"), default=0)
    rev = [n[::-1] for n in names]
    rfirst, rlast = min(rev), max(rev)
    tail = 0
    while tail < min(len(rfirst), len(rlast)) and rfirst[tail] == rlast[tail]:
        tail += 1
    suffix = max((rfirst.rfind(sep, 0, tail) + 1 for sep in "-._/"), default=0)
    cut = [n[prefix : len(n) - suffix] for n in names]
    if all(cut) and len(set(cut)) == len(cut):
        return tuple(cut)
    cut = [n[prefix:] for n in names]
    return tuple(cut) if all(cut) else tuple(names)


def counts_text(counts: FleetCounts) -> list[tuple[str, str]]:
    """``(text, tone class)`` for each non-zero count, worst first (the policy's counts)."""
    parts: list[tuple[str, str]] = []
    for severity, tone in (
        (Severity.CRITICAL, "critical"),
        (Severity.UNKNOWN, "unknown"),
        (Severity.WARNING, "warning"),
    ):
        if n := counts.severity[severity]:
            parts.append((f"{severity.glyph} {n:,} {severity.value}", tone))
    if counts.stale:
        parts.append((f"{STALE_TILE} {counts.stale:,} stale", "unknown"))
    if counts.failing:
        parts.append((f"{UNREACHABLE_TILE} {counts.failing:,} unreachable", "unknown"))
    if n := counts.severity[Severity.OK]:
        parts.append((f"{Severity.OK.glyph} {n:,} ok", "ok"))
    return parts
