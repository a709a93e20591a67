"""How the fleet table's columns share the terminal's width: a column priority.

The cluster name and the next deadline are what a row is for: they are never cut
(down to an 80-column terminal). When the line is too narrow, whole columns give way
in :data:`DROP_ORDER` (tags, source, product and worst entitlement first) until the minimum
widths of the rest fit; the room left brings columns up to their preferred width in
:data:`FILL_ORDER`; extra room beyond that widens the tags and the entitlement names
(:data:`GROW`) up to their longest value, and what is left is spread over every
column, so a wide wall screen is not half empty.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Final

from dashboard.fleet_rows import COLUMN_GAP, Column

PROTECTED: Final = ("cluster", "severity", "deadline")
"""Never hidden; the cluster column is as wide as the longest name."""
DROP_ORDER: Final = (
    "tags",
    "source",
    "product",
    "worst",
    "in_use",
    "origin",
    "age",
    "authorization",
    "registration",
)
"""Which columns give way, first to last, when the minimum widths do not fit."""
FILL_ORDER: Final = (
    "cluster",
    "deadline",
    "severity",
    "origin",
    "registration",
    "authorization",
    "age",
    "in_use",
    "worst",
    "product",
    "source",
    "tags",
)
"""Which columns get back to their preferred width first once the visible ones fit."""
GIVE_WAY: Final = ("tags", "source", "product", "worst")
"""Columns that are hidden rather than cut while a core column is short of its width."""
DEFICIT: Final = 4
"""How many cells short of its preferred width a core column may be before a cut
give-way column is hidden to make room."""
GROW: Final = ("tags", "worst")
"""Which columns take the width beyond every preferred width, up to their longest value."""
MIN_WIDTH: Final[Mapping[str, int]] = {
    "tags": 8,
    "product": 7,  # the header; a cut product says nothing
    "source": 8,  # "AXL 14.0": a cut version says nothing
    "worst": 12,
    "deadline": 15,  # "renew 100 d ago": a deadline is never cut
    "age": 8,
}
"""Minimum widths that differ from the columns' own (a tag cut to 4 cells says nothing)."""
NAME_CAP: Final = 40
"""The cluster column fits the longest name up to this many cells."""
CLUSTER_FLOOR: Final = 12
"""Only when even the protected columns do not fit does the cluster name shrink, to this."""


def _total(widths: Sequence[int]) -> int:
    shown = [w for w in widths if w > 0]
    return sum(shown) + COLUMN_GAP * max(len(shown) - 1, 0)


def _fill(
    widths: list[int], preferred: Sequence[int], available: int, index: Mapping[str, int]
) -> list[int]:
    """Bring visible columns up to their preferred width in :data:`FILL_ORDER`."""
    widths = list(widths)
    spare = available - _total(widths)
    for key in FILL_ORDER:
        i = index[key]
        if widths[i] and spare > 0:
            add = min(spare, preferred[i] - widths[i])
            widths[i] += add
            spare -= add
    return widths


def layout_widths(
    columns: Sequence[Column],
    name_width: int,
    available: int,
    natural: Mapping[str, int] | None = None,
    hidden: Collection[str] = (),
) -> list[int]:
    """The width of every column (0: hidden) for a line of ``available`` cells.

    Args:
        name_width: The longest cluster name: the cluster column's width.
        natural: The longest value of a :data:`GROW` column, how far it may widen.
        hidden: Columns not shown at all (the "From" column of a single-source fleet).
    """
    keys = [c.key for c in columns]
    index = {key: i for i, key in enumerate(keys)}
    preferred = [0 if c.key in hidden else c.width for c in columns]
    minimum = [0 if c.key in hidden else MIN_WIDTH.get(c.key, c.min_width) for c in columns]
    preferred[index["cluster"]] = minimum[index["cluster"]] = name_width
    preferred = [max(p, m) for p, m in zip(preferred, minimum, strict=True)]

    widths = list(minimum)
    for key in DROP_ORDER:  # whole columns give way until the minimums fit
        if _total(widths) <= available:
            break
        widths[index[key]] = 0
    if _total(widths) > available:  # even the protected columns do not fit: cut names
        cluster = index["cluster"]
        widths[cluster] = max(CLUSTER_FLOOR, widths[cluster] - (_total(widths) - available))

    widths = _fill(widths, preferred, available, index)
    for key in GIVE_WAY:  # a cut tag column is worth less than a whole core column
        i = index[key]
        core_deficit = max(
            (
                preferred[j] - widths[j]
                for j, k in enumerate(keys)
                if k not in GIVE_WAY and widths[j]
            ),
            default=0,
        )
        if core_deficit < DEFICIT or not 0 < widths[i] < preferred[i]:
            continue
        widths[i] = 0
        widths = _fill(
            [min(w, m) if w else 0 for w, m in zip(widths, minimum, strict=True)],
            preferred,
            available,
            index,
        )
    spare = available - _total(widths)

    limits = {key: max(preferred[index[key]], (natural or {}).get(key, 0)) for key in GROW}
    while spare > 0:  # widen the growing columns evenly, up to their longest value
        growing = [index[k] for k in GROW if widths[index[k]] and widths[index[k]] < limits[k]]
        if not growing:
            break
        for i in growing:
            if spare > 0:
                widths[i] += 1
                spare -= 1
    shown = [index[key] for key in FILL_ORDER if widths[index[key]]]
    for n in range(spare):  # still room: spread it, so a wall screen is not half empty
        widths[shown[n % len(shown)]] += 1
    return widths
