"""One table base: every table of the dashboard is a LineTable and behaves the same.

The fleet table, the deadline list and the NavTable detail tables share the cursor,
paging, click and scroll code of :class:`LineTable`; these tests drive it through a
NavTable (the detail tables) and check that no other table base is left.
"""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult

import dashboard.widgets as widgets_pkg
from dashboard.widgets.deadline_list import DeadlineList
from dashboard.widgets.entitlement_rollup import HolderTable, RollupTable
from dashboard.widgets.entitlements_table import EntitlementsTable
from dashboard.widgets.error_list import ErrorList
from dashboard.widgets.event_tables import FailureTable, TransitionTable
from dashboard.widgets.fleet_table import FleetTable
from dashboard.widgets.line_table import LineTable
from dashboard.widgets.nav_table import NavTable
from dashboard.widgets.state_timeline import StateTimeline
from dashboard.widgets.timers import TimersTable

ROOT = Path(__file__).resolve().parents[2] / "dashboard"


@pytest.mark.parametrize(
    "table",
    [
        FleetTable,
        DeadlineList,
        EntitlementsTable,
        ErrorList,
        FailureTable,
        HolderTable,
        RollupTable,
        StateTimeline,
        TimersTable,
        TransitionTable,
    ],
)
def test_every_table_is_a_line_table(table: type[Any]) -> None:
    assert issubclass(table, LineTable)


SCROLL_VIEWS = {
    "line_table.py": "the one table base",
    "fleet_overview.py": "the overview's tile grid: a cursor over tiles in groups, not rows",
}


def test_no_other_table_base_is_left() -> None:
    """No DataTable and no second ScrollView with a row cursor in the dashboard."""
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(b) for b in node.bases}
                assert "DataTable" not in bases, f"{path.name}: {node.name} is a DataTable"
                assert "ScrollView" not in bases or path.name in SCROLL_VIEWS, (
                    f"{path.name}: {node.name} derives from {bases}"
                )
    assert {m.name for m in pkgutil.iter_modules(widgets_pkg.__path__)} >= {"line_table"}


class Rows(NavTable):
    DEFAULT_CSS = "Rows { height: 12; }"

    def on_mount(self) -> None:
        self.add_column("Name", key="name")
        self.add_column("Count", key="count")


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.selected: list[str] = []
        self.highlighted: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield Rows()

    def on_line_table_row_selected(self, event: LineTable.RowSelected) -> None:
        self.selected.append(event.key)

    def on_line_table_row_highlighted(self, event: LineTable.RowHighlighted) -> None:
        self.highlighted.append(event.key)


def rows(n: int, *, offset: int = 0) -> list[tuple[str, tuple[str | Text, ...]]]:
    return [
        (f"k{i}", (f"row {i}", Text(str(i + offset), justify="right", end=""))) for i in range(n)
    ]


async def test_keys_paging_and_the_cursor_following_its_key() -> None:
    app = Host()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(Rows)
        table.replace_rows(rows(100))
        table.focus()
        await pilot.pause()
        await pilot.press("j", "j", "k")
        assert table.cursor_key == "k1"
        await pilot.press("pagedown")
        page = table.cursor_row - 1
        assert page >= 5
        assert table.scroll_y > 0  # the view followed the cursor
        await pilot.press("G")
        assert table.cursor_key == "k99" and table.scroll_y == table.max_scroll_y
        await pilot.press("g")
        assert table.cursor_row == 0 and table.scroll_y == 0
        await pilot.press("j", "j", "j")
        # New data with the rows in another order: the cursor stays on its key.
        table.replace_rows(list(reversed(rows(100, offset=1))))
        await pilot.pause()
        assert table.cursor_key == "k3" and table.cursor_row == 96
        assert table.scroll_y > 0  # its row moved out of view: the view followed it
        # The same order again: cursor and scroll both stay.
        top = table.scroll_y
        table.replace_rows(list(reversed(rows(100, offset=2))))
        await pilot.pause()
        assert (table.cursor_key, table.scroll_y) == ("k3", top)
        assert [t.plain for t in table.get_row_at(96)] == ["row 3", "5"]
        assert "k3" in app.highlighted


async def test_click_moves_then_opens_once_and_enter_opens() -> None:
    app = Host()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(Rows)
        table.replace_rows(rows(10))
        await pilot.pause()
        await pilot.click(Rows, offset=(3, 3))  # header is line 0: the third row
        assert table.cursor_key == "k2" and app.selected == []
        await pilot.click(Rows, offset=(3, 3))
        assert app.selected == ["k2"]
        await pilot.double_click(Rows, offset=(3, 5))
        assert app.selected == ["k2", "k4"]  # a double click opens once
        table.focus()
        await pilot.press("enter")
        assert app.selected == ["k2", "k4", "k4"]


async def test_columns_fit_their_values_and_right_aligned_cells_stay_right() -> None:
    app = Host()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(Rows)
        table.replace_rows([("a", ("x" * 20, Text("7", justify="right", end="")))])
        await pilot.pause()
        line = table.render_line(1).text
        assert line.startswith(" " + "x" * 20 + "  ")
        assert line.rstrip().endswith("    7")  # "Count" is five wide, 7 at its right
        table.replace_rows([("a", ("[b]markup[/b]", "2"))])
        await pilot.pause()
        assert "[b]markup[/b]" in table.render_line(1).text  # never parsed as markup


async def test_deadlines_at_80_columns_keep_cluster_and_deadline_in_view(make_app: Any) -> None:
    from dashboard.screens.deadlines import DeadlinesScreen

    app = make_app(DeadlinesScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DeadlineList)
        assert table.row_count
        header = table.render_line(0).text
        assert "Cluster" in header and "Deadline" in header and "When (UTC)" not in header
        for row in range(min(table.row_count, table.size.height - 1)):
            cells = [t.plain for t in table.get_row_at(row)]
            line = table.render_line(row + 1).text
            assert cells[4] in line and cells[5] in line, line  # cluster, deadline kind
    wide = make_app(DeadlinesScreen)
    async with wide.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        header = wide.screen.query_one(DeadlineList).render_line(0).text
        assert "When (UTC)" in header and "Cluster time" in header
