"""Expressway's Smart Licensing status over its REST API, from every peer on its own.

``GET /api/v1/status/common/smartlicensing/licensing`` with the node's administrator
credentials (Basic auth); Cisco's prose also names the path without ``v1``, so a 404
there is retried on ``/api/status/...`` and the path that answered is remembered for the
node. A 404 on both means the node has no Smart Licensing REST API (before X12.6):
``unsupported``.
"""

from __future__ import annotations

from typing import Final

from collectors.config import ClusterConfig
from collectors.errors import UnsupportedError
from collectors.transports.http_pool import Exchange, HttpPool, where
from collectors.transports.web_status import ParseFn, WebStatusTransport

PATHS: Final = (
    "/api/v1/status/common/smartlicensing/licensing",
    "/api/status/common/smartlicensing/licensing",
)


class ExpresswayTransport(WebStatusTransport):
    """Polls Expressway nodes on the engine's shared HTTPS pool."""

    name = "rest"
    service = "Expressway REST"
    auth_hint = (
        "Check the Expressway administrator's user name and password (the REST API takes "
        "the node's own administrator credentials)."
    )

    def __init__(self, *, pool: HttpPool, parse: ParseFn | None = None) -> None:
        if parse is None:
            from collectors.parsing import parse_expressway

            parse = parse_expressway
        super().__init__(pool=pool, parse=parse)
        self._paths: dict[str, str] = {}

    def known_path(self, cluster: str) -> str | None:
        """The path that last answered for ``cluster``, if any."""
        return self._paths.get(cluster)

    def forget(self, cluster: str) -> None:
        self._paths.pop(cluster, None)
        super().forget(cluster)

    async def fetch(self, cluster: ClusterConfig, budget_s: float | None) -> Exchange:
        known = self._paths.get(cluster.name)
        order = [known] if known else []
        order += [p for p in PATHS if p != known]
        for path in order:
            answer = await self.pool.get(
                cluster, path, budget_s=budget_s, accept="application/json"
            )
            if answer.status != 404:
                self._paths[cluster.name] = path
                return answer
        self._paths.pop(cluster.name, None)
        raise UnsupportedError(
            f"HTTP 404 from {where(cluster)} for {' and '.join(PATHS)}: no Smart Licensing "
            "REST API (Expressway has one from X12.6)",
            status_code=404,
            cluster=cluster.name,
        )
