"""Where the overview's tiles go: how dense they are, how many per row, which line each
group starts on, and which tile is at a spot. Pure: the widget and the wall (to decide
its pages) both ask it."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from rich.cells import cell_len

from dashboard.fleet_rows import fit
from dashboard.overview_model import OverviewGroup

NAME_MAX = 16
"""The widest short name a name tile shows (longer ones keep their head and tail)."""
NAME_MIN = 4
HALF = "▀"


class Density(Enum):
    NAMES = "names"
    GLYPHS = "glyphs"
    HALVES = "halves"

    @property
    def legend(self) -> str:
        return _LEGEND[self]


_LEGEND = {
    Density.NAMES: "a tile per cluster",
    Density.GLYPHS: "a cell per cluster",
    Density.HALVES: f"two clusters per cell ({HALF}: upper and lower)",
}


def fit_middle(text: str, width: int) -> str:
    """``text`` in exactly ``width`` cells; a long one keeps its head and its tail (the
    digits that tell ``cucm1`` from ``cucm2``)."""
    if cell_len(text) <= width:
        return fit(text, width)
    tail = (width - 1) // 2
    head = width - 1 - tail
    return fit(f"{text[:head]}…{text[len(text) - tail :] if tail else ''}", width)


@dataclass(frozen=True, slots=True)
class Geometry:
    """How the current layout sits in the widget."""

    density: Density
    per_row: int
    """Tiles (clusters) per row of tiles; in halves, per half row."""
    name_width: int
    starts: tuple[int, ...]
    """The body line at which each group begins (its header line)."""
    lines: int
    """Body lines in all."""

    def tile_lines(self, members: int) -> int:
        per_line = self.per_row * (2 if self.density is Density.HALVES else 1)
        return -(-members // per_line)

    def line_of(self, index: int) -> int:
        """The tile line (within its group) that shows member ``index``."""
        per_line = self.per_row * (2 if self.density is Density.HALVES else 1)
        return index // per_line


def choose_geometry(groups: Sequence[OverviewGroup], width: int, height: int) -> Geometry:
    """The least dense tiles with which every group fits ``height`` lines (the densest
    when none does: then the widget scrolls, and the wall pages)."""
    usable = max(width - 2, 1)
    longest = max((g.short_width for g in groups), default=NAME_MIN)
    name_width = max(NAME_MIN, min(longest, NAME_MAX))
    candidates = (
        (Density.NAMES, max(1, (usable + 2) // (name_width + 4))),
        (Density.GLYPHS, usable),
        (Density.HALVES, usable),
    )
    chosen: Geometry | None = None
    for density, per_row in candidates:
        geometry = _geometry(groups, density, per_row, name_width)
        chosen = geometry
        if geometry.lines <= height:
            break
    assert chosen is not None
    return chosen


def _geometry(
    groups: Sequence[OverviewGroup], density: Density, per_row: int, name_width: int
) -> Geometry:
    shell = Geometry(density, per_row, name_width, (), 0)
    starts: list[int] = []
    line = 0
    for group in groups:
        starts.append(line)
        line += 1 + shell.tile_lines(len(group.members))
    return Geometry(density, per_row, name_width, tuple(starts), line)


Position = tuple[int, int]
"""(group index, index in the group)."""


def step(groups: Sequence[OverviewGroup], per_row: int, at: Position, rows: int) -> Position:
    """``rows`` rows of tiles down from ``at`` (negative: up), keeping the column, into
    the next (previous) group past the last (first) row."""
    g, i = at
    column = i % per_row
    for _ in range(abs(rows)):
        size = len(groups[g].members)
        if rows > 0:
            if i + per_row < size:
                i += per_row
            elif i // per_row < (size - 1) // per_row:
                i = size - 1
            elif g + 1 < len(groups):
                g += 1
                i = min(column, len(groups[g].members) - 1)
        elif i - per_row >= 0:
            i -= per_row
        elif g > 0:
            g -= 1
            size = len(groups[g].members)
            i = min((size - 1) // per_row * per_row + column, size - 1)
    return g, i


def shift(groups: Sequence[OverviewGroup], at: Position, by: int) -> Position:
    """The tile ``by`` places after ``at`` (before, if negative), across group ends."""
    g, i = at
    i += by
    if i < 0 and g > 0:
        g -= 1
        i = len(groups[g].members) - 1
    elif i >= len(groups[g].members) and g + 1 < len(groups):
        g, i = g + 1, 0
    return g, i


def tile_at(
    groups: Sequence[OverviewGroup], geometry: Geometry, x: int, line: int
) -> Position | None:
    """The tile drawn at column ``x`` of body line ``line`` (in halves, the upper one)."""
    if line < 0:
        return None
    g = bisect_right(geometry.starts, line) - 1
    within = line - geometry.starts[g] - 1
    if g < 0 or within < 0:
        return None
    names = geometry.density is Density.NAMES
    column = (x - 1) // (geometry.name_width + 4) if names else x - 1
    if not 0 <= column < geometry.per_row:
        return None
    rows = 2 if geometry.density is Density.HALVES else 1
    index = within * geometry.per_row * rows + column
    return (g, index) if index < len(groups[g].members) else None
