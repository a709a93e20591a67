"""The fleet table: one row per cluster, rendered line by line, only what is visible.

A :class:`~dashboard.widgets.line_table.LineTable` (the one table base: cursor, paging,
click and scroll) with a column cursor, sorting and filtering of its own. An update replaces the
statuses, re-sorts and re-filters the row order (cheap keys, no rendering) and refreshes
the visible lines; each visible row's strip is cached by its cell texts, the column
widths, the cursor and the theme, so an update that changes rows off screen renders
nothing and one that changes every row renders one screenful. The cursor follows its
cluster by name through re-sorts; scroll, sort and filter survive every update.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.message import Message
from textual.reactive import var
from textual.strip import Strip

from collectors.policy import DEFAULT_POLICY, FreshnessPolicy
from collectors.results import ClusterStatus
from dashboard.fleet_layout import CLUSTER_FLOOR, NAME_CAP, layout_widths
from dashboard.fleet_rows import (
    COLUMN_GAP,
    COLUMN_KEYS,
    COLUMNS,
    UNREACHABLE_GLYPH,
    Cell,
    FactsCache,
    RowContext,
    fit,
    natural_lengths,
    row_cells,
    sort_key,
)
from dashboard.widgets.filter_input import FleetFilter, no_match_text
from dashboard.widgets.line_table import LineTable

__all__ = ["COLUMNS", "COLUMN_KEYS", "UNREACHABLE_GLYPH", "FleetTable"]


class FleetTable(LineTable):
    """Every cluster of the fleet, worst first, with a row cursor and a column cursor."""

    DEFAULT_CSS = """
    FleetTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        &:focus {
            background-tint: $foreground 3%;
        }
        & > .fleet-table--header {
            color: $text-muted;
            text-style: bold;
            background: $panel;
        }
        & > .fleet-table--header-cursor {
            color: $foreground;
            background: $primary 40%;
            text-style: bold;
        }
        & > .fleet-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .fleet-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .fleet-table--sev-ok { color: $sev-ok; }
        & > .fleet-table--sev-warning { color: $sev-warning; }
        & > .fleet-table--sev-critical { color: $sev-critical; text-style: bold; }
        & > .fleet-table--sev-unknown { color: $sev-unknown; }
        & > .fleet-table--stale { color: $stale; text-style: italic; }
        & > .fleet-table--muted { color: $text-muted; }
        & > .fleet-table--dimmed { text-style: dim; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "fleet-table--header",
        "fleet-table--header-cursor",
        "fleet-table--cursor",
        "fleet-table--sev-ok",
        "fleet-table--sev-warning",
        "fleet-table--sev-critical",
        "fleet-table--sev-unknown",
        "fleet-table--stale",
        "fleet-table--muted",
        "fleet-table--dimmed",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Previous cluster", show=False),
        Binding("down,j", "cursor_down", "Next cluster", show=False),
        Binding("left", "cursor_left", "Previous column", show=False),
        Binding("right", "cursor_right", "Next column", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("g,home", "first", "First cluster", show=False),
        Binding("G,end", "last", "Last cluster", show=False),
        Binding("s", "sort", "Sort by column"),
        Binding("S", "sort_reverse", "Reverse sort"),
        Binding("enter", "select", "Open cluster"),
    ]

    cursor_column: var[int] = var(COLUMN_KEYS.index("severity"))
    """Index of the selected column (in :data:`COLUMNS`): what ``s`` sorts by."""

    class ClusterSelected(Message):
        """Enter, or a click on the cursor row: open this cluster."""

        def __init__(self, table: FleetTable, cluster: str) -> None:
            super().__init__()
            self.table = table
            self.cluster = cluster

        @property
        def control(self) -> FleetTable:
            return self.table

    class ClusterHighlighted(Message):
        """The row cursor moved to another cluster."""

        def __init__(self, table: FleetTable, cluster: str | None) -> None:
            super().__init__()
            self.table = table
            self.cluster = cluster

        @property
        def control(self) -> FleetTable:
            return self.table

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        policy: Callable[[], FreshnessPolicy] = lambda: DEFAULT_POLICY,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.clock = clock
        self.policy = policy
        """The policy in force (the app's: the config's, the store's or a fallback);
        staleness, the dimming and the deadline colours follow it."""
        self.sort_column = "severity"
        self.sort_reverse = False
        self.fleet_filter = FleetFilter()
        self._statuses: Mapping[str, ClusterStatus] = {}
        self._name_width = COLUMNS[0].width
        self._ctx = self._row_context()
        self._cells: dict[str, tuple[ClusterStatus, RowContext, tuple[Cell, ...]]] = {}
        self.facts = FactsCache()
        self._strips: LRUCache[tuple[Any, ...], Strip] = LRUCache(2048)
        self._styles: dict[str, Style] = {}
        self._style_generation = 0
        self._widths_cache: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())
        self._lengths: dict[str, tuple[ClusterStatus, int, int]] = {}
        self._natural = {"tags": 0, "worst": 0}

    # ----- public API -----------------------------------------------------------------

    @property
    def total_count(self) -> int:
        return len(self._statuses)

    @property
    def clusters(self) -> Sequence[str]:
        """The cluster names shown, in display order."""
        return self.row_keys

    @property
    def selected_cluster(self) -> str | None:
        return self.cursor_key

    def cells(self, cluster: str) -> tuple[str, ...]:
        """The texts a row shows now (for tests and exports of the screen)."""
        return tuple(text for text, _ in self._row_cells(cluster))

    def set_fleet(self, statuses: Mapping[str, ClusterStatus]) -> None:
        """Show ``statuses``; keeps cursor (by name), scroll, sort and filter."""
        names_changed = statuses.keys() != self._statuses.keys()
        self._statuses = statuses
        if names_changed:
            longest = max((cell_len(n) for n in statuses), default=0)
            self._name_width = max(CLUSTER_FLOOR, min(longest, NAME_CAP))
            self._cells = {n: c for n, c in self._cells.items() if n in statuses}
            self.facts.keep(statuses)
            self._lengths = {n: v for n, v in self._lengths.items() if n in statuses}
        self._natural = self._natural_widths(statuses)
        self._reorder()

    def _natural_widths(self, statuses: Mapping[str, ClusterStatus]) -> dict[str, int]:
        """The longest tags and worst-entitlement texts: how far those columns may widen."""
        lengths = self._lengths
        tags = worst = 0
        for name, status in statuses.items():
            known = lengths.get(name)
            if known is None or known[0] is not status:
                known = lengths[name] = (status, *natural_lengths(status))
            tags, worst = max(tags, known[1]), max(worst, known[2])
        return {"tags": tags, "worst": worst}

    def set_filter(self, fleet_filter: FleetFilter) -> None:
        self.fleet_filter = fleet_filter
        self._reorder()

    def sort_by(self, column: str, *, reverse: bool = False) -> None:
        if column not in COLUMN_KEYS:
            raise KeyError(column)
        self.sort_column = column
        self.sort_reverse = reverse
        self._reorder()

    def tick(self, *, resort: bool = True) -> None:
        """Time moved on: redraw the visible rows (ages, relative deadlines) and, with
        ``resort``, re-derive stale flags for the order and the filter."""
        if resort:
            self._reorder()
        else:
            self._ctx = self._row_context()
            self.refresh()

    def move_to(self, cluster: str) -> bool:
        """Put the cursor on ``cluster`` (clearing a filter that hides it)."""
        if cluster not in self._statuses:
            return False
        if cluster not in self._index:
            self.set_filter(FleetFilter())
        return self.move_to_key(cluster)

    # ----- ordering -------------------------------------------------------------------

    def _row_context(self) -> RowContext:
        return RowContext(now=self.clock(), policy=self.policy())

    def _reorder(self) -> None:
        self._ctx = ctx = self._row_context()
        statuses = self._statuses
        fleet_filter = self.fleet_filter
        rows = list(statuses.values())
        if not fleet_filter.empty:
            rows = [s for s in rows if fleet_filter.matches(s, ctx.is_stale(s))]
        rows.sort(key=sort_key(self.sort_column, ctx, self.facts), reverse=self.sort_reverse)
        self.set_rows([s.cluster for s in rows])

    def column_widths(self) -> tuple[int, ...]:
        """Every column's width now, 0 for a column that gave way (see fleet_layout)."""
        available = self.scrollable_content_region.width or 120
        key = (self._name_width, available, self._natural["tags"], self._natural["worst"])
        if self._widths_cache[0] != key:
            widths = layout_widths(COLUMNS, self._name_width, available, self._natural)
            self._widths_cache = (key, tuple(widths))
        return self._widths_cache[1]

    def content_width(self) -> int:
        shown = [w for w in self.column_widths() if w]
        return sum(shown) + COLUMN_GAP * (len(shown) - 1)

    # ----- cursor and actions ---------------------------------------------------------

    def row_highlighted(self, key: str | None) -> None:
        self.post_message(self.ClusterHighlighted(self, key))

    def row_selected(self, key: str) -> None:
        self.post_message(self.ClusterSelected(self, key))

    def empty_text(self) -> str:
        if self._statuses and not self.fleet_filter.empty:
            return no_match_text(self.fleet_filter, list(self._statuses.values()))
        return ""

    def _scroll_to_column(self) -> None:
        widths = self.column_widths()
        before = [w for w in widths[: self.cursor_column] if w]
        start = sum(before) + COLUMN_GAP * len(before)
        end = start + widths[self.cursor_column]
        left = round(self.scroll_x)
        if start < left:
            self.scroll_to(x=start, animate=False)
        elif end > left + self.size.width:
            self.scroll_to(x=end - self.size.width, animate=False)

    def _shown_columns(self) -> list[int]:
        return [i for i, width in enumerate(self.column_widths()) if width]

    def action_cursor_left(self) -> None:
        earlier = [i for i in self._shown_columns() if i < self.cursor_column]
        if earlier:
            self.cursor_column = earlier[-1]

    def action_cursor_right(self) -> None:
        later = [i for i in self._shown_columns() if i > self.cursor_column]
        if later:
            self.cursor_column = later[0]

    def watch_cursor_column(self) -> None:
        self._scroll_to_column()
        self.refresh_line(0)

    def action_sort(self) -> None:
        self.sort_by(COLUMN_KEYS[self.cursor_column])

    def action_sort_reverse(self) -> None:
        column = COLUMN_KEYS[self.cursor_column]
        reverse = not self.sort_reverse if column == self.sort_column else True
        self.sort_by(column, reverse=reverse)

    def _column_at(self, x: int) -> int | None:
        position = 0
        for index, width in enumerate(self.column_widths()):
            if not width:
                continue
            if position <= x < position + width + COLUMN_GAP:
                return index
            position += width + COLUMN_GAP
        return None

    def clicked_header(self, x: int) -> None:
        column = self._column_at(x)
        if column is not None:
            key = COLUMN_KEYS[column]
            self.cursor_column = column
            reverse = not self.sort_reverse if key == self.sort_column else False
            self.sort_by(key, reverse=reverse)

    def clicked_row(self, row: int, x: int) -> None:
        column = self._column_at(x)
        if column is not None:
            self.cursor_column = column

    # ----- rendering ------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()
        self._style_generation += 1

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            partial = name not in ("header", "header-cursor", "cursor")
            style = self.get_component_rich_style(f"fleet-table--{name}", partial=partial)
            self._styles[name] = style
        return style

    def _row_cells(self, name: str) -> tuple[Cell, ...]:
        status = self._statuses[name]
        ctx = self._ctx
        cached = self._cells.get(name)
        if (
            cached is not None
            and cached[0] is status
            and cached[1].now == ctx.now
            and cached[1].policy is ctx.policy
        ):
            return cached[2]
        cells = row_cells(status, ctx, self.facts)
        self._cells[name] = (status, ctx, cells)
        return cells

    def header_strip(self, base: Style) -> Strip:
        widths = self.column_widths()
        key = (
            "header",
            widths,
            self.sort_column,
            self.sort_reverse,
            self.cursor_column,
            self._style_generation,
            base,
        )
        if (cached := self._strips.get(key)) is not None:
            return cached
        header, cursor = base + self._style("header"), base + self._style("header-cursor")
        segments: list[Segment] = []
        for index, (column, width) in enumerate(zip(COLUMNS, widths, strict=True)):
            if not width:
                continue
            label = column.label
            if column.key == self.sort_column:
                label += " ▲" if self.sort_reverse else " ▼"
            style = cursor if index == self.cursor_column else header
            segments.append(Segment(fit(label, width, column.align), style))
            segments.append(Segment(" " * COLUMN_GAP, header))
        strip = self._line(segments, widths, header)
        self._strips[key] = strip
        return strip

    def row_strip(self, row: int, base: Style, selected: bool) -> Strip:
        name = self._keys[row]
        cells = self._row_cells(name)
        status = self._statuses[name]
        dimmed = status.unreachable or self._ctx.is_stale(status)
        widths = self.column_widths()
        key = (cells, dimmed, selected, self.has_focus, widths, self._style_generation, base)
        if (cached := self._strips.get(key)) is not None:
            return cached
        row_style = base + self._style("dimmed") if dimmed else base
        cursor = self._style("cursor") if selected else None
        segments: list[Segment] = []
        gap_style = row_style + cursor if cursor else row_style
        gap = " " * COLUMN_GAP
        for (text, role), column, width in zip(cells, COLUMNS, widths, strict=True):
            if not width:
                continue  # the column gave way on this terminal
            style = row_style + self._style(role) if role else row_style
            if cursor is not None:
                style += cursor
            # The gap shares the cell's segment: half the segments, same look.
            segments.append(Segment(fit(text, width, column.align) + gap, style))
        strip = self._line(segments, widths, gap_style)
        self._strips[key] = strip
        return strip

    def _line(self, segments: list[Segment], widths: Sequence[int], pad_style: Style) -> Strip:
        """One strip exactly as wide as the line (the widget, or the columns if wider)."""
        shown = [w for w in widths if w]
        used = sum(shown) + COLUMN_GAP * len(shown)
        line = max(self.size.width, used - COLUMN_GAP)
        if line > used:
            segments.append(Segment(" " * (line - used), pad_style))
            used = line
        return Strip(segments, used) if used == line else Strip(segments).crop(0, line)
