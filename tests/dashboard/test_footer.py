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


class CountingFooter(Footer):
    """Counts the rebuilds running, so the test starts only once start-up's are done."""

    running = 0

    async def _rebuild(self) -> None:
        self.running += 1
        try:
            await super()._rebuild()
        finally:
            self.running -= 1


class CountingApp(FooterApp):
    def compose(self) -> ComposeResult:
        yield Keys("keys", id="keys")
        yield CountingFooter()


async def test_a_burst_of_binding_changes_rebuilds_the_footer_once() -> None:
    app = CountingApp()
    async with app.run_test(size=(60, 5)) as pilot:
        footer = app.query_one(CountingFooter)
        for _ in range(500):  # start-up's own rebuilds, however slow the machine
            await pilot.pause()
            if not footer._rebuild_pending and not footer.running:
                break
        assert not footer._rebuild_pending and not footer.running
        builds: list[int] = []
        compose = footer.compose

        def counted() -> ComposeResult:
            builds.append(1)
            return compose()

        footer.compose = counted  # type: ignore[method-assign]
        for _ in range(3):
            app.screen.refresh_bindings()
        # The last change: Keys' binding comes into force (set at once, where
        # ``Widget.focus`` would defer it to a callback a loaded machine may run late).
        app.screen.set_focus(app.query_one(Keys))
        app.screen.refresh_bindings()
        for _ in range(500):
            await pilot.pause()
            if not footer._rebuild_pending and not footer.running:
                break
        assert len(builds) == 1
        keys = {key.description for key in footer.query("FooterKey").results()}
        assert {"Quit", "Ex"} <= keys
