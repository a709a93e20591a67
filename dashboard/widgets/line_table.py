"""A read-only table that renders only the rows on screen (Textual's Line API).

A :class:`~textual.widgets.DataTable` keeps every cell as a renderable and updates
them one by one: with thousands of rows whose relative times all change, that is
hundreds of milliseconds of UI thread. :class:`LineTable` keeps only the row keys;
a subclass says what a row shows (:meth:`LineTable.cells_at`), and only the rows in
view are ever turned into text. Replacing every row costs a list of keys, whatever
changed in them. The cursor follows its row by key; the scroll position is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from dashboard.fleet_rows import fit

LineCell = tuple[str, Style | None]
"""A cell's plain text (never parsed as markup) and its colour, if any."""

GAP = 2
"""Blank cells between columns (and one before the first), as a DataTable pads them."""


@dataclass(frozen=True, slots=True)
class LineColumn:
    key: str
    label: str
    width: int
    align: Literal["left", "right"] = "left"


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
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("g,home", "first", "First row", show=False),
        Binding("G,end", "last", "Last row", show=False),
        Binding("enter", "select", "Open cluster", show=False),
    ]

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
        columns: Sequence[LineColumn],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = tuple(columns)
        self._widths = tuple(c.width for c in self.columns)
        self._keys: list[str] = []
        self._index: dict[str, int] = {}
        self._cursor = 0

    # ----- what a subclass provides ---------------------------------------------------

    def cells_at(self, row: int) -> Sequence[LineCell]:
        """The cells of row ``row`` (0-based, in display order), one per column."""
        raise NotImplementedError

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
        return tuple(self._keys)

    def get_row_at(self, row: int) -> list[Text]:
        """The row as styled texts (what the screen shows, for tests and exports)."""
        return [Text(text, style=style or "", end="") for text, style in self.cells_at(row)]

    def set_rows(self, keys: Sequence[str], widths: Sequence[int] | None = None) -> None:
        """Show the rows ``keys`` in this order; call after the data behind them changed.

        The cursor stays on its key (or its position, if that key is gone) and in view.
        """
        current = self.cursor_key
        self._keys = list(keys)
        self._index = {key: n for n, key in enumerate(self._keys)}
        if widths is not None:
            self._widths = tuple(widths)
        moved = current is not None and self._index.get(current, self._cursor) != self._cursor
        if current in self._index:
            self._cursor = self._index[current]
        else:
            self._cursor = min(self._cursor, max(len(self._keys) - 1, 0))
        self._update_virtual_size()
        if moved:
            self._scroll_to_cursor()
        self.refresh()

    # ----- cursor ---------------------------------------------------------------------

    def _move(self, row: int) -> None:
        if not self._keys:
            return
        old, self._cursor = self._cursor, max(0, min(row, len(self._keys) - 1))
        self.refresh_line(old + 1)  # virtual lines: the header is line 0
        self.refresh_line(self._cursor + 1)
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        body = max(self.scrollable_content_region.height - 1, 1)
        top = round(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + body:
            self.scroll_to(y=self._cursor - body + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self._move(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._move(self._cursor + 1)

    def action_page_up(self) -> None:
        self._move(self._cursor - max(self.scrollable_content_region.height - 2, 1))

    def action_page_down(self) -> None:
        self._move(self._cursor + max(self.scrollable_content_region.height - 2, 1))

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self._keys) - 1)

    def action_select(self) -> None:
        if (key := self.cursor_key) is not None:
            self.post_message(self.RowSelected(self, key))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        row = round(self.scroll_y) + offset.y - 1
        if 0 <= row < len(self._keys):
            again = row == self._cursor
            self._move(row)
            if again or event.chain >= 2:
                self.action_select()

    def _on_focus(self, event: events.Focus) -> None:
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        self.refresh()

    def _on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()

    # ----- rendering ------------------------------------------------------------------

    def _update_virtual_size(self) -> None:
        width = 1 + sum(self._widths) + GAP * len(self._widths)  # as wide as a strip
        self.virtual_size = Size(max(width, self.size.width), len(self._keys) + 1)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        if y == 0:
            header = base + self.get_component_rich_style("line-table--header")
            labels: list[LineCell] = [(c.label, None) for c in self.columns]
            strip = self._strip(labels, header, None)
        else:
            row = scroll_y + y - 1
            if row >= len(self._keys):
                return Strip.blank(width, base)
            cursor = None
            if row == self._cursor:
                cursor = self.get_component_rich_style("line-table--cursor", partial=False)
            strip = self._strip(self.cells_at(row), base, cursor)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _strip(self, cells: Sequence[LineCell], base: Style, cursor: Style | None) -> Strip:
        pad = base + cursor if cursor is not None else base
        gap = Segment(" " * GAP, pad)
        segments: list[Segment] = [Segment(" ", pad)]
        for (text, style), column, width in zip(cells, self.columns, self._widths, strict=True):
            cell_style = base + style if style is not None else base
            if cursor is not None:
                cell_style += cursor
            segments.append(Segment(fit(text, width, column.align), cell_style))
            segments.append(gap)
        used = 1 + sum(self._widths) + GAP * len(self._widths)
        if used < self.size.width:
            segments.append(Segment(" " * (self.size.width - used), pad))
            used = self.size.width
        return Strip(segments, used)
