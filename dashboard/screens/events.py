"""Shift handover: state transitions across the fleet since a chosen time, and failures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import ClassVar, Final

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Static

from dashboard.format import absolute, human_span
from dashboard.messages import FleetUpdated
from dashboard.screens.cluster import ClusterScreen
from dashboard.screens.detail_host import go_back, host, is_visible, stale_rule
from dashboard.widgets.error_list import ErrorEntry, error_entries
from dashboard.widgets.event_tables import (
    FailureTable,
    TransitionEntry,
    TransitionTable,
    group_flaps,
    open_issues,
    transition_entries,
)
from dashboard.widgets.footer import Footer
from dashboard.widgets.line_table import LineTable

WINDOWS: Final = (
    timedelta(hours=1),
    timedelta(hours=12),
    timedelta(hours=24),
    timedelta(days=3),
    timedelta(days=7),
    timedelta(days=30),
)
DEFAULT_WINDOW: Final = 1
"""Index into :data:`WINDOWS`: the last 12 hours."""


class EventsScreen(Screen[None]):
    """What changed since a chosen time; ``w`` widens the window, ``n`` narrows it."""

    DEFAULT_CSS = """
    EventsScreen .heading {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-style: bold;
    }
    EventsScreen #open-now {
        height: auto;
        padding: 0 1;
    }
    EventsScreen #problem {
        height: auto;
        display: none;
        color: $error;
        padding: 0 1;
    }
    EventsScreen TransitionTable {
        height: 2fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back"),
        Binding("w,plus", "widen", "Widen window"),
        Binding("n,minus", "narrow", "Narrow window"),
    ]

    class EventsLoaded(Message):
        """The store answered (posted from a thread worker)."""

        def __init__(
            self,
            since: datetime,
            transitions: Sequence[TransitionEntry],
            failures: Sequence[ErrorEntry],
            problem: str | None,
        ) -> None:
            super().__init__()
            self.since = since
            self.transitions = tuple(transitions)  # values, never state someone may change
            self.failures = tuple(failures)
            self.problem = problem

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._window = DEFAULT_WINDOW
        self._since: datetime | None = None
        self._in_flight = False
        self._dirty = False
        self._last: EventsScreen.EventsLoaded | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="heading", classes="heading")
        yield Static(id="open-now")
        yield Static(id="problem")
        yield TransitionTable()
        yield Static("Poll failures", id="failures-heading", classes="heading")
        yield FailureTable()
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Events"
        self.query_one(TransitionTable).focus()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._reload()

    def on_screen_resume(self) -> None:
        self._reload()

    def on_fleet_updated(self, message: FleetUpdated) -> None:
        message.stop()
        if is_visible(self):  # a hidden screen catches up in on_screen_resume
            self._reload()

    def _theme_changed(self, _theme: Theme) -> None:
        if self._last is not None:
            self._show(self._last)

    @property
    def window(self) -> timedelta:
        return WINDOWS[self._window]

    def _reload(self) -> None:
        """Query again; while a query runs, remember to run one more (never pile up)."""
        if self._in_flight:
            self._dirty = True
            return
        self._in_flight, self._dirty = True, False
        self._since = host(self).clock() - self.window
        self._heading(loading=True)
        self._query(self._since)

    @work(thread=True, exclusive=True, group="events", exit_on_error=False)
    def _query(self, since: datetime) -> None:
        source = host(self).source
        problems = []
        transitions: list[TransitionEntry] = []
        failures: list[ErrorEntry] = []
        try:
            transitions = transition_entries(source.transitions(since))
        except Exception as exc:  # store absent, locked or corrupt: say so, keep going
            problems.append(f"Transitions unavailable: {exc}")
        try:
            failures = error_entries(source.failures(since=since))
        except Exception as exc:
            problems.append(f"Failures unavailable: {exc}")
        self.post_message(self.EventsLoaded(since, transitions, failures, "; ".join(problems)))

    def on_events_screen_events_loaded(self, message: EventsLoaded) -> None:
        self._in_flight = False
        if self._dirty or message.since != self._since:
            self._reload()
            if message.since != self._since:
                return
        self._last = message
        self._show(message)

    def _show(self, message: EventsLoaded) -> None:
        now = host(self).clock()
        app = host(self)
        issues = open_issues(app.fleet.statuses, is_stale=stale_rule(app, app.clock()))
        self.query_one("#open-now", Static).update(Content(issues))
        names = {
            e.tag: e.name
            for status in host(self).fleet.statuses.values()
            if status.last_good
            for e in status.last_good.entitlements
        }
        problem = self.query_one("#problem", Static)
        problem.update(Content(message.problem or ""))
        problem.display = bool(message.problem)
        self.query_one(TransitionTable).show(group_flaps(message.transitions), now, names)
        self.query_one(FailureTable).show(message.failures, now)
        self._heading(len(message.transitions), len(message.failures))
        self.query_one("#failures-heading", Static).update(
            f"Poll failures: {len(message.failures)}"
        )

    def _heading(self, transitions: int = 0, failures: int = 0, *, loading: bool = False) -> None:
        since = self._since
        if since is None:
            return
        what = "loading…" if loading else f"{transitions} state changes, {failures} failures"
        self.query_one("#heading", Static).update(
            f"Since {absolute(since)} (last {human_span(self.window)}): {what}   w/n widen/narrow"
        )

    def action_widen(self) -> None:
        if self._window < len(WINDOWS) - 1:
            self._window += 1
            self._reload()

    def action_narrow(self) -> None:
        if self._window > 0:
            self._window -= 1
            self._reload()

    def on_line_table_row_selected(self, event: LineTable.RowSelected) -> None:
        event.stop()
        cluster = event.key.split("|", 1)[0]
        if cluster and cluster != "none":
            self.app.push_screen(ClusterScreen(cluster))

    async def action_back(self) -> None:
        await go_back(self)
