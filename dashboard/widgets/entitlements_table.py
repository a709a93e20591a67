"""One cluster's entitlements: readable name, tag, count and status with glyph and colour."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from rich.text import Text

from collectors.model import Entitlement, EntitlementStatus, Severity
from dashboard.widgets.nav_table import NavTable, Row
from dashboard.widgets.severity_colors import severity_text

E = EntitlementStatus
ENTITLEMENT_SEVERITY: Final[dict[EntitlementStatus, Severity]] = {
    E.INIT: Severity.OK,
    E.IN_COMPLIANCE: Severity.OK,
    E.RESERVED: Severity.OK,
    E.WAITING: Severity.WARNING,
    E.EVALUATION: Severity.WARNING,
    E.UNKNOWN: Severity.UNKNOWN,
    E.NOT_AUTHORIZED: Severity.CRITICAL,
    E.AUTHORIZATION_EXPIRED: Severity.CRITICAL,
    E.EVALUATION_EXPIRED: Severity.CRITICAL,
    E.OUT_OF_COMPLIANCE: Severity.CRITICAL,
}


def status_word(status: EntitlementStatus) -> str:
    """``in compliance`` for ``in_compliance``."""
    return status.value.replace("_", " ")


class EntitlementsTable(NavTable):
    """Entitlements of one snapshot, worst first; the owning screen calls :meth:`show`."""

    DEFAULT_CSS = """
    EntitlementsTable {
        height: auto;
        max-height: 100%;
    }
    """

    def on_mount(self) -> None:
        self.add_column("Licence", key="name")
        self.add_column("Count", key="count")
        self.add_column("Status", key="status")
        self.add_column("Raw", key="raw")
        self.add_column("Tag", key="tag")

    def show(
        self, entitlements: Sequence[Entitlement], *, empty: str = "No entitlements reported."
    ) -> None:
        """Show ``entitlements``, worst first; ``empty`` says why there are none."""
        if not entitlements:
            self.replace_rows([("none", ("—", "", "", "", empty))])
            return
        ordered = sorted(entitlements, key=lambda e: (-ENTITLEMENT_SEVERITY[e.status].rank, e.name))
        rows: list[Row] = []
        seen: set[str] = set()
        for e in ordered:
            key = e.tag if e.tag not in seen else f"{e.tag}#{len(seen)}"  # a tag listed twice
            seen.add(key)
            rows.append((key, self._cells(e)))
        self.replace_rows(rows)

    def _cells(self, e: Entitlement) -> tuple[str | Text, ...]:
        sev = ENTITLEMENT_SEVERITY[e.status]
        count = Text(str(e.count), justify="right", end="")
        return (
            e.name,
            count,
            severity_text(self.app, sev, status_word(e.status)),
            e.raw_status,
            e.tag,
        )
