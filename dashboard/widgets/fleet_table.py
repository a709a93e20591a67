"""The fleet table: one row per cluster, rendered line by line, only what is visible.

A :class:`~dashboard.widgets.line_table.LineTable` (the one table base: cursor, paging,
click and scroll) with a column cursor, sorting and filtering of its own. The order, the
filter, the counts and the column widths are judged by a
:class:`~dashboard.fleet_model.FleetModel`, which keeps them by what changed: for a
fleet of more than :attr:`FleetTable.INLINE_LIMIT` clusters in a worker thread, whose
immutable :class:`~dashboard.fleet_model.FleetView` the UI thread then shows as it is,
so the UI's work for an update follows the rows in view, not the fleet. Each visible
row's strip is cached by its cell texts, the column widths, the cursor and the theme,
so an update that changes rows off screen renders nothing and one that changes every
row renders one screenful. The cursor follows its cluster by name through re-sorts;
scroll, sort and filter survive every update.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region
from textual.message import Message
from textual.reactive import var
from textual.strip import Strip

from collectors.acks import EMPTY_BOOK, AckBook
from collectors.gc_pause import gc_paused
from collectors.policy import DEFAULT_POLICY, FreshnessPolicy
from collectors.results import ClusterStatus
from dashboard.fleet_layout import layout_widths
from dashboard.fleet_model import FleetModel, FleetView, Order
from dashboard.fleet_rows import (
    COLUMN_GAP,
    COLUMN_KEYS,
    COLUMNS,
    UNREACHABLE_GLYPH,
    Cell,
    FactsCache,
    RowContext,
    fit,
    row_cells,
    row_dimmed,
)
from dashboard.heap import settle
from dashboard.input_gate import InputGate
from dashboard.state import FleetState
from dashboard.widgets.filter_input import FleetFilter, no_match_text
from dashboard.widgets.line_table import LineTable

__all__ = ["COLUMNS", "COLUMN_KEYS", "UNREACHABLE_GLYPH", "FleetTable"]


RowLook = tuple[tuple[Cell, ...], bool]
"""A row's cells and whether it is drawn dim."""


@dataclass(slots=True)
class _Look:
    """What the rows of one repaint share (worked out at its first row)."""

    base: Style
    """The widget's style the rows are drawn over."""
    key: tuple[Any, ...]
    """What a row's strip depends on besides its cells: the column widths, the line's
    width, the focus, the theme and the base style."""
    columns: tuple[tuple[int, int, Literal["left", "right"]], ...]
    """The shown columns: index in :data:`COLUMNS`, width and alignment."""
    used: int
    """The cells the columns take, a gap after each."""
    line: int
    """The line's width (the widget's, or the columns' if wider)."""
    styles: dict[tuple[str, bool, bool], Style] = field(default_factory=dict)
    """Cell styles by role, dimmed and selected."""


