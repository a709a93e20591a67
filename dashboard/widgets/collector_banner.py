"""A loud line when the collector behind the data stopped writing: the rows below are
the last thing it wrote, and they age. A merged view gets one line per source that is
unreachable or whose collector is down (its clusters stay, last known)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from textual.reactive import reactive
from textual.widgets import Static

from collectors.liveness import CollectorState
from collectors.sources.base import SourceHealth


class CollectorBanner(Static):
    """Hidden while the collector writes (or none is involved); see :mod:`collectors.liveness`."""

    DEFAULT_CSS = """
    CollectorBanner {
        height: auto;
        max-height: 6;
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
    """The one store's collector (a viewer on a store)."""
    sources: reactive[tuple[SourceHealth, ...]] = reactive((), always_update=True)
    """A merged view's sources; those with a problem get a line each."""

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

    def watch_sources(self, sources: tuple[SourceHealth, ...]) -> None:
        self.redraw()

    def lines(self) -> list[str]:
        """What the banner says now (the ages keep growing between updates)."""
        now = self.clock()
        out = []
        collector = self.collector
        if collector is not None and collector.down:
            out.append(f"⚠ {collector.text(now)} — the data below is not updating")
        for source in self.sources:
            if source.problem:
                out.append(f"⚠ {source.text(now)} — its rows are not updating")
        return out

    def redraw(self) -> None:
        lines = self.lines()
        self.set_class(bool(lines), "-down")
        text = "\n".join(lines)
        if text != self._shown:  # an update lays the screen out again: only on a change
            self._shown = text
            self.update(text)
