"""The built-in themes, user themes from TOML files, and their validation.

Every colour is checked with :meth:`textual.color.Color.parse` when a theme is loaded,
so a typo fails at load time with the theme and field named, never as a broken screen.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Final

from textual.color import Color, ColorParseError
from textual.theme import Theme

SEVERITY_VARIABLES: Final = ("sev-ok", "sev-warning", "sev-critical", "sev-unknown", "stale")
"""Theme variables every licdash theme defines (CSS: ``$sev-critical`` and so on)."""

DEFAULT_THEME: Final = "dark"
NO_COLOR_THEME: Final = "monochrome"

_COLOUR_FIELDS: Final = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)


@dataclass(frozen=True, slots=True)
class ThemeProblem:
    """A theme that could not be used: which one, where it came from, and why."""

    theme: str
    message: str
    source: str | None = None

    def __str__(self) -> str:
        where = f" ({self.source})" if self.source else ""
        return f"theme {self.theme!r}{where}: {self.message}"


def _sev(ok: str, warning: str, critical: str, unknown: str, stale: str) -> dict[str, str]:
    return dict(zip(SEVERITY_VARIABLES, (ok, warning, critical, unknown, stale), strict=True))


_BUILTIN: Final = (
    Theme(
        name="dark",
        primary="#4A9FE0",
        secondary="#2D6A9F",
        accent="#F5A623",
        warning="#F5A623",
        error="#E5484D",
        success="#46A758",
        foreground="#E0E4E8",
        background="#15191E",
        surface="#1C2128",
        panel="#262C35",
        dark=True,
        variables=_sev("#46A758", "#F5A623", "#FF5C61", "#B18CFF", "#7D8590"),
    ),
    Theme(
        name="light",
        primary="#0B5CAD",
        secondary="#3A7BC8",
        accent="#B25E00",
        warning="#B25E00",
        error="#C4262E",
        success="#1F7A33",
        foreground="#1B1F24",
        background="#F6F8FA",
        surface="#FFFFFF",
        panel="#E4E8ED",
        dark=False,
        variables=_sev("#1F7A33", "#A35200", "#C4262E", "#6E40C9", "#6A737D"),
    ),
    Theme(
        name="high-contrast",
        primary="#FFFF00",
        secondary="#00FFFF",
        accent="#FFFF00",
        warning="#FFFF00",
        error="#FF3030",
        success="#00FF00",
        foreground="#FFFFFF",
        background="#000000",
        surface="#000000",
        panel="#1A1A1A",
        dark=True,
        variables={
            **_sev("#00FF00", "#FFFF00", "#FF3030", "#FF00FF", "#A0A0A0"),
            "block-cursor-background": "#FFFF00",
            "block-cursor-foreground": "#000000",
        },
    ),
    # Okabe & Ito (2008), "Color Universal Design": distinguishable under every common
    # colour-vision deficiency. ok = bluish green, warning = orange, critical = vermillion,
    # unknown = reddish purple; blue for UI chrome.
    Theme(
        name="colour-blind",
        primary="#56B4E9",
        secondary="#0072B2",
        accent="#E69F00",
        warning="#E69F00",
        error="#D55E00",
        success="#009E73",
        foreground="#EDEDED",
        background="#101418",
        surface="#181D22",
        panel="#23292F",
        dark=True,
        variables=_sev("#009E73", "#E69F00", "#D55E00", "#CC79A7", "#8C8C8C"),
    ),
    Theme(
        name="monochrome",
        primary="#D0D0D0",
        secondary="#A0A0A0",
        accent="#FFFFFF",
        warning="#E0E0E0",
        error="#FFFFFF",
        success="#C0C0C0",
        foreground="#E0E0E0",
        background="#000000",
        surface="#101010",
        panel="#202020",
        dark=True,
        variables={
            **_sev("#C0C0C0", "#E8E8E8", "#FFFFFF", "#A8A8A8", "#707070"),
            "block-cursor-background": "#E0E0E0",
            "block-cursor-foreground": "#000000",
        },
    ),
)


def validate_theme(theme: Theme, *, source: str | None = None) -> ThemeProblem | None:
    """Check every colour of ``theme`` and that it defines the severity variables."""
    for name in _COLOUR_FIELDS:
        value = getattr(theme, name)
        if value is not None and (problem := _check_colour(theme, name, value, source)):
            return problem
    for name in SEVERITY_VARIABLES:
        if name not in theme.variables:
            return ThemeProblem(theme.name, f"missing variable {name!r}", source)
    for name in SEVERITY_VARIABLES:
        if problem := _check_colour(theme, f"variables.{name}", theme.variables[name], source):
            return problem
    return None


def _check_colour(theme: Theme, field: str, value: str, source: str | None) -> ThemeProblem | None:
    try:
        Color.parse(value)
    except ColorParseError:
        return ThemeProblem(theme.name, f"{field}: {value!r} is not a colour", source)
    return None


def _builtin() -> dict[str, Theme]:
    themes: dict[str, Theme] = {}
    for theme in _BUILTIN:
        problem = validate_theme(theme, source="built-in")
        if problem is not None:  # pragma: no cover - guarded by the theme tests
            raise ValueError(str(problem))
        themes[theme.name] = theme
    return themes


THEMES: Final[Mapping[str, Theme]] = _builtin()
"""The built-in themes in cycling order (``t``): dark first."""


def severity_variable_defaults() -> dict[str, str]:
    """Fallbacks so a non-licdash theme (chosen from the palette) still renders."""
    return {name: THEMES[DEFAULT_THEME].variables[name] for name in SEVERITY_VARIABLES}


def load_user_themes(directory: Path) -> tuple[list[Theme], list[ThemeProblem]]:
    """Themes from ``directory/*.toml``; a broken file is reported, never fatal.

    A file holds the :class:`~textual.theme.Theme` fields at top level and the
    severity colours under ``[variables]``. Missing severity colours are taken from
    the default theme.
    """
    themes: list[Theme] = []
    problems: list[ThemeProblem] = []
    if not directory.is_dir():
        return themes, problems
    for path in sorted(directory.glob("*.toml")):
        theme, problem = _load_theme_file(path)
        if problem is not None:
            problems.append(problem)
        elif theme is not None:
            themes.append(theme)
    return themes, problems


def _load_theme_file(path: Path) -> tuple[Theme | None, ThemeProblem | None]:
    stem = path.stem
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return None, ThemeProblem(stem, f"cannot read: {exc}", str(path))
    allowed = {f.name for f in fields(Theme)}
    unknown = sorted(set(data) - allowed)
    if unknown:
        return None, ThemeProblem(stem, f"unknown field {unknown[0]!r}", str(path))
    data.setdefault("name", stem)
    if "primary" not in data:
        return None, ThemeProblem(str(data["name"]), "missing field 'primary'", str(path))
    variables = {**severity_variable_defaults(), **dict(data.get("variables", {}))}
    data["variables"] = {str(k): str(v) for k, v in variables.items()}
    try:
        theme = Theme(**data)
    except TypeError as exc:
        return None, ThemeProblem(str(data["name"]), str(exc), str(path))
    problem = validate_theme(theme, source=str(path)) or check_variables(theme, source=str(path))
    return (None, problem) if problem else (theme, None)


def check_variables(theme: Theme, *, source: str | None = None) -> ThemeProblem | None:
    """Parse every variable the theme sets that Textual's CSS uses, as that CSS would.

    A value Textual's stylesheet refuses (``block-cursor-text-style = "wobbly"``) would
    otherwise pass loading and stop the app the moment the theme is chosen.
    """
    from textual.css.stylesheet import Stylesheet, StylesheetParseError

    known = THEMES[DEFAULT_THEME]
    defaults = {**known.to_color_system().generate(), **known.variables}
    for name, value in theme.variables.items():
        default = defaults.get(name)
        if default is None:
            continue  # no stylesheet refers to it
        prop = "text-style" if name.endswith("style") else "color"
        kind = "text style" if prop == "text-style" else "colour"
        sheet = Stylesheet()
        sheet.add_source(f"Widget {{ {prop}: {value}; }}", read_from=(source or "", name))
        try:
            sheet.parse()
        except StylesheetParseError:
            return ThemeProblem(theme.name, f"variables.{name}: {value!r} is not a {kind}", source)
    return None


def resolve_theme(
    requested: str | None, available: Iterable[str], *, no_color: bool = False
) -> tuple[str, ThemeProblem | None]:
    """The theme to start with, and a problem to report if ``requested`` was unusable.

    An explicit request wins over ``NO_COLOR``; an unknown name falls back to the
    default (monochrome under ``NO_COLOR``) and is reported, not fatal.
    """
    names = list(available)
    fallback = NO_COLOR_THEME if no_color else DEFAULT_THEME
    if requested is None or requested == "":
        return fallback, None
    if requested in names:
        return requested, None
    choices = ", ".join(names)
    return fallback, ThemeProblem(requested, f"no such theme; using {fallback} (have: {choices})")
