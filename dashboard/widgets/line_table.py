"""The one table base: rows by key, a row cursor, paging, click and scroll (Line API).

A :class:`~textual.widgets.DataTable` keeps every cell as a renderable and updates
them one by one: with thousands of rows whose relative times all change, that is
hundreds of milliseconds of UI thread. :class:`LineTable` keeps only the row keys;
a subclass says what a row shows (:meth:`LineTable.cells_at`, or a whole strip from
:meth:`LineTable.row_strip`), and only the rows in view are ever turned into text.
Replacing every row costs a list of keys, whatever changed in them.

Every table of the dashboard derives from it (the fleet table, the deadline list and
the :class:`~dashboard.widgets.nav_table.NavTable` detail tables), so the keys, the
mouse and the scrolling behave the same everywhere: the cursor follows its row by key
through updates, the scroll position is kept, and the view follows the cursor only
when the cursor's row moved.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal, Self

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from dashboard.fleet_rows import fit

Align = Literal["left", "right"]
LineCell = tuple[str, Style | None]
"""A cell's plain text (never parsed as markup) and its colour, if any."""

GAP = 2
"""Blank cells between columns (and one before the first), as a DataTable pads them."""


@dataclass(frozen=True, slots=True)
class LineColumn:
    key: str
    label: str
    width: int
    align: Align = "left"


