"""A loud line when the collector behind the data stopped writing: the rows below are
the last thing it wrote, and they age."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from textual.reactive import reactive
from textual.widgets import Static

from collectors.liveness import CollectorState


class CollectorBanner(Static):
    """Hidden while the collector writes (or none is involved); see :mod:`collectors.liveness`."""

    DEFAULT_CSS = """
    CollectorBanner {
        height: 1;
        padding: 0 1;
        background: $error;
        color: $text;
        text-style: bold;
        display: none;
    }
    CollectorBanner.-down {
        display: block;
    }
    """

    collector: reactive[CollectorState | None] = reactive(None, always_update=True)

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__("", name=name, id=id, classes=classes, markup=False)
        self.clock = clock
        self._shown = ""

    def watch_collector(self, collector: CollectorState | None) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Show the state as of now (the age keeps growing between updates)."""
        collector = self.collector
        down = collector is not None and collector.down
        self.set_class(down, "-down")
        text = ""
        if collector is not None and down:
            text = f"⚠ {collector.text(self.clock())} — the data below is not updating"
        if text != self._shown:  # an update lays the screen out again: only on a change
            self._shown = text
            self.update(text)
