"""SVG snapshots of acknowledgements on screen: the fleet with an acknowledged and a
snoozed cluster (dimmed, marked, sorted after their severity, counted apart in the
summary bar) and the acknowledge dialog. Frozen clock, fixed fleet, 120x40."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from collectors.acks import Ack, AckBook, problem_of
from collectors.results import ClusterStatus
from dashboard.messages import AcksUpdated
from tests.support.factory import NOW

from .conftest import demo_statuses

SIZE = (120, 40)


def _book() -> AckBook:
    statuses = {s.cluster: s for s in demo_statuses()}

    def ack(status: ClusterStatus, kind: str, reason: str, until: Any = None) -> Ack:
        return Ack(
            id=f"id-{status.cluster}",
            cluster=status.cluster,
            kind=kind,  # type: ignore[arg-type]
            by="alice",
            at=NOW - timedelta(hours=1),
            reason=reason,
            until=until,
            severity=status.severity,
            problems=tuple(sorted(problem_of(status).keys)),
        )

    return AckBook.of(
        [
            ack(statuses["apac-syd-cucm1"], "ack", "INC42 renewal with Cisco TAC"),
            ack(
                statuses["amer-chi-cucm1"], "snooze", "CHG7 registration", NOW + timedelta(hours=3)
            ),
        ]
    )


async def _acknowledged(pilot: Any) -> None:
    pilot.app.post_message(AcksUpdated(_book()))
    await pilot.pause()


def test_fleet_with_acknowledged_clusters(snap_compare: Any, make_app: Callable[..., Any]) -> None:
    assert snap_compare(make_app().app, terminal_size=SIZE, run_before=_acknowledged)


def test_acknowledge_dialog(snap_compare: Any, make_app: Callable[..., Any], tmp_path: Any) -> None:
    from dashboard.screens.ack_dialog import AckDialog

    status = {s.cluster: s for s in demo_statuses()}["emea-ber-cucm1"]

    async def open_dialog(pilot: Any) -> None:
        pilot.app.push_screen(AckDialog(status.cluster, status, snooze=False, now=NOW))
        await pilot.pause()

    assert snap_compare(make_app().app, terminal_size=SIZE, run_before=open_dialog)
