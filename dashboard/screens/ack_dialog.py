"""The acknowledge / snooze dialog: what (the whole cluster, one problem or one
entitlement), why, and for how long; it returns an :class:`AckRequest` (the app writes it
in a worker)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static

from collectors.acks import (
    CLUSTER_SCOPE,
    PRESETS,
    Ack,
    AckKind,
    parse_until,
    problem_of,
    scope_text,
    scopes_of,
)
from collectors.results import ClusterStatus
from collectors.text_safety import neutralise
from dashboard.format import severity_label

UNTIL_CLEARED = "until cleared"


@dataclass(frozen=True, slots=True)
class AckRequest:
    """What the user asked for; the reason is as typed (the app cleans it)."""

    cluster: str
    kind: AckKind
    scope: str
    reason: str
    until: datetime | None


class AckDialog(ModalScreen[AckRequest | None]):
    """Acknowledge (``a``) or snooze (``A``) one cluster."""

    DEFAULT_CSS = """
    AckDialog {
        align: center middle;
    }
    AckDialog > #dialog {
        width: 84;
        height: auto;
        max-height: 90%;
        padding: 1 2;
        background: $panel;
        border: thick $primary;
    }
    AckDialog #title {
        text-style: bold;
    }
    AckDialog #explain, AckDialog #problems, AckDialog #target {
        color: $text-muted;
        height: auto;
        margin-bottom: 1;
    }
    AckDialog RadioSet {
        width: 100%;
        layout: horizontal;
    }
    AckDialog RadioSet > RadioButton {
        width: auto;
        margin-right: 2;
    }
    AckDialog Select {
        margin-bottom: 1;
    }
    AckDialog #status {
        height: auto;
        margin: 1 0 0 0;
        color: $error;
    }
    AckDialog #buttons {
        height: auto;
        align-horizontal: right;
        margin-top: 1;
    }
    AckDialog Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Save", priority=True),
    ]
    AUTO_FOCUS = "#reason"
    """Focused as the dialog is built: a focus asked for in ``on_mount`` lands a callback
    later, after Textual's auto focus gave the first field (the scope list) the keys a
    quick typist sends at once, so ``Enter`` opened the list instead of submitting."""

    def __init__(
        self,
        cluster: str,
        status: ClusterStatus | None,
        *,
        snooze: bool,
        now: datetime,
        current: Ack | None = None,
        target: str | None = None,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self.target = target
        """Where it is written when that is not this host's store (a merged view's
        source); said in the dialog."""
        self.cluster = cluster
        self.status = status
        self.kind: AckKind = "snooze" if snooze else "ack"
        self.now = now
        self.current = current
        """The acknowledgement in force, edited rather than added."""

    def compose(self) -> ComposeResult:
        verb = "Snooze" if self.kind == "snooze" else "Acknowledge"
        severity = severity_label(self.status.severity) if self.status else "? not in the fleet"
        problems = sorted(problem_of(self.status).keys)
        with Vertical(id="dialog"):
            yield Label(
                Content.from_markup(f"{verb} $name  {severity}", name=neutralise(self.cluster)),
                id="title",
            )
            yield Static(Content(self._explain()), id="explain")
            if self.target is not None:
                yield Static(Content(f"Writes to {neutralise(self.target)}"), id="target")
            yield Static(
                Content("Problems now: " + ("; ".join(neutralise(p) for p in problems) or "none")),
                id="problems",
            )
            yield Label("What")
            yield Select(
                [(scope_text(s), s) for s in scopes_of(self.status)],
                value=self.current.scope if self.current else CLUSTER_SCOPE,
                allow_blank=False,
                id="scope",
            )
            yield Label("Why (required: the ticket, who owns it)")
            yield Input(
                value=self.current.reason if self.current else "",
                placeholder="INC0042: renewal with Cisco TAC, owner alice",
                id="reason",
            )
            yield Label("For how long")
            with RadioSet(id="until"):
                for label, _span in PRESETS:
                    yield RadioButton(label, value=self._default() == label, id=f"for-{label}")
                if self.kind == "ack":
                    yield RadioButton(
                        UNTIL_CLEARED, value=self._default() == UNTIL_CLEARED, id="for-cleared"
                    )
            yield Input(placeholder="or: 2d, 90m, 2026-03-01T18:00Z (UTC)", id="custom")
            yield Static(id="status")
            with Horizontal(id="buttons"):
                yield Button(verb, variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    def _explain(self) -> str:
        if self.kind == "snooze":
            return (
                "A snooze silences the cluster until its end, whatever it does (new "
                "problems, recovery). For maintenance windows and known long cases."
            )
        return (
            "An acknowledgement says someone owns these problems. It clears itself when "
            "the cluster gets worse (severity rises, a new problem) or recovers."
        )

    def _default(self) -> str:
        return "4h" if self.kind == "snooze" else UNTIL_CLEARED

    # ----- submit ---------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "submit":
            self.action_submit()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def _until(self) -> datetime | None:
        """The chosen end; ValueError for a custom one that cannot be read."""
        custom = self.query_one("#custom", Input).value.strip()
        if custom:
            return parse_until(custom, self.now)
        pressed = self.query_one("#until", RadioSet).pressed_button
        label = str(pressed.label) if pressed is not None else self._default()
        if label == UNTIL_CLEARED:
            return None
        return self.now + dict(PRESETS)[label]

    def action_submit(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self._error("Say why (a ticket, who owns it): the next shift reads it.")
            self.query_one("#reason", Input).focus()
            return
        try:
            until = self._until()
        except ValueError as exc:
            self._error(str(exc))
            return
        if self.kind == "snooze" and until is None:
            self._error("A snooze needs an end.")
            return
        scope = self.query_one("#scope", Select).value
        self.dismiss(
            AckRequest(
                self.cluster,
                self.kind,
                scope if isinstance(scope, str) else CLUSTER_SCOPE,
                reason,
                until,
            )
        )

    def _error(self, text: str) -> None:
        self.query_one("#status", Static).update(Content(f"✖ {text}"))

    def action_cancel(self) -> None:
        self.dismiss(None)
