"""A DataTable with the dashboard's movement keys and in-place row replacement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Self

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowKey

Cell = str | Text
Row = tuple[str, Sequence[Cell]]
"""A row key and its cells."""


def _text(cell: Cell) -> Text:
    """A str cell would be parsed as Rich markup: publisher text such as "[x]" must not."""
    return Text(cell, end="") if isinstance(cell, str) else cell


def _width(cell: object) -> int:
    return cell.cell_len if isinstance(cell, Text) else len(str(cell))


def _same(old: object, new: object) -> bool:
    """Equal including colour (Rich's ``Text.__eq__`` ignores the base style)."""
    if isinstance(old, Text) and isinstance(new, Text):
        return old.plain == new.plain and old.style == new.style and old.spans == new.spans
    if isinstance(old, Text) and isinstance(new, str):  # stored as plain Text by _text
        return old.plain == new and not old.style and not old.spans
    return old == new


class NavTable(DataTable[Cell]):
    """A row-cursor DataTable that also moves with j/k and jumps with g/G.

    :meth:`replace_rows` swaps in new data without losing the cursor or scroll: cells are
    updated in place when the keys are unchanged, otherwise the rows are rebuilt and the
    cursor returns to the row with the same key.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, cursor_type="row")
        self._given: dict[str, Sequence[Cell]] = {}
        """The cells last passed for each row: the same tuple again means no change."""

    def clear(self, columns: bool = False) -> Self:
        self._given = {}
        return super().clear(columns)

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, if any."""
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return None if key.value is None else str(key.value)

    def replace_rows(self, rows: Sequence[Row]) -> None:
        """Show ``rows`` in this order: cells patched in place when the keys are the same,
        otherwise rebuilt with the cursor back on the row with the same key."""
        keys = [key for key, _ in rows]
        if [str(k.value) for k in self.ordered_row_keys] == keys:
            self._update_changed(rows)
            return
        current = self.cursor_key
        self.clear()
        for key, cells in rows:
            self.add_row(*map(_text, cells), key=key)
            self._given[key] = cells
        if current in set(keys):
            self.move_cursor(row=self.get_row_index(current), animate=False, scroll=True)

    def _update_changed(self, rows: Sequence[Row]) -> None:
        columns = list(self.columns.items())
        for key, cells in rows:
            if self._given.get(key) is cells:
                continue  # the caller reused the row: nothing in it changed
            self._given[key] = cells
            shown = self.get_row(key)
            for (column_key, column), old, value in zip(columns, shown, cells, strict=True):
                if _same(old, value):  # only what changed: 5,000 rows stay cheap
                    continue
                # Widen a column for a longer value, never shrink it: shrinking makes
                # DataTable re-measure the whole column for every cell (quadratic).
                wider = _width(value) > column.content_width
                self.update_cell(key, column_key, _text(value), update_width=wider)

    @property
    def ordered_row_keys(self) -> list[RowKey]:
        return [row.key for row in self.ordered_rows]
