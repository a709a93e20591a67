"""The whole fleet on one screen: a tile per cluster, grouped by a tag, worst first.

The judgement (which tile, which group, the counts) is :mod:`dashboard.overview_model`'s,
run in a thread worker: the UI thread only swaps in the finished, immutable layout and
draws the lines in view (the Line API), each cached by its group's version, so a redraw
follows the rows in view and the groups that changed, not the fleet. One judgement runs
at a time; updates that arrive meanwhile fold into the next one.

The tiles get denser as the fleet grows, so that it fits the widget when it can:

- names: a glyph and the short name (what the group's names do not all share);
- glyphs: one cell per cluster;
- halves: two clusters per cell with ``▀``, the upper cluster's colour in front and the
  lower one's behind (10,000 clusters fit a 160x45 terminal).

Without a cursor (the wall), nothing is highlighted but the clusters themselves.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from itertools import groupby
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from collectors.policy import DEFAULT_POLICY, FleetCounts, FreshnessPolicy
from collectors.results import ClusterStatus
from dashboard.fleet_rows import fit
from dashboard.format import SEVERITY_GLYPH
from dashboard.overview_model import (
    STALE_TILE,
    UNREACHABLE_TILE,
    Look,
    OverviewGroup,
    OverviewLayout,
    OverviewModel,
    Tone,
    next_grouping,
)
from dashboard.state import FleetState

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
_TONE_CLASS = {
    Tone.CRITICAL: "critical",
    Tone.UNKNOWN: "unknown",
    Tone.WARNING: "warning",
    Tone.OK: "ok",
}
_DENSE_CLASS = {**_TONE_CLASS, Tone.OK: "ok-quiet"}
"""Where thousands of tiles share the screen, ok is quieter: what is broken is loudest."""


def fit_middle(text: str, width: int) -> str:
    """``text`` in exactly ``width`` cells; a long one keeps its head and its tail (the
    digits that tell ``cucm1`` from ``cucm2``)."""
    if cell_len(text) <= width:
        return fit(text, width)
    tail = (width - 1) // 2
    head = width - 1 - tail
    return fit(f"{text[:head]}…{text[len(text) - tail :] if tail else ''}", width)


def counts_text(counts: FleetCounts) -> list[tuple[str, str]]:
    """``(text, tone class)`` for each non-zero count, worst first (the policy's counts)."""
    from collectors.model import Severity

    parts: list[tuple[str, str]] = []
    for severity, tone in (
        (Severity.CRITICAL, "critical"),
        (Severity.UNKNOWN, "unknown"),
        (Severity.WARNING, "warning"),
    ):
        if n := counts.severity[severity]:
            parts.append((f"{SEVERITY_GLYPH[severity]} {n:,} {severity.value}", tone))
    if counts.stale:
        parts.append((f"{STALE_TILE} {counts.stale:,} stale", "unknown"))
    if counts.failing:
        parts.append((f"{UNREACHABLE_TILE} {counts.failing:,} unreachable", "unknown"))
    if n := counts.severity[Severity.OK]:
        parts.append((f"{SEVERITY_GLYPH[Severity.OK]} {n:,} ok", "ok"))
    return parts


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


class _Layout(Message):
    def __init__(self, layout: OverviewLayout | None, request: int, error: str = "") -> None:
        super().__init__()
        self.layout = layout
        self.request = request
        self.error = error


class FleetOverview(ScrollView, can_focus=True):
    """Every cluster as a tile, grouped by a tag, worst first; see the module docs."""

    DEFAULT_CSS = """
    FleetOverview {
        background: $surface;
        color: $foreground;
        height: 1fr;
        & > .fleet-overview--header { background: $panel; color: $foreground; }
        & > .fleet-overview--group { background: $panel; color: $foreground; text-style: bold; }
        & > .fleet-overview--muted { color: $text-muted; }
        & > .fleet-overview--critical { color: $sev-critical; text-style: bold; }
        & > .fleet-overview--unknown { color: $sev-unknown; text-style: bold; }
        & > .fleet-overview--warning { color: $sev-warning; }
        & > .fleet-overview--ok { color: $sev-ok; }
        & > .fleet-overview--ok-quiet { color: $sev-ok 50%; }
        & > .fleet-overview--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .fleet-overview--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        &.-wall {
            scrollbar-size: 0 0;
        }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "fleet-overview--header",
        "fleet-overview--group",
        "fleet-overview--muted",
        "fleet-overview--critical",
        "fleet-overview--unknown",
        "fleet-overview--warning",
        "fleet-overview--ok",
        "fleet-overview--ok-quiet",
        "fleet-overview--cursor",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Tile above", show=False),
        Binding("down,j", "cursor_down", "Tile below", show=False),
        Binding("left,h", "cursor_left", "Previous tile", show=False),
        Binding("right,l", "cursor_right", "Next tile", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First cluster", show=False),
        Binding("end", "last", "Last cluster", show=False),
        Binding("enter", "select", "Open cluster"),
    ]

    class Judged(Message):
        """A new judgement of the fleet is on screen."""

        def __init__(self, overview: FleetOverview, layout: OverviewLayout) -> None:
            super().__init__()
            self.overview = overview
            self.layout = layout

        @property
        def control(self) -> FleetOverview:
            return self.overview

    class ClusterHighlighted(Message):
        """The cursor is on another cluster (None: no cluster)."""

        def __init__(self, overview: FleetOverview, cluster: str | None) -> None:
            super().__init__()
            self.overview = overview
            self.cluster = cluster

        @property
        def control(self) -> FleetOverview:
            return self.overview

    class ClusterSelected(Message):
        """Enter, or a click on the cursor's tile: open this cluster."""

        def __init__(self, overview: FleetOverview, cluster: str) -> None:
            super().__init__()
            self.overview = overview
            self.cluster = cluster

        @property
        def control(self) -> FleetOverview:
            return self.overview

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        policy: Callable[[], FreshnessPolicy] = lambda: DEFAULT_POLICY,
        show_cursor: bool = True,
        key_hints: bool = True,
        totals: bool = True,
        header: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.clock = clock
        self.policy = policy
        self.show_cursor = show_cursor
        """False on the wall: no cursor, no focus."""
        self.key_hints = key_hints
        self.totals = totals
        self._top = 1 if header else 0
        """Lines above the tiles: the header line, or none (the wall says it itself)."""
        """The fleet's counts on the header line (the wall shows them in big digits)."""
        self.can_focus = show_cursor
        self.judgement: OverviewLayout | None = None
        self.group_by: str | None = None
        """The tag key the tiles are grouped by; None: the first preferred key the fleet
        has (:data:`~dashboard.overview_model.PREFERRED_GROUPING`)."""
        self._model = OverviewModel()
        self._statuses: Mapping[str, ClusterStatus] = {}
        self._data_policy: FreshnessPolicy | None = None
        self._requested = 0
        self._busy = False
        self._again = False
        self._error = ""
        self._cursor: str | None = None
        self._geometry: Geometry | None = None
        self._geometry_key: tuple[Any, ...] = ()
        self._strips: LRUCache[tuple[Any, ...], Strip] = LRUCache(4096)
        self._styles: dict[str, Style] = {}
        self._pairs: dict[tuple[Any, ...], Style] = {}
        self._style_generation = 0
        self._highlighted: str | None = None
        self._found: tuple[tuple[int, str | None], tuple[int, int] | None] = ((-1, None), None)
        self.set_class(not show_cursor, "-wall")

    # ----- data -----------------------------------------------------------------------

    @property
    def statuses(self) -> Mapping[str, ClusterStatus]:
        """The fleet last given (judged now or soon)."""
        return self._statuses

    @property
    def cursor_cluster(self) -> str | None:
        return self._cursor if self.show_cursor else None

    @property
    def judging(self) -> bool:
        """A judgement is under way (tests and benchmarks wait for it to end)."""
        return self._busy

    def set_fleet(self, statuses: Mapping[str, ClusterStatus]) -> None:
        """Show ``statuses`` (judged in a worker; the tiles change when it is done)."""
        self._statuses = statuses
        self._request()

    def follow(self, fleet: FleetState) -> bool:
        """Show ``fleet`` if its statuses are new, or judge again if only the policy it
        came with changed; True when the statuses were new."""
        new = fleet.statuses is not self._statuses
        if new:
            self.set_fleet(fleet.statuses)
        elif fleet.policy is not self._data_policy:
            self.rejudge()
        self._data_policy = fleet.policy
        return new

    def rejudge(self) -> None:
        """Judge again now (the policy changed)."""
        self._request()

    def tick(self) -> None:
        """Time moved on: judge again only if a cluster has turned stale since."""
        if self._model.due(self.clock()):
            self._request()

    def cycle_grouping(self) -> str:
        """Group by the next tag key (then by nothing); returns the new key."""
        layout = self.judgement
        keys = layout.tag_keys if layout is not None else ()
        current = (
            self.group_by if self.group_by is not None else (layout.group_by if layout else "")
        )
        self.group_by = next_grouping(current, keys)
        self._request()
        return self.group_by

    def _request(self) -> None:
        if self._busy:
            self._again = True
            return
        self._busy = True
        self._requested += 1
        self._judge(self._statuses, self.clock(), self.policy(), self.group_by, self._requested)

    @work(thread=True, group="overview", exit_on_error=False, description="judge the fleet")
    def _judge(
        self,
        statuses: Mapping[str, ClusterStatus],
        now: datetime,
        policy: FreshnessPolicy,
        group_by: str | None,
        request: int,
    ) -> None:
        try:
            layout = self._model.judge(statuses, now, policy, group_by)
        except Exception as exc:  # shown on the header line; the next update tries again
            self.post_message(_Layout(None, request, f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(_Layout(layout, request))

    def _on__layout(self, message: _Layout) -> None:
        message.stop()
        self._busy = False
        self._error = message.error
        layout = message.layout
        if layout is not None:
            self.judgement = layout
            self._after_layout()
            self.post_message(self.Judged(self, layout))
        else:
            self.refresh()
        if self._again:
            self._again = False
            self._request()

    def _after_layout(self) -> None:
        layout = self.judgement
        assert layout is not None
        old_line = self._cursor_line()
        if self._cursor is None or layout.find(self._cursor) is None:
            self._cursor = layout.groups[0].members[0] if layout.groups else None
        self._update_geometry()
        if self.show_cursor and old_line != self._cursor_line():
            self._scroll_to_cursor()
        self._note_cursor()
        self.refresh()

    # ----- geometry -------------------------------------------------------------------

    def _body_height(self) -> int:
        return max(self.scrollable_content_region.height - self._top, 1)

    def _update_geometry(self) -> None:
        layout = self.judgement
        width = self.scrollable_content_region.width or self.size.width or 80
        key = (layout.generation if layout else -1, width, self._body_height())
        if key == self._geometry_key:
            return
        self._geometry_key = key
        self._geometry = (
            None if layout is None else choose_geometry(layout.groups, width, self._body_height())
        )
        lines = self._geometry.lines if self._geometry else 0
        self.virtual_size = Size(width, lines + self._top)

    @property
    def geometry(self) -> Geometry | None:
        self._update_geometry()
        return self._geometry

    @property
    def body_lines(self) -> int:
        """Lines under the header, in all (the wall pages through them)."""
        geometry = self.geometry
        return geometry.lines if geometry else 0

    def body_height(self) -> int:
        return self._body_height()

    def show_line(self, line: int) -> None:
        """Scroll so that body line ``line`` is the first under the header (wall pages)."""
        self.scroll_to(y=line, animate=False, immediate=True)

    def _on_resize(self, event: events.Resize) -> None:
        self._update_geometry()
        self._scroll_to_cursor()

    # ----- cursor ---------------------------------------------------------------------

    def _position(self) -> tuple[int, int] | None:
        layout = self.judgement
        if layout is None or self._cursor is None:
            return None
        key = (layout.generation, self._cursor)
        if self._found[0] != key:
            self._found = (key, layout.find(self._cursor))
        return self._found[1]

    def _cursor_line(self) -> int | None:
        position, geometry = self._position(), self._geometry
        if position is None or geometry is None:
            return None
        g, i = position
        return geometry.starts[g] + 1 + geometry.line_of(i)

    def _scroll_to_cursor(self) -> None:
        line = self._cursor_line()
        if line is None or not self.show_cursor:
            return
        top, body = round(self.scroll_y), self._body_height()
        if line < top:
            self.scroll_to(
                y=line - (1 if line and self._is_first_line(line) else 0),
                animate=False,
                immediate=True,
            )
        elif line >= top + body:
            self.scroll_to(y=line - body + 1, animate=False, immediate=True)

    def _is_first_line(self, line: int) -> bool:
        geometry = self._geometry
        return geometry is not None and (line - 1) in geometry.starts

    def _move(self, g: int, i: int) -> None:
        layout = self.judgement
        if layout is None or not layout.groups:
            return
        g = max(0, min(g, len(layout.groups) - 1))
        members = layout.groups[g].members
        i = max(0, min(i, len(members) - 1))
        before = self._cursor_line()
        self._cursor = members[i]
        self._scroll_to_cursor()
        self._note_cursor()
        for line in {before, self._cursor_line()}:  # only the lines the cursor left and entered
            if line is not None:
                self.refresh_line(line + self._top)

    def move_to(self, cluster: str) -> bool:
        layout = self.judgement
        found = layout.find(cluster) if layout is not None else None
        if found is None:
            return False
        self._move(*found)
        return True

    def _note_cursor(self) -> None:
        key = self.cursor_cluster
        if key != self._highlighted:
            self._highlighted = key
            self.post_message(self.ClusterHighlighted(self, key))

    def _step(self, rows: int) -> None:
        """Move ``rows`` rows of tiles down (negative: up), into the next group if need be."""
        position, geometry, layout = self._position(), self._geometry, self.judgement
        if position is None or geometry is None or layout is None:
            return
        g, i = position
        per = geometry.per_row
        column = i % per
        for _ in range(abs(rows)):
            size = len(layout.groups[g].members)
            if rows > 0:
                if i + per < size:
                    i += per
                elif i // per < (size - 1) // per:
                    i = size - 1
                elif g + 1 < len(layout.groups):
                    g += 1
                    i = min(column, len(layout.groups[g].members) - 1)
            elif i - per >= 0:
                i -= per
            elif g > 0:
                g -= 1
                size = len(layout.groups[g].members)
                last_row = (size - 1) // per
                i = min(last_row * per + column, size - 1)
        self._move(g, i)

    def action_cursor_down(self) -> None:
        self._step(1)

    def action_cursor_up(self) -> None:
        self._step(-1)

    def action_cursor_right(self) -> None:
        self._shift(1)

    def action_cursor_left(self) -> None:
        self._shift(-1)

    def _shift(self, by: int) -> None:
        position, layout = self._position(), self.judgement
        if position is None or layout is None:
            return
        g, i = position
        i += by
        if i < 0 and g > 0:
            g -= 1
            i = len(layout.groups[g].members) - 1
        elif i >= len(layout.groups[g].members) and g + 1 < len(layout.groups):
            g, i = g + 1, 0
        self._move(g, i)

    def _page_rows(self) -> int:
        geometry = self._geometry
        halves = geometry is not None and geometry.density is Density.HALVES
        return max(self._body_height() - 2, 1) * (2 if halves else 1)

    def action_page_down(self) -> None:
        self._step(self._page_rows())

    def action_page_up(self) -> None:
        self._step(-self._page_rows())

    def action_first(self) -> None:
        self._move(0, 0)

    def action_last(self) -> None:
        layout = self.judgement
        if layout is not None and layout.groups:
            self._move(len(layout.groups) - 1, len(layout.groups[-1].members) - 1)

    def action_select(self) -> None:
        if (cluster := self.cursor_cluster) is not None:
            self.post_message(self.ClusterSelected(self, cluster))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self.show_cursor or offset.y < self._top:
            return
        hit = self._tile_at(offset.x, round(self.scroll_y) + offset.y - self._top)
        if hit is None:
            return
        again = hit == self._position()
        self._move(*hit)
        if again or event.chain == 2:
            self.action_select()

    def _tile_at(self, x: int, line: int) -> tuple[int, int] | None:
        geometry, layout = self._geometry, self.judgement
        if geometry is None or layout is None or line < 0:
            return None
        g = bisect_right(geometry.starts, line) - 1
        within = line - geometry.starts[g] - 1
        if g < 0 or within < 0:
            return None
        size = len(layout.groups[g].members)
        if geometry.density is Density.NAMES:
            column = (x - 1) // (geometry.name_width + 4)
        else:
            column = x - 1
        if not 0 <= column < geometry.per_row:
            return None
        rows = 2 if geometry.density is Density.HALVES else 1
        index = within * geometry.per_row * rows + column
        return (g, index) if index < size else None

    # ----- rendering ------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._pairs.clear()
        self._strips.clear()
        self._style_generation += 1

    def _base(self) -> Style:
        """The widget's own style (computing ``rich_style`` walks the DOM: once per theme)."""
        style = self._styles.get("")
        if style is None:
            style = self._styles[""] = self.rich_style
        return style

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            partial = name not in ("header", "group", "cursor")
            component = f"fleet-overview--{name}"
            style = self.get_component_rich_style(component, partial=partial)
            colour = self.get_component_styles(component).color
            if partial and colour.a < 1:  # a translucent colour: blend it into the tiles' ground
                blended = self.styles.background.blend(colour.with_alpha(1), colour.a)
                style += Style(color=blended.rich_color)
            self._styles[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._base()
        if y < self._top:
            return self._header_strip(base, width)
        geometry, layout = self.geometry, self.judgement
        line = round(self.scroll_y) + y - self._top
        if geometry is None or layout is None or line >= geometry.lines:
            return Strip.blank(width, base)
        g = bisect_right(geometry.starts, line) - 1
        group = layout.groups[g]
        within = line - geometry.starts[g]
        if within == 0:
            return self._group_strip(group, base, width)
        cursor = self._position() if self.show_cursor else None
        cursor_index = cursor[1] if cursor is not None and cursor[0] == g else None
        return self._tile_strip(group, within - 1, geometry, base, width, cursor_index)

    def _line(self, parts: Sequence[tuple[str, Style]], style: Style, width: int) -> Strip:
        segments = [Segment(text, s) for text, s in parts]
        used = sum(cell_len(text) for text, _ in parts)
        if used < width:
            segments.append(Segment(" " * (width - used), style))
        return Strip(segments).crop(0, width) if used > width else Strip(segments, width)

    def _header_strip(self, base: Style, width: int) -> Strip:
        header = base + self._style("header")
        layout, geometry = self.judgement, self.geometry
        parts: list[tuple[str, Style]] = []
        if self._error:
            parts.append(
                (f" cannot judge the fleet: {self._error}", header + self._style("critical"))
            )
        elif layout is None:
            what = (
                f"judging {len(self._statuses):,} clusters…"
                if self._statuses
                else "no clusters yet"
            )
            parts.append((f" {what}", header))
        else:
            by = f"by {layout.group_by}" if layout.group_by else "all in one group"
            groups = len(layout.groups)
            text = f" {layout.clusters:,} clusters {by}"
            if layout.group_by:
                text += f" ({groups:,} group{'s' if groups != 1 else ''})"
            parts.append((text, header + Style(bold=True)))
            for fragment, tone in counts_text(layout.total) if self.totals else ():
                parts.append(("  ", header))
                parts.append((fragment, header + self._style(tone)))
            if geometry is not None:
                parts.append((f"  · {geometry.density.legend}", header + self._style("muted")))
            if self.key_hints and self.show_cursor:
                parts.append(("  · b: group by", header + self._style("muted")))
        return self._line(parts, header, width)

    def _group_strip(self, group: OverviewGroup, base: Style, width: int) -> Strip:
        layout = self.judgement
        assert layout is not None
        key = ("group", group.name, group.version, width, self._style_generation, base)
        if (cached := self._strips.get(key)) is not None:
            return cached
        style = base + self._style("group")
        label = (group.name or f"(no {layout.group_by})") if layout.group_by else "all clusters"
        parts: list[tuple[str, Style]] = [
            (f" {label}", style),
            (f"  {len(group.members):,}", style),
        ]
        for fragment, tone in counts_text(group.counts):
            parts.append(("  ", style))
            parts.append((fragment, style + self._style(tone)))
        strip = self._line(parts, style, width)
        self._strips[key] = strip
        return strip

    def _tile_strip(
        self,
        group: OverviewGroup,
        line: int,
        geometry: Geometry,
        base: Style,
        width: int,
        cursor: int | None,
    ) -> Strip:
        per_line = geometry.per_row * (2 if geometry.density is Density.HALVES else 1)
        first = line * per_line
        if cursor is not None and not first <= cursor < first + per_line:
            cursor = None
        key = (
            "tiles",
            group.name,
            group.version,
            line,
            geometry.density,
            geometry.per_row,
            geometry.name_width,
            width,
            cursor,
            self.has_focus,
            self._style_generation,
            base,
        )
        if (cached := self._strips.get(key)) is not None:
            return cached
        if geometry.density is Density.HALVES:
            cells = self._half_cells(group, line, geometry.per_row, base, cursor)
        else:
            cells = self._tile_cells(group, first, per_line, geometry, base, cursor)
        segments: list[Segment] = [Segment(" ", base)]
        used = 1
        for text, style in _merge(cells):
            segments.append(Segment(text, style))
            used += cell_len(text)
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        strip = Strip(segments, max(used, width)).crop(0, width)
        self._strips[key] = strip
        return strip

    def _tone_style(self, tone: Tone, base: Style) -> Style:
        return base + self._style(_TONE_CLASS[tone])

    def _tile_cells(
        self,
        group: OverviewGroup,
        first: int,
        count: int,
        geometry: Geometry,
        base: Style,
        cursor: int | None,
    ) -> list[tuple[str, Style]]:
        looks, short = group.looks, group.short
        end = min(first + count, len(looks))
        cells: list[tuple[str, Style]] = []
        if geometry.density is Density.NAMES:
            width = geometry.name_width
            for index in range(first, end):
                look = looks[index]
                style = self._tone_style(look.tone, base)
                if index == cursor:
                    style = style + self._style("cursor")
                cells.append((f"{look.glyph} {fit_middle(short[index], width)}", style))
                cells.append(("  ", base))
            return cells
        # One cell per cluster: the sorted looks come in runs, drawn a run at a time.
        index = first
        for look, run in groupby(looks[first:end]):
            length = len(list(run))
            style = base + self._style(_DENSE_CLASS[look.tone])
            if cursor is not None and index <= cursor < index + length:
                before, after = cursor - index, index + length - cursor - 1
                cells.append((look.glyph * before, style))
                cells.append((look.glyph, style + self._style("cursor")))
                cells.append((look.glyph * after, style))
            else:
                cells.append((look.glyph * length, style))
            index += length
        return [cell for cell in cells if cell[0]]

    def _half_cells(
        self, group: OverviewGroup, line: int, per_row: int, base: Style, cursor: int | None
    ) -> list[tuple[str, Style]]:
        """Two clusters per cell: ``▀`` in the upper one's colour over the lower one's."""
        tones = group.tones
        upper_start = 2 * line * per_row
        upper = tones[upper_start : upper_start + per_row]
        lower = tones[upper_start + per_row : upper_start + 2 * per_row]
        pairs: list[tuple[Tone, Tone | None]] = list(zip(upper, lower, strict=False))
        pairs += [(tone, None) for tone in upper[len(lower) :]]
        cells: list[tuple[str, Style]] = []
        column = 0
        for pair, run in groupby(pairs):
            length = len(list(run))
            style = self._pair_style(pair, base)
            mark = self._half_cursor(group, cursor, upper_start, per_row, column, length)
            if mark is None:
                cells.append((HALF * length, style))
            else:
                at, glyph, mark_style = mark
                cells.append((HALF * at, style))
                cells.append((glyph, mark_style))
                cells.append((HALF * (length - at - 1), style))
            column += length
        return [cell for cell in cells if cell[0]]

    def _pair_style(self, pair: tuple[Tone, Tone | None], base: Style) -> Style:
        key = ("pair", pair, base)
        style = self._pairs.get(key)
        if style is None:
            upper = self._style(_DENSE_CLASS[pair[0]]).color
            lower = self._style(_DENSE_CLASS[pair[1]]).color if pair[1] is not None else None
            style = base + Style(color=upper, bgcolor=lower or base.bgcolor)
            self._pairs[key] = style
        return style

    def _half_cursor(
        self,
        group: OverviewGroup,
        cursor: int | None,
        upper_start: int,
        per_row: int,
        column: int,
        length: int,
    ) -> tuple[int, str, Style] | None:
        """Where in a run the cursor's cell is, and how it is drawn (its glyph)."""
        if cursor is None:
            return None
        offset = cursor - upper_start
        at = offset % per_row
        if not 0 <= offset < 2 * per_row or not column <= at < column + length:
            return None
        look = group.looks[cursor]
        style = self._tone_style(look.tone, self._base()) + self._style("cursor")
        return at - column, look.glyph, style


def _merge(cells: Sequence[tuple[str, Style]]) -> list[tuple[str, Style]]:
    """Neighbouring cells of one style as one segment (long runs of ok tiles are cheap)."""
    merged: list[tuple[str, Style]] = []
    for text, style in cells:
        if merged and merged[-1][1] is style:
            merged[-1] = (merged[-1][0] + text, style)
        else:
            merged.append((text, style))
    return merged


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


__all__ = ["Density", "FleetOverview", "Geometry", "Look", "choose_geometry", "fit_middle"]
