"""A DataTable with the dashboard's movement keys and in-place row replacement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowKey

Cell = str | Text
Row = tuple[str, Sequence[Cell]]
"""A row key and its cells."""


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
        keys = [key for key, _ in rows]
        if [k.value for k in self.ordered_row_keys] == keys:
            columns = list(self.columns)
            for key, cells in rows:
                for column, value in zip(columns, cells, strict=True):
                    self.update_cell(key, column, value)
            return
        current = self.cursor_key
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if current in keys:
            self.move_cursor(row=keys.index(current), animate=False, scroll=True)

    @property
    def ordered_row_keys(self) -> list[RowKey]:
        return [row.key for row in self.ordered_rows]
