"""The dashboard's side of acknowledgements: follow them, ask, write.

:class:`AckDesk` belongs to the app and owns one thread (``licdash-acks``) for every
blocking acknowledgement I/O. Its ledger is the file beside the store (an
:class:`~collectors.store.ack_files.AckStore`), or, in a merged view, the viewer's
:class:`~collectors.sources.ack_route.AckRouter`, which writes each change to the source
that owns the cluster. The thread checks the file every ``interval`` seconds (one
``stat``; read only when it changed) and posts :class:`~dashboard.messages.AcksUpdated`;
the app puts the book into ``app.fleet`` so every screen judges it by the policy (a
merged view's book comes with the fleet instead). ``a``/``A``/``u`` and the Handover
screen's ``n`` open a dialog here; the write is queued to the same thread, never done on
the UI thread.

Who may write: a dashboard that polls (live, demo); a read-only viewer or a merged view
only when started with ``--allow-ack`` (the browser view, which runs viewers, never can
by default), and in a merged view only where the owning source takes them: a refusal is
a notice naming the source and why, and the dialog says which source it writes to.
"""

from __future__ import annotations

import contextlib
import getpass
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, cast

from textual.app import App
from textual.notifications import SeverityLevel

from collectors.acks import MAX_NAME, MAX_NOTE, MAX_REASON, scope_text, user_text
from collectors.errors import LicdashError
from collectors.sources.ack_route import AckLedger, AckRouter
from collectors.store.ack_files import AckEvent, AckStore
from collectors.text_safety import neutralise
from dashboard.messages import AcksUpdated
from dashboard.screens.ack_dialog import AckDialog, AckRequest
from dashboard.screens.detail_host import DetailHost
from dashboard.screens.text_dialog import TextDialog
from dashboard.sources.base import join_thread

CHECK_SECONDS: Final = 2.0
JOIN_TIMEOUT_S: Final = 10.0
READ_ONLY_HINT: Final = (
    "read-only viewer: start it with `licdash dash --store DIR --allow-ack` to acknowledge"
)
MERGED_HINT: Final = (
    "read-only merged view: start it with `licdash dash --source ... --allow-ack` to "
    "acknowledge (each source that takes them is written)"
)


def login_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


