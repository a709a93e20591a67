"""Coalesced fleet updates never lose which clusters changed."""

from __future__ import annotations

from dashboard.messages import FleetUpdated
from dashboard.state import FleetState


def test_newer_update_absorbs_the_older_changed_set() -> None:
    older = FleetUpdated(FleetState(), frozenset({"a"}))
    newer = FleetUpdated(FleetState(), frozenset({"b"}))
    assert older.can_replace(newer)
    assert newer.changed == frozenset({"a", "b"})


def test_an_all_changed_update_stays_all_changed() -> None:
    older = FleetUpdated(FleetState(), frozenset())
    newer = FleetUpdated(FleetState(), frozenset({"b"}))
    assert older.can_replace(newer)
    assert newer.changed == frozenset()


def test_other_messages_are_not_replaced() -> None:
    from collectors.results import ErrorInfo
    from dashboard.messages import SourceError

    update = FleetUpdated(FleetState(), frozenset({"a"}))
    assert not update.can_replace(SourceError(ErrorInfo(kind="store", message="x")))
