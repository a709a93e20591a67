"""ctrl+p: jump to any cluster by name, or run any dashboard action by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from dashboard.format import severity_label
from dashboard.screens.detail_host import app_host

Action = tuple[str, str, Callable[[], object]]


class ClusterCommands(Provider):
    """Every cluster of the fleet: choosing one selects it on the fleet screen."""

    async def search(self, query: str) -> Hits:
        app = app_host(self)
        matcher = self.matcher(query)
        for name, status in app.fleet.statuses.items():
            score = matcher.match(name)
            if score > 0:
                tags = " ".join(f"{k}={v}" for k, v in status.tags.items())
                # The palette parses help as markup: a tag like "[/lab]" would crash it.
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(app.jump_to_cluster, name),
                    text=name,
                    help=escape(f"{severity_label(status.severity)}  {tags}".rstrip()),
                )


class ActionCommands(Provider):
    """The dashboard's actions, the same ones the keys run."""

    def _actions(self) -> Iterator[Action]:
        app = app_host(self)
        yield ("Fleet screen", "Every cluster, worst first (1)", partial(app.show_screen, "fleet"))
        yield (
            "Deadlines screen",
            "Upcoming renewals and expiries (2)",
            partial(app.show_screen, "deadlines"),
        )
        yield (
            "Entitlements screen",
            "Fleet roll-up per licence (3)",
            partial(app.show_screen, "entitlements"),
        )
        yield (
            "Events screen",
            "Changes since shift start, poll errors (4)",
            partial(app.show_screen, "events"),
        )
        yield (
            "Handover screen",
            "Open problems, the shift's changes and notes, as Markdown (5)",
            partial(app.show_screen, "handover"),
        )
        yield ("Shift note…", "Add a note to this shift's handover", app.add_shift_note)
        yield ("Poll all now", "Poll every cluster now (R)", partial(app.poll, None))
        if app.source.paused:
            yield ("Resume polling", "Resume scheduled polling (p)", app.action_toggle_pause)
        else:
            yield ("Pause polling", "Stop scheduled polling (p)", app.action_toggle_pause)
        yield ("Export…", "Export snapshots or a screenshot (e)", app.action_export)
        yield ("Next theme", "Cycle the colour theme (t)", app.action_next_theme)
        for theme in app.licdash_themes:
            yield (f"Theme: {theme}", f"Switch to the {theme} theme", partial(app.set_theme, theme))
        yield ("Keys", "Every key of this screen (?)", app.action_help)

    async def discover(self) -> Hits:
        for name, help_text, callback in self._actions():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._actions():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name, help=help_text)


class ThemeCommands(Provider):
    """The palette's theme picker: only the themes licdash starts with again.

    Textual's own picker lists every registered Textual theme too; one chosen there
    would be remembered and then refused on the next start.
    """

    def _themes(self) -> Iterator[tuple[str, Callable[[], object]]]:
        app = app_host(self)
        for theme in app.licdash_themes:
            yield theme, partial(app.set_theme, theme)

    async def discover(self) -> Hits:
        for name, callback in self._themes():
            yield DiscoveryHit(name, callback)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback in self._themes():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name)
