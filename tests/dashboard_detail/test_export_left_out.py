"""The export dialog says what a file leaves out: never-polled clusters, named, and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.widgets import Input, Static

from dashboard.export import ExportResult, left_out
from dashboard.screens.deadlines import DeadlinesScreen
from dashboard.screens.export_dialog import ExportDialog

SIZE = (120, 40)


def never_polled(statuses: dict[str, Any]) -> list[str]:
    return sorted(name for name, s in statuses.items() if s.last_good is None)


async def test_the_dialog_names_never_polled_clusters_before_and_after(
    make_app: Any, statuses: dict[str, Any], tmp_path: Path
) -> None:
    missing = never_polled(statuses)
    assert missing, "the fixture fleet has a never-polled cluster"
    polled = sorted(set(statuses) - set(missing))
    app = make_app(DeadlinesScreen)
    results: list[ExportResult | None] = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(ExportDialog(polled[:1]), results.append)
        await pilot.pause()
        note = app.screen.query_one("#scope-note", Static)
        assert note.display
        shown = str(note.render())
        assert f"{len(missing)} never-polled" in shown and missing[0] in shown
        await pilot.click("#scope-filtered")  # only polled clusters: nothing left out
        await pilot.pause()
        assert not note.display
        await pilot.click("#scope-all")
        await pilot.pause()
        assert note.display
        app.screen.query_one("#path", Input).value = str(tmp_path / "all.json")
        await pilot.click("#export")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
    [result] = results
    assert result is not None
    written = json.loads((tmp_path / "all.json").read_text())
    assert result.count == len(written) == len(statuses) - len(missing)
    assert result.skipped == tuple(missing)
    assert f"left out {len(missing)} never-polled" in result.message


def test_left_out_is_exactly_what_the_file_misses(statuses: dict[str, Any]) -> None:
    assert left_out(statuses.values()) == never_polled(statuses)
    assert left_out(s for s in statuses.values() if s.last_good is not None) == []