class FleetTable(LineTable):
    """Every cluster of the fleet, worst first, with a row cursor and a column cursor."""

    DEFAULT_CSS = """
    FleetTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        &:focus {
            background-tint: $foreground 3%;
        }
        & > .fleet-table--header {
            color: $text-muted;
            text-style: bold;
            background: $panel;
        }
        & > .fleet-table--header-cursor {
            color: $foreground;
            background: $primary 40%;
            text-style: bold;
        }
        & > .fleet-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .fleet-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .fleet-table--sev-ok { color: $sev-ok; }
        & > .fleet-table--sev-warning { color: $sev-warning; }
        & > .fleet-table--sev-critical { color: $sev-critical; text-style: bold; }
        & > .fleet-table--sev-unknown { color: $sev-unknown; }
        & > .fleet-table--stale { color: $stale; text-style: italic; }
        & > .fleet-table--muted { color: $text-muted; }
        & > .fleet-table--dimmed { text-style: dim; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "fleet-table--header",
        "fleet-table--header-cursor",
        "fleet-table--cursor",
        "fleet-table--sev-ok",
        "fleet-table--sev-warning",
        "fleet-table--sev-critical",
        "fleet-table--sev-unknown",
        "fleet-table--stale",
        "fleet-table--muted",
        "fleet-table--dimmed",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Previous cluster", show=False),
        Binding("down,j", "cursor_down", "Next cluster", show=False),
        Binding("left", "cursor_left", "Previous column", show=False),
        Binding("right", "cursor_right", "Next column", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("g,home", "first", "First cluster", show=False),
        Binding("G,end", "last", "Last cluster", show=False),
        Binding("s", "sort", "Sort by column"),
        Binding("S", "sort_reverse", "Reverse sort"),
        Binding("enter", "select", "Open cluster"),
    ]

    cursor_column: var[int] = var(COLUMN_KEYS.index("severity"))
    """Index of the selected column (in :data:`COLUMNS`): what ``s`` sorts by."""

    class ClusterSelected(Message):
        """Enter, or a click on the cursor row: open this cluster."""

        def __init__(self, table: FleetTable, cluster: str) -> None:
            super().__init__()
            self.table = table
            self.cluster = cluster

        @property
        def control(self) -> FleetTable:
            return self.table

    class ClusterHighlighted(Message):
        """The row cursor moved to another cluster."""

        def __init__(self, table: FleetTable, cluster: str | None) -> None:
            super().__init__()
            self.table = table
            self.cluster = cluster

        @property
        def control(self) -> FleetTable:
            return self.table

    class ViewReady(Message):
        """A worker judged the fleet: show ``view`` (handled by the table itself), its
        rows drawn at ``ctx`` (the time judged); ``rows``: the cells and dimming of the
        rows about to be in view, worked out by the worker too."""

        def __init__(self, view: FleetView, ctx: RowContext, rows: Mapping[str, RowLook]) -> None:
            super().__init__()
            self.view = view
            self.ctx = ctx
            self.rows = rows

    PAINT_WAIT_S: ClassVar[float] = 0.25
    """How long the worker waits for a view it posted to be painted before it goes on
    regardless (a hidden screen, an app shutting down)."""

    INLINE_LIMIT: ClassVar[int] = 512
    """A fleet of up to this many clusters is judged on the UI thread at once (a few
    ms at most); a larger one in a worker thread, whose view is shown when it is ready."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        policy: Callable[[], FreshnessPolicy] = lambda: DEFAULT_POLICY,
        shown: Callable[[FleetView], None] | None = None,
        input_gate: InputGate | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.clock = clock
        self.policy = policy
        """The policy in force (the app's: the config's, the store's or a fallback);
        staleness, the dimming and the deadline colours follow it."""
        self.sort_column = "severity"
        self.sort_reverse = False
        self.fleet_filter = FleetFilter()
        self._fleet = FleetState()
        self._statuses: Mapping[str, ClusterStatus] = {}
        self._acks: AckBook = EMPTY_BOOK
        self._name_width = COLUMNS[0].width
        self._ctx = self._row_context()
        self._cells: dict[str, tuple[ClusterStatus, RowContext, tuple[Cell, ...], bool]] = {}
        """Each drawn row's cells and dimming, for its status at a context. (A dict: an
        LRUCache never replaces a key it holds, so a row's next status missed it.)"""
        self.model = FleetModel()
        self.facts = FactsCache(self.model.facts)
        """The facts of the rows drawn: the model's (derived in its worker) first."""
        self._strips: LRUCache[tuple[Any, ...], Strip] = LRUCache(2048)
        self._look: _Look | None = None
        self._styles: dict[str, Style] = {}
        self._style_generation = 0
        self._widths_cache: tuple[tuple[object, ...], tuple[int, ...]] = ((), ())
        self._natural: Mapping[str, int] = {"tags": 0, "worst": 0}
        self.shown = shown
        """Called (on the UI thread) with each view the table shows from then on: what
        the summary bar states (counts, nearest deadline, rows shown)."""
        self.input_gate = input_gate
        """Held by the app for a frame after each key press: the worker steps aside."""
        self.view: FleetView | None = None
        """What the table shows (None until the first judgement)."""
        self._jobs = threading.Lock()
        self._pending: tuple[FleetState, FreshnessPolicy, datetime, Order] | None = None
        self._window: tuple[int, int, str | None] = (0, 0, None)
        """The rows in view when the last job was given (first, how many, the cursor's
        cluster): the worker draws the rows the new order puts there."""
        self._pending_changed: frozenset[str] | None = frozenset()
        """What changed since the model last judged (None: unknown, compare all)."""
        self._busy = False
        self._unsettled = 0
        """Clusters judged in the worker since the heap was last settled."""
        self._painted = threading.Event()
        """Set once the screen painted the view last shown (the worker settles the heap
        after that: a collection holds the GIL, the frame would wait for it)."""
        self._want_cursor: str | None = None
        self.show_origin = False
        """Show the "From" column: the fleet merges several sources."""

    # ----- public API -----------------------------------------------------------------

    @property
    def total_count(self) -> int:
        return len(self._statuses)

    @property
    def clusters(self) -> Sequence[str]:
        """The cluster names shown, in display order."""
        return self.row_keys

    @property
    def judging(self) -> bool:
        """A worker thread is judging the fleet: what is shown is about to change."""
        return self._busy

    @property
    def selected_cluster(self) -> str | None:
        return self.cursor_key

    def cells(self, cluster: str) -> tuple[str, ...]:
        """The texts a row shows now (for tests and exports of the screen)."""
        return tuple(text for text, _ in self._row_cells(cluster)[0])

    def show_fleet(self, fleet: FleetState, changed: frozenset[str] = frozenset()) -> None:
        """Show ``fleet`` (``changed``: the clusters whose status changed, empty for
        unknown); keeps cursor (by name), scroll, sort and filter."""
        self._fleet = fleet
        self._judge(changed if changed else None)

    def set_fleet(self, statuses: Mapping[str, ClusterStatus], acks: AckBook = EMPTY_BOOK) -> None:
        """Show ``statuses`` with their acknowledgements ``acks``."""
        self.show_fleet(FleetState(statuses=statuses, acks=acks))

    def set_filter(self, fleet_filter: FleetFilter) -> None:
        self.fleet_filter = fleet_filter
        self._judge(frozenset())

    def sort_by(self, column: str, *, reverse: bool = False) -> None:
        if column not in COLUMN_KEYS:
            raise KeyError(column)
        self.sort_column = column
        self.sort_reverse = reverse
        self._judge(frozenset())

    def tick(self, *, resort: bool = True) -> None:
        """Time moved on: redraw the visible rows (ages, relative deadlines); judge
        again the clusters time changed (turned stale, a deadline in another band, an
        acknowledgement that may have ended), or with ``resort`` (the policy changed)
        the fleet."""
        before, self._ctx = self._ctx, self._row_context()
        if self._ctx.now != before.now:  # (a frozen clock shows nothing new)
            self.refresh()
        if resort or self.model.due(self._ctx.now) or self._fleet.acks.by_cluster:
            self._judge(frozenset())

    def move_to(self, cluster: str) -> bool:
        """Put the cursor on ``cluster`` (clearing a filter that hides it)."""
        if cluster not in self._fleet.statuses:
            return False
        if cluster not in self._index:
            self._want_cursor = cluster  # where the cursor goes once the filter is gone
            self.set_filter(FleetFilter())
            if cluster not in self._index:
                return True  # a worker judges the fleet: the cursor follows
        return self.move_to_key(cluster)

    def _refresh_changed(
        self, old_keys: Sequence[str], old_statuses: Mapping[str, ClusterStatus], old_cursor: int
    ) -> None:
        """Repaint the lines in view that show another cluster, or another status of
        theirs, than before (or the cursor that moved): an update that changed rows off
        screen repaints nothing, whatever the size of the fleet. (The clock's effect on
        the others, their ages, is the tick's: it repaints every line in view.)"""
        keys, statuses = self._keys, self._statuses
        top = round(self.scroll_y)
        body = max(self.scrollable_content_region.height - 1, 0)
        end = min(top + body, max(len(keys), len(old_keys)))
        cursor = self._cursor
        run = 0  # changed lines in a row, up to ``row``: repainted as one region
        for row in range(top, end + 1):
            before = old_keys[row] if row < len(old_keys) else None
            now = keys[row] if row < len(keys) else None
            if row < end and (
                before != now
                or (now is not None and old_statuses.get(now) is not statuses.get(now))
                or (cursor != old_cursor and row in (cursor, old_cursor))
            ):
                run += 1
            elif run:
                self.refresh_lines(row - run + 1, run)  # virtual lines: the header is 0
                run = 0

    # ----- ordering -------------------------------------------------------------------

    def _row_context(self) -> RowContext:
        return RowContext(now=self.clock(), policy=self.policy(), acks=self._acks)

    def _judge(self, changed: frozenset[str] | None) -> None:
        """Judge the fleet as it is now, here (a small fleet) or in a worker thread;
        ``changed``: the clusters whose status changed (None: unknown)."""
        job = (
            self._fleet,
            self.policy(),
            self.clock(),
            Order(self.sort_column, self.sort_reverse, self.fleet_filter),
        )
        with self._jobs:
            before = self._pending_changed
            if before is None or changed is None:
                merged: frozenset[str] | None = None
            else:
                merged = before | changed
            if not self._busy and len(self._fleet.statuses) <= self.INLINE_LIMIT:
                self._pending_changed = frozenset()
                inline = True
            else:
                self._pending, self._pending_changed = job, merged
                self._window = self._rows_in_view()
                start, self._busy = not self._busy, True
                inline = False
        if inline:
            self._show(self.model.update(*job, changed=merged or frozenset()))
        elif start:
            self.run_worker(self._drain, thread=True, group="fleet-model", exit_on_error=True)

    def _drain(self) -> None:
        """The worker: judge the latest job until none is left, posting each view."""
        while True:
            with self._jobs:
                job, changed, window = self._pending, self._pending_changed, self._window
                self._pending, self._pending_changed = None, frozenset()
                if job is None:
                    self._busy = False
                    return
            pause = self.input_gate.wait if self.input_gate is not None else None
            if self.model.view is None or changed is None or len(changed) > self.INLINE_LIMIT:
                if pause is not None:
                    pause()  # (a collection holds the GIL throughout)
                settle()  # a new fleet, most likely: keep the collector off it
            # A fleet's first judgement (what the first table waits for) runs with the
            # collector paused: what it builds is kept, never garbage, and is settled in
            # one go below, once painted; else the collector traces it again and again (a
            # tenth of a 10,000-cluster judgement). Later updates, while keys are pressed,
            # collect as they go: in small steps, not one long hold of the GIL.
            shown = self.model.view  # the view the UI shows now, released here below
            first = shown is None or not shown.total
            with gc_paused() if first else contextlib.nullcontext():
                view = self.model.update(*job, changed=changed or frozenset(), pause=pause)
                self._unsettled += view.judged
                ctx = RowContext(now=view.judged_at, policy=view.policy, acks=view.fleet.acks)
                rows = self._draw_ahead(view, ctx, window)
                self._painted.clear()
                self.post_message(self.ViewReady(view, ctx, rows))
                # The UI paints the view before this thread judges again or collects (both
                # hold the GIL: the frame would wait); then the view it showed before has
                # no other holder, and its index of every row (and, when every status
                # changed, the fleet before) is freed on this thread, not the UI's.
                self._painted.wait(self.PAINT_WAIT_S)
                del shown
                if self._unsettled > self.INLINE_LIMIT:  # keep the collector off what was built
                    if pause is not None:
                        pause()
                    settle()
                    self._unsettled = 0

    def _rows_in_view(self) -> tuple[int, int, str | None]:
        body = max(self.scrollable_content_region.height - 1, 0)
        return round(self.scroll_y), body, self.cursor_key

    def _draw_ahead(
        self, view: FleetView, ctx: RowContext, window: tuple[int, int, str | None]
    ) -> dict[str, RowLook]:
        """(Worker) The cells of the rows ``view`` puts in view: where the scroll is, and
        around the cursor's cluster should the view follow it. The UI thread then only
        lays them out: its work follows the rows in view, not the rows that changed."""
        top, body, cursor = window
        rows, statuses, facts = view.rows, view.fleet.statuses, self.model.facts
        names = list(rows[top : top + body])
        at = view.index.get(cursor) if cursor is not None else None
        if at is not None and not top <= at < top + body:
            names += rows[max(at - body + 1, 0) : at + body]
        drawn: dict[str, RowLook] = {}
        for name in names:
            if name not in drawn:
                status = statuses[name]
                drawn[name] = (row_cells(status, ctx, facts), row_dimmed(status, ctx))
        return drawn

    def on_fleet_table_view_ready(self, message: ViewReady) -> None:
        message.stop()
        self._show(message.view, message.ctx, message.rows)

    def _show(
        self,
        view: FleetView,
        ctx: RowContext | None = None,
        drawn: Mapping[str, RowLook] | None = None,
    ) -> None:
        """Show ``view``, its rows drawn at ``ctx`` (None: the clock's time now), with
        ``drawn``: rows whose cells were worked out already (at ``ctx``)."""
        old_keys, old_statuses, old_ctx, old_view = self._keys, self._statuses, self._ctx, self.view
        old_cursor, old_scroll, old_widths = self._cursor, self.scroll_offset, self.column_widths()
        self.view = view
        fleet = view.fleet
        self._statuses, self._acks = fleet.statuses, fleet.acks
        self._name_width = view.name_width
        self._natural = view.natural
        self._ctx = ctx = ctx if ctx is not None else self._row_context()
        if len(self.facts) > 4096:  # rows rendered long ago: forget them
            self.facts = FactsCache(self.model.facts)
        if len(self._cells) > 4096:
            self._cells = {}
        for name, (cells, dimmed) in (drawn or {}).items():
            self._cells[name] = (fleet.statuses[name], ctx, cells, dimmed)
        self.set_ordered(view.rows, view.index, repaint=False)
        if (
            self.scroll_offset != old_scroll
            or self.column_widths() != old_widths
            or ctx.acks is not old_ctx.acks
            or ctx.policy is not old_ctx.policy
            or old_view is None
            or view.order != old_view.order  # (the header marks the sort)
            or not old_keys
            or not view.rows
        ):
            self.refresh()
        else:
            self._refresh_changed(old_keys, old_statuses, old_cursor)
        want, self._want_cursor = self._want_cursor, None
        if want is not None and want in view.index:
            self.move_to_key(want)
        if self.shown is not None:
            self.shown(view)
        self.call_after_refresh(self._painted.set)

    def column_widths(self) -> tuple[int, ...]:
        """Every column's width now, 0 for a column that gave way (see fleet_layout)."""
        available = self.scrollable_content_region.width or 120
        key = (
            self._name_width,
            available,
            self._natural["tags"],
            self._natural["worst"],
            self.show_origin,
        )
        if self._widths_cache[0] != key:
            hidden = () if self.show_origin else ("origin",)
            widths = layout_widths(COLUMNS, self._name_width, available, self._natural, hidden)
            self._widths_cache = (key, tuple(widths))
        return self._widths_cache[1]

    def content_width(self) -> int:
        shown = [w for w in self.column_widths() if w]
        return sum(shown) + COLUMN_GAP * (len(shown) - 1)

    # ----- cursor and actions ---------------------------------------------------------

    def row_highlighted(self, key: str | None) -> None:
        self.post_message(self.ClusterHighlighted(self, key))

    def row_selected(self, key: str) -> None:
        self.post_message(self.ClusterSelected(self, key))

    def empty_text(self) -> str:
        if self._statuses and not self.fleet_filter.empty:
            return no_match_text(self.fleet_filter, list(self._statuses.values()))
        return ""

    def _scroll_to_column(self) -> None:
        widths = self.column_widths()
        before = [w for w in widths[: self.cursor_column] if w]
        start = sum(before) + COLUMN_GAP * len(before)
        end = start + widths[self.cursor_column]
        left = round(self.scroll_x)
        if start < left:
            self.scroll_to(x=start, animate=False)
        elif end > left + self.size.width:
            self.scroll_to(x=end - self.size.width, animate=False)

    def _shown_columns(self) -> list[int]:
        return [i for i, width in enumerate(self.column_widths()) if width]

    def action_cursor_left(self) -> None:
        earlier = [i for i in self._shown_columns() if i < self.cursor_column]
        if earlier:
            self.cursor_column = earlier[-1]

    def action_cursor_right(self) -> None:
        later = [i for i in self._shown_columns() if i > self.cursor_column]
        if later:
            self.cursor_column = later[0]

    def watch_cursor_column(self) -> None:
        self._scroll_to_column()
        self.refresh_line(0)

    def action_sort(self) -> None:
        self.sort_by(COLUMN_KEYS[self.cursor_column])

    def action_sort_reverse(self) -> None:
        column = COLUMN_KEYS[self.cursor_column]
        reverse = not self.sort_reverse if column == self.sort_column else True
        self.sort_by(column, reverse=reverse)

    def _column_at(self, x: int) -> int | None:
        position = 0
        for index, width in enumerate(self.column_widths()):
            if not width:
                continue
            if position <= x < position + width + COLUMN_GAP:
                return index
            position += width + COLUMN_GAP
        return None

    def clicked_header(self, x: int) -> None:
        column = self._column_at(x)
        if column is not None:
            key = COLUMN_KEYS[column]
            self.cursor_column = column
            reverse = not self.sort_reverse if key == self.sort_column else False
            self.sort_by(key, reverse=reverse)

    def clicked_row(self, row: int, x: int) -> None:
        column = self._column_at(x)
        if column is not None:
            self.cursor_column = column

    # ----- rendering ------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()
        self._style_generation += 1

    def render_lines(self, crop: Region) -> list[Strip]:
        self._look = None  # worked out again, once, for the rows of this repaint
        return super().render_lines(crop)

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            partial = name not in ("header", "header-cursor", "cursor")
            style = self.get_component_rich_style(f"fleet-table--{name}", partial=partial)
            self._styles[name] = style
        return style

    def _row_cells(self, name: str) -> RowLook:
        """The cells of a row and whether it is dimmed (unreachable, stale or
        acknowledged), kept while its status, the time, the policy and the
        acknowledgements are the same."""
        status = self._statuses[name]
        ctx = self._ctx
        cached = self._cells.get(name)
        if (
            cached is not None
            and cached[0] is status
            and cached[1].now == ctx.now
            and cached[1].policy is ctx.policy
            and cached[1].acks is ctx.acks
        ):
            return cached[2], cached[3]
        cells = row_cells(status, ctx, self.facts)
        dimmed = row_dimmed(status, ctx)
        self._cells[name] = (status, ctx, cells, dimmed)
        return cells, dimmed

    def _row_look(self, base: Style) -> _Look:
        """What the rows of one repaint share: the shown columns, the line's width and
        the cell styles (see :class:`_Look`)."""
        look = self._look
        if look is None or look.base is not base:
            widths = self.column_widths()
            shown = tuple((i, w, COLUMNS[i].align) for i, w in enumerate(widths) if w)
            used, line = self._extent(widths)
            key = (widths, line, self.has_focus, self._style_generation, base)
            look = self._look = _Look(base, key, shown, used, line)
        return look

    def _cell_style(self, look: _Look, role: str, dimmed: bool, selected: bool) -> Style:
        key = (role, dimmed, selected)
        style = look.styles.get(key)
        if style is None:
            style = look.base + self._style("dimmed") if dimmed else look.base
            if role:
                style += self._style(role)
            if selected:
                style += self._style("cursor")
            look.styles[key] = style
        return style

    def header_strip(self, base: Style) -> Strip:
        widths = self.column_widths()
        key = (
            "header",
            widths,
            self.sort_column,
            self.sort_reverse,
            self.cursor_column,
            self._style_generation,
            base,
        )
        if (cached := self._strips.get(key)) is not None:
            return cached
        header, cursor = base + self._style("header"), base + self._style("header-cursor")
        segments: list[Segment] = []
        for index, (column, width) in enumerate(zip(COLUMNS, widths, strict=True)):
            if not width:
                continue
            label = column.label
            if column.key == self.sort_column:
                label += " ▲" if self.sort_reverse else " ▼"
            style = cursor if index == self.cursor_column else header
            segments.append(Segment(fit(label, width, column.align), style))
            segments.append(Segment(" " * COLUMN_GAP, header))
        strip = self._fitted(segments, *self._extent(widths), header)
        self._strips[key] = strip
        return strip

    def row_strip(self, row: int, base: Style, selected: bool) -> Strip:
        cells, dimmed = self._row_cells(self._keys[row])
        look = self._row_look(base)
        key = (cells, dimmed, selected, look.key)
        if (cached := self._strips.get(key)) is not None:
            return cached
        segments: list[Segment] = []
        gap = " " * COLUMN_GAP
        # The gap shares the cell's segment, and cells of one style share one segment:
        # fewer segments, the same look, less for every later step.
        run, run_style = "", None
        for index, width, align in look.columns:
            text, role = cells[index]
            style = self._cell_style(look, role, dimmed, selected)
            if style != run_style:
                if run_style is not None:
                    segments.append(Segment(run, run_style))
                run, run_style = "", style
            run += fit(text, width, align) + gap
        if run_style is not None:
            segments.append(Segment(run, run_style))
        pad_style = self._cell_style(look, "", dimmed, selected)
        strip = self._fitted(segments, look.used, look.line, pad_style)
        self._strips[key] = strip
        return strip

    def _extent(self, widths: Sequence[int]) -> tuple[int, int]:
        """(the cells the shown columns take, a gap after each; the line's width: the
        widget's, or the columns' if wider)."""
        shown = [w for w in widths if w]
        used = sum(shown) + COLUMN_GAP * len(shown)
        return used, max(self.size.width, used - COLUMN_GAP)

    @staticmethod
    def _fitted(segments: list[Segment], used: int, line: int, pad_style: Style) -> Strip:
        """One strip exactly ``line`` wide from ``segments`` (``used`` cells): padded in
        ``pad_style`` (within the last segment when it has that style) or cropped."""
        if line > used:
            pad = " " * (line - used)
            if segments and segments[-1].style == pad_style:
                segments[-1] = Segment(segments[-1].text + pad, pad_style)
            else:
                segments.append(Segment(pad, pad_style))
            used = line
        return Strip(segments, used) if used == line else Strip(segments).crop(0, line)
