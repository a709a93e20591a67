"""``?``: every key that works where help was opened, generated from the live bindings.

The list is built from ``Screen.active_bindings`` of the screen underneath, so it can
never drift from what the keys really do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

ROW_MOUSE_HELP: tuple[tuple[str, str], ...] = (
    ("click a row", "move there (click again: open it)"),
    ("double-click a row", "open it"),
    ("wheel", "scroll"),
)
"""Every table (one table base): the same clicks everywhere."""
MOUSE_HELP: tuple[tuple[str, str], ...] = (
    *ROW_MOUSE_HELP[:2],
    ("click a column header", "sort by it (again: reverse)"),
    ROW_MOUSE_HELP[2],
)
"""The fleet table's mouse: its headers also sort."""


def mouse_help(screen: Screen[Any]) -> tuple[tuple[str, str], ...]:
    """What the mouse does on ``screen``."""
    from dashboard.widgets.fleet_table import FleetTable

    return MOUSE_HELP if screen.query(FleetTable) else ROW_MOUSE_HELP


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """One action and every key bound to it, in the section that owns it."""

    section: str
    keys: tuple[str, ...]
    description: str


def _section(node: Any) -> str:
    if isinstance(node, Screen):
        title: str | None = node.title
        return title or type(node).__name__.removesuffix("Screen")
    if node is getattr(node, "app", None):
        return "Everywhere"
    words = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", type(node).__name__)
    return " ".join([words[0], *(w.lower() for w in words[1:])]) if words else "Widget"


def collect_key_help(screen: Screen[Any]) -> list[KeyHelp]:
    """The active bindings of ``screen``, grouped by owner and action."""
    groups: dict[tuple[int, str], tuple[str, list[str], str]] = {}
    order: list[tuple[int, str]] = []
    for key, active in screen.active_bindings.items():
        binding = active.binding
        description = binding.description or binding.action.replace("_", " ")
        group = (id(active.node), binding.action)
        if group not in groups:
            groups[group] = (_section(active.node), [], description)
            order.append(group)
        display = screen.app.get_key_display(Binding(key, binding.action))
        groups[group][1].append(display)
    return [KeyHelp(groups[g][0], tuple(groups[g][1]), groups[g][2]) for g in order]


class HelpScreen(ModalScreen[None]):
    """Every key, grouped by where it works, plus the mouse."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: 80;
            max-height: 90%;
            height: auto;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        & Static {
            width: 100%;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close help"),
    ]

    def __init__(
        self,
        keys: Sequence[KeyHelp],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        mouse: Sequence[tuple[str, str]] = MOUSE_HELP,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.keys = tuple(keys)
        self.mouse = tuple(mouse)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "licdash keys"
            scroll.border_subtitle = "esc closes"
            yield Static(self._table(), id="help-keys")

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", style="bold", no_wrap=True)
        table.add_column()
        section = None
        for item in self.keys:
            if item.section != section:
                section = item.section
                table.add_row(Text(section, style="underline"), "")
            table.add_row(" ".join(item.keys), item.description)
        table.add_row(Text("Mouse", style="underline"), "")
        for gesture, meaning in self.mouse:
            table.add_row(gesture, meaning)
        return table

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
