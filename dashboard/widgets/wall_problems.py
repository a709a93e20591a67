"""The wall's list of what needs a person: every cluster that is not a fresh, reachable
ok, worst first, one line each and nothing dimmed (what we cannot see is loud)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style

from collectors.policy import DEFAULT_POLICY, FreshnessPolicy
from collectors.results import ClusterStatus
from dashboard.fleet_rows import COLUMN_KEYS, UNREACHABLE_GLYPH, Cell, RowContext, row_cells
from dashboard.format import STALE_GLYPH, human_span
from dashboard.widgets.line_table import LineCell, LineColumn, LineTable

COLUMNS = (
    LineColumn("cluster", "Cluster", 16),
    LineColumn("severity", "Severity", 13),
    LineColumn("why", "Why", 30),
    LineColumn("deadline", "Next hard deadline", 18),
    LineColumn("age", "Last good poll", 24),
)
NAME_CAP = 40
WHY_MIN = 20


def why(status: ClusterStatus, stale: bool, now: datetime) -> str:
    """What is wrong, in one phrase: the poll error, the staleness, the first reason."""
    error = status.last_error
    snap = status.last_good
    if stale:
        age = status.age(now)
        span = human_span(age) if age is not None else "ever"
        cause = f" · {error.kind}" if error else ""
        return f"{STALE_GLYPH} no new data for {span}{cause}"
    if status.unreachable and error is not None:
        return f"{UNREACHABLE_GLYPH} {error.kind}: {error.message}"
    if snap is None:
        return "never polled yet"
    if snap.reasons:
        return snap.reasons[0]
    return "severity unknown" if status.severity.value == "unknown" else ""


class WallProblems(LineTable):
    """Problem clusters, worst first; no cursor, no focus."""

    DEFAULT_CSS = """
    WallProblems {
        height: 1fr;
        scrollbar-size: 0 0;
        & > .wall-problems--sev-ok { color: $sev-ok; }
        & > .wall-problems--sev-warning { color: $sev-warning; }
        & > .wall-problems--sev-critical { color: $sev-critical; text-style: bold; }
        & > .wall-problems--sev-unknown { color: $sev-unknown; text-style: bold; }
        & > .wall-problems--stale { color: $sev-unknown; text-style: bold; }
        & > .wall-problems--muted { color: $text-muted; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *LineTable.COMPONENT_CLASSES,
        "wall-problems--sev-ok",
        "wall-problems--sev-warning",
        "wall-problems--sev-critical",
        "wall-problems--sev-unknown",
        "wall-problems--stale",
        "wall-problems--muted",
    }
    show_cursor = False

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        policy: Callable[[], FreshnessPolicy] = lambda: DEFAULT_POLICY,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(COLUMNS, name=name, id=id, classes=classes)
        self.can_focus = False
        self.clock = clock
        self.policy = policy
        self._statuses: Mapping[str, ClusterStatus] = {}
        self._cells: dict[str, tuple[ClusterStatus, datetime, tuple[LineCell, ...]]] = {}
        self._name_width = COLUMNS[0].width

    def set_problems(self, problems: Sequence[str], statuses: Mapping[str, ClusterStatus]) -> None:
        """Show ``problems`` (cluster names, worst first) from ``statuses``."""
        self._statuses = statuses
        shown = [name for name in problems if name in statuses]
        longest = max((cell_len(n) for n in shown), default=COLUMNS[0].width)
        self._name_width = max(COLUMNS[0].width, min(longest, NAME_CAP))
        self._cells = {n: c for n, c in self._cells.items() if n in statuses}
        self.set_rows(shown)

    def column_widths(self) -> tuple[int, ...]:
        """Name, severity and deadline whole; "why" takes the rest, at least
        :data:`WHY_MIN`; the age gives way first on a narrow terminal."""
        width = self.scrollable_content_region.width or 120
        fixed = [self._name_width, 13, 0, 18, 24]
        for drop in (4, 3):
            used = 1 + sum(fixed) + 2 * sum(1 for w in fixed if w) + 2
            if width - used >= WHY_MIN:
                break
            fixed[drop] = 0
        used = 1 + sum(fixed) + 2 * (sum(1 for w in fixed if w) + 1)
        fixed[2] = max(width - used, WHY_MIN)
        return tuple(fixed)

    def empty_text(self) -> str:
        return "✔ nothing to act on: every cluster is ok, fresh and reachable"

    def cells_at(self, row: int) -> Sequence[LineCell]:
        name = self.row_keys[row]
        status = self._statuses[name]
        now = self.clock()
        cached = self._cells.get(name)
        if cached is not None and cached[0] is status and cached[1] == now:
            return cached[2]
        policy = self.policy()
        ctx = RowContext(now=now, policy=policy)
        by_key = dict(zip(COLUMN_KEYS, row_cells(status, ctx), strict=True))
        stale = policy.is_stale(status, now)
        cells: list[LineCell] = []
        for column in COLUMNS:
            if column.key == "why":
                text = why(status, stale, now)
                role = "stale" if stale or status.unreachable else ""
                cells.append((text, self._role(role)))
            else:
                cells.append(self._cell(by_key[column.key]))
        result = tuple(cells)
        self._cells[name] = (status, now, result)
        return result

    def _cell(self, cell: Cell) -> LineCell:
        text, role = cell
        return (text, self._role(role))

    def _role(self, role: str) -> Style | None:
        if not role:
            return None
        return self.get_component_rich_style(f"wall-problems--{role}", partial=True)
