"""The API's HTTP behaviour against a real store on loopback: the token, the rate limit,
304s, bounded pages, JSON errors, and text that is scrubbed and
neutralised like every other output."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from collectors import secret_scrub
from collectors.api import wire
from collectors.api.guard import RateLimiter
from collectors.listener import bearer_ok
from collectors.results import ErrorInfo
from collectors.store import SnapshotStore
from tests.support.api import Served
from tests.support.factory import CUWL, NOW, snapshot, status
from tests.support.store import update_for, write_store

TOKEN = "s3cret-api-token-for-tests"
SECRET = "hunter2-publisher-password"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return write_store(
        tmp_path / "store",
        [status(f"c{i}", snapshot(f"c{i}", NOW - timedelta(minutes=i))) for i in range(5)],
    )


@pytest.fixture
def forget_secrets() -> Iterator[None]:
    yield
    secret_scrub.clear()


def get(url: str, path: str, **kwargs: object) -> httpx.Response:
    return httpx.get(url + wire.PREFIX + path, timeout=10, **kwargs)  # type: ignore[arg-type]


def test_a_token_guards_every_route(serve: Callable[..., Served], store: Path) -> None:
    served = serve(store, token=TOKEN)
    bare = get(served.url, "/fleet")
    assert bare.status_code == 401
    assert bare.headers["WWW-Authenticate"].startswith("Bearer")
    assert bare.json()["error"]["status"] == 401 and bare.json()["api"] == wire.API
    wrong = get(served.url, "/fleet", headers={"Authorization": "Bearer " + TOKEN[:-1] + "X"})
    assert wrong.status_code == 401
    basic = get(served.url, "/fleet", headers={"Authorization": "Basic " + TOKEN})
    assert basic.status_code == 401
    for path in ("/fleet", "/history?cluster=c1", "/transitions?since=2026-01-01", "/failures"):
        ok = get(served.url, path, headers={"Authorization": f"bearer {TOKEN}"})
        assert ok.status_code == 200, path
        assert TOKEN not in ok.text
    assert bearer_ok(f"Bearer {TOKEN}", TOKEN) and not bearer_ok(None, TOKEN)
    assert not bearer_ok(f"Bearer {TOKEN} ", TOKEN + "x")


def test_each_client_is_rate_limited_with_retry_after(
    serve: Callable[..., Served], store: Path
) -> None:
    served = serve(store, limiter=RateLimiter(rate=0.5, burst=3))
    codes = [get(served.url, "/fleet").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    limited = get(served.url, "/fleet")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1

    clock = [0.0]
    limiter = RateLimiter(rate=2.0, burst=2, clock=lambda: clock[0])
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(0.5)
    assert limiter.take("b") == 0.0  # per client
    clock[0] += 0.5
    assert limiter.take("a") == 0.0


def test_an_unchanged_fleet_answers_304_and_a_new_cycle_only_what_changed(
    serve: Callable[..., Served], store: Path
) -> None:
    served = serve(store)
    first = get(served.url, "/fleet")
    token = first.json()["token"]
    assert first.headers["ETag"] == f'"{token}"'
    assert [c["cluster"] for c in first.json()["clusters"]] == [f"c{i}" for i in range(5)]
    same = get(served.url, "/fleet", params={"since": token})
    assert same.status_code == 304 and same.content == b""
    assert get(served.url, "/fleet", headers={"If-None-Match": f'"{token}"'}).status_code == 304

    changed = status("c3", snapshot("c3", NOW + timedelta(minutes=1)), attempt_ago=timedelta(0))
    with SnapshotStore.open(store) as writer:
        writer.write_batch([update_for(changed)])
    served.call(_later(0.3))  # the server looks at the store at most every 0.25 s
    delta = get(served.url, "/fleet", params={"since": token}).json()
    assert not delta["full"] and [c["cluster"] for c in delta["clusters"]] == ["c3"]


async def _later(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


def test_answers_are_bounded_and_errors_are_json(serve: Callable[..., Served], store: Path) -> None:
    served = serve(store)
    for bad in ("0", "5001", "-1", "many"):
        answer = get(served.url, "/fleet", params={"limit": bad})
        assert answer.status_code == 400 and "limit" in answer.json()["error"]["message"]
    paged = get(served.url, "/fleet", params={"limit": "2"}).json()
    assert len(paged["clusters"]) == 2 and paged["next"] == "c1"
    assert get(served.url, "/history").status_code == 400
    missing = get(served.url, "/history", params={"cluster": "nowhere"})
    assert missing.status_code == 404 and "nowhere" in missing.json()["error"]["message"]
    assert get(served.url, "/transitions").status_code == 400
    assert get(served.url, "/nothing-here").json()["error"]["status"] == 404
    assert get(served.url, "/history", params={"cluster": "c1", "since": "soon"}).status_code == 400


def test_text_is_scrubbed_and_neutralised(
    serve: Callable[..., Served], tmp_path: Path, forget_secrets: None
) -> None:
    secret_scrub.register("c1", SECRET, "axl")
    hostile = ErrorInfo(
        kind="soap_fault",
        message=f"fault: bad password {SECRET}\x1b]0;owned\x07\nforged line",
        cluster="c1",
    )
    failing = status("c1", snapshot("c1", NOW), failures=1).model_copy(
        update={"last_error": hostile}
    )
    store = write_store(tmp_path / "store", [failing])
    body = get(serve(store).url, "/fleet", headers={"Accept-Encoding": "identity"}).text
    assert SECRET not in body and "***" in body
    error = json.loads(body)["clusters"][0]["last_error"]["message"]
    assert "\x1b" not in error and "\\x1b" in error and "\n" not in error


def test_history_comes_in_pages(serve: Callable[..., Served], tmp_path: Path) -> None:
    store = tmp_path / "store"
    with SnapshotStore.open(store) as writer:
        for minute, count in enumerate((10, 20, 30, 40)):
            snap = snapshot("lon", NOW + timedelta(minutes=minute), counts={CUWL: count})
            writer.write_batch([update_for(status("lon", snap, attempt_ago=timedelta(0)))])
    served = serve(store)
    seen: list[str] = []
    params = {"cluster": "lon", "since": "2026-02-01T00:00:00Z", "limit": "3"}
    for _ in range(5):
        doc = get(served.url, "/history", params=params).json()["history"]
        seen += [c["collected_at"] for c in doc["changes"]]
        if doc["next"] is None:
            break
        params["after"] = doc["next"]
    assert seen == [f"2026-03-01T12:0{m}:00Z" for m in range(4)]
