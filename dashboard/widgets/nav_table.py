"""A table of given cells on the one table base: columns added by label, rows replaced whole.

The detail screens' tables (timers, entitlements, history, errors, events, roll-ups)
hand over every row's cells at once; :class:`NavTable` keeps them as plain texts with
one colour each, fits the columns to what they hold and draws only the rows in view,
with the cursor, paging, click and scroll of :class:`~dashboard.widgets.line_table.LineTable`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from dashboard.widgets.line_table import Align, LineCell, LineColumn, LineTable

Cell = str | Text
Row = tuple[str, Sequence[Cell]]
"""A row key and its cells."""


def _line_cell(cell: Cell) -> tuple[LineCell, Align | None]:
    """A str cell stays plain text (publisher text such as "[x]" is never markup)."""
    if isinstance(cell, str):
        return (cell, None), None
    style = cell.style
    if isinstance(style, str):
        style = Style.parse(style) if style else Style()
    for span in cell.spans:  # one colour per cell: a span over the text counts as its own
        if isinstance(span.style, Style):
            style += span.style
    align: Align | None = "right" if cell.justify == "right" else None
    return (cell.plain, style if style else None), align


class NavTable(LineTable):
    """Rows of given cells; :meth:`replace_rows` swaps in new data keeping cursor and scroll."""

    DEFAULT_CSS = """
    NavTable {
        height: auto;
        max-height: 100%;
    }
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__((), name=name, id=id, classes=classes)
        self._rows: list[tuple[LineCell, ...]] = []
        self._given: dict[str, tuple[Sequence[Cell], tuple[LineCell, ...], tuple[int, ...]]] = {}
        """Each row's cells as last passed, converted, and their widths: the same tuple
        again costs nothing."""

    def add_column(self, label: str, *, key: str) -> None:
        self.columns = (*self.columns, LineColumn(key, label, cell_len(label)))
        self._widths = (*self._widths, cell_len(label))

    def clear(self) -> None:
        """No rows, the cursor back on the first row and the view at the top."""
        self._given = {}
        self._rows = []
        self._cursor = 0
        self.set_rows([])
        self.scroll_to(0, 0, animate=False, immediate=True)

    def replace_rows(self, rows: Sequence[Row]) -> None:
        """Show ``rows`` in this order, the cursor on the row with the same key."""
        widths = [cell_len(c.label) for c in self.columns]
        aligns: list[Align | None] = [None] * len(self.columns)
        given: dict[str, tuple[Sequence[Cell], tuple[LineCell, ...], tuple[int, ...]]] = {}
        converted: list[tuple[LineCell, ...]] = []
        for key, cells in rows:
            known = self._given.get(key)
            if known is not None and known[0] is cells:
                line, sizes = known[1], known[2]
            else:
                pairs = [_line_cell(cell) for cell in cells]
                line = tuple(pair[0] for pair in pairs)
                sizes = tuple(cell_len(text) for text, _ in line)
                for n, (_, align) in enumerate(pairs):
                    if align is not None:
                        aligns[n] = align
            given[key] = (cells, line, sizes)
            converted.append(line)
            widths = [max(w, s) for w, s in zip(widths, sizes, strict=True)]
        self._given, self._rows = given, converted
        if any(a is not None for a in aligns):
            self.columns = tuple(
                LineColumn(c.key, c.label, c.width, align or c.align)
                for c, align in zip(self.columns, aligns, strict=True)
            )
        self.set_rows([key for key, _ in rows], widths)

    def cells_at(self, row: int) -> tuple[LineCell, ...]:
        return self._rows[row]
