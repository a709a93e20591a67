"""The export dialog: scope, format and path; written in a worker, result confirmed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Literal

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from collectors.results import ClusterStatus
from dashboard.export import (
    ExportError,
    ExportFormat,
    ExportResult,
    default_path,
    left_out,
    left_out_text,
    write_export,
    write_text_atomic,
)
from dashboard.screens.detail_host import host

Scope = Literal["all", "filtered", "selected"]

__all__ = ["ExportDialog", "ExportResult", "save_svg"]


def save_svg(app: App[object], path: Path) -> None:
    """Screenshot the current screen on the UI thread; write the file in a thread worker."""
    svg = app.export_screenshot(title=path.stem)

    def write() -> None:
        try:
            write_text_atomic(path, svg)
        except ExportError as exc:
            app.call_from_thread(app.notify, str(exc), title="Export failed", severity="error")
        else:
            app.call_from_thread(app.notify, f"Screenshot saved to {path}", title="Exported")

    app.run_worker(write, thread=True, group="export", exit_on_error=False, name="save-svg")


class ExportDialog(ModalScreen[ExportResult | None]):
    """Export the fleet, the filtered rows or one cluster as JSON or CSV, or the screen as SVG.

    ``clusters`` are the clusters currently shown (the "filtered" scope); ``selected``
    the cluster under the cursor, if any (defaults to the cluster screen below).
    """

    DEFAULT_CSS = """
    ExportDialog {
        align: center middle;
    }
    ExportDialog > #dialog {
        width: 90;
        height: auto;
        padding: 1 2;
        background: $panel;
        border: thick $primary;
    }
    ExportDialog #title {
        text-style: bold;
        margin-bottom: 1;
    }
    ExportDialog RadioSet {
        width: 100%;
        layout: horizontal;
        margin-bottom: 1;
    }
    ExportDialog #status {
        height: auto;
        margin: 1 0;
    }
    ExportDialog #scope-note {
        height: auto;
        color: $warning;
    }
    ExportDialog #status.-error {
        color: $error;
    }
    ExportDialog #buttons {
        height: auto;
        align-horizontal: right;
    }
    ExportDialog Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "export", "Export", priority=True),
    ]

    class Written(Message):
        """The worker finished writing."""

        def __init__(self, result: ExportResult) -> None:
            super().__init__()
            self.result = result

    class Failed(Message):
        """The worker could not write; ``error`` names the path and the cause."""

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(
        self,
        clusters: Sequence[str],
        *,
        selected: str | None = None,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self.clusters = tuple(clusters)
        self.selected = selected
        self._format: ExportFormat = "json"
        self._scope: Scope = "all"
        self._default = Path()

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Export", id="title")
            yield Label("Scope")
            with RadioSet(id="scope"):
                yield RadioButton("All clusters", value=True, id="scope-all")
                yield RadioButton("Filtered", id="scope-filtered")
                yield RadioButton("Selected", id="scope-selected")
            yield Static(id="scope-note")
            yield Label("Format")
            with RadioSet(id="format"):
                yield RadioButton("JSON", value=True, id="format-json")
                yield RadioButton("CSV", id="format-csv")
                yield RadioButton("SVG screenshot", id="format-svg")
            yield Label("Path")
            yield Input(id="path")
            yield Static(id="status")
            with Horizontal(id="buttons"):
                yield Button("Export", variant="primary", id="export")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        if self.selected is None:
            below = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else None
            cluster = getattr(below, "cluster", None)
            if isinstance(cluster, str):
                self.selected = cluster
            elif len(self.clusters) == 1:
                self.selected = self.clusters[0]
        n_all = len(host(self).fleet.statuses)
        self.query_one("#scope-all", RadioButton).label = f"All clusters ({n_all})"
        self.query_one("#scope-filtered", RadioButton).label = f"Filtered ({len(self.clusters)})"
        selected = self.query_one("#scope-selected", RadioButton)
        selected.label = f"Selected: {self.selected}" if self.selected else "Selected (none)"
        selected.disabled = self.selected is None
        self._default = default_path(self._format, host(self).clock())
        self._note_scope()
        self.query_one("#path", Input).value = str(self._default)
        self.query_one("#path", Input).focus()

    # ----- choices ------------------------------------------------------------------

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        choice = (event.pressed.id or "").split("-", 1)[-1]
        if event.radio_set.id == "scope":
            self._scope = choice  # type: ignore[assignment]
            self._note_scope()
            return
        self._format = choice  # type: ignore[assignment]
        self.query_one("#scope", RadioSet).disabled = self._format == "svg"
        self._note_scope()
        path_input = self.query_one("#path", Input)
        if Path(path_input.value) == self._default:  # not edited: follow the format
            self._default = self._default.with_suffix(f".{self._format}")
            path_input.value = str(self._default)

    def _note_scope(self) -> None:
        """Say before writing what the scope's file will leave out, and why."""
        skipped = left_out(self.scoped_statuses()) if self._format != "svg" else []
        note = self.query_one("#scope-note", Static)
        text = left_out_text(skipped).removeprefix("; ")
        note.update(Content(text[:1].upper() + text[1:]))
        note.display = bool(skipped)

    def scoped_statuses(self) -> list[ClusterStatus]:
        statuses = host(self).fleet.statuses
        if self._scope == "selected" and self.selected:
            names: Sequence[str] = [self.selected]
        elif self._scope == "filtered":
            names = self.clusters
        else:
            names = list(statuses)
        return [statuses[name] for name in names if name in statuses]

    # ----- export -------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "export":
            self.action_export()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export()

    def action_export(self) -> None:
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            self._show_error("Give a file name to write.")
            return
        path = Path(raw).expanduser()
        if self._format == "svg":
            app = self.app
            self.dismiss(ExportResult(path, "svg", 1))
            app.call_after_refresh(save_svg, app, path)
            return
        statuses = self.scoped_statuses()
        if not statuses:
            self._show_error("Nothing to export: the chosen scope holds no cluster.")
            return
        self._set_status(f"Writing {len(statuses)} clusters to {path}…")
        self.query_one("#export", Button).disabled = True
        self._write(path, self._format, statuses)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _write(
        self, path: Path, fmt: Literal["json", "csv"], statuses: list[ClusterStatus]
    ) -> None:
        try:
            result = write_export(path, fmt, statuses)
        except ExportError as exc:
            self.post_message(self.Failed(str(exc)))
        except Exception as exc:  # a bug must show up on screen, not kill the app
            self.post_message(self.Failed(f"cannot write {path}: {type(exc).__name__}: {exc}"))
        else:
            self.post_message(self.Written(result))

    def on_export_dialog_written(self, message: Written) -> None:
        # The caller confirms on screen with ``result.message`` (path and count).
        self.dismiss(message.result)

    def on_export_dialog_failed(self, message: Failed) -> None:
        self.query_one("#export", Button).disabled = False
        self._show_error(message.error)

    def _set_status(self, text: str) -> None:
        status = self.query_one("#status", Static)
        status.remove_class("-error")
        status.update(Content(text))

    def _show_error(self, text: str) -> None:
        status = self.query_one("#status", Static)
        status.add_class("-error")
        status.update(Content(f"✖ {text}"))

    def action_cancel(self) -> None:
        self.dismiss(None)