class LineTable(ScrollView, can_focus=True):
    """Rows by key, a row cursor that follows its key, and only visible rows rendered."""

    DEFAULT_CSS = """
    LineTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        &:focus {
            background-tint: $foreground 3%;
        }
        & > .line-table--header {
            color: $foreground;
            text-style: bold;
            background: $panel;
        }
        & > .line-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .line-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"line-table--header", "line-table--cursor"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Previous row", show=False),
        Binding("down,j", "cursor_down", "Next row", show=False),
        Binding("left", "cursor_left", "Scroll left", show=False),
        Binding("right", "cursor_right", "Scroll right", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("g,home", "first", "First row", show=False),
        Binding("G,end", "last", "Last row", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    show_cursor: bool = True
    """False for a table that only shows facts (no row is ever selected)."""

    class RowHighlighted(Message):
        """The cursor moved to another row (``key`` None: the table is empty)."""

        def __init__(self, table: LineTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> LineTable:
            return self.table

    class RowSelected(Message):
        """Enter, or a click on the cursor row: open what the row stands for."""

        def __init__(self, table: LineTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> LineTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[LineColumn] = (),
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns: tuple[LineColumn, ...] = tuple(columns)
        self._widths = tuple(c.width for c in self.columns)
        self._keys: tuple[str, ...] = ()
        self._index: Mapping[str, int] = {}
        self._cursor = 0
        self._highlighted: str | None = None
        self._opened_by_click = False
        self._base: Style | None = None
        self._frame: tuple[int, int, int, Style] | None = None
        """Scroll x and y, width and base style, for the lines of one repaint."""

    # ----- what a subclass provides ---------------------------------------------------

    def cells_at(self, row: int) -> Sequence[LineCell]:
        """The cells of row ``row`` (0-based, in display order), one per column."""
        raise NotImplementedError

    def column_widths(self) -> Sequence[int]:
        """The width of every column now, 0 for a hidden one (a subclass may fit them
        to the widget)."""
        return self._widths

    def content_width(self) -> int:
        """How wide a full line is: the horizontal scroll range."""
        widths = self.column_widths()
        return 1 + sum(widths) + GAP * sum(1 for w in widths if w)

    def row_highlighted(self, key: str | None) -> None:
        """The cursor is on another row now; the default posts :class:`RowHighlighted`."""
        self.post_message(self.RowHighlighted(self, key))

    def row_selected(self, key: str) -> None:
        """Open the row; the default posts :class:`RowSelected`."""
        self.post_message(self.RowSelected(self, key))

    def empty_text(self) -> str:
        """What the first row line says when there are no rows ("" for nothing)."""
        return ""

    def clicked_header(self, x: int) -> None:
        """A click on the header line at content column ``x`` (scroll included)."""

    def clicked_row(self, row: int, x: int) -> None:
        """A click on ``row`` at content column ``x``, before the cursor moves there."""

    # ----- public API -----------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_key(self) -> str | None:
        return self._keys[self._cursor] if self._keys else None

    @property
    def row_keys(self) -> Sequence[str]:
        return self._keys

    def get_row_at(self, row: int) -> list[Text]:
        """The row as styled texts (what the screen shows, for tests and exports)."""
        return [Text(text, style=style or "", end="") for text, style in self.cells_at(row)]

    def set_rows(self, keys: Sequence[str], widths: Sequence[int] | None = None) -> None:
        """Show the rows ``keys`` in this order; call after the data behind them changed.

        The cursor stays on its key (or its position, if that key is gone); the view
        follows it only if its row moved.
        """
        rows = tuple(keys)
        self.set_ordered(rows, {key: n for n, key in enumerate(rows)}, widths)

    def set_ordered(
        self,
        keys: tuple[str, ...],
        index: Mapping[str, int],
        widths: Sequence[int] | None = None,
        *,
        repaint: bool = True,
    ) -> None:
        """:meth:`set_rows` with the order and the index by key already built (by a
        worker thread, say): both are kept as given, never changed here, so this costs
        the same for ten rows or ten thousand. ``repaint`` False: the caller refreshes
        the lines that changed."""
        current = self.cursor_key
        self._keys = keys
        self._index = index
        if widths is not None:
            self._widths = tuple(widths)
        moved = current is not None and self._index.get(current, self._cursor) != self._cursor
        if current is not None and current in index:
            self._cursor = index[current]
        else:
            self._cursor = min(self._cursor, max(len(self._keys) - 1, 0))
        self._update_virtual_size()
        if moved:
            self._scroll_to_cursor()
        self._note_cursor()
        if repaint:
            self.refresh()

    def move_cursor(self, *, row: int) -> None:
        """Put the cursor on ``row`` (clamped) and scroll it into view."""
        if not self._keys:
            return
        old, self._cursor = self._cursor, max(0, min(row, len(self._keys) - 1))
        self.refresh_line(old + 1)  # virtual lines: the header is line 0
        self.refresh_line(self._cursor + 1)
        self._scroll_to_cursor()
        self._note_cursor()

    def move_to_key(self, key: str) -> bool:
        """Put the cursor on the row ``key``; False when no row has it."""
        row = self._index.get(key)
        if row is None:
            return False
        self.move_cursor(row=row)
        return True

    # ----- cursor ---------------------------------------------------------------------

    def _note_cursor(self) -> None:
        key = self.cursor_key
        if key != self._highlighted:
            self._highlighted = key
            self.row_highlighted(key)

    def _scroll_to_cursor(self) -> None:
        body = max(self.scrollable_content_region.height - 1, 1)
        top = round(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + body:
            self.scroll_to(y=self._cursor - body + 1, animate=False, immediate=True)

    def _page(self) -> int:
        return max(self.scrollable_content_region.height - 2, 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor + 1)

    def action_cursor_left(self) -> None:
        self.scroll_to(x=self.scroll_x - 4, animate=False)

    def action_cursor_right(self) -> None:
        self.scroll_to(x=self.scroll_x + 4, animate=False)

    def action_page_up(self) -> None:
        self.move_cursor(row=self._cursor - self._page())

    def action_page_down(self) -> None:
        self.move_cursor(row=self._cursor + self._page())

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._keys) - 1)

    def action_select(self) -> None:
        if self.show_cursor and (key := self.cursor_key) is not None:
            self.row_selected(key)

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x = offset.x + round(self.scroll_x)
        if offset.y == 0:
            self.clicked_header(x)
            return
        row = round(self.scroll_y) + offset.y - 1
        if 0 <= row < len(self._keys) and self.show_cursor:
            again = row == self._cursor
            self.clicked_row(row, x)
            self.move_cursor(row=row)
            # A double click arrives as clicks with chain 1 then 2: open once, on the
            # click on the cursor row or on the second click, whichever comes first.
            if event.chain == 1:
                self._opened_by_click = again
            opens = again if event.chain == 1 else not self._opened_by_click
            if opens:
                self._opened_by_click = True
                self.action_select()

    def _on_focus(self, event: events.Focus) -> None:
        self.refresh()  # (forgets the style: focus tints the background)

    def _on_blur(self, event: events.Blur) -> None:
        self.refresh()

    def _on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()

    # ----- rendering ------------------------------------------------------------------

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(max(self.content_width(), self.size.width), len(self._keys) + 1)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        self._base = None  # what a repaint asks for is drawn in the style of now
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _base_style(self) -> Style:
        """The widget's style (background blended through its ancestors), worked out
        once per repaint rather than once per line."""
        base = self._base
        if base is None:
            base = self._base = self.rich_style
        return base

    def render_lines(self, crop: Region) -> list[Strip]:
        # What every line of this repaint shares, worked out once for all of them.
        scroll_x, scroll_y = self.scroll_offset
        self._frame = (scroll_x, scroll_y, self.size.width, self._base_style())
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        frame = self._frame
        if frame is None:  # (called outside a repaint)
            scroll_x, scroll_y = self.scroll_offset
            width, base = self.size.width, self._base_style()
        else:
            scroll_x, scroll_y, width, base = frame
        if y == 0:
            strip = self.header_strip(base)
        else:
            row = scroll_y + y - 1
            if row >= len(self._keys):
                if not self._keys and (text := self.empty_text()):
                    lines = textwrap.wrap(text, max(width - 2, 10))  # said in full, wrapped
                    if row < len(lines):
                        return Strip([Segment(fit(f" {lines[row]}", width), base)], width)
                return Strip.blank(width, base)
            strip = self.row_strip(row, base, self.show_cursor and row == self._cursor)
        if scroll_x == 0 and strip.cell_length == width:
            return strip  # the usual case: no horizontal scroll, no copy
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def header_strip(self, base: Style) -> Strip:
        header = base + self.get_component_rich_style("line-table--header")
        labels: list[LineCell] = [(c.label, None) for c in self.columns]
        return self._strip(labels, header, None)

    def row_strip(self, row: int, base: Style, selected: bool) -> Strip:
        cursor = None
        if selected:
            cursor = self.get_component_rich_style("line-table--cursor", partial=False)
        return self._strip(self.cells_at(row), base, cursor)

    def _strip(self, cells: Sequence[LineCell], base: Style, cursor: Style | None) -> Strip:
        pad = base + cursor if cursor is not None else base
        gap = Segment(" " * GAP, pad)
        segments: list[Segment] = [Segment(" ", pad)]
        widths = self.column_widths()
        for (text, style), column, width in zip(cells, self.columns, widths, strict=True):
            if not width:
                continue  # a column that gave way on this terminal
            cell_style = base + style if style is not None else base
            if cursor is not None:
                cell_style += cursor
            segments.append(Segment(fit(text, width, column.align), cell_style))
            segments.append(gap)
        used = 1 + sum(widths) + GAP * sum(1 for w in widths if w)
        if used < self.size.width:
            segments.append(Segment(" " * (self.size.width - used), pad))
            used = self.size.width
        return Strip(segments, used)
