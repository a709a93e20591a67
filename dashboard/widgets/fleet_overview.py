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
from datetime import UTC, datetime
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

from collectors.policy import DEFAULT_POLICY, FreshnessPolicy
from collectors.results import ClusterStatus
from dashboard.overview_geometry import (
    Density,
    Geometry,
    choose_geometry,
    shift,
    step,
    tile_at,
)
from dashboard.overview_lines import (
    Palette,
    group_parts,
    half_cells,
    header_parts,
    merge,
    tile_cells,
)
from dashboard.overview_looks import Tone
from dashboard.overview_model import (
    OverviewGroup,
    OverviewLayout,
    OverviewModel,
    next_grouping,
)
from dashboard.state import FleetState

_TONE_CLASS = {
    Tone.CRITICAL: "critical",
    Tone.UNKNOWN: "unknown",
    Tone.WARNING: "warning",
    Tone.OK: "ok",
}
_DENSE_CLASS = {**_TONE_CLASS, Tone.OK: "ok-quiet"}
"""Where thousands of tiles share the screen, ok is quieter: what is broken is loudest."""


class _Layout(Message):
    """A judgement from the worker (or why there is none)."""

    def __init__(self, layout: OverviewLayout | None, error: str = "") -> None:
        super().__init__()
        self.layout = layout
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
        self._busy = False
        self._again = False
        self._error = ""
        self._cursor: str | None = None
        self._geometry: Geometry | None = None
        self._geometry_key: tuple[Any, ...] = ()
        self._strips: LRUCache[tuple[Any, ...], Strip] = LRUCache(4096)
        self._styles: dict[str, Style] = {}
        self._palettes: tuple[tuple[int, Style | None], Palette | None] = ((-1, None), None)
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
        self._judge(self._statuses, self.clock(), self.policy(), self.group_by)

    @work(thread=True, group="overview", exit_on_error=False, description="judge the fleet")
    def _judge(
        self,
        statuses: Mapping[str, ClusterStatus],
        now: datetime,
        policy: FreshnessPolicy,
        group_by: str | None,
    ) -> None:
        try:
            layout = self._model.judge(statuses, now, policy, group_by)
        except Exception as exc:  # shown on the header line; the next update tries again
            self.post_message(_Layout(None, f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(_Layout(layout))

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

    def body_height(self) -> int:
        """Lines for tiles: the widget's, less the header line."""
        return max(self.scrollable_content_region.height - self._top, 1)

    def _update_geometry(self) -> None:
        layout = self.judgement
        width = self.scrollable_content_region.width or self.size.width or 80
        key = (layout.generation if layout else -1, width, self.body_height())
        if key == self._geometry_key:
            return
        self._geometry_key = key
        self._geometry = (
            None if layout is None else choose_geometry(layout.groups, width, self.body_height())
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
        top, body = round(self.scroll_y), self.body_height()
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
        if position is not None and geometry is not None and layout is not None:
            self._move(*step(layout.groups, geometry.per_row, position, rows))

    def _shift(self, by: int) -> None:
        position, layout = self._position(), self.judgement
        if position is not None and layout is not None:
            self._move(*shift(layout.groups, position, by))

    def action_cursor_down(self) -> None:
        self._step(1)

    def action_cursor_up(self) -> None:
        self._step(-1)

    def action_cursor_right(self) -> None:
        self._shift(1)

    def action_cursor_left(self) -> None:
        self._shift(-1)

    def _page_rows(self) -> int:
        geometry = self._geometry
        halves = geometry is not None and geometry.density is Density.HALVES
        return max(self.body_height() - 2, 1) * (2 if halves else 1)

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
        geometry, layout = self._geometry, self.judgement
        if geometry is None or layout is None:
            return
        line = round(self.scroll_y) + offset.y - self._top
        hit = tile_at(layout.groups, geometry, offset.x, line)
        if hit is None:
            return
        again = hit == self._position()
        self._move(*hit)
        if again or event.chain == 2:
            self.action_select()

    # ----- rendering ------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
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

    def _palette(self, base: Style) -> Palette:
        """The tiles' styles under the current theme (built once per theme and ground)."""
        key, palette = self._palettes
        if palette is None or key != (self._style_generation, base):
            palette = Palette(
                base=base,
                tones={tone: base + self._style(_TONE_CLASS[tone]) for tone in Tone},
                dense={tone: base + self._style(_DENSE_CLASS[tone]) for tone in Tone},
                cursor=self._style("cursor"),
            )
            self._palettes = ((self._style_generation, base), palette)
        return palette

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
        if self._error:
            parts = [(f" cannot judge the fleet: {self._error}", header + self._style("critical"))]
        elif layout is None:
            count = len(self._statuses)
            what = f"judging {count:,} clusters…" if count else "no clusters yet"
            parts = [(f" {what}", header)]
        else:
            hints = ("b: group by",) if self.key_hints and self.show_cursor else ()
            parts = header_parts(
                layout, geometry, header, self._style, totals=self.totals, hints=hints
            )
        return self._line(parts, header, width)

    def _group_strip(self, group: OverviewGroup, base: Style, width: int) -> Strip:
        layout = self.judgement
        assert layout is not None
        key = ("group", group.name, group.version, width, self._style_generation, base)
        if (cached := self._strips.get(key)) is not None:
            return cached
        style = base + self._style("group")
        strip = self._line(group_parts(layout, group, style, self._style), style, width)
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
        palette = self._palette(base)
        if geometry.density is Density.HALVES:
            cells = half_cells(group, line, geometry.per_row, palette, cursor)
        else:
            cells = tile_cells(group, first, per_line, geometry, palette, cursor)
        segments: list[Segment] = [Segment(" ", base)]
        used = 1
        for text, style in merge(cells):
            segments.append(Segment(text, style))
            used += cell_len(text)
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        strip = Strip(segments, max(used, width)).crop(0, width)
        self._strips[key] = strip
        return strip
