"""The deadline list at fleet scale: only rows in view are ever made, cursor and scroll hold."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from collectors.model import DeadlineKind
from collectors.results import ClusterStatus
from dashboard.screens.cluster import ClusterScreen
from dashboard.screens.deadlines import DeadlinesScreen
from dashboard.widgets.deadline_list import DeadlineList

SIZE = (120, 40)


def big_fleet(statuses: dict[str, ClusterStatus], n: int, days: int = 0) -> dict[str, Any]:
    """``n`` copies of a cluster with four deadlines, spread a day apart (about 4 n rows)."""
    base = statuses["emea-lon-cucm1"]
    assert base.last_good is not None
    out: dict[str, ClusterStatus] = {}
    for i in range(n):
        name = f"c{i:04d}"
        moved = tuple(
            d.model_copy(update={"at": d.at + timedelta(days=i % 300 + days)})
            for d in base.last_good.deadlines
        )
        snap = base.last_good.model_copy(update={"cluster": name, "deadlines": moved})
        out[name] = base.model_copy(update={"cluster": name, "last_good": snap})
    return out


async def test_a_refresh_that_changes_every_row_makes_only_the_rows_in_view(
    make_app: Any, statuses: dict[str, ClusterStatus], monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = big_fleet(statuses, 500)
    app = make_app(DeadlinesScreen, statuses=fleet)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DeadlineList)
        assert table.row_count == 2000
        made: list[int] = []
        real = DeadlineList._make_cells

        def counting(self: DeadlineList, row: int) -> Any:
            made.append(row)
            return real(self, row)

        monkeypatch.setattr(DeadlineList, "_make_cells", counting)
        # a day later every relative time differs, and every deadline moved
        app.update_fleet(big_fleet(statuses, 500, days=1), now=app.now + timedelta(days=1))
        await pilot.pause()
        assert made, "the visible rows were drawn again"
        assert len(made) <= SIZE[1]  # one screenful at most, not 2,000 rows
        assert max(made) < SIZE[1]


async def test_cursor_and_scroll_survive_a_full_update(
    make_app: Any, statuses: dict[str, ClusterStatus]
) -> None:
    app = make_app(DeadlinesScreen, statuses=big_fleet(statuses, 200))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DeadlineList)
        await pilot.press("pagedown", "pagedown", "j")
        key, top = table.cursor_key, table.scroll_y
        assert key is not None and top > 0
        app.update_fleet(big_fleet(statuses, 200), now=app.now + timedelta(minutes=1))
        await pilot.pause()
        assert (table.cursor_key, table.scroll_y) == (key, top)


async def test_end_then_enter_opens_the_last_deadlines_cluster(
    make_app: Any, statuses: dict[str, ClusterStatus]
) -> None:
    app = make_app(DeadlinesScreen, statuses=big_fleet(statuses, 120))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DeadlineList)
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        last = table.cursor_key
        assert last is not None
        # the cursor row is on screen, just above the footer
        assert table.scroll_y == table.max_scroll_y > 0
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ClusterScreen)
        assert app.screen.cluster == last.split("|")[0]


async def test_clicking_the_cursor_row_opens_its_cluster(make_app: Any) -> None:
    app = make_app(DeadlinesScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DeadlineList)
        await pilot.click(DeadlineList, offset=(40, 4))  # header, then the 4th deadline
        assert table.cursor_row == 3
        assert isinstance(app.screen, DeadlinesScreen)  # the first click only moves
        await pilot.click(DeadlineList, offset=(40, 4))
        await pilot.pause()
        assert isinstance(app.screen, ClusterScreen)
        assert app.screen.cluster == "apac-syd-cucm3"


async def test_a_long_cluster_name_is_cut_and_the_row_still_fits(
    make_app: Any, statuses: dict[str, ClusterStatus]
) -> None:
    name = "x" * 200 + "[/bold]"  # markup characters are text, never parsed
    base = statuses["amer-nyc-cucm2"]
    assert base.last_good is not None
    snap = base.last_good.model_copy(update={"cluster": name})
    odd = {name: base.model_copy(update={"cluster": name, "last_good": snap})}
    app = make_app(DeadlinesScreen, statuses=odd)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DeadlineList)
        kinds = [str(table.get_row_at(i)[5]) for i in range(table.row_count)]
        assert "registration renewal" in kinds
        assert DeadlineKind.REGISTRATION_EXPIRY.value in str(table.row_keys)
        shown = table.render_line(1).text  # what the first row shows, unscrolled
        assert "xxx…" in shown and "[/bold]" not in shown
        assert "authorization expiry" in shown  # the columns after it still fit


async def test_the_top_row_names_its_group_when_scrolled_into_it(
    make_app: Any, statuses: dict[str, ClusterStatus]
) -> None:
    app = make_app(DeadlinesScreen, statuses=big_fleet(statuses, 200))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DeadlineList)
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown")
        await pilot.pause()
        top = round(table.scroll_y)
        assert top > 0
        shown = table.render_line(1).text  # the first row under the header
        assert shown.strip().startswith("later …")
        assert str(table.get_row_at(top + 1)[0]) == ""  # only the top row repeats it
