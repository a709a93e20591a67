"""Themes, the filter language, remembered preferences and column layout, without a UI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.color import Color
from textual.theme import Theme

from collectors.model import AuthorizationStatus, RegistrationStatus
from dashboard.fleet_rows import fit
from dashboard.prefs import load_theme, save_theme, startup_theme
from dashboard.widgets.filter_input import FleetFilter
from tests.support.factory import NOW
from themes import (
    DEFAULT_THEME,
    SEVERITY_VARIABLES,
    THEMES,
    load_user_themes,
    resolve_theme,
    validate_theme,
)


def test_builtin_themes_define_valid_severity_colours() -> None:
    assert list(THEMES) == ["dark", "light", "high-contrast", "colour-blind", "monochrome"]
    for theme in THEMES.values():
        assert validate_theme(theme) is None
        colours = {Color.parse(theme.variables[v]) for v in SEVERITY_VARIABLES[:4]}
        assert len(colours) == 4, f"{theme.name}: severities must differ"


def test_monochrome_theme_has_no_hue() -> None:
    for value in THEMES["monochrome"].variables.values():
        r, g, b = Color.parse(value).rgb
        assert r == g == b


def test_validate_names_the_bad_field() -> None:
    bad = Theme(
        name="oops", primary="#123456", variables={**THEMES["dark"].variables, "sev-ok": "greenish"}
    )
    problem = validate_theme(bad)
    assert problem is not None and "sev-ok" in str(problem) and "oops" in str(problem)
    missing = Theme(name="bare", primary="#123456")
    assert "missing variable" in str(validate_theme(missing))


def test_user_themes_load_and_bad_ones_are_reported(tmp_path: Path) -> None:
    (tmp_path / "ocean.toml").write_text(
        'primary = "#0077be"\nbackground = "#001f3f"\n[variables]\nsev-critical = "#ff4136"\n'
    )
    (tmp_path / "broken.toml").write_text('primary = "not-a-colour"\n')
    (tmp_path / "typo.toml").write_text('primray = "#000000"\n')
    (tmp_path / "garbage.toml").write_text("primary = [\n")
    themes, problems = load_user_themes(tmp_path)
    assert [t.name for t in themes] == ["ocean"]
    assert themes[0].variables["sev-critical"] == "#ff4136"
    assert themes[0].variables["sev-ok"] == THEMES[DEFAULT_THEME].variables["sev-ok"]
    reported = " ".join(str(p) for p in problems)
    assert {p.theme for p in problems} == {"broken", "typo", "garbage"}
    assert "not-a-colour" in reported and "primray" in reported


def test_resolve_theme_honours_no_color_and_reports_unknown_names() -> None:
    names = list(THEMES)
    assert resolve_theme(None, names) == ("dark", None)
    assert resolve_theme(None, names, no_color=True) == ("monochrome", None)
    assert resolve_theme("light", names, no_color=True) == ("light", None)
    chosen, problem = resolve_theme("solarized", names, no_color=True)
    assert chosen == "monochrome" and problem is not None and "solarized" in str(problem)


def test_prefs_round_trip_atomically(tmp_path: Path) -> None:
    path = tmp_path / "state" / "ui.json"
    assert load_theme(path) is None
    save_theme(path, "light")
    save_theme(path, "colour-blind")
    assert load_theme(path) == "colour-blind"
    assert [p.name for p in path.parent.iterdir()] == ["ui.json"]  # no temporary left over
    path.write_text("{not json")
    assert load_theme(path) is None


def test_a_remembered_theme_does_not_override_no_color(tmp_path: Path) -> None:
    path = tmp_path / "ui.json"
    save_theme(path, "light")
    assert startup_theme(None, path, no_color=False) == "light"
    assert startup_theme(None, path, no_color=True) is None  # the app then picks monochrome
    assert startup_theme("high-contrast", path, no_color=True) == "high-contrast"


@pytest.mark.parametrize(
    ("query", "name", "expected"),
    [
        ("", "amer-sfo-cucm1", True),
        ("region=amer", "amer-sfo-cucm1", True),
        ("REGION=AMER", "amer-sfo-cucm1", True),
        ("region=emea", "amer-sfo-cucm1", False),
        ("region=", "amer-sfo-cucm1", True),
        ("stale", "amer-sfo-cucm1", True),
        ("stale", "emea-lon-cucm1", False),
        ("unreachable", "emea-mad-cucm1", True),
        ("!ok", "emea-lon-cucm1", False),
        ("critical", "amer-dal-cucm1", True),
        ("expired", "apac-syd-cucm1", True),
        ("evaluation", "emea-par-cucm1", True),
        ("unregistered evaluation", "amer-chi-cucm1", True),
        ("unregistered evaluation", "emea-par-cucm1", False),
        ("ooc", "emea-ber-cucm1", True),
        ("slr", "apac-sin-cucm1", True),
        ("auth", "apac-tok-cucm1", True),  # free text: the error kind
        ("lon", "emea-lon-cucm1", True),
        ("globex", "amer-nyc-cucm1", True),  # free text: a tag value
        ("unknown", "apac-hkg-cucm1", True),
    ],
)
def test_filter_language(fleet_statuses: list[Any], query: str, name: str, expected: bool) -> None:
    statuses = {s.cluster: s for s in fleet_statuses}
    stale = {"amer-sfo-cucm1"}
    assert FleetFilter.parse(query).matches(statuses[name], name in stale) is expected


def test_filter_words_cover_every_status_word(fleet_statuses: list[Any]) -> None:
    from dashboard.widgets.filter_input import STATE_WORDS

    for status in AuthorizationStatus:
        if status is not AuthorizationStatus.UNKNOWN:
            assert status.value in STATE_WORDS
    for reg in RegistrationStatus:
        if reg is not RegistrationStatus.UNKNOWN:
            assert reg.value in STATE_WORDS


def test_fit_pads_and_marks_cuts() -> None:
    assert fit("abc", 5) == "abc  "
    assert fit("abc", 5, "right") == "  abc"
    assert fit("abcdef", 4) == "abc…"
    assert fit("✖ critical ⌛", 13) == "✖ critical ⌛"  # the hourglass is two cells wide


def test_row_context_stale_rules(
    make_status: Callable[..., Any],
    make_snapshot: Callable[..., Any],
    frozen_clock: Callable[[], Any],
) -> None:
    from collectors.policy import FreshnessPolicy
    from dashboard.fleet_rows import RowContext

    ctx = RowContext(now=frozen_clock(), policy=FreshnessPolicy.uniform(timedelta(minutes=15)))
    fresh = make_status("a", snap=make_snapshot("a"))
    old = make_status("b", snap=make_snapshot("b", at=NOW - timedelta(minutes=16)))
    flagged = make_status("c", snap=make_snapshot("c"), stale=True)
    never = make_status("d")
    assert [ctx.is_stale(s) for s in (fresh, old, flagged, never)] == [False, True, True, False]
