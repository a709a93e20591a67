"""The wall: a NOC screen nobody touches, readable across the room.

Top to bottom: the header (clock, page, age of the newest data), the collector banner
when the collector behind the data stopped, a notice line for errors (the wall shows no
toasts), the counts in big digits, then the pages: the fleet overview first, then every
cluster that needs a person, worst first. Nothing has a cursor or a focus highlight:
the loudest thing on the wall is what is broken. When the overview and the problem list
fit together they share one page; otherwise the pages turn every ``page_seconds``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from collectors.policy import FreshnessPolicy
from dashboard.messages import FleetUpdated
from dashboard.overview_geometry import Density, Geometry, choose_geometry
from dashboard.overview_model import OverviewLayout
from dashboard.screens.detail_host import AppHost, app_host
from dashboard.state import FleetState
from dashboard.widgets.collector_banner import CollectorBanner
from dashboard.widgets.fleet_overview import FleetOverview
from dashboard.widgets.wall_counts import WallCounts
from dashboard.widgets.wall_header import WallHeader
from dashboard.widgets.wall_problems import WallProblems

TICK_SECONDS = 1.0
MAX_PROBLEM_PAGES = 4
"""A wall pages through the worst problems only (a full turn stays about a minute with
the overview); the overview shows every one, and the header says how many are left out."""
DEFAULT_PAGE_SECONDS = 15.0
"""Long enough to read a page of names from across the room, short enough that a full
turn of a few pages stays under a minute."""


@dataclass(frozen=True, slots=True)
class Page:
    """What one page shows: the overview, the problem list, or both (from ``line``)."""

    shows: Literal["both", "overview", "problems"]
    line: int = 0


class WallScreen(Screen[None]):
    """Counts, overview and problems, paged; see the module docs."""

    TITLE = "Wall"

    DEFAULT_CSS = """
    WallScreen > #wall-notice {
        height: auto;
        padding: 0 1;
        background: $error;
        color: $text;
        text-style: bold;
        display: none;
    }
    WallScreen > #wall-notice.-shown { display: block; }
    WallScreen > #wall-body { height: 1fr; }
    WallScreen > #wall-body > FleetOverview { height: 1fr; }
    WallScreen > #wall-body > WallProblems { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,n", "turn(1)", "Next page"),
        Binding("left", "turn(-1)", "Previous page"),
        Binding("space", "hold", "Hold/resume paging"),
    ]

    def __init__(
        self,
        page_seconds: float = DEFAULT_PAGE_SECONDS,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.page_seconds = page_seconds
        self.pages: tuple[Page, ...] = (Page("both"),)
        self.page_index = 0
        self.held = False

    @property
    def licdash(self) -> AppHost:
        return app_host(self)

    def compose(self) -> ComposeResult:
        app = self.licdash

        def policy() -> FreshnessPolicy:
            return app.policy

        yield WallHeader(clock=app.clock, id="wall-header")
        yield CollectorBanner(clock=app.clock, id="collector-banner")
        yield Static("", id="wall-notice", markup=False)
        yield WallCounts(id="wall-counts")
        with Vertical(id="wall-body"):
            yield FleetOverview(
                clock=app.clock,
                policy=policy,
                show_cursor=False,
                header=False,
                id="overview",
            )
            yield WallProblems(clock=app.clock, policy=policy, id="wall-problems")

    @property
    def overview(self) -> FleetOverview:
        return self.query_one(FleetOverview)

    @property
    def problems(self) -> WallProblems:
        return self.query_one(WallProblems)

    def on_mount(self) -> None:
        self._show(self.licdash.fleet)
        self.set_interval(TICK_SECONDS, self._tick, name="wall-tick")
        self.set_interval(self.page_seconds, self._next_page, name="wall-pages")

    def on_screen_resume(self) -> None:
        self._show(self.licdash.fleet)

    def on_fleet_updated(self, message: FleetUpdated) -> None:
        message.stop()
        if self.is_current:  # a hidden screen catches up in on_screen_resume
            self._show(message.fleet)

    def _show(self, fleet: FleetState) -> None:
        if self.overview.follow(fleet):
            self.clear_notice()
        header = self.query_one(WallHeader)
        header.source = fleet.source
        header.clusters = len(fleet.statuses)
        self.query_one(CollectorBanner).collector = fleet.collector

    def _tick(self) -> None:
        if not self.is_current:
            return
        self.overview.tick()
        self.query_one(WallHeader).refresh()
        self.query_one(CollectorBanner).redraw()
        self.problems.refresh()

    # ----- the notice line (instead of toasts) ------------------------------------------

    def show_notice(self, text: str) -> None:
        """An error stays on the wall until the data moves on."""
        notice = self.query_one("#wall-notice", Static)
        notice.update(f"⚠ {text}")
        notice.add_class("-shown")

    def clear_notice(self) -> None:
        self.query_one("#wall-notice", Static).remove_class("-shown")

    # ----- pages ------------------------------------------------------------------------

    @on(FleetOverview.Judged)
    def _judged(self, event: FleetOverview.Judged) -> None:
        layout = event.layout
        header = self.query_one(WallHeader)
        header.newest = layout.newest
        header.newest_stale = layout.newest_stale
        self.query_one(WallCounts).counts = layout.total
        self.problems.set_problems(layout.problems, self.overview.statuses)
        self._paginate()

    def on_resize(self) -> None:
        self.call_after_refresh(self._paginate)

    def _paginate(self) -> None:
        """Split the body into pages: both on one if they fit, else the overview's pages
        then the problem list's."""
        layout = self.overview.judgement
        body = self.query_one("#wall-body")
        height, width = body.size.height, body.size.width
        if layout is None or height < 3:
            return
        problems = self.problems.row_count
        names = choose_geometry(layout.groups, width, height)
        pages: list[Page] = []
        together = names.lines + (1 + problems if problems else 0)
        shown = names
        if names.density is Density.NAMES and together <= height:
            pages.append(Page("both"))
            self._overview_height = names.lines
        else:
            whole = shown = choose_geometry(layout.groups, width, height)
            overview_pages = max(1, -(-whole.lines // height))
            pages += [Page("overview", k * height) for k in range(overview_pages)]
            per_page = max(height - 1, 1)
            problem_pages = min(-(-problems // per_page), MAX_PROBLEM_PAGES)
            pages += [Page("problems", k * per_page) for k in range(problem_pages)]
        self.pages = tuple(pages)
        self.query_one(WallHeader).legend = self._legend(layout, shown)
        self.page_index %= len(self.pages)
        self._apply_page()

    _overview_height = 0

    def _legend(self, layout: OverviewLayout, geometry: Geometry) -> str:
        parts = [f"by {layout.group_by}" if layout.group_by else "one group"]
        parts.append(geometry.density.legend)
        problems = len(layout.problems)
        body = self.query_one("#wall-body").size.height
        shown = min(problems, MAX_PROBLEM_PAGES * max(body - 1, 1))
        if any(p.shows == "problems" for p in self.pages) and shown < problems:
            parts.append(f"worst {shown:,} of {problems:,} problems listed")
        return " · ".join(parts)

    def _apply_page(self) -> None:
        page = self.pages[self.page_index]
        overview, problems = self.overview, self.problems
        overview.display = page.shows in ("both", "overview")
        problems.display = page.shows in ("both", "problems") and (
            page.shows == "problems" or problems.row_count > 0
        )
        if page.shows == "both":
            overview.styles.height = self._overview_height
            overview.show_line(0)
            problems.scroll_to(y=0, animate=False, immediate=True)
        else:
            overview.styles.height = "1fr"
            if page.shows == "overview":
                overview.show_line(page.line)
            else:
                problems.scroll_to(y=page.line, animate=False, immediate=True)
        count = len(self.pages)
        self.query_one(WallHeader).page = f"page {self.page_index + 1}/{count}" if count > 1 else ""

    def _next_page(self) -> None:
        if not self.held:
            self.action_turn(1)

    def action_turn(self, by: int) -> None:
        self.page_index = (self.page_index + by) % len(self.pages)
        self._apply_page()

    def action_hold(self) -> None:
        self.held = not self.held
        self.query_one(WallHeader).held = self.held
