"""The wall's top line: what it shows, which page, the clock and how old the newest data
is. Always visible: a frozen screen or a dead collector shows as an age that grows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from dashboard.format import human_span


class WallHeader(Widget):
    """``licdash wall · store · 10,000 clusters`` on the left; on the right
    ``page 1/3 · 2026-03-01 12:00:05 UTC · newest data 12 s old``."""

    DEFAULT_CSS = """
    WallHeader {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $foreground;
        & > .wall-header--title { text-style: bold; }
        & > .wall-header--muted { color: $text-muted; }
        & > .wall-header--clock { text-style: bold; }
        & > .wall-header--old { color: $sev-critical; text-style: bold reverse; }
        & > .wall-header--unknown { color: $sev-unknown; text-style: bold; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "wall-header--title",
        "wall-header--muted",
        "wall-header--clock",
        "wall-header--old",
        "wall-header--unknown",
    }

    source: reactive[str] = reactive("")
    clusters: reactive[int | None] = reactive(None)
    legend: reactive[str] = reactive("")
    """How to read the tiles below (grouping, density)."""
    page: reactive[str] = reactive("")
    """``page 2/4`` (empty: everything fits one page)."""
    newest: reactive[datetime | None] = reactive(None)
    newest_stale: reactive[bool] = reactive(False)
    """Even the newest data is stale by the policy: the age is shown loud."""
    held: reactive[bool] = reactive(False)
    """Paging is held (space)."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.clock = clock

    def _part(self, name: str) -> str:
        return str(self.get_component_rich_style(f"wall-header--{name}", partial=True))

    def render(self) -> Text:
        now = self.clock()
        left = Text(no_wrap=True)
        left.append("licdash wall", self._part("title"))
        if self.source:
            left.append(f" · {self.source}", self._part("muted"))
        if self.clusters is not None:
            left.append(f" · {self.clusters:,} clusters", self._part("muted"))
        if self.legend:
            left.append(f" · {self.legend}", self._part("muted"))
        right = Text(no_wrap=True)
        if self.page:
            right.append(f"{self.page}{' (held)' if self.held else ''} · ", self._part("muted"))
        right.append(f"{now.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC", self._part("clock"))
        right.append(" · ", self._part("muted"))
        if self.newest is None:
            right.append(" no data yet ", self._part("unknown"))
        else:
            age = f" newest data {human_span(max(now - self.newest, now - now))} old "
            right.append(age, self._part("old") if self.newest_stale else "")
        width = self.content_region.width or 80
        gap = width - cell_len(left.plain) - cell_len(right.plain)
        if gap < 1:
            left.truncate(max(width - cell_len(right.plain) - 1, 0), overflow="ellipsis")
            gap = width - cell_len(left.plain) - cell_len(right.plain)
        if gap < 1:
            return right  # the clock and the age matter more than the title
        return Text.assemble(left, " " * gap, right, no_wrap=True)
