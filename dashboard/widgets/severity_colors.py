"""Severity and urgency colours resolved from the running theme.

The dashboard's themes define ``$sev-ok``, ``$sev-warning``, ``$sev-critical``,
``$sev-unknown`` and ``$stale``. A theme without them falls back to Textual's own
``$success``/``$warning``/``$error`` so a screen never crashes on a missing variable.
Colour is only ever an addition: every caller also shows a glyph or a word.
"""

from __future__ import annotations

from typing import Final

from rich.style import Style
from rich.text import Text
from textual.app import App
from textual.color import Color, ColorParseError

from collectors.model import Severity
from dashboard.format import SEVERITY_GLYPH

SEVERITY_VAR: Final[dict[Severity, str]] = {
    Severity.OK: "sev-ok",
    Severity.WARNING: "sev-warning",
    Severity.CRITICAL: "sev-critical",
    Severity.UNKNOWN: "sev-unknown",
}
_FALLBACK: Final[dict[str, str]] = {
    "sev-ok": "success",
    "sev-warning": "warning",
    "sev-critical": "error",
    "sev-unknown": "accent",
    "stale": "foreground-darken-3",
}


def theme_var(app: App[object], name: str) -> str:
    """The variable to use for ``name``: itself when the theme has it, else the fallback."""
    variables = getattr(app, "theme_variables", {}) or {}
    if name in variables:
        return name
    return _FALLBACK.get(name, "foreground")


def markup_colour(app: App[object], name: str) -> str:
    """A Content-markup colour reference such as ``$sev-ok`` (for Static widgets)."""
    return f"${theme_var(app, name)}"


def rich_style(app: App[object], name: str, *, bold: bool = False) -> Style:
    """A concrete Rich style for ``name`` (DataTable cells do not resolve ``$`` variables)."""
    value = (getattr(app, "theme_variables", {}) or {}).get(theme_var(app, name))
    try:
        colour = Color.parse(value).rich_color if value else None
    except ColorParseError:
        colour = None
    return Style(color=colour, bold=bold)


def severity_text(app: App[object], severity: Severity, word: str | None = None) -> Text:
    """Glyph + word in the severity colour: ``✖ critical``."""
    label = f"{SEVERITY_GLYPH[severity]} {word or severity.value}"
    return Text(label, style=rich_style(app, SEVERITY_VAR[severity]), end="")
