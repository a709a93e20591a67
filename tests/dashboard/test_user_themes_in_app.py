"""User theme files in the app: listed by ``t`` and the palette, bad ones reported, and
only themes licdash can load again are offered or remembered."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dashboard.palette import ActionCommands, ThemeCommands
from dashboard.prefs import load_theme
from themes import THEMES


def write_themes(directory: Path) -> Path:
    directory.mkdir()
    (directory / "ocean.toml").write_text(
        'primary = "#0077be"\nbackground = "#001f3f"\ndark = true\n'
        '[variables]\nsev-critical = "#ff4136"\n'
    )
    (directory / "broken.toml").write_text('primary = "not-a-colour"\n')
    (directory / "dark.toml").write_text('primary = "#123456"\n')  # a built-in's name
    # Loads as TOML and as a Theme, but Textual's stylesheet would refuse it when chosen.
    (directory / "wobbly.toml").write_text(
        'primary = "#0077be"\n[variables]\nblock-cursor-text-style = "wobbly"\n'
    )
    (directory / "styled.toml").write_text(
        'primary = "#0077be"\n[variables]\nblock-cursor-text-style = "bold reverse"\n'
    )
    return directory


async def test_user_themes_join_the_builtins(make_app: Callable[..., Any], tmp_path: Path) -> None:
    prefs = tmp_path / "state.json"
    h = make_app(user_themes_dir=write_themes(tmp_path / "themes"), prefs_path=prefs)
    app = h.app
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert list(app.licdash_themes) == [*THEMES, "ocean", "styled"]
        reported = " ".join(n.message for n in app._notifications)
        assert "broken" in reported and "not-a-colour" in reported
        assert "wobbly" in reported and "not a text style" in reported
        assert "built-in theme has this name" in reported
        assert app.get_theme("dark").primary == THEMES["dark"].primary  # not replaced
        app.set_theme("styled")  # a user theme with a text style applies cleanly
        await pilot.pause()
        assert app.theme == "styled" and app.is_running
        while app.theme != "ocean":  # `t` reaches the user theme
            await pilot.press("t")
        await pilot.pause()
        assert app.theme_variables["sev-critical"].lower() == "#ff4136"
        names = [name for name, _, _ in ActionCommands(app.screen)._actions()]
        assert "Theme: ocean" in names
        offered = [name for name, _ in ThemeCommands(app.screen)._themes()]
        assert offered == list(app.licdash_themes)
        for _ in range(20):
            await pilot.pause()
            if load_theme(prefs) == "ocean":
                break
        assert load_theme(prefs) == "ocean"


async def test_a_theme_licdash_cannot_load_again_is_never_remembered(
    make_app: Callable[..., Any], tmp_path: Path
) -> None:
    prefs = tmp_path / "state.json"
    h = make_app(prefs_path=prefs)
    app = h.app
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "textual-dark" in app.available_themes  # Textual's own, registered
        assert "textual-dark" not in app.licdash_themes
        app.theme = "textual-dark"  # as Textual's picker would
        await pilot.pause()
        await pilot.pause()
        assert load_theme(prefs) is None
        app.action_change_theme()  # the palette's "Theme" command
        await pilot.pause()
        palette = app.screen
        assert type(palette).__name__ == "CommandPalette"
        assert [p.__name__ for p in palette._provider_classes] == ["ThemeCommands"]
