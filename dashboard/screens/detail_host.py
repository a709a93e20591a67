"""What the detail screens need from the app and its data source, as protocols.

The dashboard app (``LicdashApp``) provides these attributes; a test app that hosts
the detail screens alone provides the same. Source queries block (TinyDB, disk): call
them only from thread workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any, Protocol, cast

from textual.dom import DOMNode
from textual.screen import Screen

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

    def clock(self) -> datetime: ...

    def cluster_zone(self, name: str) -> tzinfo: ...


def host(node: DOMNode) -> DetailHost:
    """The running app seen through :class:`DetailHost`."""
    return cast(DetailHost, node.app)


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
