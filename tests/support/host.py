"""The one host app: shows a screen the way ``LicdashApp`` does, on a frozen clock.

It offers exactly what the app offers the screens it shows (``fleet``, ``source``,
``policy``, ``clock()``, ``cluster_zone()``, forwarding ``FleetUpdated`` to every
screen of the stack), so screen tests do not depend on the real app.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, tzinfo
from types import MappingProxyType
from typing import Any

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus
from collectors.sources.ack_route import AckLedger
from dashboard.format import zone
from dashboard.messages import FleetUpdated
from dashboard.state import FleetState
from tests.support.factory import NOW
from tests.support.source import FakeSource

ZONES: Mapping[str, str] = {
    "emea-lon-cucm1": "Europe/London",
    "amer-nyc-cucm2": "America/New_York",
    "apac-syd-cucm3": "Australia/Sydney",
    "emea-par-cucm4": "Europe/Paris",
}
"""The IANA zone of each cluster of the fixed fleet (others: UTC)."""


class _Base(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Static("base screen", id="base")


class HostApp(App[None]):
    """Hosts one screen (over a plain base screen) the way LicdashApp does."""

    def __init__(
        self,
        screen: Callable[[], Screen[Any]],
        source: FakeSource,
        statuses: Mapping[str, ClusterStatus],
        now: datetime = NOW,
    ) -> None:
        super().__init__()
        self._make_screen = screen
        self.source = source
        self.fleet = FleetState(statuses=MappingProxyType(dict(statuses)), updated_at=now)
        self.now = now
        self.pushed: list[Screen[Any]] = []
        self.policy = FreshnessPolicy.uniform(timedelta(minutes=15))
        self.ack_store: AckLedger | None = None
        """The acknowledgements the screens read (None: no store, as in most tests)."""
        self.ack_requests: list[tuple[str, str]] = []
        """``(action, cluster)`` of every acknowledgement key pressed."""

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {
            "sev-ok": "#4EBF71",
            "sev-warning": "#FEA62B",
            "sev-critical": "#E5484D",
            "sev-unknown": "#8E8E93",
            "stale": "#7A7A7A",
        }

    def clock(self) -> datetime:
        return self.now

    def acknowledge(self, cluster: str, *, snooze: bool = False) -> None:
        self.ack_requests.append(("snooze" if snooze else "acknowledge", cluster))

    def unacknowledge(self, cluster: str) -> None:
        self.ack_requests.append(("unacknowledge", cluster))

    def cluster_zone(self, name: str) -> tzinfo:
        return zone(ZONES.get(name))

    def on_mount(self) -> None:
        self.push_screen(_Base())
        self.push_screen(self._make_screen())

    def update_fleet(
        self, changed: Mapping[str, ClusterStatus], now: datetime | None = None
    ) -> None:
        """What the real app does on a poll: new frozen state, forwarded to the screen."""
        self.now = now or self.now
        self.fleet = self.fleet.with_statuses(changed, at=self.now)
        for screen in self.screen_stack:  # LicdashApp forwards to every screen of the stack
            screen.post_message(FleetUpdated(self.fleet, frozenset(changed)))


def screen_lines(app: App[Any]) -> list[str]:
    """The visible screen as plain text lines (what a user reads)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def settle(pilot: Any) -> None:
    """Until every worker is done and no overview is still judging (its judgement runs
    in a thread worker and lands a message later)."""
    app = pilot.app
    for _ in range(400):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(getattr(w, "judging", False) for w in app.screen.query("FleetOverview")):
            return
    raise AssertionError("the overview never finished judging")


async def until(pilot: Any, check: Callable[[], object], what: str, limit: float = 30) -> None:
    """Let the app run until ``check()`` holds; fails naming ``what`` after ``limit`` s."""
    deadline = time.monotonic() + limit
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)
