"""Live updates: hidden screens wait for resume, history re-queried only on real change,
theme changes re-colour cells."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rich.text import Text
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Static

from collectors.results import ClusterStatus
from dashboard.screens.cluster import ClusterScreen
from dashboard.screens.deadlines import DeadlinesScreen
from dashboard.widgets.deadline_list import DeadlineList

SIZE = (120, 40)


class Cover(Screen[None]):
    def compose(self) -> Any:
        yield Static("cover")


def first_header(table: DeadlineList) -> str:
    return str(getattr(table.get_row_at(0)[0], "plain", ""))


async def test_hidden_screen_skips_updates_and_catches_up_on_resume(make_app: Any) -> None:
    app = make_app(DeadlinesScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        deadlines = app.screen
        table = deadlines.query_one(DeadlineList)
        assert first_header(table) == "overdue (1)"
        await app.push_screen(Cover())
        app.update_fleet({}, now=app.now + timedelta(days=6))
        await pilot.pause()
        assert first_header(table) == "overdue (1)"  # no work while hidden
        await app.pop_screen()
        await pilot.pause()
        assert first_header(table) == "overdue (3)"


async def test_history_is_requeried_only_when_the_store_would_have_changed(
    make_app: Any, source: Any, statuses: dict[str, ClusterStatus]
) -> None:
    app = make_app(lambda: ClusterScreen("emea-lon-cucm1"))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        queries = lambda: source.calls.count(("history", "emea-lon-cucm1"))  # noqa: E731
        assert queries() == 1
        lon = statuses["emea-lon-cucm1"]
        seen_again = lon.model_copy(update={"last_seen": app.now + timedelta(minutes=5)})
        app.update_fleet({"emea-lon-cucm1": seen_again})
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert queries() == 1  # same content: nothing new in the store
        assert lon.last_good is not None
        reg = lon.last_good.registration.model_copy(update={"virtual_account": "Voice EU"})
        changed = seen_again.model_copy(
            update={"last_good": lon.last_good.model_copy(update={"registration": reg})}
        )
        app.update_fleet({"emea-lon-cucm1": changed})
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert queries() == 2
        assert "Voice EU" in str(app.screen.query_one("#summary", Static).render())


async def test_theme_change_recolours_table_cells(make_app: Any) -> None:
    app = make_app(DeadlinesScreen)
    app.register_theme(
        Theme(
            name="test-red",
            primary="#004578",
            dark=True,
            variables={"sev-critical": "#ff0000", "sev-warning": "#ffff00"},
        )
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DeadlineList)
        relative = table.get_row_at(0)[3]  # the overdue authorization expiry
        assert isinstance(relative, Text)
        before = relative.style
        app.theme = "test-red"
        await pilot.pause()
        after = table.get_row_at(0)[3]
        assert isinstance(after, Text)
        assert after.style != before
        assert "ff0000" in str(after.style).lower()
