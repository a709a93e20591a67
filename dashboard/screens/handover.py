"""The Handover screen: ``licdash handover`` on screen, ready to copy into a ticket.

The report (:mod:`collectors.handover`) is built in a thread worker from the fleet, the
store's transitions and failures and the acknowledgements' audit trail, and shown as
rendered Markdown; ``c`` copies the Markdown itself to the clipboard (OSC 52), ``n`` adds
a shift note, ``+``/``-`` move the start of the shift.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any, ClassVar, Final

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Markdown, Static

from collectors.dates import human_span
from collectors.fleet_summary import summarise
from collectors.handover import build, context_of, markdown
from dashboard.format import absolute
from dashboard.messages import FleetUpdated
from dashboard.screens.detail_host import app_host, go_back, host, is_visible
from dashboard.widgets.footer import Footer

SHIFTS: Final = (
    timedelta(hours=4),
    timedelta(hours=8),
    timedelta(hours=12),
    timedelta(hours=24),
)
DEFAULT_SHIFT: Final = 1
"""Index into :data:`SHIFTS`: eight hours."""
RELOAD_AFTER_S: Final = 5.0
"""Fleet updates arrive every few seconds; the report is rebuilt at most this often."""


class HandoverScreen(Screen[None]):
    """What the next shift must know; ``c`` copies it as Markdown."""

    TITLE = "Handover"

    DEFAULT_CSS = """
    HandoverScreen #heading {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-style: bold;
    }
    HandoverScreen #problem {
        height: auto;
        display: none;
        color: $error;
        padding: 0 1;
    }
    HandoverScreen VerticalScroll {
        height: 1fr;
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back"),
        Binding("c", "copy", "Copy Markdown"),
        Binding("n", "note", "Shift note"),
        Binding("plus,w", "longer", "Longer shift"),
        Binding("minus", "shorter", "Shorter shift"),
        Binding("ctrl+r", "reload", "Rebuild", show=False),
    ]

    class ReportBuilt(Message):
        """The report, as Markdown (posted from a thread worker)."""

        def __init__(self, since: datetime, text: str, problem: str | None) -> None:
            super().__init__()
            self.since = since
            self.text = text
            self.problem = problem

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._shift = DEFAULT_SHIFT
        self._since: datetime | None = None
        self._in_flight = False
        self._dirty = False
        self._next_at = 0.0
        self.text = ""
        """The Markdown last shown (what ``c`` copies)."""

    def compose(self) -> ComposeResult:
        yield Static(id="heading")
        yield Static(id="problem")
        with VerticalScroll():
            yield Markdown(id="report")
        yield Footer()

    @property
    def shift(self) -> timedelta:
        return SHIFTS[self._shift]

    def on_mount(self) -> None:
        self.sub_title = "Handover"
        self._reload()

    def on_screen_resume(self) -> None:
        self._reload()

    def on_fleet_updated(self, message: FleetUpdated) -> None:
        message.stop()
        if not is_visible(self):  # catches up in on_screen_resume
            return
        wait = self._next_at - time.monotonic()
        if wait <= 0:
            self._reload()
        else:
            self.set_timer(wait, self._reload, name="handover-reload")

    def _reload(self) -> None:
        """Build again; while a build runs, remember to run one more (never pile up)."""
        if self._in_flight:
            self._dirty = True
            return
        self._in_flight, self._dirty = True, False
        self._next_at = time.monotonic() + RELOAD_AFTER_S
        now = host(self).clock()
        self._since = now - self.shift
        self._heading(loading=True)
        self._build(self._since, now)

    @work(thread=True, exclusive=True, group="handover", exit_on_error=False)
    def _build(self, since: datetime, now: datetime) -> None:
        app = host(self)
        fleet, policy, source, acks = app.fleet, app.policy, app.source, app.ack_store
        problems: list[str] = []
        transitions: list[Any] = []
        failures: list[Any] = []
        events: list[Any] = []
        try:
            transitions = list(source.transitions(since))
            failures = list(source.failures(since=since))
        except Exception as exc:  # store absent, locked or corrupt: say so, keep going
            problems.append(f"History unavailable: {exc}")
        try:
            events = list(acks.events(since, now)) if acks is not None else []
        except Exception as exc:
            problems.append(f"Acknowledgements unavailable: {exc}")
        report = build(
            summarise(fleet.statuses, now, policy, fleet.acks),
            transitions=transitions,
            failures=failures,
            events=events,
            policy=policy,
            now=now,
            since=since,
            context=context_of(fleet.collector, policy, now),
        )
        self.post_message(self.ReportBuilt(since, markdown(report), "; ".join(problems) or None))

    def on_handover_screen_report_built(self, message: ReportBuilt) -> None:
        self._in_flight = False
        if self._dirty or message.since != self._since:
            self._reload()
            if message.since != self._since:
                return
        self.text = message.text
        self.query_one(Markdown).update(message.text)
        problem = self.query_one("#problem", Static)
        problem.update(Content(message.problem or ""))
        problem.display = bool(message.problem)
        self._heading()

    def _heading(self, *, loading: bool = False) -> None:
        if self._since is None:
            return
        what = "building…" if loading else "c copies it as Markdown, n adds a shift note"
        self.query_one("#heading", Static).update(
            Content(
                f"Shift since {absolute(self._since)} ({human_span(self.shift)}, +/- to change)"
                f": {what}"
            )
        )

    # ----- actions ------------------------------------------------------------------

    def action_copy(self) -> None:
        if not self.text:
            self.app.notify("the report is still being built", timeout=3)
            return
        self.app.copy_to_clipboard(self.text)
        lines = self.text.count("\n")
        self.app.notify(f"handover copied as Markdown ({lines} lines)", timeout=3)

    def action_note(self) -> None:
        app_host(self).add_shift_note(self._reload)

    def action_longer(self) -> None:
        if self._shift < len(SHIFTS) - 1:
            self._shift += 1
            self._reload()

    def action_shorter(self) -> None:
        if self._shift > 0:
            self._shift -= 1
            self._reload()

    def action_reload(self) -> None:
        self._reload()

    async def action_back(self) -> None:
        await go_back(self)
