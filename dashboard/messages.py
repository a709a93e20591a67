"""Messages that carry data into the UI. Each holds immutable values only."""

from __future__ import annotations

from textual.message import Message

from collectors.acks import AckBook
from collectors.results import ErrorInfo
from dashboard.state import FleetState


class FleetUpdated(Message):
    """The fleet changed; ``fleet`` is the complete new state."""

    def __init__(self, fleet: FleetState, changed: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.fleet = fleet
        self.changed = changed
        """Names of the clusters whose status changed in this update (empty: unknown/all)."""

    def can_replace(self, message: Message) -> bool:
        """Fold this (older, queued) update into ``message``, the newer one behind it.

        The newer state is complete, so the older one is pointless, but what it said
        changed must not be lost: the newer message's ``changed`` becomes the union of
        both (empty, meaning "everything", if either was).
        """
        if not isinstance(message, FleetUpdated):
            return False
        if self.changed and message.changed:
            message.changed = message.changed | self.changed
        else:
            message.changed = frozenset()
        return True


class SourceError(Message):
    """The data source failed in a way the user must see (store locked, config broken)."""

    def __init__(self, error: ErrorInfo) -> None:
        super().__init__()
        self.error = error


class AcksUpdated(Message):
    """The acknowledgements beside the store changed (read, or just written here)."""

    def __init__(self, book: AckBook) -> None:
        super().__init__()
        self.book = book

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, AcksUpdated)
