"""Colour themes for the licdash dashboard.

Each theme is a Textual :class:`~textual.theme.Theme`; the dashboard's own tokens (the
severity colours and the stale tint) live in its ``variables`` so CSS can say
``$sev-critical``. Severity never rests on colour alone: the UI always pairs a colour
with a glyph and a word, so the monochrome theme loses no information.
"""

from __future__ import annotations

from themes.catalog import (
    DEFAULT_THEME,
    NO_COLOR_THEME,
    SEVERITY_VARIABLES,
    THEMES,
    ThemeProblem,
    load_user_themes,
    resolve_theme,
    severity_variable_defaults,
    validate_theme,
)

__all__ = [
    "DEFAULT_THEME",
    "NO_COLOR_THEME",
    "SEVERITY_VARIABLES",
    "THEMES",
    "ThemeProblem",
    "load_user_themes",
    "resolve_theme",
    "severity_variable_defaults",
    "validate_theme",
]
