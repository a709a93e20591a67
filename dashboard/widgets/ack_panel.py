"""One cluster's acknowledgement: who owns its problems, until when, what is not covered,
why the last one ended, and its recent history from the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Final

from textual.content import Content
from textual.widgets import Static

from collectors.acks import ACK_GLYPH, SNOOZE_GLYPH, Ack, AckState, scope_text
from collectors.store.ack_files import AckEvent
from collectors.text_safety import neutralise
from dashboard.format import absolute

HISTORY_LINES: Final = 5
_VERBS: Final = {
    "acknowledge": "acknowledged",
    "snooze": "snoozed",
    "edit": "edited",
    "remove": "removed",
    "expire": "expired",
    "clear": "cleared",
}


def _owner(ack: Ack, tz: tzinfo) -> str:
    scope = "" if ack.scope == "cluster" else f" ({scope_text(ack.scope)})"
    until = "until it clears" if ack.until is None else f"until {absolute(ack.until, tz)}"
    return f"by {ack.by} at {absolute(ack.at, tz)}{scope}, {until}: {ack.reason}"


def ack_lines(
    state: AckState | None, events: Sequence[AckEvent], now: datetime, tz: tzinfo = UTC
) -> list[str]:
    """The panel's lines (empty: nothing to say): the acknowledgement in force, or what is
    not covered, or why the last one ended; then the newest history first."""
    lines: list[str] = []
    primary = state.primary if state is not None else None
    if state is not None and state.acknowledged and primary is not None:
        word = (
            f"{SNOOZE_GLYPH} SNOOZED" if primary.kind == "snooze" else f"{ACK_GLYPH} ACKNOWLEDGED"
        )
        lines.append(f"{word} {_owner(primary, tz)}")
    elif state is not None and state.holding:
        lines.append(
            f"PARTLY ACKNOWLEDGED: {len(state.holding)} in force, not covered: "
            + "; ".join(sorted(state.uncovered))
        )
        lines += [f"  {a.kind} {_owner(a, tz)}" for a in state.holding]
    ended = list(state.cleared) if state is not None else []
    if ended:
        ack, end = ended[0]
        lines.append(
            f"ACKNOWLEDGEMENT ENDED: {end.text} (was {ack.kind} by {ack.by}: {ack.reason})"
        )
    elif not lines and events and events[-1].action in ("expire", "clear"):
        last = events[-1]
        was = f" (was by {last.ack.by}: {last.ack.reason})" if last.ack else ""
        lines.append(f"ACKNOWLEDGEMENT ENDED {absolute(last.at, tz)}: {last.text}{was}")
    if events:
        lines.append("history:")
        for event in reversed(events[-HISTORY_LINES:]):
            verb = _VERBS.get(event.action, event.action)
            who = "" if event.action in ("expire", "clear") else f" by {event.by}"
            text = f": {event.text}" if event.text else ""
            lines.append(f"  {absolute(event.at, tz)} {verb}{who}{text}")
    return [neutralise(line) for line in lines]


class AckPanel(Static):
    """Hidden while the cluster has no acknowledgement and no history of one."""

    DEFAULT_CSS = """
    AckPanel {
        height: auto;
        max-height: 9;
        padding: 0 1;
        display: none;
        background: $primary 12%;
        color: $foreground;
    }
    AckPanel.-shown {
        display: block;
    }
    """

    def show(
        self,
        state: AckState | None,
        events: Sequence[AckEvent],
        now: datetime,
        tz: tzinfo = UTC,
    ) -> None:
        lines = ack_lines(state, events, now, tz)
        self.set_class(bool(lines), "-shown")
        self.update(Content("\n".join(lines)))
