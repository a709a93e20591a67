"""Unity Connection's Smart Licensing status over CUPI: ``GET /vmrest/smartlicense/
licensedetails`` on the publisher (only it talks to Cisco), HTTPS with Basic auth.

JSON is asked for (``Accept: application/json``); an XML answer is read too. A 404
means the node has no CUPI Smart Licensing API: Unity Connection 12.0 (the API arrived
in 12.5(1)), reported as ``unsupported`` rather than as a broken path.
"""

from __future__ import annotations

from typing import Final

from collectors.config import ClusterConfig
from collectors.errors import UnsupportedError
from collectors.transports.http_pool import Exchange, HttpPool, where
from collectors.transports.web_status import ParseFn, WebStatusTransport

PATH: Final = "/vmrest/smartlicense/licensedetails"


class UnityTransport(WebStatusTransport):
    """Polls Unity Connection publishers on the engine's shared HTTPS pool."""

    name = "cupi"
    service = "Unity Connection CUPI"
    auth_hint = (
        "Check the user name and password of a Unity Connection administrator account "
        "(CUPI answers administrators only)."
    )

    def __init__(self, *, pool: HttpPool, parse: ParseFn | None = None) -> None:
        if parse is None:
            from collectors.parsing import parse_unity

            parse = parse_unity
        super().__init__(pool=pool, parse=parse)

    async def fetch(self, cluster: ClusterConfig, budget_s: float | None) -> Exchange:
        answer = await self.pool.get(cluster, PATH, budget_s=budget_s, accept="application/json")
        if answer.status == 404:
            raise UnsupportedError(
                f"HTTP 404 from {where(cluster)} for {PATH}: no Smart Licensing API "
                "(Unity Connection 12.0 has none; it arrived in 12.5(1))",
                status_code=404,
                cluster=cluster.name,
            )
        return answer
