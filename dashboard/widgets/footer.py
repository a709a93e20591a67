"""Textual's key footer, rebuilt once for a burst of binding changes.

Textual's :class:`textual.widgets.Footer` schedules a full recompose (every key removed
and mounted again, each restyled twice by its ``compact`` binding) for every
``bindings_updated`` signal. A screen's start sends several at once (resume, stack
update, focus): the fleet screen's footer was built four times before the first full
table, a quarter of the UI thread's start-up, competing with the worker that judges the
fleet. This footer rebuilds once per burst, from the bindings in force when it runs (so
it shows the same keys as the last of the rebuilds it replaces).
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """:class:`textual.widgets.Footer`, with binding changes coalesced (see module docs)."""

    _rebuild_pending = False

    def bindings_changed(self, screen: Screen[object]) -> None:
        # Textual's own handler, less the one recompose per call.
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
