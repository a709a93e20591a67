"""The raw last response of a publisher (AXL XML or CLI text), highlighted when XML."""

from __future__ import annotations

from rich.console import RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

MAX_CHARS = 200_000
"""Larger answers are cut (no real licence status comes close)."""


def render_raw(raw: str | None) -> RenderableType:
    """Syntax-highlighted XML, plain text for CLI output, a note when there is none."""
    if raw is None:
        return Text("No raw response is kept for this cluster (yet).")
    text = raw if len(raw) <= MAX_CHARS else raw[:MAX_CHARS] + "\n… (cut)"
    if text.lstrip().startswith("<"):
        return Syntax(text, "xml", theme="ansi_dark", word_wrap=True, background_color="default")
    return Text(text)


class RawView(VerticalScroll):
    """A scrollable view of the raw response; the owning screen sets :attr:`raw`."""

    DEFAULT_CSS = """
    RawView {
        height: 1fr;
        background: $surface;
    }
    RawView > Static {
        width: 100%;
    }
    """

    raw: reactive[str | None] = reactive(None)
    """The raw response text, or None when the source has none."""

    def compose(self) -> ComposeResult:
        yield Static(render_raw(self.raw), id="raw-text")

    def watch_raw(self, raw: str | None) -> None:
        if self.is_mounted:
            self.query_one("#raw-text", Static).update(render_raw(raw))
