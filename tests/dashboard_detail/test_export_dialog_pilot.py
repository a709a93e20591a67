"""ExportDialog: scope, format and path; written in a worker; result or error on screen."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from textual.widgets import Input, Static

from collectors.model import LicenseSnapshot
from dashboard.export import ExportResult
from dashboard.screens.cluster import ClusterScreen
from dashboard.screens.deadlines import DeadlinesScreen
from dashboard.screens.export_dialog import ExportDialog

SIZE = (120, 40)


async def open_dialog(app: Any, pilot: Any, dialog: ExportDialog) -> list[ExportResult | None]:
    results: list[ExportResult | None] = []
    await pilot.pause()
    app.push_screen(dialog, results.append)
    await pilot.pause()
    return results


async def finish(app: Any, pilot: Any) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_json_of_all_clusters_parses_back(make_app: Any, tmp_path: Path) -> None:
    app = make_app(DeadlinesScreen)
    async with app.run_test(size=SIZE) as pilot:
        results = await open_dialog(app, pilot, ExportDialog(["emea-lon-cucm1"]))
        path_input = app.screen.query_one("#path", Input)
        assert path_input.value == "licdash-20260301T120000Z.json"
        path_input.value = str(tmp_path / "all.json")
        await pilot.press("enter")
        await finish(app, pilot)
        # amer-chi-cucm5 was never polled: left out, and the result says so.
        assert results == [ExportResult(tmp_path / "all.json", "json", 4, ("amer-chi-cucm5",))]
        data = json.loads((tmp_path / "all.json").read_text())
        assert {LicenseSnapshot.from_json_dict(d).cluster for d in data} == {
            "emea-lon-cucm1",
            "amer-nyc-cucm2",
            "apac-syd-cucm3",
            "emea-par-cucm4",
        }
        assert not isinstance(app.screen, ExportDialog)
        assert results[0] is not None
        assert results[0].message == (
            f"Wrote 4 records to {tmp_path / 'all.json'}; left out 1 never-polled cluster"
            " (no snapshot yet): amer-chi-cucm5"
        )


async def test_csv_of_the_filtered_clusters(make_app: Any, tmp_path: Path) -> None:
    app = make_app(DeadlinesScreen)
    async with app.run_test(size=SIZE) as pilot:
        results = await open_dialog(app, pilot, ExportDialog(["amer-nyc-cucm2", "apac-syd-cucm3"]))
        await pilot.click("#format-csv")
        await pilot.click("#scope-filtered")
        path_input = app.screen.query_one("#path", Input)
        assert path_input.value.endswith(".csv")  # the default path follows the format
        path_input.value = str(tmp_path / "some.csv")
        await pilot.press("ctrl+s")  # exports from anywhere in the dialog
        await finish(app, pilot)
        text = (tmp_path / "some.csv").read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert {r["cluster"] for r in rows} == {"amer-nyc-cucm2", "apac-syd-cucm3"}
        assert results == [ExportResult(tmp_path / "some.csv", "csv", len(rows))]


async def test_selected_scope_defaults_to_the_cluster_screen_below(
    make_app: Any, tmp_path: Path
) -> None:
    app = make_app(lambda: ClusterScreen("apac-syd-cucm3"))
    async with app.run_test(size=SIZE) as pilot:
        results = await open_dialog(app, pilot, ExportDialog([]))
        assert "Selected: apac-syd-cucm3" in str(
            app.screen.query_one("#scope-selected").label  # type: ignore[attr-defined]
        )
        await pilot.click("#scope-selected")
        app.screen.query_one("#path", Input).value = str(tmp_path / "one.json")
        await pilot.click("#export")
        await finish(app, pilot)
        data = json.loads((tmp_path / "one.json").read_text())
        assert [d["cluster"] for d in data] == ["apac-syd-cucm3"]
        assert results[0] is not None and results[0].count == 1


async def test_unwritable_path_shows_a_clear_error_and_stays_open(
    make_app: Any, tmp_path: Path
) -> None:
    app = make_app(DeadlinesScreen)
    async with app.run_test(size=SIZE) as pilot:
        results = await open_dialog(app, pilot, ExportDialog([]))
        app.screen.query_one("#path", Input).value = str(tmp_path / "missing" / "x.json")
        await pilot.press("enter")
        await finish(app, pilot)
        assert isinstance(app.screen, ExportDialog)
        status = str(app.screen.query_one("#status", Static).render())
        assert "missing" in status and "does not exist" in status
        assert results == []
        await pilot.press("escape")
        await pilot.pause()
        assert results == [None]


async def test_svg_screenshot_of_the_screen_below(make_app: Any, tmp_path: Path) -> None:
    app = make_app(DeadlinesScreen)
    async with app.run_test(size=SIZE) as pilot:
        results = await open_dialog(app, pilot, ExportDialog([]))
        await pilot.click("#format-svg")
        target = tmp_path / "screen.svg"
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.click("#export")
        await finish(app, pilot)
        await finish(app, pilot)
        assert results == [ExportResult(target, "svg", 1)]
        svg = target.read_text()
        assert svg.startswith("<svg")
        assert "Deadlines" in svg
        assert "Scope" not in svg  # taken after the dialog closed
