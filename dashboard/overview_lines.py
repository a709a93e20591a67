"""The cells of one line of tiles, as (text, style) runs: pure, given the styles.

Tiles come sorted worst first, so a line is mostly a few long runs of one look; each run
is one segment (a line of 158 ok tiles costs one string, not 158).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from rich.style import Style

from dashboard.overview_geometry import HALF, Density, Geometry, fit_middle
from dashboard.overview_looks import Tone, counts_text
from dashboard.overview_model import OverviewGroup, OverviewLayout

Cell = tuple[str, Style]


@dataclass(frozen=True)
class Palette:
    """The styles of the tiles under one theme, the widget's own style included."""

    base: Style
    tones: dict[Tone, Style]
    """A tile's glyph and name in its tone."""
    dense: dict[Tone, Style]
    """The same where tiles are dense (ok quieter)."""
    cursor: Style
    """Added to the tile under the cursor."""
    _pairs: dict[tuple[Tone, Tone | None], Style] = field(default_factory=dict)

    def pair(self, upper: Tone, lower: Tone | None) -> Style:
        """``▀``: the upper tile's colour in front, the lower one's behind."""
        key = (upper, lower)
        style = self._pairs.get(key)
        if style is None:
            front = self.dense[upper].color
            back = self.dense[lower].color if lower is not None else self.base.bgcolor
            style = self._pairs[key] = self.base + Style(color=front, bgcolor=back)
        return style


def tile_cells(
    group: OverviewGroup,
    first: int,
    count: int,
    geometry: Geometry,
    palette: Palette,
    cursor: int | None,
) -> list[Cell]:
    """Tiles ``first`` to ``first + count`` of ``group`` with names, or one cell each."""
    looks, short = group.looks, group.short
    end = min(first + count, len(looks))
    cells: list[Cell] = []
    if geometry.density is Density.NAMES:
        width = geometry.name_width
        for index in range(first, end):
            look = looks[index]
            style = palette.tones[look.tone]
            if index == cursor:
                style = style + palette.cursor
            cells.append((f"{look.glyph} {fit_middle(short[index], width)}", style))
            cells.append(("  ", palette.base))
        return cells
    index = first
    for look, run in groupby(looks[first:end]):
        length = len(list(run))
        style = palette.dense[look.tone]
        if cursor is not None and index <= cursor < index + length:
            before, after = cursor - index, index + length - cursor - 1
            cells.append((look.glyph * before, style))
            cells.append((look.glyph, style + palette.cursor))
            cells.append((look.glyph * after, style))
        else:
            cells.append((look.glyph * length, style))
        index += length
    return [cell for cell in cells if cell[0]]


def half_cells(
    group: OverviewGroup, line: int, per_row: int, palette: Palette, cursor: int | None
) -> list[Cell]:
    """Line ``line`` of ``group`` in halves: two clusters per cell; the cursor's cell
    shows its cluster's glyph instead."""
    tones = group.tones
    upper_start = 2 * line * per_row
    upper = tones[upper_start : upper_start + per_row]
    lower = tones[upper_start + per_row : upper_start + 2 * per_row]
    pairs: list[tuple[Tone, Tone | None]] = list(zip(upper, lower, strict=False))
    pairs += [(tone, None) for tone in upper[len(lower) :]]
    marked = None
    if cursor is not None and 0 <= cursor - upper_start < 2 * per_row:
        marked = (cursor - upper_start) % per_row
    cells: list[Cell] = []
    column = 0
    for pair, run in groupby(pairs):
        length = len(list(run))
        style = palette.pair(*pair)
        if marked is not None and column <= marked < column + length:
            assert cursor is not None
            look = group.looks[cursor]
            cells.append((HALF * (marked - column), style))
            cells.append((look.glyph, palette.tones[look.tone] + palette.cursor))
            cells.append((HALF * (column + length - marked - 1), style))
        else:
            cells.append((HALF * length, style))
        column += length
    return [cell for cell in cells if cell[0]]


def merge(cells: Sequence[Cell]) -> list[Cell]:
    """Neighbouring cells of one style as one segment."""
    merged: list[Cell] = []
    for text, style in cells:
        if merged and merged[-1][1] is style:
            merged[-1] = (merged[-1][0] + text, style)
        else:
            merged.append((text, style))
    return merged


def header_parts(
    layout: OverviewLayout,
    geometry: Geometry | None,
    header: Style,
    style: Callable[[str], Style],
    *,
    totals: bool,
    hints: Sequence[str] = (),
) -> list[Cell]:
    """The overview's header: how many clusters, grouped how, the counts, the tile size."""
    by = f"by {layout.group_by}" if layout.group_by else "all in one group"
    groups = len(layout.groups)
    text = f" {layout.clusters:,} clusters {by}"
    if layout.group_by:
        text += f" ({groups:,} group{'s' if groups != 1 else ''})"
    parts: list[Cell] = [(text, header + Style(bold=True))]
    for fragment, tone in counts_text(layout.total) if totals else ():
        parts += [("  ", header), (fragment, header + style(tone))]
    if geometry is not None:
        parts.append((f"  · {geometry.density.legend}", header + style("muted")))
    parts += [(f"  · {hint}", header + style("muted")) for hint in hints]
    return parts


def group_parts(
    layout: OverviewLayout, group: OverviewGroup, ground: Style, style: Callable[[str], Style]
) -> list[Cell]:
    """A group's header line: its tag value, its size and its counts."""
    label = (group.name or f"(no {layout.group_by})") if layout.group_by else "all clusters"
    parts: list[Cell] = [(f" {label}", ground), (f"  {len(group.members):,}", ground)]
    for fragment, tone in counts_text(group.counts):
        parts += [("  ", ground), (fragment, ground + style(tone))]
    return parts
