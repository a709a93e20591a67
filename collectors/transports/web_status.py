"""What the Unity Connection and Expressway transports share: one HTTPS GET of a status
resource on the engine's :class:`~collectors.transports.http_pool.HttpPool`, a status
other than 200 named as licdash's error, the body parsed into a snapshot."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from collectors.config import ClusterConfig
from collectors.errors import AuthError, LicdashError
from collectors.model import LicenseSnapshot
from collectors.transports.base import Answer
from collectors.transports.http_pool import Exchange, HttpPool, where

if TYPE_CHECKING:
    from collectors.severity import Thresholds

ParseFn = Callable[..., LicenseSnapshot]


class WebStatusTransport:
    """A transport whose poll is one GET; subclasses say where (:meth:`fetch`)."""

    name: str
    service: ClassVar[str]
    """The service as errors name it: ``Unity Connection CUPI``."""
    auth_hint: ClassVar[str]
    """What to check when the login is refused."""

    def __init__(self, *, pool: HttpPool, parse: ParseFn) -> None:
        self.pool = pool
        self._parse = parse

    def forget(self, cluster: str) -> None:
        self.pool.forget(cluster)

    async def prepare(self, clusters: Sequence[ClusterConfig]) -> None:
        await self.pool.prepare(clusters)

    async def fetch(self, cluster: ClusterConfig, budget_s: float | None) -> Exchange:
        raise NotImplementedError

    async def poll(
        self,
        cluster: ClusterConfig,
        *,
        now: datetime,
        thresholds: Thresholds,
        budget_s: float | None = None,
    ) -> Answer:
        try:
            answer = await self.fetch(cluster, budget_s)
            if answer.status != 200:
                error = self.pool.status_error(
                    answer, cluster, where=where(cluster), service=self.service
                )
                if isinstance(error, AuthError):
                    error.hint = self.auth_hint
                raise error
            snapshot = self._parse(
                answer.body,
                cluster=cluster.name,
                publisher=cluster.publisher,
                now=now,
                timezone=cluster.timezone,
                thresholds=thresholds,
                max_bytes=self.pool.max_body_bytes,
            )
        except LicdashError as exc:
            raise exc.with_cluster(cluster.name) from None
        return Answer(
            snapshot=snapshot,
            raw=answer.body.decode("utf-8", errors="replace"),
            transport=self.name,
        )

    async def aclose(self) -> None:
        """Nothing of its own: the engine closes the shared pool."""
