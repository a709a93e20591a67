"""The structured fields of a log line about one poll, for ``logging``'s ``extra=``.

JSON lines (``--log-format json``) carry them as top-level keys, so journald, Loki or
Elasticsearch can filter by cluster, error kind, transport or slowness without parsing
the message: ``{"cluster": "emea-lon", "kind": "auth", "duration_ms": 412,
"transport": "axl", "failures": 1, ...}``. Human lines keep only the message.
Field names are stable (a dashboard query depends on them); absent facts are left out,
never written as null.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collectors.results import PollResult

POLL_FIELDS = ("cluster", "kind", "duration_ms", "transport", "axl_version", "failures")


def poll_fields(result: PollResult, failures: int | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "cluster": result.cluster,
        "duration_ms": round(result.duration_s * 1000),
    }
    if result.error is not None:
        fields["kind"] = result.error.kind
    if result.transport:
        fields["transport"] = result.transport
    if result.axl_version:
        fields["axl_version"] = result.axl_version
    if failures is not None:
        fields["failures"] = failures
    return fields


def cluster_fields(cluster: str, kind: str | None = None) -> dict[str, Any]:
    return {"cluster": cluster} | ({"kind": kind} if kind else {})
