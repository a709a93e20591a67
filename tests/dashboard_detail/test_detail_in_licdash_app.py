"""The detail screens inside the real LicdashApp, over a StaticSource backed by a real store."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.widgets import Input, Static

from collectors.model import AuthorizationStatus, LicenseSnapshot, Severity
from collectors.results import ClusterStatus, ErrorInfo, PollResult, PollUpdate
from collectors.store import SnapshotStore
from dashboard.app import LicdashApp
from dashboard.screens.cluster import ClusterScreen
from dashboard.screens.deadlines import DeadlinesScreen
from dashboard.screens.entitlements import EntitlementsScreen
from dashboard.screens.events import EventsScreen
from dashboard.screens.export_dialog import ExportDialog
from dashboard.sources.static import StaticSource
from dashboard.widgets.event_tables import FailureTable, TransitionTable
from dashboard.widgets.state_timeline import StateTimeline

SIZE = (120, 40)


def update(snap: LicenseSnapshot, status: ClusterStatus) -> PollUpdate:
    result = PollResult(cluster=snap.cluster, started_at=snap.collected_at, duration_s=0.2,
                        snapshot=snap, transport="axl")  # fmt: skip
    return PollUpdate(result=result, status=status.model_copy(update={"last_good": snap}))


def failed(cluster: str, at: datetime, status: ClusterStatus, n: int) -> PollUpdate:
    error = ErrorInfo(kind="read_timeout", message=f"no answer from {cluster}", cluster=cluster)
    result = PollResult(cluster=cluster, started_at=at, duration_s=15.0, error=error)
    return PollUpdate(
        result=result,
        status=status.model_copy(
            update={"consecutive_failures": n, "last_error": error, "last_attempt": at}
        ),
    )


@pytest.fixture
def store_dir(tmp_path: Path, statuses: dict[str, ClusterStatus], now: datetime) -> Path:
    """A real store: emea-lon went evaluation -> authorized 2 h ago; emea-par times out."""
    lon = statuses["emea-lon-cucm1"]
    assert lon.last_good is not None
    evaluation = lon.last_good.model_copy(
        update={
            "collected_at": now - timedelta(hours=5),
            "authorization": lon.last_good.authorization.model_copy(
                update={"status": AuthorizationStatus.EVALUATION, "raw": "Evaluation Mode"}
            ),
            "severity": Severity.WARNING,
        }
    )
    authorized = lon.last_good.model_copy(update={"collected_at": now - timedelta(hours=2)})
    par = statuses["emea-par-cucm4"]
    assert par.last_good is not None
    path = tmp_path / "store"
    store = SnapshotStore.open(path)
    try:
        store.write_batch([update(evaluation, lon), update(par.last_good, par)])
        store.write_batch([update(authorized, lon)])
        for i in range(1, 4):
            store.write_batch([failed("emea-par-cucm4", now - timedelta(minutes=10 * i), par, i)])
    finally:
        store.close()
    return path


@pytest.fixture
def licdash_app(
    store_dir: Path,
    statuses: dict[str, ClusterStatus],
    now: datetime,
    zones: dict[str, str],
    raw_xml: str,
) -> LicdashApp:
    source = StaticSource(
        statuses, zones=zones, raws={"emea-lon-cucm1": raw_xml}, store_dir=store_dir
    )
    return LicdashApp(source, clock=lambda: now)


async def settle(app: Any, pilot: Any) -> None:
    for _ in range(2):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def texts(table: Any, row: int) -> list[str]:
    return [str(getattr(c, "plain", c)) for c in table.get_row_at(row)]


async def test_keys_2_to_4_reach_the_detail_screens_and_esc_returns_to_the_fleet(
    licdash_app: LicdashApp,
) -> None:
    app = licdash_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for key, screen_type in (("2", DeadlinesScreen), ("3", EntitlementsScreen),
                                 ("4", EventsScreen)):  # fmt: skip
            await pilot.press(key)
            await settle(app, pilot)
            assert isinstance(app.screen, screen_type)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.current_mode == "fleet"


async def test_events_read_transitions_and_failures_from_the_real_store(
    licdash_app: LicdashApp,
) -> None:
    app = licdash_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        transitions = app.screen.query_one(TransitionTable)
        rows = [texts(transitions, i) for i in range(transitions.row_count)]
        assert ["emea-lon-cucm1", "authorization", "evaluation", "authorized"] in [
            r[2:] for r in rows
        ]
        failures = app.screen.query_one(FailureTable)
        assert texts(failures, 0)[2:4] == ["emea-par-cucm4", "read_timeout"]


async def test_enter_from_a_detail_screen_opens_the_cluster_with_store_history(
    licdash_app: LicdashApp, raw_xml: str
) -> None:
    app = licdash_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        table = app.screen.query_one(TransitionTable)
        keys = list(table.row_keys)
        table.move_cursor(row=next(i for i, k in enumerate(keys) if k.startswith("emea-lon")))
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ClusterScreen)
        timeline = app.screen.query_one(StateTimeline)
        changes = [texts(timeline, i)[3] for i in range(timeline.row_count)]
        assert "authorization evaluation → authorized" in changes
        # the 3 hours between the two good polls are a coverage gap from the store
        assert "no good poll for 3 h (until 03-01 10:00 UTC)" in changes
        await pilot.press("v")
        await settle(app, pilot)
        assert app.screen.query_one("RawView").raw == raw_xml  # type: ignore[attr-defined]
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, EventsScreen)


async def test_fleet_updates_reach_a_pushed_cluster_screen(
    licdash_app: LicdashApp, statuses: dict[str, ClusterStatus]
) -> None:
    app = licdash_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.open_cluster("amer-chi-cucm5")
        await settle(app, pilot)
        assert isinstance(app.screen, ClusterScreen)
        chi = statuses["amer-chi-cucm5"]
        error = ErrorInfo(kind="tls", message="certificate expired", cluster="amer-chi-cucm5")
        source = app.source
        assert isinstance(source, StaticSource)
        source.push({"amer-chi-cucm5": chi.model_copy(update={"last_error": error})})
        await settle(app, pilot)
        banner = str(app.screen.query_one("#banner").render())  # type: ignore[attr-defined]
        assert "last error tls: certificate expired" in banner


async def test_export_from_the_app_confirms_path_and_count(
    licdash_app: LicdashApp, tmp_path: Path
) -> None:
    app = licdash_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "e")
        await settle(app, pilot)
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one("#path", Input).value = str(tmp_path / "x.json")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DeadlinesScreen)
        assert (tmp_path / "x.json").is_file()
        messages = [n.message for n in app._notifications]
        wrote = f"Wrote 4 records to {tmp_path / 'x.json'}; left out 1 never-polled cluster"
        assert any(m.startswith(wrote) for m in messages)


async def test_export_from_deadlines_offers_the_cluster_under_the_cursor(
    licdash_app: LicdashApp,
) -> None:
    app = licdash_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "j", "j", "j", "e")  # the evaluation end of apac-syd-cucm3
        await settle(app, pilot)
        assert isinstance(app.screen, ExportDialog)
        assert app.screen.selected == "apac-syd-cucm3"


def shown_text(app: LicdashApp) -> str:
    """The help screen's text as a user reads it."""
    lines = app.screen.query_one("#help-keys", Static).render_lines(Region(0, 0, 78, 60))
    return "\n".join(line.text for line in lines)


async def test_help_on_deadlines_does_not_promise_header_sorting(
    licdash_app: LicdashApp,
) -> None:
    app = licdash_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        fleet_help = shown_text(app)
        await pilot.press("escape", "2", "question_mark")
        await pilot.pause()
        deadlines_help = shown_text(app)
        assert "sort by it" in fleet_help  # the fleet table's headers sort
        assert "sort by it" not in deadlines_help
        assert "click again: open it" in deadlines_help


async def test_detail_screens_run_under_no_color(
    store_dir: Path,
    statuses: dict[str, ClusterStatus],
    now: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = LicdashApp(StaticSource(statuses, store_dir=store_dir), clock=lambda: now)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for key in ("2", "3", "4"):
            await pilot.press(key)
            await settle(app, pilot)
        app.open_cluster("amer-nyc-cucm2")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ClusterScreen)
        # severity still reads without colour: glyph and word
        assert "✖ critical" in str(screen.query_one("#title").render())  # type: ignore[attr-defined]