class AckDesk:
    """See the module docs. ``ledger`` None: no acknowledgements (no store)."""

    def __init__(
        self,
        app: App[Any],
        ledger: AckLedger | None,
        *,
        allowed: bool,
        by: str | None = None,
        interval: float = CHECK_SECONDS,
    ) -> None:
        self.app = app
        self.store = ledger
        self.router = ledger if isinstance(ledger, AckRouter) else None
        self.follows = ledger is not None and self.router is None
        """Whether the desk reads the book itself (a file); a router's comes with the fleet."""
        self.allowed = allowed and self.store is not None
        self.by = user_text(by or login_name(), limit=MAX_NAME) or "unknown"
        self.interval = interval
        self._token: object = None
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_source(
        cls, app: App[Any], source: object, *, allowed: bool, by: str | None = None
    ) -> AckDesk:
        """The desk of ``source``: its router (a merged view), else the file beside its
        store on the app's clock (what the dialog offers, "4h", is from the same now)."""
        router = getattr(source, "acks", None)
        if isinstance(router, AckRouter):
            return cls(app, router, allowed=allowed, by=by)
        store_dir = getattr(source, "store_dir", None)
        host = cast(DetailHost, app)
        ledger = (
            AckStore(store_dir, clock=lambda: host.clock().replace(microsecond=0))
            if isinstance(store_dir, Path)
            else None
        )
        return cls(app, ledger, allowed=allowed, by=by)

    @property
    def _host(self) -> DetailHost:
        return cast(DetailHost, self.app)

    # ----- following the file ----------------------------------------------------------

    def start(self) -> None:
        if self.store is None:
            return
        if not self.follows:  # nothing to follow: writes only, on demand
            self._thread = threading.Thread(target=self._serve, name="licdash-acks", daemon=True)
            self._thread.start()
            return
        self._jobs.put(self._read)  # at once, then every interval
        self._thread = threading.Thread(target=self._serve, name="licdash-acks", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._jobs.put(None)
            await join_thread(thread, JOIN_TIMEOUT_S)

    def _serve(self) -> None:
        """The desk's thread: the queued writes, and a check of the file between them."""
        while True:
            try:
                job = self._jobs.get(timeout=self.interval if self.follows else None)
            except queue.Empty:
                job = self._read
            if job is None:
                return
            try:
                job()
            except Exception as exc:  # a bug must show on screen, not end the thread
                self._tell(f"acknowledgements: {type(exc).__name__}: {exc}", "error")

    def check(self) -> None:
        """Read the file now (if it changed) rather than at the next interval."""
        self._jobs.put(self._read)

    def _tell(self, text: str, severity: SeverityLevel = "information", title: str = "") -> None:
        with contextlib.suppress(RuntimeError):  # the app is closing
            self.app.call_from_thread(
                self.app.notify, neutralise(text), title=title, severity=severity, timeout=8
            )

    def _read(self) -> None:
        if self.store is None or not self.follows:
            return
        book = self.store.book()
        if book.token != self._token:
            self._token = book.token
            self.app.post_message(AcksUpdated(book))

    # ----- asking and writing ------------------------------------------------------------

    def _may_write(self, cluster: str | None = None) -> bool:
        """Whether a change may be asked for; if not, a notice says why (in a merged
        view: which source refuses ``cluster``'s, and why)."""
        if self.store is None:
            self.app.notify("no store: acknowledgements live beside a store", severity="warning")
            return False
        if not self.allowed:
            hint = MERGED_HINT if self.router is not None else READ_ONLY_HINT
            self.app.notify(hint, severity="warning", timeout=6)
            return False
        if self.router is not None:
            try:
                if cluster is None:  # a shift note: one source must be the one to take it
                    self.router.note_source()
                    why = None
                else:
                    why = self.router.refusal(cluster)
            except LicdashError as exc:
                why = str(exc)
            if why:
                self.app.notify(neutralise(why), title="Not written", severity="warning")
                return False
        return True

    def target(self, cluster: str) -> str | None:
        """Where a change of ``cluster`` is written, when that is a merged view's source."""
        if self.router is None:
            return None
        try:
            return self.router.target(cluster)
        except LicdashError:
            return None

    def acknowledge(self, cluster: str, *, snooze: bool) -> None:
        """Open the dialog for ``cluster`` (``a``: acknowledge, ``A``: snooze)."""
        if not self._may_write(cluster):
            return
        fleet, now = self._host.fleet, self._host.clock()
        status = fleet.statuses.get(cluster)
        state = self._host.policy.acknowledgement(status, fleet.acks, now) if status else None
        current = state.primary if state is not None else None
        dialog = AckDialog(
            cluster, status, snooze=snooze, now=now, current=current, target=self.target(cluster)
        )
        self.app.push_screen(dialog, self._acknowledge_chosen)

    def _acknowledge_chosen(self, request: AckRequest | None) -> None:
        if request is None:
            return
        fleet, policy = self._host.fleet, self._host.policy
        status = fleet.statuses.get(request.cluster)
        reason = user_text(request.reason, limit=MAX_REASON)

        def write() -> AckEvent:
            assert self.store is not None
            return self.store.acknowledge(
                request.cluster,
                status,
                by=self.by,
                reason=reason,
                kind=request.kind,
                until=request.until,
                scope=request.scope,
                statuses=fleet.statuses,
                policy=policy,
            )

        self._write(write, "acknowledge")

    def unacknowledge(self, cluster: str) -> None:
        """Confirm, then remove every acknowledgement and snooze of ``cluster`` (``u``)."""
        if not self._may_write(cluster):
            return
        held = self._host.fleet.acks.get(cluster)
        if not held:
            self.app.notify(f"{neutralise(cluster)} has no acknowledgement to remove", timeout=3)
            return
        owners = ", ".join(sorted({f"{a.kind} by {a.by} ({scope_text(a.scope)})" for a in held}))
        target = self.target(cluster)
        where = f" Writes to {target}." if target else ""
        dialog = TextDialog(
            f"Remove the acknowledgements of {cluster}",
            neutralise(
                f"In force: {owners}. The cluster counts as a problem again at once.{where}"
            ),
            action="Remove",
            placeholder="why (optional, for the audit trail)",
        )

        def chosen(reason: str | None) -> None:
            if reason is None:
                return
            fleet, policy = self._host.fleet, self._host.policy
            text = user_text(reason, limit=MAX_REASON)
            self._write(
                lambda: self._store().remove(
                    cluster, by=self.by, reason=text, statuses=fleet.statuses, policy=policy
                ),
                "remove",
            )

        self.app.push_screen(dialog, chosen)

    def add_note(self, done: Callable[[], None] | None = None) -> None:
        """Ask for a shift note and record it in the audit trail."""
        if not self._may_write():
            return
        where = ""
        if self.router is not None:
            source = self.router.note_source()
            where = f" Writes to source {source.name} ({source.location})."
        dialog = TextDialog(
            "Shift note",
            neutralise(
                f"Stored with the audit trail and shown in the handover of this shift.{where}"
            ),
            action="Add note",
            placeholder="what the next shift must know",
            required=True,
        )

        def chosen(text: str | None) -> None:
            if not text:
                return
            fleet, policy = self._host.fleet, self._host.policy
            note = user_text(text, limit=MAX_NOTE)
            self._write(
                lambda: self._store().note(
                    note, by=self.by, statuses=fleet.statuses, policy=policy
                ),
                "note",
                done,
            )

        self.app.push_screen(dialog, chosen)

    def _store(self) -> AckLedger:
        assert self.store is not None
        return self.store

    def _write(
        self,
        change: Callable[[], AckEvent | list[AckEvent]],
        what: str,
        done: Callable[[], None] | None = None,
    ) -> None:
        def work() -> None:
            try:
                result = change()
            except (LicdashError, OSError) as exc:
                self._tell(str(exc), "error", title=f"Could not {what}")
                return
            events = result if isinstance(result, list) else [result]
            self._read()  # everyone sees it at once, this screen first (a router's
            # source is looked at again at once and its fleet brings the book)
            self.app.call_from_thread(self._confirm, events)
            if done is not None:
                self.app.call_from_thread(done)

        self._jobs.put(work)

    def _confirm(self, events: list[AckEvent]) -> None:
        for event in events:
            ack = event.ack
            if event.action == "note":
                text = "shift note recorded"
            elif ack is None:
                continue
            elif event.action == "remove":
                text = f"removed the {ack.kind} of {ack.cluster} by {ack.by}"
            else:
                verb = {"snooze": "snoozed", "edit": "edited"}.get(event.action, "acknowledged")
                text = f"{verb} {ack.cluster} ({scope_text(ack.scope)}), {ack.until_text()}"
            self.app.notify(neutralise(text), timeout=4)
