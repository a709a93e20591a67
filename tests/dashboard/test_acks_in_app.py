"""Acknowledging in the dashboard, through Textual's pilot, on a real store.

A viewer (``dash --store``) refuses ``a`` unless started with ``--allow-ack``; with it,
``a`` opens the dialog, the acknowledgement lands in the shared file, and the fleet table
dims, marks and re-sorts the row while the summary bar counts it apart; ``u`` removes it;
an acknowledgement another process makes shows up by itself; the cluster screen shows
it and its history; the Handover screen builds the report, copies it and takes a note.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Markdown

from collectors.acks import Ack, AckBook, problem_of
from collectors.model import Severity
from collectors.store.ack_files import AckStore
from dashboard.ack_desk import READ_ONLY_HINT
from dashboard.app import LicdashApp
from dashboard.fleet_rows import COLUMN_KEYS
from dashboard.messages import AcksUpdated
from dashboard.screens.ack_dialog import AckDialog
from dashboard.screens.cluster import ClusterScreen
from dashboard.screens.fleet import FleetScreen
from dashboard.screens.handover import HandoverScreen
from dashboard.screens.text_dialog import TextDialog
from dashboard.sources import StoreViewer
from dashboard.widgets.ack_panel import AckPanel
from tests.support.factory import NOW
from tests.support.host import screen_lines
from tests.support.store import write_store

from .conftest import demo_statuses

SIZE = (160, 40)
CRITICAL = "apac-syd-cucm1"  # registration expired
SEVERITY = COLUMN_KEYS.index("severity")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return write_store(tmp_path / "store", demo_statuses())


def viewer_app(store: Path, **kwargs: Any) -> LicdashApp:
    app = LicdashApp(
        StoreViewer(store, interval=0.05, clock=lambda: NOW), clock=lambda: NOW, **kwargs
    )
    app.acks_desk.interval = 0.05
    return app


async def until(check: Callable[[], object], pilot: Any, limit: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not check():
        assert loop.time() < deadline, "timed out"
        await pilot.pause(0.05)


def notices(app: LicdashApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_viewer_refuses_to_acknowledge_without_allow_ack(store: Path) -> None:
    app = viewer_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: CRITICAL in app.fleet.statuses, pilot)
        await app.jump_to_cluster(CRITICAL)
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, AckDialog)
        assert READ_ONLY_HINT in notices(app)
    assert not (store / "acks.json").exists()


async def test_acknowledge_and_remove_with_the_keys(store: Path) -> None:
    app = viewer_app(store, allow_ack=True, ack_by="alice")
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: CRITICAL in app.fleet.statuses, pilot)
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        criticals = [
            n for n in screen.table.clusters if app.fleet.statuses[n].severity is Severity.CRITICAL
        ]
        assert criticals[0] == CRITICAL  # worst first: the overdue expiry leads
        await app.jump_to_cluster(CRITICAL)
        await pilot.press("a")
        await until(lambda: isinstance(app.screen, AckDialog), pilot)
        await pilot.press(*"INC42 renewal with Cisco", "enter")
        await until(lambda: app.fleet.acks.get(CRITICAL), pilot)
        (ack,) = AckStore(store).book().get(CRITICAL)
        assert (ack.by, ack.reason, ack.kind, ack.until) == (
            "alice",
            "INC42 renewal with Cisco",
            "ack",
            None,
        )
        await until(lambda: isinstance(app.screen, FleetScreen), pilot)
        await pilot.pause()
        table = screen.table
        assert table.cells(CRITICAL)[SEVERITY].startswith("✓ critical")  # marked, true severity
        order = [n for n in table.clusters if n in criticals]
        assert order[-1] == CRITICAL and order[:-1] == criticals[1:]  # after its peers
        summary = str(screen.summary.render())
        assert f"✖ {len(criticals) - 1} critical" in summary
        assert "✓ 1 acknowledged" in summary
        await pilot.press("u")
        await until(lambda: isinstance(app.screen, TextDialog), pilot)
        await pilot.press(*"fixed", "enter")
        await until(lambda: not app.fleet.acks.get(CRITICAL), pilot)
        await pilot.pause()
        assert table.cells(CRITICAL)[SEVERITY].startswith("✖ critical")
        assert [e.action for e in AckStore(store).events()] == ["acknowledge", "remove"]
        await pilot.press("q")


async def test_snooze_offers_an_end_and_records_it(store: Path) -> None:
    app = viewer_app(store, allow_ack=True)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: CRITICAL in app.fleet.statuses, pilot)
        await app.jump_to_cluster("amer-nyc-cucm1")
        await pilot.press("A")
        await until(lambda: isinstance(app.screen, AckDialog), pilot)
        dialog = app.screen
        assert "until cleared" not in "".join(screen_lines(app))  # a snooze always ends
        await pilot.press("enter")  # no reason: refused, the dialog stays
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press(*"CHG9 window", "enter")
        await until(lambda: app.fleet.acks.get("amer-nyc-cucm1"), pilot)
        (ack,) = app.fleet.acks.get("amer-nyc-cucm1")
        assert ack.kind == "snooze" and ack.until is not None
        assert ack.until - NOW == timedelta(hours=4)


async def test_an_acknowledgement_from_another_process_shows_up(store: Path) -> None:
    app = viewer_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: CRITICAL in app.fleet.statuses, pilot)
        status = app.fleet.statuses[CRITICAL]
        AckStore(store).acknowledge(CRITICAL, status, by="bob", reason="from the CLI")
        await until(lambda: app.fleet.acks.get(CRITICAL), pilot)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        assert screen.table.cells(CRITICAL)[SEVERITY].startswith("✓ critical")
        app.open_cluster(CRITICAL)
        await until(
            lambda: isinstance(app.screen, ClusterScreen) and app.screen.query(AckPanel), pilot
        )
        panel = app.screen.query_one(AckPanel)
        await until(lambda: "history:" in str(panel.render()), pilot)
        text = str(panel.render())
        assert text.startswith("✓ ACKNOWLEDGED by bob")
        assert "from the CLI" in text and "acknowledged by bob: from the CLI" in text


async def test_the_handover_screen_builds_copies_and_takes_a_note(store: Path) -> None:
    app = viewer_app(store, allow_ack=True, ack_by="carol")
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: CRITICAL in app.fleet.statuses, pilot)
        await pilot.press("5")
        await until(lambda: isinstance(app.screen, HandoverScreen), pilot)
        screen = app.screen
        assert isinstance(screen, HandoverScreen)
        await until(lambda: "## Open now" in screen.text, pilot)
        assert screen.text.startswith("# licdash shift handover, 2026-03-01 12:00 UTC")
        await pilot.press("c")
        assert app.clipboard == screen.text
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, TextDialog), pilot)
        await pilot.press(*"watch syd", "enter")
        await until(lambda: "carol: watch syd" in screen.text, pilot)
        assert screen.query_one(Markdown).source == screen.text
        (note,) = AckStore(store).events()
        assert (note.action, note.by, note.text) == ("note", "carol", "watch syd")


async def test_acknowledgements_survive_the_sources_own_updates(make_app: Any) -> None:
    """Sources know nothing of acknowledgements: the app keeps them across updates."""
    harness = make_app()
    app = harness.app
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        status = app.fleet.statuses[CRITICAL]
        problems = tuple(sorted(problem_of(status).keys))
        ack = Ack(
            id="x", cluster=CRITICAL, by="bob", at=NOW, reason="r", severity=status.severity,
            problems=problems,
        )  # fmt: skip
        app.post_message(AcksUpdated(AckBook.of([ack])))
        await until(lambda: app.fleet.acks.get(CRITICAL), pilot)
        harness.source.push({"apac-tok-cucm1": app.fleet.statuses["apac-tok-cucm1"]})
        await pilot.pause()
        assert app.fleet.acks.get(CRITICAL)


@pytest.mark.parametrize(
    ("dialog", "field"),
    [
        (lambda: AckDialog("amer-nyc-cucm1", None, snooze=True, now=NOW), "reason"),
        (lambda: TextDialog("Shift note", "why", action="Add note"), "text"),
    ],
    ids=["ack", "text"],
)
async def test_a_dialog_takes_the_keys_in_its_text_field_at_once(
    store: Path, dialog: Callable[[], AckDialog | TextDialog], field: str
) -> None:
    """The keys typed right after ``A`` land in the reason, not in the scope list (where
    ``Enter`` opened the list: a test typing at once timed out on a loaded machine)."""
    app = viewer_app(store, allow_ack=True)
    async with app.run_test(size=SIZE):
        await app.push_screen(dialog())  # built and mounted, nothing else run yet
        focused = app.screen.focused
        assert focused is not None and focused.id == field
