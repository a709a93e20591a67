"""The key footer is rebuilt once for a burst of binding changes, and shows the keys in
force after the last of them."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from dashboard.widgets.footer import Footer


class Keys(Static, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "noop", "Ex")]

    def action_noop(self) -> None:
        pass


class FooterApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Keys("keys", id="keys")
        yield Footer()


async def test_a_burst_of_binding_changes_rebuilds_the_footer_once() -> None:
    app = FooterApp()
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.pause()
        footer = app.query_one(Footer)
        builds: list[int] = []
        compose = footer.compose

        def counted() -> ComposeResult:
            builds.append(1)
            return compose()

        footer.compose = counted  # type: ignore[method-assign]
        for _ in range(3):
            app.screen.refresh_bindings()
        app.query_one(Keys).focus()  # the last change: Keys' binding comes into force
        app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert len(builds) == 1
        keys = {key.description for key in footer.query("FooterKey").results()}
        assert {"Quit", "Ex"} <= keys
