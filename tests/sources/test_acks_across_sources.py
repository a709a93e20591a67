"""Acknowledgements across sources (issue 16 item 3) with the real parts: each region a
``licdash collect --api-port 0`` subprocess over its own mock fleet (every registration
expired: critical, something to acknowledge) and store, on loopback.

- the merged dashboard writes an acknowledgement to the collector that owns the cluster,
  through its API with its token (the collector's AckStore shows it, the audit entry
  says who and that it came through the API), and shows it back from that collector;
  it refuses, naming the source, where the source takes none, and refuses everything
  without ``--allow-ack``;
- a wrong token is refused naming the source; a collector without a token refuses writes;
- ``ack``/``unack``/``acks``/``status``/``handover``/``export --acks`` with ``--source``
  over a collector's API and a store, each change in the owning store, one policy counting them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from collectors.errors import SourceAuthError, SourceUnsupportedError
from collectors.sources.remote import RemoteSource
from collectors.sources.spec import SourceSpec
from collectors.store.ack_files import AckStore
from dashboard.ack_desk import MERGED_HINT
from dashboard.app import LicdashApp
from dashboard.fleet_rows import COLUMN_KEYS
from dashboard.screens.ack_dialog import AckDialog
from dashboard.screens.fleet import FleetScreen
from dashboard.sources import MergedViewer
from tests.sources.conftest import TOKEN, Region, sources_config
from tests.support.collector import run_cli
from tests.support.host import screen_lines, until

EXPIRED = "registration_expired"
VIA = "licdash.api/1 from 127.0.0.1"
SIZE = (180, 45)
SEVERITY = COLUMN_KEYS.index("severity")


def first(region: Region) -> str:
    return sorted(region.clusters)[0]


def test_the_merged_dashboard_writes_to_the_owning_collector(
    regions: Callable[..., Region], token_file: Path
) -> None:
    emea = regions("emea", 11, "--api-token-file", str(token_file), mix=EXPIRED)
    amer = regions("amer", 12, mix=EXPIRED)  # no token: its API takes no writes
    cluster, other = first(emea), first(amer)

    def viewer() -> MergedViewer:
        return MergedViewer(
            [
                SourceSpec("emea", url=emea.url, token_file=token_file).open(),
                SourceSpec("amer", url=amer.url, token_file=token_file).open(),
            ],
            interval=0.3,
        )

    async def read_only() -> None:
        view = viewer()
        app = LicdashApp(view)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await until(pilot, lambda: cluster in app.fleet.statuses, "the fleets")
                await app.jump_to_cluster(cluster)
                await pilot.press("a")
                await pilot.pause()
                assert not isinstance(app.screen, AckDialog)
                assert MERGED_HINT in [str(n.message) for n in app._notifications]
                await pilot.press("q")
        finally:
            view.close()

    async def allowed() -> None:
        view = viewer()
        app = LicdashApp(view, allow_ack=True, ack_by="alice")
        try:
            async with app.run_test(size=SIZE) as pilot:
                await until(pilot, lambda: other in app.fleet.statuses, "the fleets")
                # what each collector accepts comes with its source's health, which may
                # follow its fleet by a poll on a loaded machine
                await until(
                    pilot,
                    lambda: any(s.acks_refused for s in app.fleet.sources),
                    "amer's refusal",
                )
                screen = app.screen
                assert isinstance(screen, FleetScreen)

                await app.jump_to_cluster(other)  # amer's collector takes none: refused
                await pilot.press("a")
                await pilot.pause()
                assert not isinstance(app.screen, AckDialog)
                said = [str(n.message) for n in app._notifications]
                assert (
                    f"source amer ({amer.url}): this collector accepts no acknowledgements: "
                    "start it with --token-file"
                ) in said

                await app.jump_to_cluster(cluster)
                await pilot.press("a")
                await until(pilot, lambda: isinstance(app.screen, AckDialog), "the dialog")
                assert f"Writes to source emea ({emea.url})" in "\n".join(screen_lines(app))
                await pilot.press(*"INC77 renewal with TAC", "enter")
                await until(pilot, lambda: AckStore(emea.store).book().get(cluster), "the write")
                await until(pilot, lambda: app.fleet.acks.get(cluster), "it served back")
                await until(
                    pilot,
                    lambda: screen.table.cells(cluster)[SEVERITY].startswith("✓ critical"),
                    "the row marked",
                )
                assert "✓ 1 acknowledged" in str(screen.summary.render())
                await pilot.press("q")
        finally:
            view.close()

    asyncio.run(read_only())
    assert AckStore(emea.store).book().all() == []
    asyncio.run(allowed())
    (ack,) = AckStore(emea.store).book().get(cluster)
    assert (ack.by, ack.reason, ack.kind) == ("alice", "INC77 renewal with TAC", "ack")
    (event,) = AckStore(emea.store).events()
    assert (event.action, event.by, event.via) == ("acknowledge", "alice", VIA)
    assert AckStore(amer.store).book().all() == []
    assert TOKEN not in emea.collector.stderr


def test_a_wrong_token_and_a_collector_without_one_are_refused(
    regions: Callable[..., Region], token_file: Path, tmp_path: Path
) -> None:
    emea = regions("emea", 11, "--api-token-file", str(token_file), mix=EXPIRED)
    amer = regions("amer", 12, mix=EXPIRED)
    wrong = tmp_path / "wrong.token"
    wrong.write_text("not-the-emea-token-at-all\n", encoding="utf-8")
    wrong.chmod(0o600)

    source = RemoteSource("emea", emea.url, token_file=wrong)
    try:
        with pytest.raises(SourceAuthError, match=rf"source emea \({emea.url}\) refused the token"):
            source.acknowledge(first(emea), by="mallory", reason="r")
    finally:
        source.close()
    config = sources_config(
        tmp_path / "wrong.toml", emea={"url": emea.url, "token_file": str(wrong)}
    )
    done = run_cli("ack", first(emea), "--config", str(config), "--reason", "r")
    assert done.returncode == 1, done.stderr
    assert f"source emea ({emea.url}) refused the token (HTTP 401)" in done.stderr

    untokened = sources_config(
        tmp_path / "amer.toml", amer={"url": amer.url, "token_file": str(token_file)}
    )
    refused = run_cli("ack", first(amer), "--config", str(untokened), "--reason", "r")
    assert refused.returncode == 1
    assert (
        f"source amer ({amer.url}): this collector accepts no acknowledgements: start it "
        "with --token-file"
    ) in refused.stderr
    direct = RemoteSource("amer", amer.url, token_file=token_file)  # not told yet: it asks
    try:
        with pytest.raises(SourceUnsupportedError, match=r"HTTP 403.*--token-file"):
            direct.acknowledge(first(amer), by="mallory", reason="r")
    finally:
        direct.close()
    no_token = run_cli("ack", first(amer), "--source", f"amer={amer.url}", "--reason", "r")
    assert no_token.returncode == 1 and "no token_file is configured for it" in no_token.stderr
    assert AckStore(emea.store).book().all() == [] and AckStore(amer.store).book().all() == []


def test_the_commands_act_on_each_owning_source(
    regions: Callable[..., Region], token_file: Path, tmp_path: Path
) -> None:
    emea = regions("emea", 11, "--api-token-file", str(token_file), mix=EXPIRED)
    amer = regions("amer", 12, mix=EXPIRED)  # followed as a store on this host
    config = sources_config(
        tmp_path / "noc.toml",
        emea={"url": emea.url, "token_file": str(token_file)},
        amer={"store": str(amer.store)},
    )
    both = ("--config", str(config), "--source", "emea", "--source", "amer")
    e1, a1 = first(emea), first(amer)

    done = run_cli("ack", e1, *both, "--reason", "INC1 with TAC", "--by", "bob")
    assert done.returncode == 0, done.stderr
    assert f"acknowledged {e1} (critical) in source emea ({emea.url}) as bob" in done.stdout
    done = run_cli("ack", a1, *both, "--reason", "PO 7781", "--by", "carol", "--until", "2d")
    assert done.returncode == 0, done.stderr
    assert f"in source amer ({amer.store}) as carol" in done.stdout

    (e_ack,) = AckStore(emea.store).book().get(e1)
    assert e_ack.by == "bob" and AckStore(emea.store).events()[0].via == VIA
    (a_ack,) = AckStore(amer.store).book().get(a1)
    assert a_ack.by == "carol" and AckStore(amer.store).events()[0].via is None  # local
    assert AckStore(emea.store).book().get(a1) == () and AckStore(amer.store).book().get(e1) == ()

    status = run_cli("status", *both, "--format", "json")
    assert status.returncode == 2, status.stderr  # critical, acknowledged or not
    doc = json.loads(status.stdout)
    by_name = {c["cluster"]: c for c in doc["clusters"]}
    assert by_name[e1]["acknowledged"]["by"] == "bob"
    assert by_name[e1]["acknowledged"]["reason"] == "INC1 with TAC"
    assert by_name[a1]["acknowledged"]["by"] == "carol"
    assert by_name[a1]["acknowledged"]["until"] is not None
    assert doc["totals"]["acknowledged"] == 2
    assert sum(1 for c in doc["clusters"] if c["acknowledged"]) == 2
    accepts = {s["name"]: s["accepts_acks"] for s in doc["sources"]}
    assert accepts == {"emea": True, "amer": True}

    listing = run_cli("acks", *both, "--format", "json")
    rows = json.loads(listing.stdout)["acknowledgements"]
    assert {(r["cluster"], r["source"], r["holds"]) for r in rows} == {
        (e1, "emea", True),
        (a1, "amer", True),
    }
    table = run_cli("acks", *both)
    assert "SOURCE" in table.stdout.splitlines()[0]

    handover = run_cli(
        "handover", *both, "--note", "EMEA TAC case open", "--note-to", "emea", "--by", "dave"
    )
    assert handover.returncode == 0, handover.stderr
    text = handover.stdout
    for name in emea.clusters | amer.clusters:
        assert name in text, name
    assert "INC1 with TAC" in text and "PO 7781" in text and "EMEA TAC case open" in text
    (note,) = [e for e in AckStore(emea.store).events() if e.action == "note"]
    assert (note.by, note.via) == ("dave", VIA)
    handover_json = json.loads(run_cli("handover", *both, "--format", "json").stdout)
    made = {(e["cluster"], e["by"]) for e in handover_json["acknowledgements_made"]}
    assert made == {(e1, "bob"), (a1, "carol")}

    removed = run_cli("unack", e1, *both, "--reason", "renewed", "--by", "bob")
    assert removed.returncode == 0, removed.stderr
    assert f"of {e1} in source emea ({emea.url})" in removed.stdout
    assert AckStore(emea.store).book().all() == []
    assert [e.action for e in AckStore(emea.store).events()] == ["acknowledge", "note", "remove"]

    audit = run_cli("export", "--acks", "--format", "jsonl", *both)
    assert audit.returncode == 0, audit.stderr
    trail = [json.loads(line) for line in audit.stdout.splitlines()]
    assert [(r["source"], r["action"], r["cluster"]) for r in trail] == [
        ("emea", "acknowledge", e1),
        ("amer", "acknowledge", a1),
        ("emea", "note", None),
        ("emea", "remove", e1),
    ]
    assert [r["at"] for r in trail] == sorted(r["at"] for r in trail)
    only = run_cli("export", "--acks", "--format", "csv", "--cluster", a1, *both)
    header, *lines = only.stdout.lstrip("\ufeff").splitlines()
    assert header.split(",")[-1] == "source"  # a1's acknowledgement, and the shift note
    assert [line.split(",")[-1] for line in lines] == ["amer", "emea"]
