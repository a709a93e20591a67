"""``LicdashApp``: the shell that holds the fleet, routes data to screens, and owns the keys
that work everywhere.

The app keeps ``fleet`` (a frozen :class:`~dashboard.state.FleetState`, replaced, never
mutated) and receives :class:`~dashboard.messages.FleetUpdated` from its data source. It
forwards each update to the screens that show data; a screen that becomes active again
reads ``app.fleet`` in ``on_screen_resume``.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, ClassVar

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Static

from collectors.gc_pause import start_up_without_gc
from collectors.policy import DEFAULT_POLICY, FreshnessPolicy
from collectors.sources.ack_route import AckLedger
from dashboard.ack_desk import AckDesk
from dashboard.input_gate import InputGate
from dashboard.messages import AcksUpdated, FleetUpdated, SourceError
from dashboard.palette import ActionCommands, ClusterCommands, ThemeCommands
from dashboard.prefs import save_theme
from dashboard.screens.detail_host import AppHost
from dashboard.screens.fleet import FleetScreen
from dashboard.screens.help import HelpScreen, collect_key_help, mouse_help
from dashboard.sources.base import DataSource
from dashboard.state import FleetState
from dashboard.widgets.footer import Footer
from themes import THEMES, load_user_themes, resolve_theme
from themes import severity_variable_defaults as _severity_defaults

SCREENS_BY_KEY = {
    "1": "fleet",
    "2": "deadlines",
    "3": "entitlements",
    "4": "events",
    "5": "handover",
    "0": "overview",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UnavailableScreen(Screen[None]):
    """Stands in for a screen whose module is not installed yet."""

    def __init__(self, title: str, detail: str = "") -> None:
        super().__init__()
        self.title = title
        self._detail = detail

    def compose(self) -> ComposeResult:
        text = f"{self.title}: not available in this build."
        yield Static(f"{text}\n{self._detail}".rstrip(), classes="unavailable")
        yield Footer()


def _detail_screen(
    module: str, class_name: str, title: str, **kwargs: Any
) -> Callable[[], Screen[Any]]:
    """A factory for one of the detail screens, imported only when first shown."""

    def make() -> Screen[Any]:
        qualified = f"dashboard.screens.{module}"
        try:
            screen_class = getattr(importlib.import_module(qualified), class_name)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                raise
            return UnavailableScreen(title)
        screen: Screen[Any] = screen_class(**kwargs)
        return screen

    return make


GIL_SWITCH_S = 0.001
"""How long a thread may hold the GIL while another waits for it (Python's default is
5 ms: several such waits per frame made key presses late while a worker judged)."""


class LicdashApp(App[None]):
    """The licdash dashboard."""

    CSS_PATH = "app.tcss"
    TITLE = "licdash"
    COMMANDS = App.COMMANDS | {ClusterCommands, ActionCommands}
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "fleet": FleetScreen,
        "deadlines": _detail_screen("deadlines", "DeadlinesScreen", "Deadlines"),
        "entitlements": _detail_screen("entitlements", "EntitlementsScreen", "Entitlements"),
        "events": _detail_screen("events", "EventsScreen", "Events"),
        "handover": _detail_screen("handover", "HandoverScreen", "Handover"),
        "overview": _detail_screen("overview", "OverviewScreen", "Overview"),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "show_screen('fleet')", "Fleet"),
        Binding("2", "show_screen('deadlines')", "Deadlines"),
        Binding("3", "show_screen('entitlements')", "Entitlements"),
        Binding("4", "show_screen('events')", "Events"),
        Binding("5", "show_screen('handover')", "Handover"),
        Binding("0", "show_screen('overview')", "Overview"),
        Binding("R", "poll_all", "Poll all now", show=False),
        Binding("p", "toggle_pause", "Pause/resume"),
        Binding("e", "export", "Export"),
        Binding("t", "next_theme", "Theme", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("escape,backspace", "back", "Back", show=False),
        Binding("q", "quit", "Quit"),
        # Like k9s and htop: ctrl+c quits, everywhere (also in the filter input).
        Binding("ctrl+c,ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        source: DataSource,
        *,
        clock: Callable[[], datetime] = utcnow,
        theme: str | None = None,
        stale_after: timedelta | None = None,
        policy: FreshnessPolicy | None = None,
        prefs_path: Path | None = None,
        user_themes_dir: Path | None = None,
        allow_ack: bool | None = None,
        ack_by: str | None = None,
        wall: bool = False,
        page_seconds: float = 15.0,
    ) -> None:
        """Open on ``source``.

        Args:
            stale_after: One staleness threshold for every cluster (``--stale-after``).
            policy: A policy that overrides the data's own; with neither, the source's
                policy is used (the collector's, recorded in the store), else the
                fallback, which the summary bar states.
            theme: A theme name; None picks the default (monochrome under ``NO_COLOR``).
                An unknown name is reported on screen, not fatal.
            prefs_path: Where a theme chosen in the app is remembered (None: nowhere).
            user_themes_dir: A directory of ``*.toml`` themes to add to the built-ins.
            allow_ack: Whether ``a``/``A``/``u`` may write acknowledgements beside the
                store; None: a source that polls may, a read-only viewer may not.
            ack_by: Who acknowledges (default: the login name).
            wall: Open the wall (see :mod:`dashboard.screens.wall`) instead of the fleet
                screen, and show no transient notices.
            page_seconds: How long the wall shows each page.
        """
        no_color = os.environ.get("NO_COLOR") is not None  # Textual hides it from Rich
        super().__init__()
        self.source = source
        self.clock = clock
        if policy is None and stale_after is not None:
            policy = FreshnessPolicy.uniform(stale_after)
        self._policy_override = policy
        self.prefs_path = prefs_path
        self.fleet = FleetState(source=source.kind)
        self.acks_desk = AckDesk.for_source(
            self,
            source,
            allowed=not source.readonly if allow_ack is None else allow_ack,
            by=ack_by,
        )
        self.input_gate = InputGate()
        """Held for a frame after each key press: background judging waits."""
        self._start_up = contextlib.ExitStack()
        """The collector's pause while the app starts (see on_load)."""
        self.problems: list[str] = []
        """Startup problems (themes) shown as notifications once the app is up."""
        self._theme_names: list[str] = []
        for builtin in THEMES.values():
            self._add_theme(builtin)
        if user_themes_dir is not None:
            user_themes, theme_problems = load_user_themes(user_themes_dir)
            for user_theme in user_themes:
                if user_theme.name in self._theme_names:
                    self.problems.append(
                        f"{user_theme.name} (in {user_themes_dir}): a built-in theme has "
                        "this name; the file is ignored (rename it or set name = ...)"
                    )
                    continue
                self._add_theme(user_theme)
            self.problems += [str(p) for p in theme_problems]
        chosen, problem = resolve_theme(theme, self._theme_names, no_color=no_color)
        if problem is not None:
            self.problems.append(str(problem))
        self.theme = chosen
        # ----- wall mode (issue 13) -----
        self.wall = wall
        """No transient notices; the home screen is the wall."""
        if wall:
            self.add_mode(
                "wall", _detail_screen("wall", "WallScreen", "Wall", page_seconds=page_seconds)
            )

    @property
    def home_mode(self) -> str:
        """The screen the app opens on and falls back to."""
        return "wall" if self.wall else "fleet"

    def _add_theme(self, theme: Theme) -> None:
        self.register_theme(theme)
        if theme.name not in self._theme_names:
            self._theme_names.append(theme.name)

    @property
    def licdash_themes(self) -> Sequence[str]:
        """The themes ``t`` cycles through, in order."""
        return tuple(self._theme_names)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **_severity_defaults()}

    # ----- lifecycle ------------------------------------------------------------------

    def on_load(self) -> None:
        # No collection while the app starts (the CSS, the screens, the widgets: all
        # live as long as the app), as `licdash collect` starts; what exists when the
        # start ends is frozen, the source's first data included. A full collection
        # then would trace 10,000 clusters' statuses for nothing: half a second on the
        # way to the first table.
        self._start_up.enter_context(start_up_without_gc())

    async def on_mount(self) -> None:
        try:
            await self._start()
        finally:
            self._start_up.close()

    async def _start(self) -> None:
        # Worker threads judge large fleets (and sources parse in theirs) while keys are
        # pressed: the UI thread waits for the GIL at most this long, not the default 5 ms.
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_S))
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        await self.switch_mode(self.home_mode)
        for problem in self.problems:
            self.notify(problem, title="Theme", severity="warning", timeout=10)
        await self.source.start(self)
        self.acks_desk.start()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:  # (not bubbled back)
            self.input_gate.hold()  # a worker judging the fleet steps aside for its frame
        await super().on_event(event)

    async def on_unmount(self) -> None:
        self._start_up.close()  # (an app that stopped before it was mounted)
        await self.acks_desk.stop()
        await self.source.stop()

    @property
    def policy(self) -> FreshnessPolicy:
        """The policy every screen judges by: the user's override, else the data's
        (the collector's or the live config's), else the stated fallback."""
        return self._policy_override or self.fleet.policy or DEFAULT_POLICY

    def cluster_zone(self, name: str) -> tzinfo:
        """The configured IANA zone of cluster ``name``, else UTC."""
        return self.source.cluster_zone(name)

    # ----- data -----------------------------------------------------------------------

    def on_fleet_updated(self, message: FleetUpdated) -> None:
        if message.fleet is self.fleet:
            return  # a forwarded copy bubbling back from a screen
        fleet = message.fleet
        if fleet.acks is not self.fleet.acks and self.acks_desk.router is None:
            fleet = replace(fleet, acks=self.fleet.acks)  # the desk's, not the source's
        said = set(self.fleet.notices)
        for notice in fleet.notices:
            if notice not in said:  # a merged view's collision, once
                self.notify(notice, title="Sources", severity="warning", timeout=15)
        self._forward(fleet, message.changed)

    def on_acks_updated(self, message: AcksUpdated) -> None:
        self._forward(replace(self.fleet, acks=message.book), frozenset())

    def _forward(self, fleet: FleetState, changed: frozenset[str]) -> None:
        self.fleet = fleet
        for screen in self._data_screens():
            forwarded = FleetUpdated(fleet, changed)
            forwarded.stop()
            screen.post_message(forwarded)

    def _data_screens(self) -> Iterator[Screen[Any]]:
        """Every screen of the current stack, and the base screen of every other mode."""
        seen: set[int] = set()
        stacks = [self.screen_stack, *(s[:1] for s in self._screen_stacks.values())]
        for stack in stacks:
            for screen in stack:
                if id(screen) not in seen:
                    seen.add(id(screen))
                    yield screen

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications carry cluster names, paths and error text: never parse them as
        markup unless asked (a "[/x]" in a SOAP fault or a path would crash the toast).

        The wall shows no transient notices: an error goes to the wall's own notice
        line, which stays until the data moves on."""
        if self.wall:
            if severity == "error" and hasattr(self.screen, "show_notice"):
                self.screen.show_notice(f"{title}: {message}" if title else message)
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def action_help_quit(self) -> None:
        """Textual's "ctrl+c does not quit" hint, should a keymap ever bring it back:
        its text is markup of Textual's own, so render it."""
        super().notify("Press ctrl+q or q to quit", title="Do you want to quit?")

    def on_source_error(self, message: SourceError) -> None:
        error = message.error
        where = f"{error.cluster}: " if error.cluster else ""
        hint = f"\n{error.hint}" if error.hint else ""
        self.notify(f"{where}{error.message}{hint}", title=error.kind, severity="error", timeout=15)

    # ----- navigation -----------------------------------------------------------------

    async def action_show_screen(self, mode: str) -> None:
        await self.show_screen(mode)

    async def show_screen(self, mode: str) -> None:
        """Switch to one of the four top-level screens (modes)."""
        if self.current_mode == mode:
            if len(self.screen_stack) > 1 and not isinstance(self.screen, HelpScreen):
                await self._pop_to_base()
            return
        await self.switch_mode(mode)

    async def _pop_to_base(self) -> None:
        while len(self.screen_stack) > 1:
            await self.pop_screen()

    async def action_back(self) -> None:
        if len(self.screen_stack) > 1:
            await self.pop_screen()
        elif self.current_mode != self.home_mode:
            await self.switch_mode(self.home_mode)

    def open_cluster(self, cluster: str) -> None:
        """Drill into ``cluster`` (the cluster screen, pushed over the current screen)."""
        try:
            from dashboard.screens.cluster import ClusterScreen
        except ModuleNotFoundError as exc:
            if exc.name != "dashboard.screens.cluster":
                raise
            self.push_screen(UnavailableScreen(f"Cluster {cluster}"))
            return
        self.push_screen(ClusterScreen(cluster))

    async def jump_to_cluster(self, cluster: str) -> None:
        """Select ``cluster`` on the fleet screen."""
        await self.switch_mode("fleet")
        await self._pop_to_base()
        screen = self.screen
        if isinstance(screen, FleetScreen):
            if not screen.table.move_to(cluster):
                self.notify(f"no cluster named {cluster!r}", severity="warning")
            screen.table.focus()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            screen = self.screen
            self.push_screen(HelpScreen(collect_key_help(screen), mouse=mouse_help(screen)))

    # ----- polling --------------------------------------------------------------------

    def _writable(self) -> bool:
        if self.source.readonly:
            self.notify("read-only viewer: polling is done by `licdash collect`", timeout=4)
            return False
        return True

    def poll(self, cluster: str | None) -> None:
        """Ask the source to poll ``cluster`` (None: every cluster) now."""
        if self._writable():
            self.source.poll_now(cluster)
            self.notify(f"polling {cluster or 'every cluster'} now", timeout=2)

    def action_poll_all(self) -> None:
        self.poll(None)

    def action_toggle_pause(self) -> None:
        if not self._writable():
            return
        if self.source.paused:
            self.source.resume()
            self.notify("polling resumed", timeout=2)
        else:
            self.source.pause()
            self.notify("polling paused", timeout=2)

    # ----- acknowledgements -------------------------------------------------------------

    @property
    def ack_store(self) -> AckLedger | None:
        """The acknowledgements beside the store, or a merged view's sources' (None
        without either); blocking reads."""
        return self.acks_desk.store

    def acknowledge(self, cluster: str, *, snooze: bool = False) -> None:
        self.acks_desk.acknowledge(cluster, snooze=snooze)

    def unacknowledge(self, cluster: str) -> None:
        self.acks_desk.unacknowledge(cluster)

    def add_shift_note(self, done: Callable[[], None] | None = None) -> None:
        self.acks_desk.add_note(done)

    # ----- export, themes -------------------------------------------------------------

    def action_export(self) -> None:
        if self.is_web:  # a browser session (licdash serve) never writes on the server
            self.notify("export is not offered in the browser: run `licdash export` there")
            return
        try:
            from dashboard.screens.export_dialog import ExportDialog
        except ModuleNotFoundError as exc:
            if exc.name != "dashboard.screens.export_dialog":
                raise
            self.notify("export is not available in this build", severity="warning")
            return
        screen = self.screen
        selected: str | None = None
        if isinstance(screen, FleetScreen):
            clusters: Sequence[str] = screen.table.clusters  # filtered, in display order
            selected = screen.table.selected_cluster
        else:
            clusters = sorted(self.fleet.statuses)
            selected = getattr(screen, "cluster", None)
        self.push_screen(ExportDialog(clusters, selected=selected), self._export_done)

    def _export_done(self, result: object) -> None:
        if result is None:
            return
        failed = getattr(result, "ok", True) is False
        self.notify(
            str(getattr(result, "message", result)), severity="error" if failed else "information"
        )

    def action_next_theme(self) -> None:
        names = self._theme_names
        index = names.index(self.theme) + 1 if self.theme in names else 0
        self.set_theme(names[index % len(names)])

    def set_theme(self, name: str) -> None:
        self.theme = name
        self.notify(f"theme: {name}", timeout=2)

    def search_themes(self) -> None:
        """The palette's "Theme" command: licdash's themes only (see ThemeCommands)."""
        self.push_screen(CommandPalette(providers=[ThemeCommands], placeholder="Theme…"))

    def _remember_theme(self, theme: Theme) -> None:
        if theme.name not in self._theme_names:
            return  # never remember a theme the next start would refuse
        if self.prefs_path is not None:
            self._save_theme(self.prefs_path, theme.name)

    @work(thread=True, exclusive=True, group="prefs", exit_on_error=False, description="save theme")
    def _save_theme(self, path: Path, name: str) -> None:
        try:
            save_theme(path, name)
        except OSError as exc:
            self.call_from_thread(
                self.notify, f"cannot remember the theme in {path}: {exc}", severity="warning"
            )


def _provides_app_host(app: LicdashApp) -> AppHost:
    """Never called: mypy proves here that the app provides what its screens ask of it."""
    return app
