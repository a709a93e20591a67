"""A small modal that asks for one line of text: the reason for removing an
acknowledgement (``u``), a shift note (``n`` on the Handover screen)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class TextDialog(ModalScreen[str | None]):
    """Returns the text typed (possibly empty unless ``required``), or None on cancel."""

    DEFAULT_CSS = """
    TextDialog {
        align: center middle;
    }
    TextDialog > #dialog {
        width: 84;
        height: auto;
        padding: 1 2;
        background: $panel;
        border: thick $primary;
    }
    TextDialog #title {
        text-style: bold;
        margin-bottom: 1;
    }
    TextDialog #message {
        height: auto;
        color: $text-muted;
        margin-bottom: 1;
    }
    TextDialog #status {
        height: auto;
        color: $error;
    }
    TextDialog #buttons {
        height: auto;
        align-horizontal: right;
        margin-top: 1;
    }
    TextDialog Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
    ]

    AUTO_FOCUS = "#text"
    """Focused as the dialog is built, so the first key typed lands in it (see
    :attr:`AckDialog.AUTO_FOCUS`)."""

    def __init__(
        self,
        title: str,
        message: str,
        *,
        action: str,
        placeholder: str = "",
        required: bool = False,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self.title_text = title
        self.message = message
        self.action_label = action
        self.placeholder = placeholder
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Content(self.title_text), id="title")
            yield Static(Content(self.message), id="message")
            yield Input(placeholder=self.placeholder, id="text")
            yield Static(id="status")
            with Horizontal(id="buttons"):
                yield Button(self.action_label, variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self._submit()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def _submit(self) -> None:
        text = self.query_one(Input).value.strip()
        if self.required and not text:
            self.query_one("#status", Static).update(Content("✖ This cannot be empty."))
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
