"""What the detail screens need from the app and its data source, as protocols.

The dashboard app (``LicdashApp``) provides these attributes; a test app that hosts
the detail screens alone provides the same. Source queries block (TinyDB, disk): call
them only from thread workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Any, ClassVar, Protocol, cast

from textual.command import Provider
from textual.dom import DOMNode
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.timer import Timer

from collectors.policy import FreshnessPolicy
from collectors.results import ClusterStatus
from collectors.sources.ack_route import AckLedger
from dashboard.input_gate import InputGate
from dashboard.state import FleetState


class DetailSource(Protocol):
    """The blocking query side of a ``DataSource``."""

    def history(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> Any: ...

    def transitions(self, since: datetime) -> Sequence[Any]: ...

    def failures(
        self, cluster: str | None = None, since: datetime | None = None
    ) -> Sequence[Any]: ...

    def entitlement_series(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, list[tuple[datetime, int]]]: ...

    def raw(self, cluster: str) -> str | None: ...


class DetailHost(Protocol):
    """The app attributes the detail screens read."""

    @property
    def fleet(self) -> FleetState: ...

    @property
    def source(self) -> DetailSource: ...

    @property
    def policy(self) -> FreshnessPolicy: ...

    @property
    def ack_store(self) -> AckLedger | None:
        """The acknowledgements beside the store, or a merged view's (blocking reads:
        thread workers only)."""
        ...

    def clock(self) -> datetime: ...

    def cluster_zone(self, name: str) -> tzinfo: ...


def host(node: DOMNode) -> DetailHost:
    """The running app seen through :class:`DetailHost`."""
    return cast(DetailHost, node.app)


def stale_rule(app: DetailHost, now: datetime) -> Callable[[ClusterStatus], bool]:
    """Stale now by the app's policy (polling paused, a viewer whose collector stopped):
    the fleet table's rule, so a row dimmed there never looks fresh on a detail screen."""
    policy = app.policy
    return lambda status: policy.is_stale(status, now)


async def go_back(screen: Screen[Any]) -> None:
    """Pop ``screen`` when something is below it; else let the app decide (e.g. the fleet)."""
    app = screen.app
    if len(app.screen_stack) > 1:
        await app.pop_screen()
    elif hasattr(app, "action_back"):
        await app.run_action("back")


def is_visible(screen: Screen[Any]) -> bool:
    """The screen is on top, or shows under a modal dialog (not under another screen)."""
    top = screen.app.screen
    return top is screen or (top.is_modal and screen.is_current)


class RedrawThrottle:
    """Keeps a screen's redraws to a share of the UI thread.

    After a draw that took ``t`` seconds the next one waits ``t * (1 / share - 1)``; the
    updates that arrive meanwhile fold into that one draw. A cheap draw is never held
    back noticeably; a 250 ms draw of 5,000 rows happens at most about once a second.
    """

    share: ClassVar[float] = 0.25
    """The largest share of the UI thread redraws may take (1.0: never wait)."""

    def __init__(self, owner: MessagePump, draw: Callable[[], object]) -> None:
        self._owner = owner
        self._draw = draw
        self._timer: Timer | None = None
        self._next_at = 0.0

    def request(self) -> None:
        if self._timer is not None:
            return  # a draw is due already and will show the newest state
        wait = self._next_at - time.monotonic()
        if wait <= 0:
            self._run()
        else:
            self._timer = self._owner.set_timer(wait, self._run, name="redraw")

    def _run(self) -> None:
        self._timer = None
        start = time.monotonic()
        self._draw()
        end = time.monotonic()
        self._next_at = end + (end - start) * (1 / self.share - 1)


class ControlSource(DetailSource, Protocol):
    """A source that also says whether scheduled polling is paused."""

    @property
    def paused(self) -> bool: ...


class AppHost(DetailHost, Protocol):
    """What the fleet screen and the command palette ask of the app, beyond the detail
    screens' needs: the actions the keys run. Through this protocol (not the app class)
    so that nothing the app shows imports the app back."""

    @property
    def source(self) -> ControlSource: ...

    @property
    def licdash_themes(self) -> Sequence[str]: ...

    @property
    def input_gate(self) -> InputGate:
        """Held for a frame after each key press (see :mod:`dashboard.input_gate`)."""
        ...

    def poll(self, cluster: str | None) -> None: ...

    def acknowledge(self, cluster: str, *, snooze: bool = False) -> None:
        """Open the acknowledge (or snooze) dialog; the app says if it may not."""
        ...

    def unacknowledge(self, cluster: str) -> None: ...

    def add_shift_note(self, done: Callable[[], None] | None = None) -> None: ...

    def open_cluster(self, cluster: str) -> None: ...

    async def jump_to_cluster(self, cluster: str) -> None: ...

    async def show_screen(self, mode: str) -> None: ...

    def set_theme(self, name: str) -> None: ...

    def action_toggle_pause(self) -> None: ...

    def action_export(self) -> None: ...

    def action_next_theme(self) -> None: ...

    def action_help(self) -> None: ...


def app_host(node: DOMNode | Provider) -> AppHost:
    """The running app (of a screen, widget or palette provider) seen through
    :class:`AppHost`."""
    return cast(AppHost, node.app)
