"""The contract between the poll engine and a transport."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from collectors.config import ClusterConfig
from collectors.model import LicenseSnapshot

if TYPE_CHECKING:
    from collectors.severity import Thresholds


@dataclass(frozen=True, slots=True)
class Answer:
    """What one successful poll produced."""

    snapshot: LicenseSnapshot
    raw: str
    """The response text, for the dashboard's raw view (never holds credentials)."""
    transport: str
    axl_version: str | None = None


class Transport(Protocol):
    """Fetches and parses one publisher's status.

    ``poll`` raises a :class:`~collectors.errors.LicdashError` subclass (with the
    cluster attached) for every failure it can name; the engine applies the per-poll
    timeout around it, so a transport need not enforce one of its own. The engine passes
    that budget as ``budget_s`` (seconds) so a transport can time out its own steps inside it (and
    name the step); ``None`` means the transport's default.
    """

    name: str

    async def poll(
        self,
        cluster: ClusterConfig,
        *,
        now: datetime,
        thresholds: Thresholds,
        budget_s: float | None = None,
    ) -> Answer: ...

    def forget(self, cluster: str) -> None:
        """Drop what was learnt about a cluster (session cookie, AXL version)."""

    async def aclose(self) -> None: ...


# A transport may also offer ``async def prepare(clusters)``: the engine awaits it on
# entry so slow set-up (trust stores, imports, SSH keys) does not land in the first poll.
