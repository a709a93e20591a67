"""What the fleet-wide detail screens (Deadlines, Entitlements) share: when to redraw."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.theme import Theme
from textual.widget import Widget

from dashboard.messages import FleetUpdated
from dashboard.screens.detail_host import DetailHost, RedrawThrottle, go_back, host, is_visible
from dashboard.state import FleetState

REDRAW_AFTER = timedelta(seconds=1)
"""The same fleet is drawn again only when the clock moved this much (relative times)."""
TICK_SECONDS = 5.0
"""How often a shown screen is redrawn with no update (polling paused: deadlines still
come closer, cross into "overdue", and data ages into stale)."""


class FleetWideScreen(Screen[None]):
    """A screen drawn from the whole fleet: on mount, resume, theme change and updates.

    Updates are drawn only while the screen shows (a hidden one catches up when it
    resumes) and through a :class:`RedrawThrottle`; the same fleet at nearly the same
    time is not drawn twice. Subclasses implement :meth:`draw` and :meth:`first_focus`.
    """

    SUB_TITLE: ClassVar[str] = ""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back"),
    ]

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._drawn_fleet: FleetState | None = None
        self._drawn_at: datetime | None = None
        self._throttle = RedrawThrottle(self, self._refresh)

    def draw(self, app: DetailHost, fleet: FleetState, now: datetime) -> None:
        """Show ``fleet`` as of ``now``."""
        raise NotImplementedError

    def first_focus(self) -> Widget:
        """The widget that has the focus when the screen opens."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.sub_title = self.SUB_TITLE
        self._refresh()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.first_focus().focus()
        self.set_interval(TICK_SECONDS, self._tick, name="fleet-wide-tick")

    def _tick(self) -> None:
        if is_visible(self):
            self._throttle.request()

    def on_screen_resume(self) -> None:
        self._refresh()

    def on_fleet_updated(self, message: FleetUpdated) -> None:
        message.stop()
        if is_visible(self):  # a hidden screen catches up in on_screen_resume
            self._throttle.request()

    def _theme_changed(self, _theme: Theme) -> None:
        self._refresh(force=True)

    def _refresh(self, *, force: bool = False) -> None:
        app = host(self)
        fleet, now = app.fleet, app.clock()
        fresh = self._drawn_at is not None and abs(now - self._drawn_at) < REDRAW_AFTER
        if not force and fleet is self._drawn_fleet and fresh:
            return  # mount and resume both ask: this fleet at this time is drawn already
        self._drawn_fleet, self._drawn_at = fleet, now
        self.draw(app, fleet, now)

    async def action_back(self) -> None:
        await go_back(self)
