"""Acknowledging in a merged view through Textual's pilot, over two stores (no network;
the collectors' API path is tests/sources/test_acks_across_sources.py): the dialog says
which source it writes to, the write lands beside that source's store only, the row is
marked from the merged book, the Handover screen shows every source's, and a shift note
asks which source when two take them."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from collectors.sources.store_source import StoreSource
from collectors.store.ack_files import AckStore
from dashboard.app import LicdashApp
from dashboard.fleet_rows import COLUMN_KEYS
from dashboard.screens.ack_dialog import AckDialog
from dashboard.screens.fleet import FleetScreen
from dashboard.screens.handover import HandoverScreen
from dashboard.sources import MergedViewer
from tests.support.factory import NOW
from tests.support.fleets import demo_statuses
from tests.support.host import screen_lines, until
from tests.support.store import write_store

SIZE = (180, 45)
CRITICAL = "apac-syd-cucm1"  # registration expired
SEVERITY = COLUMN_KEYS.index("severity")


async def test_a_merged_view_writes_to_the_owning_store(tmp_path: Path) -> None:
    statuses = demo_statuses()
    west = [s for s in statuses if s.cluster == CRITICAL]
    rest = [s for s in statuses if s.cluster != CRITICAL]
    stores = {
        "apac": write_store(tmp_path / "apac", west),
        "rest": write_store(tmp_path / "rest", rest),
    }
    viewer = MergedViewer(
        [StoreSource(name, path) for name, path in stores.items()], interval=0.05, clock=lambda: NOW
    )
    app = LicdashApp(viewer, clock=lambda: NOW, allow_ack=True, ack_by="erin")
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot,
            lambda: CRITICAL in app.fleet.statuses and all(s.last_ok for s in app.fleet.sources),
            "both sources read",
        )
        await app.jump_to_cluster(CRITICAL)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AckDialog), "the dialog")
        target = str(app.screen.query_one("#target", Static).render())
        assert target == f"Writes to source apac ({stores['apac']})"
        assert "Writes to source apac" in "\n".join(screen_lines(app))  # and it is shown
        await pilot.press(*"INC5 with TAC", "enter")
        await until(pilot, lambda: app.fleet.acks.get(CRITICAL), "the merged book")
        (ack,) = AckStore(stores["apac"]).book().get(CRITICAL)
        assert (ack.by, ack.reason) == ("erin", "INC5 with TAC")
        assert not (stores["rest"] / "acks.json").exists()
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        await until(
            pilot, lambda: screen.table.cells(CRITICAL)[SEVERITY].startswith("✓ critical"), "it"
        )

        await pilot.press("5")
        await until(pilot, lambda: isinstance(app.screen, HandoverScreen), "the handover")
        handover = app.screen
        assert isinstance(handover, HandoverScreen)
        await until(pilot, lambda: "## Open now" in handover.text, "the report")
        assert "acknowledged by erin" in handover.text and "INC5 with TAC" in handover.text
        await pilot.press("n")  # two sources take notes: which one is for the command
        await pilot.pause()
        said = [str(n.message) for n in app._notifications]
        assert any("a shift note goes to one source's audit trail" in m for m in said), said
        await pilot.press("q")
