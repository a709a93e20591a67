"""Remediation hints: each problem with the concrete action, worst first."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from dashboard.format import SEVERITY_GLYPH
from dashboard.remediation import Hint
from dashboard.widgets.severity_colors import SEVERITY_VAR, markup_colour


class RemediationList(Static):
    """The hints of one cluster; the owning screen calls :meth:`show`."""

    DEFAULT_CSS = """
    RemediationList {
        height: auto;
        padding: 0 1;
        border: round $primary 50%;
        border-title-color: $text-muted;
    }
    """

    def on_mount(self) -> None:
        self.border_title = "What to do"

    def show(self, hints: Sequence[Hint]) -> None:
        if not hints:
            self.update(Content("Nothing to do: licensing is healthy."))
            return
        parts = []
        for hint in hints:
            colour = markup_colour(self.app, SEVERITY_VAR[hint.severity])
            parts.append(
                Content.from_markup(
                    f"[bold {colour}]{SEVERITY_GLYPH[hint.severity]} $problem[/]\n  $action",
                    problem=hint.problem,
                    action=hint.action,
                )
            )
        self.update(Content("\n").join(parts))
