"""The API's acknowledgement routes over a real store on loopback: who may write (the
token, 403/401), the bounds (body size, content type, fields, rate), text made safe, the
write landing in the store's AckStore with an audit entry that says who and through
what, and the fleet answer serving the acknowledgements in force as a delta."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from collectors import secret_scrub
from collectors.api import wire
from collectors.api.guard import RateLimiter
from collectors.model import RegistrationStatus
from collectors.store.ack_files import AckStore
from tests.support.api import Served
from tests.support.factory import NOW, snapshot, status
from tests.support.store import write_store

TOKEN = "s3cret-api-token-for-ack-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """c0 and c1 critical (registration expired), c2 healthy."""
    expired = {"registration": RegistrationStatus.REGISTRATION_EXPIRED, "reg_expires_days": -3}
    return write_store(
        tmp_path / "store",
        [
            status("c0", snapshot("c0", NOW - timedelta(minutes=1), **expired)),
            status("c1", snapshot("c1", NOW - timedelta(minutes=1), **expired)),
            status("c2", snapshot("c2", NOW - timedelta(minutes=1))),
        ],
    )


@pytest.fixture
def forget_secrets() -> Iterator[None]:
    yield
    secret_scrub.clear()


def post(
    served: Served, path: str, body: Any, headers: dict[str, str] | None = None, **kw: Any
) -> httpx.Response:
    return httpx.post(
        served.url + wire.PREFIX + path,
        json=body,
        headers=AUTH if headers is None else headers,
        timeout=10,
        **kw,
    )


def ack_body(**fields: Any) -> dict[str, Any]:
    return {"cluster": "c0", "by": "alice", "reason": "INC42 with TAC"} | fields


def test_a_collector_without_a_token_accepts_no_acknowledgements(
    serve: Callable[..., Served], store: Path
) -> None:
    served = serve(store, clock=lambda: NOW)
    refused = httpx.post(served.url + wire.PREFIX + "/acks", json=ack_body(), timeout=10)
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        "this collector accepts no acknowledgements: start it with --token-file"
    )
    fleet = httpx.get(served.url + wire.PREFIX + "/fleet", timeout=10).json()
    assert fleet["acks_accepted"] is False and fleet["acks"] == []
    assert AckStore(store).book().all() == []


def test_a_wrong_token_is_401_and_writes_nothing(serve: Callable[..., Served], store: Path) -> None:
    served = serve(store, token=TOKEN, clock=lambda: NOW)
    wrong = post(served, "/acks", ack_body(), headers={"Authorization": "Bearer nope-nope-nope"})
    assert wrong.status_code == 401
    assert post(served, "/acks", ack_body(), headers={}).status_code == 401
    assert AckStore(store).book().all() == []


def test_an_acknowledgement_lands_in_the_store_with_who_and_through_what(
    serve: Callable[..., Served], store: Path
) -> None:
    served = serve(store, token=TOKEN, clock=lambda: NOW)
    done = post(served, "/acks", ack_body(until=wire.ts(NOW + timedelta(hours=4))))
    assert done.status_code == 200, done.text
    (event,) = [wire.read_event(e) for e in done.json()["events"]]
    assert event.action == "acknowledge" and event.by == "alice"
    assert event.via == "licdash.api/1 from 127.0.0.1"

    book = AckStore(store).book()
    (ack,) = book.get("c0")
    assert (ack.by, ack.reason, ack.kind) == ("alice", "INC42 with TAC", "ack")
    assert ack.until == NOW + timedelta(hours=4) and ack.at == NOW
    (audit,) = AckStore(store).events()
    assert audit.via == "licdash.api/1 from 127.0.0.1" and audit.by == "alice"
    assert audit.public()["via"] == "licdash.api/1 from 127.0.0.1"

    edited = post(served, "/acks", ack_body(reason="INC42: TAC case 6900"))
    assert [e["action"] for e in edited.json()["events"]] == ["edit"]
    snoozed = post(served, "/acks", ack_body(cluster="c2", kind="snooze", reason="CHG7 window"))
    assert snoozed.status_code == 200  # a snooze may go on a healthy cluster

    removed = post(served, "/acks/remove", {"cluster": "c0", "by": "bob", "reason": "fixed"})
    assert [e["action"] for e in removed.json()["events"]] == ["remove"]
    note = post(served, "/acks/note", {"by": "bob", "text": "EMEA quiet; c2 in CHG7"})
    assert note.json()["events"][0]["action"] == "note"
    events = httpx.get(served.url + wire.PREFIX + "/acks/events", timeout=10, headers=AUTH)
    actions = [(e["action"], e["by"], e["via"]) for e in events.json()["events"]]
    via = "licdash.api/1 from 127.0.0.1"
    assert actions == [
        ("acknowledge", "alice", via),
        ("edit", "alice", via),
        ("snooze", "alice", via),
        ("remove", "bob", via),
        ("note", "bob", via),
    ]
    only_c2 = httpx.get(
        served.url + wire.PREFIX + "/acks/events?cluster=c2", timeout=10, headers=AUTH
    )
    assert [e["action"] for e in only_c2.json()["events"]] == ["snooze"]


@pytest.mark.parametrize(
    ("body", "status_code", "says"),
    [
        (ack_body(cluster="nope"), 404, "no cluster named 'nope'"),
        (ack_body(cluster="c2"), 422, "nothing to acknowledge"),
        (ack_body(until="2020-01-01T00:00:00Z"), 422, "has already passed"),
        (ack_body(colour="red"), 400, "colour: Extra inputs are not permitted"),
        (ack_body(kind="silence"), 400, "kind:"),
        (ack_body(scope="everything"), 400, "scope:"),
        (ack_body(reason=""), 400, "reason:"),
        (ack_body(by=""), 400, "by:"),
        (ack_body(until="tomorrow"), 400, "until:"),
        (ack_body(reason="x" * 9000), 413, "larger than 8,192 bytes"),
        ([1, 2], 400, "not a JSON object"),
        ({"cluster": "c0", "by": "a", "reason": "r", "ack_id": "../x"}, 400, "ack_id"),
    ],
)
def test_a_bad_write_is_refused_naming_the_field(
    serve: Callable[..., Served], store: Path, body: Any, status_code: int, says: str
) -> None:
    served = serve(store, token=TOKEN, clock=lambda: NOW)
    path = "/acks/remove" if isinstance(body, dict) and "ack_id" in body else "/acks"
    refused = post(served, path, body)
    assert refused.status_code == status_code, refused.text
    assert says in refused.json()["error"]["message"]
    assert AckStore(store).book().all() == []


def test_the_body_must_be_json_and_small(serve: Callable[..., Served], store: Path) -> None:
    served = serve(store, token=TOKEN, clock=lambda: NOW)
    url = served.url + wire.PREFIX + "/acks"
    form = httpx.post(url, data={"cluster": "c0"}, headers=AUTH, timeout=10)
    assert form.status_code == 415
    text = httpx.post(
        url, content=b"{not json", headers=AUTH | {"Content-Type": "application/json"}
    )
    assert text.status_code == 400 and "not JSON" in text.json()["error"]["message"]
    huge = httpx.post(
        url,
        content=json.dumps(ack_body(reason="y" * 70_000)).encode(),
        headers=AUTH | {"Content-Type": "application/json"},
        timeout=10,
    )
    assert huge.status_code == 413


def test_writes_have_their_own_rate_limit(serve: Callable[..., Served], store: Path) -> None:
    served = serve(
        store, token=TOKEN, clock=lambda: NOW, write_limiter=RateLimiter(rate=0.2, burst=2)
    )
    codes = [post(served, "/acks", ack_body(reason=f"try {i}")).status_code for i in range(4)]
    assert codes == [200, 200, 429, 429]
    limited = post(served, "/acks", ack_body())
    assert int(limited.headers["Retry-After"]) >= 1
    reads = httpx.get(served.url + wire.PREFIX + "/fleet", headers=AUTH, timeout=10)
    assert reads.status_code == 200  # reads keep their own bucket
    (ack,) = AckStore(store).book().get("c0")
    assert ack.reason == "try 1"


def test_text_is_neutralised_and_scrubbed_before_it_is_stored(
    serve: Callable[..., Served], store: Path, forget_secrets: None
) -> None:
    secret_scrub.register("c0", "hunter2-publisher-password")
    served = serve(store, token=TOKEN, clock=lambda: NOW)
    body = ack_body(
        by="eve\x1b[2J\u202e",
        reason=f"token {TOKEN} pw hunter2-publisher-password \x1b]0;owned\x07 password=abc123",
    )
    assert post(served, "/acks", body).status_code == 200
    (ack,) = AckStore(store).book().get("c0")
    stored = json.dumps(ack.model_dump(mode="json"), ensure_ascii=False)
    for leaked in (TOKEN, "hunter2-publisher-password", "abc123", "\x1b", "\u202e", "\x07"):
        assert leaked not in ack.reason + ack.by + stored, repr(leaked)
    assert ack.by.startswith("eve\\x1b")
    served_back = httpx.get(served.url + wire.PREFIX + "/fleet", headers=AUTH, timeout=10)
    assert TOKEN not in served_back.text and "hunter2" not in served_back.text


def test_the_fleet_answer_serves_the_acknowledgements_as_a_delta(
    serve: Callable[..., Served], store: Path
) -> None:
    served = serve(store, token=TOKEN, clock=lambda: NOW)
    url = served.url + wire.PREFIX + "/fleet"
    first = httpx.get(url, headers=AUTH, timeout=10).json()
    assert first["acks_accepted"] is True and first["acks"] == []
    token = first["token"]
    assert httpx.get(url, params={"since": token}, headers=AUTH, timeout=10).status_code == 304

    assert post(served, "/acks", ack_body()).status_code == 200
    delta = httpx.get(url, params={"since": token}, headers=AUTH, timeout=10)
    assert delta.status_code == 200  # at once: the write made the next look fresh
    doc = delta.json()
    assert doc["clusters"] == [] and doc["full"] is False
    book = wire.read_acks(doc["acks"])
    assert [a.by for a in book.get("c0")] == ["alice"]
    again = httpx.get(url, params={"since": doc["token"]}, headers=AUTH, timeout=10)
    assert again.status_code == 304

    other = AckStore(store)  # a `licdash ack` on the collector's host: the stat sees it
    other.remove("c0", by="root")
    after = _wait_for_change(url, doc["token"])
    assert after["acks"] == []


def _wait_for_change(url: str, token: str) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = httpx.get(url, params={"since": token}, headers=AUTH, timeout=10)
        if answer.status_code == 200:
            result: dict[str, Any] = answer.json()
            return result
        time.sleep(0.1)
    raise AssertionError("the API never served the change")
