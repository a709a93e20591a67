"""The follower of a collector's API: what an unchanged poll costs, deltas, the last
known table kept through failures, and hostile answers (wrong contract, oversized,
compressed bombs, control characters) refused or neutralised, naming the source."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from collectors.api import wire
from collectors.errors import SourceUnsupportedError
from collectors.sources.remote import RemoteSource
from collectors.store import SnapshotStore
from collectors.store.ack_files import AckStore
from tests.support.api import Served
from tests.support.factory import NOW, snapshot, status
from tests.support.store import update_for, write_store

NAMES = [f"lon-{i:02d}" for i in range(12)]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return write_store(tmp_path / "store", [status(n, snapshot(n, NOW)) for n in NAMES])


def now() -> datetime:
    return datetime.now(UTC)


def test_an_unchanged_poll_reads_no_body_and_a_cycle_only_its_changes(
    serve: Callable[..., Served], store: Path
) -> None:
    served = serve(store)
    source = RemoteSource("emea", served.url, page=5)  # three pages for the first look
    try:
        first = source.fetch(now())
        assert first.error is None and sorted(first.statuses) == NAMES
        assert first.changed == frozenset(NAMES) and first.health.state == "unknown"
        full = source.bytes_read
        again = source.fetch(now())
        assert again.changed == frozenset() and source.bytes_read == full  # a 304
        assert again.statuses is first.statuses

        moved = status("lon-03", snapshot("lon-03", NOW + timedelta(minutes=5)))
        with SnapshotStore.open(store) as writer:
            writer.write_batch([update_for(moved)])
        time.sleep(0.3)
        delta = source.fetch(now())
        assert delta.changed == {"lon-03"}
        assert delta.statuses["lon-03"].last_good == moved.last_good
        assert source.bytes_read - full < full / 5
        history = source.history("lon-03")
        assert history.cluster == "lon-03" and history.changes[-1].cluster == "lon-03"
    finally:
        source.close()


def test_the_last_known_table_stays_when_the_collector_goes(
    serve: Callable[..., Served], store: Path
) -> None:
    served = serve(store)
    source = RemoteSource("emea", served.url)
    try:
        kept = source.fetch(now()).statuses
        url = served.url
        served.call(served.server.close())
        lost = source.fetch(now())
        assert lost.statuses is kept and lost.health.state == "unreachable"
        assert lost.error is not None
        assert lost.error.message.startswith(f"source emea ({url}): connection refused")
        assert f"{len(NAMES)} clusters shown as last known" in lost.health.text(now())
    finally:
        source.close()


def _answer(body: bytes, **headers: str) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(body), headers=headers)

    return handler


def _fleet_doc(message: str) -> bytes:
    entry = json.loads(wire.entry(status("lon", snapshot("lon", NOW)), 900.0))
    entry["consecutive_failures"] = 1
    entry["last_error"] = {"kind": "soap_fault", "message": message, "cluster": "lon"}
    return json.dumps(
        {
            "api": wire.API, "token": "e.1", "full": True, "removed": [], "next": None,
            "collector": {"state": "never", "reason": "", "age_s": None, "heartbeat": None},
            "policy": wire.policy_doc(None), "clusters": [entry],
        }
    ).encode()  # fmt: skip


@pytest.mark.parametrize(
    ("body", "headers", "said"),
    [
        (b'{"api": "licdash.api/9"}', {}, "speaks licdash.api/9, not licdash.api/1"),
        (b"<html>proxy login</html>", {}, "not JSON"),
        (b"[]", {}, "not an object"),
        (b"x" * 5000, {}, "sent more than 4,096 bytes"),
        (gzip.compress(b" " * 2_000_000), {"Content-Encoding": "gzip"}, "more than 4,096"),
        (b"\x1f\x8b broken", {"Content-Encoding": "gzip"}, "undecodable"),
    ],
    ids=["contract", "html", "array", "oversize", "gzip-bomb", "bad-gzip"],
)
def test_hostile_answers_are_refused_naming_the_source(
    body: bytes, headers: dict[str, str], said: str
) -> None:
    source = RemoteSource(
        "amer",
        "https://amer-collector.example.net:9465",
        max_body=4096,
        transport=httpx.MockTransport(_answer(body, **headers)),
    )
    state = source.fetch(now())
    assert state.error is not None and said in state.error.message
    assert state.error.message.startswith("source amer (https://amer-collector.example.net:9465)")
    assert not state.statuses


def test_text_from_a_collector_is_neutralised() -> None:
    body = _fleet_doc("bad\x1b[2J\u202efault\nsecond line")
    source = RemoteSource(
        "amer", "https://amer.example.net:9465", transport=httpx.MockTransport(_answer(body))
    )
    state = source.fetch(now())
    assert state.error is None
    error = state.statuses["lon"].last_error
    assert error is not None
    assert "\x1b" not in error.message and "\\x1b[2J" in error.message
    assert "\u202e" not in error.message and "\n" not in error.message


def test_a_token_file_that_cannot_be_used_names_the_source(tmp_path: Path) -> None:
    source = RemoteSource(
        "apac", "https://apac.example.net:9465", token_file=tmp_path / "missing.token"
    )
    state = source.fetch(now())
    assert state.error is not None
    assert "source apac" in state.error.message and "missing.token" in state.error.message


TOKEN = "remote-ack-token-0123456789"


def _token_file(tmp_path: Path) -> Path:
    path = tmp_path / "api.token"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def test_a_follower_gets_the_acknowledgements_and_writes_through_the_api(
    serve: Callable[..., Served], store: Path, tmp_path: Path
) -> None:
    served = serve(store, token=TOKEN)
    source = RemoteSource("emea", served.url, token_file=_token_file(tmp_path))
    try:
        first = source.fetch(now())
        assert first.acks.all() == [] and first.acks_refused is None
        quiet = source.fetch(now())
        assert quiet.acks is first.acks  # a 304 keeps the same book: nothing to re-judge

        AckStore(store).acknowledge("lon-01", None, by="root", reason="local", kind="snooze")
        time.sleep(0.3)
        seen = source.fetch(now())
        assert [a.by for a in seen.acks.get("lon-01")] == ["root"]
        assert seen.changed == frozenset()  # no status changed: only the book did

        event = source.acknowledge("lon-02", by="alice", reason="CHG1", kind="snooze")
        assert (event.action, event.by, event.via) == (
            "snooze",
            "alice",
            "licdash.api/1 from 127.0.0.1",
        )
        after = source.fetch(now())  # at once: the write made the collector look again
        assert [a.by for a in after.acks.get("lon-02")] == ["alice"]
        (removed,) = source.unacknowledge("lon-02", by="alice", reason="done")
        assert removed.action == "remove"
        note = source.note("quiet shift", by="alice")
        assert note.action == "note" and note.text == "quiet shift"
        trail = [(e.action, e.cluster) for e in source.ack_events()]
        assert trail == [
            ("snooze", "lon-01"), ("snooze", "lon-02"), ("remove", "lon-02"), ("note", None)
        ]  # fmt: skip
        assert [e.action for e in source.ack_events(cluster="lon-02")] == ["snooze", "remove"]
    finally:
        source.close()


def test_where_a_follower_cannot_write_it_says_why_before_sending(
    serve: Callable[..., Served], store: Path, tmp_path: Path
) -> None:
    open_api = serve(store)  # no token: reads need none, writes are refused
    told = RemoteSource("emea", open_api.url, token_file=_token_file(tmp_path))
    bare = RemoteSource("emea", open_api.url)
    config = RemoteSource("emea", open_api.url, token_file=_token_file(tmp_path), read_only=True)
    try:
        assert told.fetch(now()).acks_refused == (
            "this collector accepts no acknowledgements: start it with --token-file"
        )
        assert (bare.fetch(now()).acks_refused or "").startswith("no token_file is configured")
        assert (config.fetch(now()).acks_refused or "").startswith("read-only in the config")
        for source in (told, bare, config):
            with pytest.raises(
                SourceUnsupportedError, match=rf"^\[lon-01\] source emea \({open_api.url}\): "
            ):
                source.acknowledge("lon-01", by="x", reason="y", kind="snooze")
        assert AckStore(store).book().all() == []
    finally:
        for source in (told, bare, config):
            source.close()
