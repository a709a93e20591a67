"""The change log behind the API's token: full answers, deltas, removals, pages, and
tokens it does not know (another process's, or from the future)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from collectors.api.journal import Journal
from collectors.liveness import Heartbeat, judge
from collectors.policy import FreshnessPolicy
from tests.support.factory import NOW, snapshot, status

BEAT = Heartbeat(at=NOW, pid=4242, host="emea-collector", interval_s=60)
UP = judge(BEAT, NOW, has_data=True)


def fleet(*names: str, minutes: int = 0) -> dict[str, Any]:
    return {
        n: status(n, snapshot(n, NOW - timedelta(minutes=minutes)), attempt_ago=timedelta(0))
        for n in names
    }


def page(journal: Journal, token: str | None, *, after: str | None = None, limit: int = 100):
    return json.loads(journal.page(token, after=after, limit=limit, now=NOW))


def names(doc: dict[str, Any]) -> list[str]:
    return [c["cluster"] for c in doc["clusters"]]


def test_a_delta_carries_only_what_changed_and_removals_once() -> None:
    journal = Journal()
    table = fleet("a", "b", "c")
    assert journal.refresh(table, None, UP, NOW)
    first = page(journal, None)
    assert first["full"] and names(first) == ["a", "b", "c"]
    token = first["token"]
    assert first["policy"]["recorded"] is False
    assert not journal.refresh(dict(table), None, UP, NOW)  # equal values: no new number
    assert journal.unchanged(token)

    changed = dict(table) | fleet("b", minutes=5)
    del changed["c"]
    assert journal.refresh(changed, None, UP, NOW)
    assert not journal.unchanged(token)
    delta = page(journal, token)
    assert not delta["full"] and delta["since"] == token
    assert names(delta) == ["b"] and delta["removed"] == ["c"]
    assert "policy" not in delta  # it did not change
    assert page(journal, token, after="a")["removed"] == []  # said on the first page only
    assert journal.unchanged(delta["token"])


def test_pages_cover_the_table_once_each() -> None:
    journal = Journal()
    journal.refresh(fleet(*"abcdefg"), None, UP, NOW)
    seen: list[str] = []
    after = None
    while True:
        doc = page(journal, None, after=after, limit=3)
        seen += names(doc)
        after = doc["next"]
        if after is None:
            break
    assert seen == list("abcdefg")


def test_an_unknown_token_gets_the_whole_table() -> None:
    journal = Journal(epoch="cafe")
    journal.refresh(fleet("a", "b"), None, UP, NOW)
    for token in ("beef.1", "cafe.99", "cafe.x", "garbage", ""):
        doc = page(journal, token)
        assert doc["full"] and names(doc) == ["a", "b"], token
    other = Journal()  # a restarted collector has another epoch
    other.refresh(fleet("a"), None, UP, NOW)
    assert not other.unchanged(journal.token)


def test_a_new_policy_resends_every_threshold_and_a_collector_change_is_news() -> None:
    journal = Journal()
    journal.refresh(fleet("a", "b"), None, UP, NOW)
    token = journal.token
    policy = FreshnessPolicy(stale_after_s=600, cluster_stale_after_s={"a": 60}, origin="store")
    journal.refresh(fleet("a", "b"), policy, UP, NOW)
    doc = page(journal, token)
    assert names(doc) == ["a", "b"] and doc["policy"]["recorded"]
    assert {c["cluster"]: c["stale_after_s"] for c in doc["clusters"]} == {"a": 60, "b": 600}

    token = journal.token
    down = judge(BEAT.model_copy(update={"stopped": True}), NOW, has_data=True)
    assert journal.refresh(fleet("a", "b"), policy, down, NOW)
    doc = page(journal, token)
    assert names(doc) == [] and doc["collector"]["state"] == "down"


def test_acknowledgements_travel_whole_and_only_when_they_changed() -> None:
    from collectors.acks import Ack, AckBook

    journal = Journal()
    table = fleet("lon", "par")
    journal.refresh(table, None, UP, NOW, AckBook())
    start = journal.token
    first = page(journal, None)
    assert first["acks"] == [] and first["acks_accepted"] is False
    assert "acks" not in page(journal, None, after="lon")  # the first page carries them

    held = Ack(id="a1", cluster="par", by="ann", at=NOW, reason="INC9", kind="snooze")
    book = AckBook.of([held], token=1)
    assert journal.refresh(table, None, UP, NOW, book)  # a new number: the book changed
    delta = page(journal, start)
    assert delta["clusters"] == [] and [a["by"] for a in delta["acks"]] == ["ann"]
    moved = journal.token
    same = AckBook.of([held], token=2)  # the file was rewritten, its contents the same
    assert not journal.refresh(table, None, UP, NOW, same)
    assert journal.unchanged(moved)
    later = fleet("lon", "par", minutes=5)
    journal.refresh(later, None, UP, NOW, same)
    assert "acks" not in page(journal, moved)  # a status changed, the book did not
