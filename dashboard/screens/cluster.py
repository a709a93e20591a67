"""One cluster in depth: state, every timer, entitlements, history, errors, raw answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Static, TabbedContent, TabPane

from collectors.model import LicenseSnapshot
from collectors.products import counts_note, product_info
from collectors.results import ClusterStatus
from collectors.store.ack_files import AckEvent
from collectors.text_safety import neutralise
from dashboard.fleet_rows import UNREACHABLE_GLYPH
from dashboard.format import SEVERITY_GLYPH, STALE_GLYPH, absolute, human_span, sentence
from dashboard.messages import FleetUpdated
from dashboard.remediation import hints_for
from dashboard.screens.detail_host import app_host, go_back, host, is_visible, stale_rule
from dashboard.widgets.ack_panel import AckPanel
from dashboard.widgets.count_sparkline import CountSparkline
from dashboard.widgets.entitlements_table import EntitlementsTable
from dashboard.widgets.error_list import ErrorEntry, ErrorList, error_entries
from dashboard.widgets.footer import Footer
from dashboard.widgets.raw_view import RawView
from dashboard.widgets.remediation_list import RemediationList
from dashboard.widgets.severity_colors import SEVERITY_VAR, markup_colour
from dashboard.widgets.state_timeline import (
    StateTimeline,
    TimelineEntry,
    coverage_gaps,
    merge,
    snapshots_of,
    timeline,
)
from dashboard.widgets.timers import TimersTable

HISTORY_WINDOW = timedelta(days=90)
MAX_ERRORS = 50


def _word(value: object) -> str:
    text = getattr(value, "value", value)
    return "—" if text is None else str(text).replace("_", " ")


TICK_SECONDS = 5.0
"""How often the shown screen is redrawn from the clock when no update arrives."""


class ClusterScreen(Screen[None]):
    """Everything known about one cluster; ``v`` toggles the raw last response."""

    DEFAULT_CSS = """
    ClusterScreen #title {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-style: bold;
    }
    ClusterScreen #banner {
        height: auto;
        padding: 0 1;
        display: none;
        background: $warning 20%;
    }
    ClusterScreen #banner.-shown {
        display: block;
    }
    ClusterScreen #top {
        height: auto;
        max-height: 14;
    }
    ClusterScreen #summary {
        width: 1fr;
        padding: 0 1;
    }
    ClusterScreen RemediationList {
        width: 1fr;
        max-height: 14;
    }
    ClusterScreen #overview {
        height: auto;
    }
    ClusterScreen.-short #overview {
        max-height: 45%;
    }
    ClusterScreen TabbedContent {
        height: 1fr;
        min-height: 6;
    }
    ClusterScreen #load-error {
        color: $error;
        height: auto;
    }
    """

    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]  # noqa: RUF012 (Textual declares it)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back"),
        Binding("l", "show_tab('tab-entitlements')", "Licences"),
        Binding("h", "show_tab('tab-history')", "History"),
        Binding("x", "show_tab('tab-errors')", "Errors"),
        Binding("v", "toggle_raw", "Raw response"),
        Binding("a", "acknowledge", "Acknowledge", show=False),
        Binding("A", "snooze", "Snooze", show=False),
        Binding("u", "unacknowledge", "Remove acknowledgement", show=False),
        Binding("ctrl+r", "reload", "Reload history", show=False),
    ]

    class HistoryLoaded(Message):
        """The store answered for this cluster's history (posted from a thread worker)."""

        def __init__(
            self,
            generation: int,
            entries: Sequence[TimelineEntry],
            series: Mapping[str, Sequence[tuple[datetime, int]]],
            errors: Sequence[ErrorEntry],
            problem: str | None,
        ) -> None:
            super().__init__()
            # Frozen copies: a message carries values, never state someone may change.
            self.generation = generation
            self.entries = tuple(entries)
            self.series: Mapping[str, Sequence[tuple[datetime, int]]] = MappingProxyType(
                {tag: tuple(points) for tag, points in series.items()}
            )
            self.errors = tuple(errors)
            self.problem = problem

    class AcksLoaded(Message):
        """This cluster's audit trail (posted from a thread worker)."""

        def __init__(self, token: object, events: Sequence[AckEvent]) -> None:
            super().__init__()
            self.token = token
            self.events = tuple(events)

    class RawLoaded(Message):
        """The raw last response arrived (None: the source keeps none)."""

        def __init__(self, generation: int, raw: str | None) -> None:
            super().__init__()
            self.generation = generation
            self.raw = raw

    def __init__(self, cluster: str, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.cluster = cluster
        self._generation = 0
        self._raw_generation = 0
        self._history_errors: Sequence[ErrorEntry] = ()
        self._history_key: tuple[str | None, int, datetime | None] = (None, 0, None)
        self._last_history: ClusterScreen.HistoryLoaded | None = None
        self._shown: ClusterStatus | None = None
        """The status last drawn: the fleet replaces a cluster's status when it changes."""
        self._ack_events: Sequence[AckEvent] = ()
        self._acks_token: object = None

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield Static(id="banner")
        yield AckPanel()
        # On a short terminal the state and timers scroll in a box of their own, so
        # the title above and the tabs below never scroll off.
        with VerticalScroll(id="overview", can_focus=False):
            with Horizontal(id="top"):
                yield Static(id="summary")
                yield RemediationList()
            yield TimersTable()
        with TabbedContent(initial="tab-entitlements"):
            # Each tab names its key: the tabs are reachable without Tab and arrows.
            with TabPane(Content("Entitlements (l)"), id="tab-entitlements"):
                yield EntitlementsTable()
            with TabPane(Content("History (h)"), id="tab-history"), VerticalScroll():
                yield Static(id="load-error")
                yield CountSparkline()
                yield StateTimeline()
            with TabPane(Content("Errors (x)"), id="tab-errors"):
                yield ErrorList()
            with TabPane(Content("Raw (v)"), id="tab-raw"):
                yield RawView()
        yield Footer()

    # ----- data in ------------------------------------------------------------------

    def on_mount(self) -> None:
        self.sub_title = self.cluster
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._render_status()
        self._history_key = self._store_key()
        self._load_history()
        self._load_acks()
        self.set_interval(TICK_SECONDS, self._tick, name="cluster-tick")

    def _tick(self) -> None:
        """Time moves with no update too (polling paused): relative times, the stale mark."""
        if is_visible(self):
            self._render_status()

    def on_screen_resume(self) -> None:
        self._catch_up()

    def on_fleet_updated(self, message: FleetUpdated) -> None:
        message.stop()
        # Not ``message.changed``: queued updates coalesce into the newest, whose
        # ``changed`` no longer names this cluster when an earlier one did.
        acks_changed = host(self).fleet.acks.token != self._acks_token
        if message.changed and self._status() is self._shown and not acks_changed:
            return
        if is_visible(self):  # under another screen: catch up in on_screen_resume
            self._catch_up()

    def _catch_up(self) -> None:
        self._render_status()
        if host(self).fleet.acks.token != self._acks_token:
            self._load_acks()
        key = self._store_key()
        if key != self._history_key:  # the store only gains records when these change
            self._history_key = key
            self._load_history()
            if self.query_one(TabbedContent).active == "tab-raw":
                self._load_raw()

    def _store_key(self) -> tuple[str | None, int, datetime | None]:
        status = self._status()
        if status is None:
            return (None, 0, None)
        digest = status.last_good.content_digest() if status.last_good else None
        return (digest, status.consecutive_failures, status.last_attempt)

    def _theme_changed(self, _theme: Theme) -> None:
        self._render_status()
        if self._last_history is not None:
            self._show_history(self._last_history)

    def on_cluster_screen_history_loaded(self, message: HistoryLoaded) -> None:
        if message.generation != self._generation:
            return  # an older query finished after a newer one started
        self._last_history = message
        self._show_history(message)

    def _show_history(self, message: HistoryLoaded) -> None:
        now, tz = host(self).clock(), host(self).cluster_zone(self.cluster)
        problem = self.query_one("#load-error", Static)
        problem.update(Content(message.problem or ""))
        self.query_one(StateTimeline).show(message.entries, now, tz)
        names = {}
        status = self._status()
        if status and status.last_good:
            names = {e.tag: e.name for e in status.last_good.entitlements}
        sparkline = self.query_one(CountSparkline)
        sparkline.names = names
        sparkline.uncounted = counts_note(status.product) if status else None
        sparkline.window = (now - HISTORY_WINDOW, now)
        sparkline.series = message.series
        self._history_errors = message.errors
        self._render_errors()

    def on_cluster_screen_raw_loaded(self, message: RawLoaded) -> None:
        if message.generation == self._raw_generation:
            self.query_one(RawView).raw = message.raw

    # ----- workers (blocking store queries off the UI thread) ------------------------

    def _load_history(self) -> None:
        self._generation += 1
        self._query_history(self._generation, host(self).clock())

    @work(thread=True, exclusive=True, group="cluster-history", exit_on_error=False)
    def _query_history(self, generation: int, now: datetime) -> None:
        source = host(self).source
        since = now - HISTORY_WINDOW
        problems = []
        entries: list[TimelineEntry] = []
        series: dict[str, list[tuple[datetime, int]]] = {}
        failures: list[ErrorEntry] = []
        try:
            history = source.history(self.cluster, since=since)
            before = getattr(history, "before", None)
            entries = merge(
                timeline(
                    snapshots_of(getattr(history, "changes", ()) or ()),
                    before if isinstance(before, LicenseSnapshot) else None,
                ),
                coverage_gaps(getattr(history, "seen", ()) or ()),
            )
            failures = error_entries(getattr(history, "failures", ()) or ())
        except Exception as exc:  # the store may be absent, locked or corrupt
            problems.append(f"History of {self.cluster} unavailable: {exc}")
        try:
            series = source.entitlement_series(self.cluster, since=since)
        except Exception as exc:
            problems.append(f"Counts of {self.cluster} unavailable: {exc}")
        self.post_message(
            self.HistoryLoaded(
                generation, entries, series, failures[:MAX_ERRORS], "\n".join(problems) or None
            )
        )

    def _load_acks(self) -> None:
        self._acks_token = host(self).fleet.acks.token
        if host(self).ack_store is not None:
            self._query_acks(self._acks_token, host(self).clock())

    @work(thread=True, exclusive=True, group="cluster-acks", exit_on_error=False)
    def _query_acks(self, token: object, now: datetime) -> None:
        store = host(self).ack_store
        if store is None:
            return
        try:
            events = store.events(now - HISTORY_WINDOW, cluster=self.cluster)
        except Exception:  # the history is a nicety: the panel still shows what holds
            events = []
        self.post_message(self.AcksLoaded(token, events))

    def on_cluster_screen_acks_loaded(self, message: AcksLoaded) -> None:
        if message.token == self._acks_token:
            self._ack_events = message.events
            self._render_acks()

    def _render_acks(self) -> None:
        status, app = self._status(), host(self)
        now = app.clock()
        state = app.policy.acknowledgement(status, app.fleet.acks, now) if status else None
        self.query_one(AckPanel).show(state, self._ack_events, now, app.cluster_zone(self.cluster))

    def _load_raw(self) -> None:
        self._raw_generation += 1
        self._query_raw(self._raw_generation)

    @work(thread=True, exclusive=True, group="cluster-raw", exit_on_error=False)
    def _query_raw(self, generation: int) -> None:
        try:
            raw = host(self).source.raw(self.cluster)
        except Exception as exc:
            raw = f"The raw response of {self.cluster} could not be read: {exc}"
        self.post_message(self.RawLoaded(generation, raw))

    # ----- actions ------------------------------------------------------------------

    async def action_back(self) -> None:
        await go_back(self)

    def action_show_tab(self, tab: str) -> None:
        if tab == "tab-raw":
            self._load_raw()
        self.query_one(TabbedContent).active = tab

    def action_toggle_raw(self) -> None:
        tabs = self.query_one(TabbedContent)
        if tabs.active == "tab-raw":
            tabs.active = "tab-entitlements"
        else:
            tabs.active = "tab-raw"
            self._load_raw()

    def action_reload(self) -> None:
        self._load_history()

    def action_acknowledge(self) -> None:
        app_host(self).acknowledge(self.cluster)

    def action_snooze(self) -> None:
        app_host(self).acknowledge(self.cluster, snooze=True)

    def action_unacknowledge(self) -> None:
        app_host(self).unacknowledge(self.cluster)

    # ----- rendering ----------------------------------------------------------------

    def _status(self) -> ClusterStatus | None:
        return host(self).fleet.statuses.get(self.cluster)

    def _render_status(self) -> None:
        status = self._shown = self._status()
        now, tz = host(self).clock(), host(self).cluster_zone(self.cluster)
        stale = status is not None and stale_rule(host(self), now)(status)
        self._render_title(status, stale)
        self._render_banner(status, now, stale)
        self._render_acks()
        snap = status.last_good if status else None
        self.query_one("#summary", Static).update(self._summary(status))
        self.query_one(RemediationList).show(hints_for(status, now) if status else [])
        self.query_one(TimersTable).show(snap, now, tz, host(self).policy)
        entitlements = self.query_one(EntitlementsTable)
        if snap is None:
            entitlements.show((), empty="No successful poll yet.")
        else:
            lacking = counts_note(snap.product)
            empty = (
                f"{sentence(lacking)}: its status reports none."
                if lacking
                else "No entitlements reported (no licences in use)."
            )
            entitlements.show(snap.entitlements, empty=empty)
        self._render_errors()

    def _render_title(self, status: ClusterStatus | None, stale: bool) -> None:
        title = self.query_one("#title", Static)
        if status is None:
            title.update(Content(f"{self.cluster}  ? not in the fleet"))
            return
        sev = status.severity
        colour = markup_colour(self.app, SEVERITY_VAR[sev])
        via = status.transport or (status.last_good.source if status.last_good else "—")
        if status.axl_version:
            via = f"{via} {status.axl_version}"
        tags = " ".join(f"{k}={v}" for k, v in sorted(status.tags.items()))
        product = product_info(status.product).name
        label = f"{SEVERITY_GLYPH[sev]} {sev.value}"
        if stale or status.unreachable:
            # Old data is never shown as fine: say it is the last known state.
            tint = markup_colour(self.app, "stale")
            mark = f"{STALE_GLYPH} stale" if stale else f"{UNREACHABLE_GLYPH} unreachable"
            label = f"[{tint}]{mark}[/]  last known {label}"
        title.update(
            Content.from_markup(
                f"$name  [{colour}]{label}[/]  $product via $via  $tags",
                name=self.cluster,
                product=product,
                via=via,
                tags=tags,
            )
        )

    def _render_banner(self, status: ClusterStatus | None, now: datetime, stale: bool) -> None:
        banner = self.query_one("#banner", Static)
        text = stale_banner(status, now, stale=stale) if status else None
        banner.set_class(text is not None, "-shown")
        banner.update(Content(text or ""))

    def _summary(self, status: ClusterStatus | None) -> Content:
        snap = status.last_good if status else None
        if snap is None:
            return Content("No successful poll yet: nothing is known about licensing.")
        reg, auth = snap.registration, snap.authorization
        rows = [
            ("Registration", f"{_word(reg.status)}  ({reg.raw or '—'})"),
            ("Authorization", f"{_word(auth.status)}  ({auth.raw or '—'})"),
            ("Smart account", reg.smart_account or "—"),
            ("Virtual account", reg.virtual_account or "—"),
            ("UDI", snap.udi or "—"),
            ("Export control", _word(reg.export_controlled)),
            ("Smart Licensing", _word(snap.smart_licensing)),
            ("Collected", absolute(snap.collected_at)),
            ("Publisher", snap.publisher or "—"),
        ]
        if snap.reasons:
            rows.append(("Why", "; ".join(snap.reasons)))
        lines = [  # publisher text on one line each: a newline must not add a row
            Content.from_markup(
                "[b]$label[/b] $value", label=f"{label:<16}", value=neutralise(value)
            )
            for label, value in rows
        ]
        return Content("\n").join(lines)

    def _render_errors(self) -> None:
        status = self._status()
        entries = list(self._history_errors)
        if status and status.unreachable and status.last_error:
            latest = ErrorEntry(
                status.last_attempt,
                status.last_error.kind,
                neutralise(status.last_error.message),
                status.last_error.hint,
            )
            if not entries or (entries[0].kind, entries[0].at) != (latest.kind, latest.at):
                entries.insert(0, latest)
        now, tz = host(self).clock(), host(self).cluster_zone(self.cluster)
        self.query_one(ErrorList).show(entries, now, tz)


def stale_banner(status: ClusterStatus, now: datetime, *, stale: bool | None = None) -> str | None:
    """``⌛ STALE: last good poll 2 h ago …; last error read_timeout: …`` or None when fresh.

    ``stale`` overrides the engine's flag (the screen also counts aged data as stale).
    """
    stale = status.stale if stale is None else stale
    if not (stale or status.unreachable or status.last_good is None):
        return None
    age = status.age(now)
    parts = []
    if stale:
        parts.append(f"{STALE_GLYPH} STALE")
    elif status.unreachable:
        parts.append("✖ UNREACHABLE")
    else:
        parts.append("? NO DATA")
    if age is None:
        parts.append("never polled successfully")
    else:
        parts.append(f"last good poll {human_span(age)} ago ({absolute(now - age)})")
    if status.last_error is not None:
        count = status.consecutive_failures
        tries = f" ({count} failed polls in a row)" if count > 1 else ""
        parts.append(f"last error {status.last_error.kind}: {status.last_error.message}{tries}")
    return neutralise(" · ".join(parts))
